#!/usr/bin/env bash
# IPAM under a burst: N Peers created at once, time until every one shows its subnet.
# Writes bench/results/ipam-burst.json. Needs the built operator (mvn install -DskipTests).
set -euo pipefail
# shellcheck source=hack/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../hack/lib.sh"
cd "$(repo_root)"
(($#)) || set -- 50 200 500
run_bench io.meshfed.e2e.bench.IpamBurst "$PWD" bench/results/ipam-burst.json "$@"
