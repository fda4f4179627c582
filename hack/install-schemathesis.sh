#!/usr/bin/env bash
# Installs schemathesis (the OpenAPI fuzzer AgentApiFuzzTest runs against the operator's agent API)
# into a virtualenv under ~/.cache, once per machine. The test finds it at $SCHEMATHESIS or in that
# virtualenv.
set -euo pipefail
venv="${MESHFED_SCHEMATHESIS_VENV:-$HOME/.cache/meshfed/schemathesis}"
version="4.32.5"
if [[ -x "$venv/bin/schemathesis" ]] && [[ "$("$venv/bin/schemathesis" --version 2>/dev/null)" == *" $version" ]]; then
  echo "schemathesis $version ready in $venv"
  exit 0
fi
python3 -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check "schemathesis==$version"
echo "schemathesis $version installed in $venv"
