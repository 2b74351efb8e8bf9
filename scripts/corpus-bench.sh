#!/usr/bin/env bash
# Corpus benchmark: documents/second of `rampart scan` against a parse-only pass over the
# same bytes (same run), and the peak memory of the CLI scanning the replicated corpus.
#   scripts/corpus-bench.sh [CORPUS_DIR] [DOCUMENTS]   (defaults: ../shared/corpus/kubernetes 10000)
set -euo pipefail
cd "$(dirname "$0")/.."
corpus=${1:-../shared/corpus/kubernetes}
wanted=${2:-10000}
cargo build --release -q -p rampart-cli --example corpus_bench --bin rampart
./target/release/examples/corpus_bench "$corpus" "$wanted"

# Peak RSS of the real CLI on the corpus replicated on disk to at least $wanted documents.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
per_copy=$(./target/release/rampart scan "$corpus" --format json 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["summary"]["documents"])' || true)
copies=$(( (wanted + per_copy - 1) / per_copy ))
for i in $(seq 1 "$copies"); do cp -r "$corpus" "$work/copy$i"; done
python3 - "$work" <<'PY'
import resource, subprocess, sys, time, json
start = time.monotonic()
out = subprocess.run(["./target/release/rampart", "scan", sys.argv[1], "--format", "json"], capture_output=True)
elapsed = time.monotonic() - start
summary = json.loads(out.stdout)["summary"]
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(f"rampart scan (CLI, from disk): {summary['files']} files, {summary['documents']} documents, "
      f"{summary['documents'] / elapsed:.0f} documents/s, peak RSS {rss:.1f} MiB")
PY
