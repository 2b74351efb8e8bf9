#!/usr/bin/env bash
# Installs Debian's Go toolchain (golang-go) when `go` is missing: a test builds a real
# Go binary offline (vendored modules) and holds rampart's build-information reader to
# `go version -m`. Idempotent.
set -euo pipefail
if command -v go >/dev/null 2>&1; then echo "go already installed: $(go version)"; exit 0; fi
echo "installing golang-go (Debian)"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null 2>&1 || true
apt-get install -y -qq golang-go >/dev/null
go version
