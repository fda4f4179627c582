# Shared by the hack/ scripts: toolchain checks and the test control plane.
# shellcheck shell=bash

repo_root() { cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd; }

die() { echo "error: $*" >&2; exit 1; }

# Long work as numbered steps: one line each with its elapsed time, the commands' own output in a
# log (the last lines shown when a step fails). On a terminal the line counts up in place; in a
# log, a line a minute says it is still going.
#   steps_begin N                  how many steps this script has
#   step "what" LOG cmd args...    runs one
MESHFED_LOGS="${MESHFED_LOGS:-$HOME/.cache/meshfed/logs}"
steps_begin() { MESHFED_STEP=0; MESHFED_STEPS="$1"; MESHFED_STARTED=$SECONDS; mkdir -p "$MESHFED_LOGS"; }
elapsed() { local s=$(($1)); if ((s >= 60)); then printf '%dm%02ds' $((s / 60)) $((s % 60)); else printf '%ds' "$s"; fi; }
step() {
  local what="$1" log="$2" started=$SECONDS pid status=0 tick=0
  shift 2
  MESHFED_STEP=$((MESHFED_STEP + 1))
  local label="[$MESHFED_STEP/$MESHFED_STEPS] $what"
  : > "$log"
  "$@" >> "$log" 2>&1 &
  pid=$!
  if [[ -t 1 ]]; then
    while kill -0 "$pid" 2>/dev/null; do
      printf '\r\033[Kmeshfed %s … %s (log: %s)' "$label" "$(elapsed $((SECONDS - started)))" "$log"
      sleep 1
    done
    printf '\r\033[K'
  else
    echo "meshfed $label … (log: $log)"
    while kill -0 "$pid" 2>/dev/null; do
      sleep 1
      tick=$((tick + 1))
      ((tick % 60 == 0)) && echo "meshfed $label … still going, $(elapsed $((SECONDS - started)))"
    done
  fi
  wait "$pid" || status=$?
  if ((status != 0)); then
    echo "meshfed $label failed after $(elapsed $((SECONDS - started))); its log's last lines:" >&2
    tail -25 "$log" >&2
    die "$what failed (exit $status); the whole log is $log"
  fi
  echo "meshfed $label ✓ $(elapsed $((SECONDS - started)))  (total $(elapsed $((SECONDS - MESHFED_STARTED))))"
}

# JDK 17 or newer and Maven; the build's floor is Java 17.
require_java() {
  command -v java >/dev/null || die "a JDK 17 or newer is needed (Debian: apt-get install openjdk-17-jdk-headless)"
  command -v mvn >/dev/null || die "Maven is needed (Debian: apt-get install maven)"
  local major
  major="$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')"
  [[ "${major%%.*}" -ge 17 ]] || die "Java ${major} found; meshfed needs 17 or newer"
}

# Local peers are network namespaces with WireGuard: root, ip, wg, wireguard-go, ping and python3.
# Installs what is missing from Debian's packages when it can.
require_mesh_tools() {
  [[ "$(id -u)" -eq 0 ]] || die "local peers are network namespaces on a bridge, which needs root: run with sudo"
  local missing=()
  command -v ip >/dev/null || missing+=(iproute2)
  command -v wg >/dev/null || missing+=(wireguard-tools)
  command -v wireguard-go >/dev/null || missing+=(wireguard-go)
  command -v ping >/dev/null || missing+=(iputils-ping)
  command -v python3 >/dev/null || missing+=(python3)  # the e2e workloads are python3 servers and clients
  command -v curl >/dev/null || missing+=(curl)  # and the host fetches one by name through kubectl meshfed switch
  if ((${#missing[@]})); then
    command -v apt-get >/dev/null || die "please install: ${missing[*]}"
    echo "meshfed: installing ${missing[*]}"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

# What the tests use besides the mesh: cloud-init's schema validator and shellcheck (the cloud
# bootstrap), and moto's EC2 server in a virtualenv under ~/.cache (the AWS provider).
require_test_tools() {
  local missing=()
  command -v nft >/dev/null || missing+=(nftables)  # the NAT lab's routers do real NAT
  command -v cloud-init >/dev/null || missing+=(cloud-init)
  command -v shellcheck >/dev/null || missing+=(shellcheck)
  python3 -c 'import ensurepip, venv' 2>/dev/null || missing+=(python3-venv)
  if ((${#missing[@]})); then
    command -v apt-get >/dev/null || die "please install: ${missing[*]}"
    echo "meshfed: installing ${missing[*]}"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
  bash "$(repo_root)/hack/install-moto.sh"
  bash "$(repo_root)/hack/install-schemathesis.sh"
}

# The images' base (Debian bookworm with Java and WireGuard tools, made by mmdebstrap), once per
# machine: with it, `mvn package` also builds the operator and agent images (docs/images.md).
ensure_base_image() {
  bash "$(repo_root)/hack/base-image.sh" >/dev/null
}

# A current wireguard-go built from its Go module, once per machine (hack/build-wireguard-go.sh):
# local agents, the images and the benchmarks run it where the kernel has no WireGuard module.
ensure_wireguard_go() {
  command -v go >/dev/null || die "Go 1.24 or newer is needed to build wireguard-go once (https://go.dev/dl, or your distribution's golang package)"
  MESHFED_WIREGUARD_GO="$(bash "$(repo_root)/hack/build-wireguard-go.sh")" || die "could not build wireguard-go (hack/build-wireguard-go.sh)"
  export MESHFED_WIREGUARD_GO
}

# kube-apiserver, kubectl and etcd built from their Go modules, once per machine.
ensure_control_plane() {
  command -v go >/dev/null || die "Go 1.24 or newer is needed to build the test control plane once (https://go.dev/dl, or your distribution's golang package)"
  bash "$(repo_root)/e2e/build-control-plane.sh"
}

# Runs a pure benchmark's main class from the operator's test classes: no API server (bench/*.sh).
run_operator_bench() {
  local main="$1"; shift
  require_java
  local classpath status=0
  classpath="$(mktemp)"
  mvn -B -q -ntp -Dstyle.color=never -pl operator test-compile dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$classpath" >/dev/null \
    || { rm -f "$classpath"; die "could not build the operator's test classes (mvn -pl operator test-compile)"; }
  java -cp "operator/target/test-classes:operator/target/classes:$(cat "$classpath")" "$main" "$@" || status=$?
  rm -f "$classpath"
  return "$status"
}

# Runs a benchmark's main class from the e2e module against the built operator (bench/*.sh).
run_bench() {
  local main="$1"; shift
  require_java
  ensure_control_plane
  ensure_wireguard_go
  [[ -f operator/target/quarkus-app/quarkus-run.jar ]] || die "build first: mvn -B -ntp install -DskipTests"
  local classpath
  classpath="$(mktemp)"
  # shellcheck disable=SC2064
  trap "rm -f '$classpath'" EXIT
  mvn -B -q -ntp -Dstyle.color=never -pl e2e dependency:build-classpath -Dmdep.includeScope=runtime -Dmdep.outputFile="$classpath" >/dev/null \
    || die "could not resolve the benchmark's classpath (mvn -pl e2e dependency:build-classpath)"
  # BENCH_JAVA: another JVM for the load generator (the operator keeps the default java)
  local java="${BENCH_JAVA:-java}"
  "$java" -Dmeshfed.operator.java="$(command -v java)" -cp "e2e/target/classes:$(cat "$classpath")" "$main" "$@"
}
