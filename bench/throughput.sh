#!/usr/bin/env bash
# The data plane against the wire: the quick start's cluster on the built operator, once with
# Debian's wireguard-go and once with the current build (hack/build-wireguard-go.sh), iperf3 and
# ping between two peers over the mesh and over their underlay in the same run. Product defaults.
# The last implementation is also measured through a relay: the pair's direct path blocked with
# nftables until the operator relays it through the quick start's gateway (about 4 minutes: a lost
# path counts after the handshake freshness, 3 minutes). Writes bench/results/throughput.json.
# Needs the built operator (mvn install -DskipTests); installs iperf3 and nftables when missing.
set -euo pipefail
# shellcheck source=hack/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../hack/lib.sh"
cd "$(repo_root)"
require_mesh_tools
missing=()
command -v iperf3 >/dev/null || missing+=(iperf3)
command -v nft >/dev/null || missing+=(nftables)
if ((${#missing[@]})); then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
ensure_wireguard_go
(($#)) || set -- debian=wireguard-go "current=$MESHFED_WIREGUARD_GO"
run_bench io.meshfed.e2e.bench.Throughput "$PWD" bench/results/throughput.json "$@"
