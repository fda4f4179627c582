#!/usr/bin/env bash
# The scheduler alone: R replicas placed on P peers from scratch (pure function, no API server).
# Writes bench/results/scheduler.json.
set -euo pipefail
# shellcheck source=hack/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../hack/lib.sh"
cd "$(repo_root)"
(($#)) || set -- 10000 1000
run_operator_bench io.meshfed.operator.scheduler.SchedulerBench bench/results/scheduler.json "$@"
