#!/usr/bin/env bash
# The network map under load: N simulated agents at the agent's cadence (long-poll, a status
# report with their handshakes every 10 s); probe joins, time until every agent has them, API
# writes per join and per second, bytes per join, the operator's heap and CPU. Product defaults.
# Writes bench/results/netmap.json. Needs the built operator (mvn install -DskipTests), taskset,
# and a few GiB of memory at 2000.
set -euo pipefail
# shellcheck source=hack/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../hack/lib.sh"
cd "$(repo_root)"
(($#)) || set -- 1000 2000
run_bench io.meshfed.e2e.bench.NetmapLoad "$PWD" bench/results/netmap.json "$@"
