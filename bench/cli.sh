#!/usr/bin/env bash
# kubectl meshfed describe beside kubectl get, against a real API server with a 50-peer cluster.
# Writes bench/results/cli.json.
set -euo pipefail
# shellcheck source=hack/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../hack/lib.sh"
cd "$(repo_root)"
[[ -f cli/target/kubectl-meshfed.jar ]] || die "build first: mvn -B -ntp install -DskipTests"
run_bench io.meshfed.e2e.bench.CliLatency "$PWD" bench/results/cli.json "${1:-10}"
