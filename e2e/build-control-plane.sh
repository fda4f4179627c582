#!/usr/bin/env bash
# Builds the pinned test control plane (kube-apiserver, kubectl, etcd) from their Go
# modules, once per machine, into the layout io.fabric8:kube-api-test expects:
#   ~/.kubeapitest/k8s/<version>-linux-amd64/{kube-apiserver,kubectl,etcd}
# Idempotent: does nothing when the three binaries are already there.
set -euo pipefail

K8S_VERSION="${K8S_VERSION:-1.34.4}"
ETCD_VERSION="${ETCD_VERSION:-3.6.8}"
DEST="${KUBE_API_TEST_DIR:-$HOME/.kubeapitest}/k8s/${K8S_VERSION}-linux-amd64"

if [[ -x "$DEST/kube-apiserver" && -x "$DEST/kubectl" && -x "$DEST/etcd" ]]; then
  echo "control plane ${K8S_VERSION} already built in $DEST"
  exit 0
fi
command -v go >/dev/null || { echo "error: 'go' is needed to build the test control plane" >&2; exit 1; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# The checksum database may be unreachable from this machine; the module proxy
# is, and the modules are pinned by version. This applies to this build only.
export GOFLAGS=-mod=mod GONOSUMDB='*' GONOSUMCHECK=1 GOSUMDB=off CGO_ENABLED=0
mkdir -p "$DEST"

build_k8s() {
  local dir="$work/k8s" minor="0.${K8S_VERSION#1.}"
  mkdir -p "$dir" && cd "$dir"
  go mod init meshfed.io/controlplane >/dev/null 2>&1
  # k8s.io/kubernetes points its staging modules at ./staging; map each to its
  # published v0.X.Y release instead.
  local gomod
  gomod="$(go mod download -json "k8s.io/kubernetes@v${K8S_VERSION}" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')"
  {
    echo "require k8s.io/kubernetes v${K8S_VERSION}"
    echo "replace ("
    grep -oE '^\s*k8s\.io/[a-z0-9-]+ => \./staging/src/k8s\.io/[a-z0-9-]+' "$gomod" \
      | awk -v v="v${minor}" '{print "\t" $1 " => " $1 " " v}'
    echo ")"
  } >> go.mod
  cat > tools.go <<'GO'
//go:build tools

package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kubectl"
)
GO
  go mod tidy >/dev/null
  echo "building kube-apiserver and kubectl v${K8S_VERSION}"
  go build -trimpath -ldflags "-s -w -X k8s.io/component-base/version.gitVersion=v${K8S_VERSION} -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=${K8S_VERSION#1.}" \
    -o "$DEST/kube-apiserver" k8s.io/kubernetes/cmd/kube-apiserver
  go build -trimpath -ldflags "-s -w -X k8s.io/component-base/version.gitVersion=v${K8S_VERSION}" \
    -o "$DEST/kubectl" k8s.io/kubernetes/cmd/kubectl
}

build_etcd() {
  local dir="$work/etcd"
  mkdir -p "$dir" && cd "$dir"
  go mod init meshfed.io/etcd >/dev/null 2>&1
  echo "require go.etcd.io/etcd/server/v3 v${ETCD_VERSION}" >> go.mod
  cat > tools.go <<'GO'
//go:build tools

package tools

import _ "go.etcd.io/etcd/server/v3"
GO
  go mod tidy >/dev/null
  echo "building etcd v${ETCD_VERSION}"
  go build -trimpath -ldflags "-s -w" -o "$DEST/etcd" go.etcd.io/etcd/server/v3
}

t0=$SECONDS
[[ -x "$DEST/etcd" ]] || build_etcd
[[ -x "$DEST/kube-apiserver" && -x "$DEST/kubectl" ]] || build_k8s
"$DEST/kube-apiserver" --version
"$DEST/etcd" --version | head -1
echo "control plane built in $((SECONDS - t0)) s into $DEST"
