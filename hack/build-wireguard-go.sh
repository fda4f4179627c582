#!/usr/bin/env bash
# Builds a current userspace WireGuard (wireguard-go, with the batching and UDP GSO/GRO work that
# Debian's 0.0.20220316 predates) from its Go module, once per machine, into
#   ~/.cache/meshfed/wireguard-go/<version>/wireguard-go
# and prints that path. Idempotent: an existing build is only printed. The agent prefers, in order,
# the kernel module, this build (--wireguard-go, or MESHFED_WIREGUARD_GO), Debian's package.
set -euo pipefail

# a pseudo-version of golang.zx2c4.com/wireguard (its tags stopped in 2023; master carries the work)
WIREGUARD_GO_VERSION="${WIREGUARD_GO_VERSION:-v0.0.0-20260522210424-ecfc5a8d5446}"
DEST="${MESHFED_CACHE:-$HOME/.cache/meshfed}/wireguard-go/${WIREGUARD_GO_VERSION}"

if [[ -x "$DEST/wireguard-go" ]]; then
  echo "$DEST/wireguard-go"
  exit 0
fi
command -v go >/dev/null || { echo "error: 'go' is needed to build wireguard-go" >&2; exit 1; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# the module proxy is reachable and the module pinned by version; the checksum database may not be
export GOFLAGS=-mod=mod GONOSUMDB='*' GOSUMDB=off CGO_ENABLED=0
cd "$work"
go mod init meshfed.io/wireguard-go >/dev/null 2>&1
go get "golang.zx2c4.com/wireguard@${WIREGUARD_GO_VERSION}" >&2
mkdir -p "$DEST.tmp"
go build -trimpath -ldflags "-s -w" -o "$DEST.tmp/wireguard-go" golang.zx2c4.com/wireguard >&2
rm -rf "$DEST" && mv "$DEST.tmp" "$DEST"
echo "$DEST/wireguard-go"
