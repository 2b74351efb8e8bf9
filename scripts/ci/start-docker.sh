#!/usr/bin/env bash
# Starts a local Docker Engine for the tests that talk to one (rampart docker, image
# docker-daemon:, the container image build). Installs Debian's docker.io when dockerd is
# missing (the machine may have only the docker client), starts dockerd in the background
# and waits until /_ping answers. Idempotent: an engine that already answers is kept.
# The tests make their images from a static busybox (no registry is reachable): Debian's
# busybox-static is installed when /bin/busybox is missing.
set -euo pipefail
sock=/var/run/docker.sock
ping() { curl -fsS --max-time 2 --unix-socket "$sock" http://localhost/_ping >/dev/null 2>&1; }
if [ ! -x /bin/busybox ]; then
  echo "installing busybox-static (Debian)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null 2>&1 || true
  apt-get install -y -qq busybox-static >/dev/null
fi
if ping; then echo "docker engine already running"; exit 0; fi
if ! command -v dockerd >/dev/null 2>&1; then
  echo "installing docker.io (Debian)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null 2>&1 || true
  apt-get install -y -qq docker.io >/dev/null
fi
log=${TMPDIR:-/tmp}/rampart-ci-dockerd.log
nohup dockerd >"$log" 2>&1 &
for _ in $(seq 1 60); do
  if ping; then echo "docker engine up"; exit 0; fi
  sleep 1
done
echo "dockerd did not answer /_ping within 60 s; its log:" >&2
tail -20 "$log" >&2
exit 1
