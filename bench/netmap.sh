#!/usr/bin/env bash
# The network map under load: N simulated agents long-polling; probe joins, time until every
# agent has them, bytes per join, the operator's heap and CPU. Writes bench/results/netmap.json.
# Needs the built operator and agent (mvn install -DskipTests) and a few GiB of memory at 5000.
set -euo pipefail
# shellcheck source=hack/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../hack/lib.sh"
cd "$(repo_root)"
(($#)) || set -- 100 1000 5000
run_bench io.meshfed.e2e.bench.NetmapLoad "$PWD" bench/results/netmap.json "$@"
