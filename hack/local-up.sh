#!/usr/bin/env bash
# The quick start: builds meshfed, starts a local kube-apiserver + etcd, runs the operator against
# it, applies examples/local-cluster.yaml and prints `kubectl get mc,peers`. Runs until Ctrl-C;
# with --once it stops right after printing.
set -euo pipefail
# shellcheck source=hack/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$(repo_root)"

require_java
require_mesh_tools

# the first run on a machine builds the control plane (~10 min) and wireguard-go (~1 min) from Go
# modules; later runs find them and only build meshfed
steps_begin 4
if [[ -x "${KUBE_API_TEST_DIR:-$HOME/.kubeapitest}/k8s/${K8S_VERSION:-1.34.4}-linux-amd64/kube-apiserver" ]]; then
  step "test control plane (built already)" "$MESHFED_LOGS/control-plane.log" ensure_control_plane
else
  step "test control plane: kube-apiserver, kubectl, etcd from their Go modules (first time: ~10 min)" \
    "$MESHFED_LOGS/control-plane.log" ensure_control_plane
fi
step "wireguard-go from its Go module (first time: ~1 min)" "$MESHFED_LOGS/wireguard-go.log" \
  bash hack/build-wireguard-go.sh
MESHFED_WIREGUARD_GO="$(tail -1 "$MESHFED_LOGS/wireguard-go.log")"
export MESHFED_WIREGUARD_GO
[[ -x "$MESHFED_WIREGUARD_GO" ]] || die "hack/build-wireguard-go.sh printed no binary; see $MESHFED_LOGS/wireguard-go.log"
step "meshfed: mvn install -DskipTests (first time: ~3 min)" "$MESHFED_LOGS/build.log" \
  mvn -B -ntp -Dstyle.color=never install -DskipTests

classpath="$(mktemp)"
trap 'rm -f "$classpath"' EXIT
step "the launcher's classpath" "$MESHFED_LOGS/classpath.log" \
  mvn -B -q -ntp -Dstyle.color=never -pl e2e dependency:build-classpath -Dmdep.includeScope=runtime -Dmdep.outputFile="$classpath"

exec java -cp "e2e/target/classes:$(cat "$classpath")" \
  -Dmeshfed.repo="$PWD" \
  -Dmeshfed.workdir="${MESHFED_LOCAL_DIR:-$HOME/.cache/meshfed/local}" \
  io.meshfed.e2e.LocalMesh "$@"
