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
ensure_control_plane
ensure_wireguard_go

echo "meshfed: building (mvn install -DskipTests; log in target/local-up-build.log)"
mkdir -p target
mvn -B -ntp -Dstyle.color=never install -DskipTests > target/local-up-build.log 2>&1 \
  || { tail -40 target/local-up-build.log; die "the build failed; the whole log is target/local-up-build.log"; }

classpath="$(mktemp)"
trap 'rm -f "$classpath"' EXIT
mvn -B -q -ntp -Dstyle.color=never -pl e2e dependency:build-classpath -Dmdep.includeScope=runtime -Dmdep.outputFile="$classpath" >/dev/null \
  || die "could not resolve the launcher's classpath (mvn -pl e2e dependency:build-classpath)"

exec java -cp "e2e/target/classes:$(cat "$classpath")" \
  -Dmeshfed.repo="$PWD" \
  -Dmeshfed.workdir="${MESHFED_LOCAL_DIR:-$HOME/.cache/meshfed/local}" \
  io.meshfed.e2e.LocalMesh "$@"
