#!/usr/bin/env bash
# Builds the base image of the operator and agent images without a registry or a daemon:
# a Debian bookworm root filesystem (mmdebstrap, from Debian's packages) with a Java 17 runtime,
# CA certificates, WireGuard tools, wireguard-go and iproute2, and the current wireguard-go build at
# /usr/lib/meshfed/wireguard-go (hack/build-wireguard-go.sh), wrapped as a `docker save` tarball
# that Jib takes as `tar://` base. Cached under ~/.cache/meshfed/images; prints the tarball's path.
#
# Why not a registry base (eclipse-temurin, ubi): no registry is reachable from the machines this
# project is built on; Debian's packages are. See docs/decisions/0008-images-from-debian-packages.md.
set -euo pipefail

suite=bookworm
mirror="${MESHFED_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
packages=openjdk-17-jre-headless,ca-certificates-java,wireguard-tools,wireguard-go,iproute2,iputils-ping
cache="${XDG_CACHE_HOME:-$HOME/.cache}/meshfed/images"
# agents whose kernel lacks WireGuard prefer this build to Debian's 0.0.20220316 (docs/images.md)
wireguard_go="$(bash "$(dirname "$0")/build-wireguard-go.sh")"
# The key changes when what goes into the image changes; the link base.tar names the current one.
key="$(printf '%s\n' "$suite" "$packages" "$(sha256sum "$0" | cut -c1-64)" "$(sha256sum "$wireguard_go" | cut -c1-64)" | sha256sum | cut -c1-16)"
image="$cache/base-$key.tar"

if [[ -s "$image" ]]; then
  ln -sfn "$image" "$cache/base.tar"
  echo "$cache/base.tar"
  exit 0
fi

[[ "$(id -u)" -eq 0 ]] || { echo "error: building the base image's root filesystem needs root (mmdebstrap --mode=root)" >&2; exit 1; }
if ! command -v mmdebstrap >/dev/null; then
  echo "meshfed: installing mmdebstrap" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends mmdebstrap >/dev/null
fi

mkdir -p "$cache"
work="$(mktemp -d "$cache/.build.XXXXXX")"
trap 'rm -rf "$work"' EXIT

echo "meshfed: building the base image ($suite: ${packages//,/, })" >&2
# The man1 directory stays: the JRE's postinst registers java's man page with update-alternatives.
# The agent runs as root (it configures WireGuard); the operator as the image's user 65532.
# /dev stays empty: container runtimes provide it, and rootless ones cannot create device nodes.
# shellcheck disable=SC2016  # "$1" in the hooks is mmdebstrap's, expanded by it
mmdebstrap --quiet --variant=apt --mode=root --include="$packages" \
  --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*' \
  --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-exclude=/usr/share/info/*' \
  --essential-hook='mkdir -p "$1"/usr/share/man/man1' \
  --customize-hook='chroot "$1" groupadd --gid 65532 nonroot' \
  --customize-hook='chroot "$1" useradd --uid 65532 --gid 65532 --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin nonroot' \
  --customize-hook='rm -rf "$1"/var/cache/apt/* "$1"/var/lib/apt/lists/* "$1"/var/log/*' \
  --customize-hook="install -D -m 0755 '$wireguard_go' \"\$1\"/usr/lib/meshfed/wireguard-go" \
  --skip=output/dev \
  "$suite" "$work/layer.tar" "$mirror" >&2

python3 - "$work" "$suite" <<'PY'
import hashlib, json, os, sys
work, suite = sys.argv[1], sys.argv[2]
digest = hashlib.sha256()
with open(os.path.join(work, "layer.tar"), "rb") as layer:
    for chunk in iter(lambda: layer.read(1 << 20), b""):
        digest.update(chunk)
config = {
    "architecture": "amd64",
    "os": "linux",
    "config": {
        "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                "JAVA_HOME=/usr/lib/jvm/java-17-openjdk-amd64", "LANG=C.UTF-8"],
        "Labels": {"org.opencontainers.image.base.name": f"debian:{suite} (mmdebstrap)"},
    },
    "rootfs": {"type": "layers", "diff_ids": ["sha256:" + digest.hexdigest()]},
    "history": [{"created_by": f"meshfed hack/base-image.sh (mmdebstrap {suite})"}],
}
with open(os.path.join(work, "config.json"), "w") as f:
    json.dump(config, f)
with open(os.path.join(work, "manifest.json"), "w") as f:
    json.dump([{"Config": "config.json", "RepoTags": [f"meshfed/base:{suite}"], "Layers": ["layer.tar"]}], f)
PY

tar -C "$work" -cf "$work/image.tar" manifest.json config.json layer.tar
mv "$work/image.tar" "$image"
ln -sfn "$image" "$cache/base.tar"
echo "$cache/base.tar"
