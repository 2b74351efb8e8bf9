#!/usr/bin/env bash
# The README's install paths, as CI checks them, in one build:
#  1. `cargo install --locked --path crates/rampart-cli`, with the static flags of the
#     container recipe (see Dockerfile), into dist/;
#  2. the binary is static: `file` and `ldd` say so, no shared library is needed, and
#     mimalloc and ring are linked in;
#  3. the image: `docker build` of the repository's Dockerfile holds only the binary and
#     runs as 65532; `docker run ... scan` on the mounted examples reports exactly what the
#     binary reports; a container of the image, run with hardening flags, has nothing to
#     report: its `docker inspect` output scanned, and `rampart docker` on the engine
#     (which does report a container of the image without the flags, and a copy of the
#     image whose ignore label leaves healthcheck-missing on: the URIs are matched).
# RAMPART_CONTAINER_PROFILE=dev builds faster, unoptimised (the image is only checked).
set -euo pipefail
cd "$(dirname "$0")/../.."
profile=${RAMPART_CONTAINER_PROFILE:-release}
target=x86_64-unknown-linux-gnu
work=$(mktemp -d)
tag=rampart-ci:$$
container=rampart-ci-$$
# Controls for `rampart docker`: the same image run without hardening, and a copy of the
# image whose ignore label does not cover healthcheck-missing.
bare=rampart-ci-bare-$$
control_tag=rampart-ci-control:$$
cleanup() {
  docker rm -f "$container" "$bare" >/dev/null 2>&1 || true
  docker rmi -f "$control_tag" "$tag" >/dev/null 2>&1 || true
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
# (--network none: the default bridge is reported, as Docker Bench 5.30 does, and rampart
# needs no network; --cgroupns private: a daemon on cgroup v1 shares the host's by default.)
hardening=(--read-only --cap-drop ALL --security-opt no-new-privileges --memory 256m --cpus 1
  --pids-limit 64 --network none --cgroupns private)
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

echo "-- rampart docker on the engine: nothing about that container or the image"
docker create --name "$bare" "$tag" scan >/dev/null
printf 'FROM %s\nLABEL rampart.dev/ignore="run-as-root=a control for container.sh"\n' "$tag" \
  | docker build --quiet --tag "$control_tag" - >/dev/null
set +e
"$bin" docker --format json > "$work/docker.json"
docker_code=$?
set -e
# 1: the controls (and other objects of the engine) have findings; 2: an object could not
# be read, which must be none of these (nor the daemon): on a shared engine another
# container may be removed while rampart reads it.
case $docker_code in
  1 | 2) ;;
  *) fail "rampart docker exited $docker_code" ;;
esac
# Objects are named docker://<host>/containers/<name> and docker://<host>/images/<first tag>.
jq -e --arg c "$container" --arg i "$tag" --arg bare "$bare" --arg control "$control_tag" '
  def about($kind; $name): .file | endswith("/" + $kind + "/" + $name);
  [.findings[] | select(about("containers"; $c) or about("images"; $i))] as $ours
  | [.errors[] | select(about("containers"; $c) or about("images"; $i)
      or about("containers"; $bare) or about("images"; $control)
      or (.file | endswith("/daemon")))] as $errors
  | ([.findings[] | select(about("containers"; $bare))] | length) as $bare_findings
  | ([.findings[] | select(about("images"; $control) and .rule == "healthcheck-missing")]
      | length) as $control_findings
  | if ($ours + $errors | length) > 0 then ($ours + $errors | tostring | halt_error)
    elif $bare_findings == 0 then ("no finding about the control container \($bare)\n" | halt_error)
    elif $control_findings == 0 then ("no finding about the control image \($control)\n" | halt_error)
    else true end' "$work/docker.json" >/dev/null \
  || fail "rampart docker: the hardened container or the image is reported (or the controls are not)"
echo "rampart docker: nothing about $container or $tag ($(jq -r '.summary | "\(.findings) findings on \(.objects) objects of the engine"' "$work/docker.json"))"
echo "container image checked"
