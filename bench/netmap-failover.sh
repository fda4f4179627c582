#!/usr/bin/env bash
# The agent API through an operator failover: three replicas (leader election on, product
# defaults) behind a Service modelled by nftables DNAT on loopback (needs root and nft); N simulated
# agents at their default cadence; the leader is killed while probe peers join. Reports how long
# until the Lease moved, until the Service sent agents to the new leader, until a peer joining at
# the kill was in every map, until every agent had a map again, and how many of those were full
# maps. MODE=every: every replica serves agents (decision 0026), the Service spreading them over
# the three; the default, MODE=leader, only the leader. Writes bench/results/netmap-failover.json
# ($OUT to write elsewhere).
# Needs the built operator (mvn install -DskipTests) and taskset.
set -euo pipefail
# shellcheck source=hack/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../hack/lib.sh"
cd "$(repo_root)"
command -v nft >/dev/null || die "nft is needed (apt-get install nftables)"
run_bench io.meshfed.e2e.bench.NetmapFailover "$PWD" "${OUT:-bench/results/netmap-failover.json}" "${1:-1000}" "${MODE:-leader}"
