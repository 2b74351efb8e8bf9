#!/usr/bin/env bash
# Starts two local OCI registries for the `rampart image docker://` tests, with Debian's
# docker-registry (the CNCF distribution registry), on the loopback address only:
#   127.0.0.1:5741  anonymous
#   127.0.0.1:5742  htpasswd basic auth, user "rampart", password "rampart-test"
# Installs docker-registry, skopeo and apache2-utils (htpasswd) when missing. Storage
# lives under $TMPDIR. Idempotent: a registry that already answers is kept.
set -euo pipefail
base=${TMPDIR:-/tmp}/rampart-registry
answers() { curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:$1/v2/" | grep -qE '^(200|401)$'; }

missing=()
command -v docker-registry >/dev/null 2>&1 || missing+=(docker-registry)
command -v skopeo >/dev/null 2>&1 || missing+=(skopeo)
command -v htpasswd >/dev/null 2>&1 || missing+=(apache2-utils)
if ((${#missing[@]})); then
  echo "installing ${missing[*]} (Debian)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null 2>&1 || true
  apt-get install -y -qq "${missing[@]}" >/dev/null
fi

start() {
  local name=$1 port=$2 auth=$3
  if answers "$port"; then echo "registry $name already on 127.0.0.1:$port"; return; fi
  mkdir -p "$base/$name/data"
  cat >"$base/$name/config.yml" <<YAML
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $base/$name/data
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$port
$auth
YAML
  nohup docker-registry serve "$base/$name/config.yml" >"$base/$name.log" 2>&1 &
  for _ in $(seq 1 30); do
    if answers "$port"; then echo "registry $name up on 127.0.0.1:$port"; return; fi
    sleep 1
  done
  echo "registry $name did not answer on 127.0.0.1:$port within 30 s; its log:" >&2
  tail -20 "$base/$name.log" >&2
  exit 1
}

mkdir -p "$base"
htpasswd -Bbc "$base/htpasswd" rampart rampart-test >/dev/null 2>&1
start anonymous 5741 ""
start basic 5742 "auth:
  htpasswd:
    realm: rampart-test
    path: $base/htpasswd"
