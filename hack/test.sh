#!/usr/bin/env bash
# Runs every test: unit tests, the operator against a real kube-apiserver + etcd, and the
# end-to-end tests that run the built operator as processes and its images in a chroot. Builds the
# control plane and the images' base first if this machine has none.
set -euo pipefail
# shellcheck source=hack/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$(repo_root)"

require_java
require_mesh_tools
require_test_tools
ensure_control_plane
ensure_wireguard_go
ensure_base_image
exec mvn -B -ntp -Dstyle.color=never verify "$@"
