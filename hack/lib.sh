# Shared by the hack/ scripts: toolchain checks and the test control plane.
# shellcheck shell=bash

repo_root() { cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd; }

die() { echo "error: $*" >&2; exit 1; }

# JDK 17 or newer and Maven; the build's floor is Java 17.
require_java() {
  command -v java >/dev/null || die "a JDK 17 or newer is needed (Debian: apt-get install openjdk-17-jdk-headless)"
  command -v mvn >/dev/null || die "Maven is needed (Debian: apt-get install maven)"
  local major
  major="$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')"
  [[ "${major%%.*}" -ge 17 ]] || die "Java ${major} found; meshfed needs 17 or newer"
}

# kube-apiserver, kubectl and etcd built from their Go modules, once per machine.
ensure_control_plane() {
  command -v go >/dev/null || die "Go 1.24 or newer is needed to build the test control plane once (https://go.dev/dl, or your distribution's golang package)"
  bash "$(repo_root)/e2e/build-control-plane.sh"
}
