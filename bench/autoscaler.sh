#!/usr/bin/env bash
# The autoscaler: (1) one decision for R pending replicas across P pools (pure function, no API
# server); (2) react time, from a Workload whose replica no peer can hold to the pool's new Peer
# recording its machine request (right before the provider call), against the real API server,
# the operator's jar and local peers. Writes bench/results/autoscaler.json.
set -euo pipefail
# shellcheck source=hack/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../hack/lib.sh"
cd "$(repo_root)"
pending="${1:-1000}" pools="${2:-20}" trials="${3:-10}"
run_operator_bench io.meshfed.operator.autoscaler.AutoscalerBench bench/results/autoscaler.json "$pending" "$pools"
require_mesh_tools
run_bench io.meshfed.e2e.bench.AutoscalerReact "$PWD" bench/results/autoscaler.json "$trials"
