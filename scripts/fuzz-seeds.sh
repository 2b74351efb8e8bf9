#!/usr/bin/env bash
# Seed corpora for the fuzz targets (fuzz/fuzz_targets), from the repository's examples
# and fixtures and, when present, the shared corpus in ../shared: fuzz/corpus/<target>/.
# Generated, not committed (fuzz/.gitignore). Files are named by content, so reruns and
# the inputs libFuzzer adds coexist.
#   scripts/fuzz-seeds.sh
set -euo pipefail
cd "$(dirname "$0")/.."
shared=${RAMPART_SHARED:-../shared}
out=fuzz/corpus

seed() { # seed TARGET FILE...
  local target=$1 file
  shift
  mkdir -p "$out/$target"
  for file in "$@"; do
    [ -f "$file" ] || continue
    cp "$file" "$out/$target/seed-$(sha1sum <"$file" | cut -c1-16)"
  done
}

# `find` with a name pattern under directories that may not exist, in a fixed order (the
# directory order differs between file systems, and `head` takes a prefix).
files() { # files PATTERN DIR...
  local pattern=$1
  shift
  for dir in "$@"; do
    if [ -d "$dir" ]; then find "$dir" -type f -iname "$pattern" -size -256k; fi
  done | LC_ALL=C sort
}

mapfile -t manifests < <(files '*.y*ml' examples crates/rampart-core/tests/rules \
  crates/rampart-core/src/netpol/testdata crates/rampart-core/src/psp/tests deploy; \
  files '*.json' examples crates/rampart-core/tests/rules)
mapfile -t flags < <(files '*.env' examples crates/rampart-core/tests; files '*.conf' examples)
mapfile -t dockerfiles < <(files '*dockerfile*' examples crates/rampart-core/tests/rules \
  "$shared/corpus/dockerfile" | head -400)
mapfile -t compose < <(files '*compose*.y*ml' examples crates/rampart-core/tests/rules \
  "$shared/corpus/compose")
mapfile -t docker_json < <(files '*.inspect.json' examples crates/rampart-core/tests/rules; \
  files 'daemon*.json' examples crates/rampart-core/tests/rules)
mapfile -t corpus < <(files '*.y*ml' "$shared/corpus/kubernetes" | head -300)
mapfile -t pss < <(files '*.yaml' "$shared/conformance/pss/baseline/v1.0" \
  "$shared/conformance/pss/restricted/latest" "$shared/conformance/pss/restricted/v1.37")

seed source "${manifests[@]}" "${corpus[@]}"
seed scan "${manifests[@]}" "${flags[@]}" "${corpus[@]}"
seed dockerfile "${dockerfiles[@]}"
seed compose "${compose[@]}"
seed docker_json "${docker_json[@]}"
mapfile -t policies < <(grep -l -s 'kind: NetworkPolicy' "${manifests[@]}" "${corpus[@]}")
seed netpol examples/netpol/*.yaml "${policies[@]}"
seed policy examples/psp/*.yaml crates/rampart-core/src/psp/tests/vectors.yaml "${pss[@]}" \
  examples/insecure.yaml examples/hardened.yaml
seed admission fuzz/seeds/admission/*.json crates/rampart-server/benches/data/pod-review.json

for target in "$out"/*/; do
  echo "$(basename "$target"): $(find "$target" -type f | wc -l) inputs"
done
