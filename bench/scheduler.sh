#!/usr/bin/env bash
# The scheduler alone: R replicas placed on P peers from scratch (pure function, no API server).
# Writes bench/results/scheduler.json.
set -euo pipefail
# shellcheck source=hack/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../hack/lib.sh"
cd "$(repo_root)"
(($#)) || set -- 10000 1000
require_java
classpath="$(mktemp)"
trap 'rm -f "$classpath"' EXIT
mvn -B -q -ntp -Dstyle.color=never -pl operator test-compile dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$classpath" >/dev/null \
  || die "could not build the operator's test classes (mvn -pl operator test-compile)"
java -cp "operator/target/test-classes:operator/target/classes:$(cat "$classpath")" \
  io.meshfed.operator.scheduler.SchedulerBench bench/results/scheduler.json "$@"
