#!/bin/sh
# Installs the meshfed agent on a Linux host and starts it under systemd.
#
# Cloud machines run it from their cloud-init user data; on a host you bring, run the line
# `kubectl meshfed join-command` prints: it verifies the CA against the pinned hash before it
# fetches this script. The script checks the CA again (exactly one certificate, the pinned one)
# before it sends anything.
set -eu

CONFIG_DIR=/etc/meshfed
INSTALL_DIR=/opt/meshfed
STATE_DIR=/var/lib/meshfed
UNIT=/etc/systemd/system/meshfed-agent.service

server=""
ca_hash=""
token="${MESHFED_TOKEN:-}"
token_file=""
name=""

usage() {
  cat <<USAGE
usage: install.sh --server URL --ca-hash sha256:HEX (--token-file FILE | --token TOKEN) [--name NAME]

  --server      the operator's agent API, e.g. https://meshfed.example.com:8443
  --ca-hash     sha256 of the agent API's CA public key (kubectl meshfed join-command prints it)
  --token-file  a file holding a cluster join token, or the one-time bootstrap token of a machine
  --token       the token itself (or MESHFED_TOKEN in the environment); on a command line every
                process of the host can read it while the script runs
  --name        the Peer this host becomes (default: the host name)
USAGE
}

fail() {
  echo "meshfed install: $*" >&2
  exit 1
}

while [ $# -gt 0 ]; do
  case "$1" in
    --server) server="${2:-}"; shift 2 ;;
    --ca-hash) ca_hash="${2:-}"; shift 2 ;;
    --token) token="${2:-}"; shift 2 ;;
    --token-file) token_file="${2:-}"; shift 2 ;;
    --name) name="${2:-}"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; fail "unknown argument: $1" ;;
  esac
done

[ -n "$server" ] || fail "--server is required"
if [ -n "$token_file" ]; then
  [ -r "$token_file" ] || fail "cannot read the token file $token_file"
  token="$(cat "$token_file")"
fi
[ -n "$token" ] || fail "the join token is required: --token-file FILE (or --token, MESHFED_TOKEN)"
case "$ca_hash" in
  sha256:????????????????????????????????????????????????????????????????) ;;
  *) fail "--ca-hash must be sha256: followed by 64 hex digits" ;;
esac
case "$server" in
  https://*) ;;
  *) fail "--server must be an https:// URL" ;;
esac
[ "$(id -u)" -eq 0 ] || fail "run as root (it installs packages and a systemd unit)"
[ -n "$name" ] || name="$(hostname)"

install_packages() {
  if command -v apt-get >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q --no-install-recommends \
      wireguard-tools iproute2 curl openssl ca-certificates openjdk-17-jre-headless
  elif command -v dnf >/dev/null 2>&1; then
    dnf install -y wireguard-tools iproute curl openssl ca-certificates java-17-openjdk-headless
  elif command -v yum >/dev/null 2>&1; then
    yum install -y wireguard-tools iproute curl openssl ca-certificates java-17-openjdk-headless
  else
    fail "no apt-get, dnf or yum: install wireguard-tools, iproute2, curl, openssl and a Java 17 runtime, then run again"
  fi
}

# sha256 of the certificate's public key, as the agent pins it
public_key_hash() {
  openssl x509 -in "$1" -pubkey -noout | openssl pkey -pubin -outform der | sha256sum | cut -d' ' -f1
}

# true only when the file holds exactly one certificate and its public key has the pinned hash:
# curl --cacert trusts every certificate of a bundle, so the pin must cover them all
verify_ca() {
  [ "$(grep -c -- '-----BEGIN CERTIFICATE-----' "$1")" -eq 1 ] || return 1
  [ "sha256:$(public_key_hash "$1")" = "$2" ]
}

install_packages
mkdir -p "$CONFIG_DIR" "$INSTALL_DIR" "$STATE_DIR"
chmod 0700 "$CONFIG_DIR"
# replicas run as nobody and pass through to their own directories; every file here is 0600
chmod 0711 "$STATE_DIR"

# the CA: written by cloud-init, or fetched here and accepted only if it matches the pin
if [ ! -s "$CONFIG_DIR/ca.crt" ]; then
  curl -fsSk --retry 5 "$server/api/v1/ca.crt" -o "$CONFIG_DIR/ca.crt.new"
  mv "$CONFIG_DIR/ca.crt.new" "$CONFIG_DIR/ca.crt"
fi
if ! verify_ca "$CONFIG_DIR/ca.crt" "$ca_hash"; then
  rm -f "$CONFIG_DIR/ca.crt"
  fail "the agent API's CA is not the pinned $ca_hash, or comes with other certificates: refusing to trust $server"
fi

curl -fsS --retry 5 --cacert "$CONFIG_DIR/ca.crt" "$server/api/v1/agent.jar" -o "$INSTALL_DIR/meshfed-agent.jar.new"
mv "$INSTALL_DIR/meshfed-agent.jar.new" "$INSTALL_DIR/meshfed-agent.jar"

# kernels without the WireGuard module run the userspace implementation: the current build the
# operator serves (verified by the same CA), else the distribution's older package
if ! modprobe wireguard 2>/dev/null && [ ! -d /sys/module/wireguard ]; then
  mkdir -p /usr/lib/meshfed
  if curl -fsS --retry 5 --cacert "$CONFIG_DIR/ca.crt" "$server/api/v1/wireguard-go" -o /usr/lib/meshfed/wireguard-go.new; then
    chmod 0755 /usr/lib/meshfed/wireguard-go.new
    mv /usr/lib/meshfed/wireguard-go.new /usr/lib/meshfed/wireguard-go
  else
    rm -f /usr/lib/meshfed/wireguard-go.new
    if command -v apt-get >/dev/null 2>&1; then
      apt-get install -y -q --no-install-recommends wireguard-go || true
    fi
  fi
fi

# the token is a secret: only root reads the file that holds it
umask 077
cat >"$CONFIG_DIR/agent.env" <<ENV
MESHFED_SERVER=$server
MESHFED_CA_HASH=$ca_hash
MESHFED_TOKEN=$token
MESHFED_NAME=$name
ENV

cat >"$UNIT" <<'UNITFILE'
[Unit]
Description=meshfed agent: joins this host to its WireGuard mesh
Wants=network-online.target
After=network-online.target

[Service]
EnvironmentFile=/etc/meshfed/agent.env
# the agent reads MESHFED_TOKEN from its environment: never on its command line
ExecStart=/usr/bin/java -jar /opt/meshfed/meshfed-agent.jar join --server ${MESHFED_SERVER} --ca-hash ${MESHFED_CA_HASH} --name ${MESHFED_NAME} --state-dir /var/lib/meshfed
Restart=always
RestartSec=5

[Install]
WantedBy=multi-user.target
UNITFILE
chmod 0644 "$UNIT"

systemctl daemon-reload
systemctl enable --now meshfed-agent.service
echo "meshfed agent installed; it joins as peer $name (journalctl -u meshfed-agent to follow)"
