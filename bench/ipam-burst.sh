#!/usr/bin/env bash
# IPAM under a burst: N Peers created at once, time until every one shows its subnet.
# Writes bench/results/ipam-burst.json. Needs the built operator (mvn install -DskipTests).
set -euo pipefail
# shellcheck source=hack/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../hack/lib.sh"
cd "$(repo_root)"
require_java
ensure_control_plane
classpath="$(mktemp)"
trap 'rm -f "$classpath"' EXIT
mvn -B -q -ntp -Dstyle.color=never -pl e2e dependency:build-classpath -Dmdep.includeScope=runtime -Dmdep.outputFile="$classpath" >/dev/null \
  || die "could not resolve the launcher's classpath (mvn -pl e2e dependency:build-classpath)"
java -cp "e2e/target/classes:$(cat "$classpath")" io.meshfed.e2e.bench.IpamBurst \
  "$PWD" bench/results/ipam-burst.json "${@:-50 200 500}"
