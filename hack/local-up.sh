#!/usr/bin/env bash
# The quick start: builds meshfed, starts a local kube-apiserver + etcd, runs the operator against
# it, applies examples/local-cluster.yaml and prints `kubectl get mc,peers`. Runs until Ctrl-C;
# with --once it stops right after printing.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$(repo_root)"

require_java
ensure_control_plane

echo "meshfed: building (mvn install -DskipTests)"
mvn -B -q -ntp install -DskipTests

classpath="$(mktemp)"
trap 'rm -f "$classpath"' EXIT
mvn -B -q -ntp -pl e2e dependency:build-classpath -Dmdep.includeScope=runtime -Dmdep.outputFile="$classpath"

exec java -cp "e2e/target/classes:$(cat "$classpath")" \
  -Dmeshfed.repo="$PWD" \
  -Dmeshfed.workdir="${MESHFED_LOCAL_DIR:-$HOME/.cache/meshfed/local}" \
  io.meshfed.e2e.LocalMesh "$@"
