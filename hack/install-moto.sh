#!/usr/bin/env bash
# Installs moto's server (the EC2 emulator the AWS provider's tests talk to) into a virtualenv
# under ~/.cache, once per machine. Tests find it at $MOTO_SERVER or in that virtualenv.
set -euo pipefail
venv="${MESHFED_MOTO_VENV:-$HOME/.cache/meshfed/moto}"
version="5.2.5"
if [[ -x "$venv/bin/moto_server" ]] && "$venv/bin/python" -c "import moto, sys; sys.exit(moto.__version__ != '$version')" 2>/dev/null; then
  echo "moto $version ready in $venv"
  exit 0
fi
python3 -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check "moto[server]==$version"
echo "moto $version installed in $venv"
