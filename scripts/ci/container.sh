#!/usr/bin/env bash
# The README's install paths, as CI checks them, in one build:
#  1. `cargo install --locked --path crates/rampart-cli`, with the static flags of the
#     container recipe (see Dockerfile), into dist/;
#  2. the binary is static: `file` and `ldd` say so, no shared library is needed, and
#     mimalloc and ring are linked in;
#  3. the image: `docker build` of the repository's Dockerfile holds only the binary and
#     runs as 65532; `docker run ... scan` on the mounted examples reports exactly what the
#     binary reports; a container of the image, run with hardening flags, has nothing to
#     report (its `docker inspect` output scanned; and `rampart docker` once it exists).
# RAMPART_CONTAINER_PROFILE=dev builds faster, unoptimised (the image is only checked).
set -euo pipefail
cd "$(dirname "$0")/../.."
profile=${RAMPART_CONTAINER_PROFILE:-release}
target=x86_64-unknown-linux-gnu
work=$(mktemp -d)
tag=rampart-ci:$$
container=rampart-ci-$$
cleanup() {
  docker rm -f "$container" >/dev/null 2>&1 || true
  docker rmi -f "$tag" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "container.sh: $*" >&2; exit 1; }

echo "-- cargo install --locked --path crates/rampart-cli (static, $profile profile)"
start=$SECONDS
RUSTFLAGS="-C target-feature=+crt-static" cargo install --quiet --locked --force \
  --path crates/rampart-cli --target "$target" --profile "$profile" --root dist \
  --target-dir "${CARGO_TARGET_DIR:-target}"
echo "built in $((SECONDS - start)) s"
bin=dist/bin/rampart

echo "-- the binary is static"
file "$bin"
file "$bin" | grep -Eq 'static(-pie)? linked' || fail "not statically linked"
ldd "$bin" 2>&1 | grep -Eq 'statically linked|not a dynamic executable' || fail "ldd: $(ldd "$bin" 2>&1)"
if readelf -d "$bin" | grep NEEDED; then fail "needs shared libraries"; fi
# (nm's output is read whole: `grep -q` stopping early would fail the pipe under pipefail)
nm "$bin" > "$work/symbols"
grep -q ' mi_malloc_aligned$' "$work/symbols" || fail "mimalloc (the global allocator) is not linked in"
grep -q 'ring_core_[0-9_]*_' "$work/symbols" || fail "ring is not linked in"

echo "-- docker build"
docker build --quiet --tag "$tag" . >/dev/null
[ "$(docker image inspect --format '{{.Config.User}}' "$tag")" = "65532:65532" ] || fail "not user 65532"
mkdir "$work/image"
docker save "$tag" | tar -x -C "$work/image"
files=$(jq -r '.[0].Layers[]' "$work/image/manifest.json" \
  | while read -r layer; do tar -tf "$work/image/$layer"; done | grep -v '/$' | sort)
[ "$files" = "usr/local/bin/rampart" ] || fail "the image holds more than the binary: $files"
[ "$(docker run --rm "$tag" --version)" = "$("$bin" --version)" ] || fail "--version differs"

echo "-- docker run ... scan on the examples"
hardening=(--read-only --cap-drop ALL --security-opt no-new-privileges --memory 256m --cpus 1 --pids-limit 64)
set +e
docker run --rm "${hardening[@]}" -v "$PWD/examples:/work:ro" "$tag" scan --format json > "$work/image.json"
image_code=$?
(cd examples && "../$bin" scan --format json < /dev/null) > "$work/local.json"
local_code=$?
set -e
[ "$image_code" = 1 ] && [ "$local_code" = 1 ] || fail "exit codes $image_code (image), $local_code (binary); expected 1"
cmp "$work/image.json" "$work/local.json" || fail "the image's report differs from the binary's"
echo "$(jq -r '.summary | "\(.findings) findings in \(.files) files"' "$work/image.json"), as the binary reports"

echo "-- rampart judges a container of the image: nothing to report"
docker create --name "$container" "${hardening[@]}" --restart on-failure:3 "$tag" scan >/dev/null
docker inspect "$container" > "$work/inspect.json"
"$bin" scan "$work/inspect.json" Dockerfile --fail-on info
if "$bin" docker --help >/dev/null 2>&1; then
  "$bin" docker --format json > "$work/docker.json" || true
  jq -e --arg c "$container" --arg i "$tag" '
    [.findings[] | select((.file | endswith("/containers/" + $c)) or (.file | endswith("/images/" + $i)))]
    | if length == 0 then true else (. | tostring | halt_error) end' "$work/docker.json" >/dev/null \
    || fail "rampart docker reports the container or the image"
  echo "rampart docker: nothing about $container or $tag"
else
  echo "(rampart docker is not in this build: its check is skipped)"
fi
echo "container image checked"
