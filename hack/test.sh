#!/usr/bin/env bash
# Runs every test: unit tests, the operator against a real kube-apiserver + etcd, and the
# end-to-end tests that run the built operator as processes. Builds the control plane first if
# this machine has none.
set -euo pipefail
# shellcheck source=hack/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$(repo_root)"

require_java
require_mesh_tools
require_test_tools
ensure_control_plane
exec mvn -B -ntp -Dstyle.color=never verify "$@"
