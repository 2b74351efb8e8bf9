#!/usr/bin/env bash
# Flow benchmark: 1,000,000 observed flows over a 10,000-pod cluster judged, against
# reading and parsing the same log (same run), generation for 2,000 workloads against
# judging the same flows, then the CLI's wall time and peak memory on the same files.
#   scripts/flows-bench.sh [PODS] [FLOWS] [WORKLOADS]   (defaults: 10000 1000000 2000)
set -euo pipefail
cd "$(dirname "$0")/.."
pods=${1:-10000}
flows=${2:-1000000}
workloads=${3:-2000}
target=${CARGO_TARGET_DIR:-target}
cargo build --release -q -p rampart-cli --example flows_bench --bin rampart
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$target/release/examples/flows_bench" "$work" "$pods" "$flows" "$workloads"
for format in csv hubble; do
  /usr/bin/time -f "rampart netpol flows (CLI, $format, JSON report): %e s wall, %U s user, peak RSS %M KB" \
    "$target/release/rampart" netpol flows "$work/cluster.json" --flows "$work/flows.$format" \
    --format json > "$work/report.json" || test $? -eq 1
done
/usr/bin/time -f "rampart netpol isolation (CLI, the manifests alone): %e s wall, %U s user, peak RSS %M KB" \
  "$target/release/rampart" netpol isolation "$work/cluster.json" > /dev/null
