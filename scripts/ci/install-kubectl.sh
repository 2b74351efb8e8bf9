#!/usr/bin/env bash
# Makes `kubectl kustomize` available for the tests that build Kustomize directories for
# real (rampart scan renders them with `kustomize build` or `kubectl kustomize`). Keeps a
# kubectl or kustomize that is already installed; otherwise installs Debian's
# kubernetes-client (kubectl with kustomize built in). Helm cannot be installed from the
# registries CI may reach: the Helm path is tested with a stand-in executable.
set -euo pipefail
if command -v kustomize >/dev/null 2>&1 || kubectl kustomize --help >/dev/null 2>&1; then
  echo "kustomize available: $(command -v kustomize || command -v kubectl)"
  exit 0
fi
echo "installing kubernetes-client (Debian)"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null 2>&1 || true
apt-get install -y -qq kubernetes-client >/dev/null
kubectl kustomize --help >/dev/null
echo "kustomize available: $(command -v kubectl)"
