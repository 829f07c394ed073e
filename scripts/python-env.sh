#!/usr/bin/env bash
# Creates (or reuses) the Python environment the tests use as independent references and local
# stand-ins (.local/venv, packages from Tests/Tools/requirements.txt); installs python3-venv with apt
# if it is missing. Prints `VPAI_PYTHON=…` for eval.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV=${VPAI_STATE_DIR:-$ROOT/.local}/venv
REQUIREMENTS=$ROOT/Tests/Tools/requirements.txt

log() { echo "python-env: $*" >&2; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

if ! python3 -c 'import ensurepip, venv' 2>/dev/null; then
    log "installing python3-venv with apt"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >&2
fi
stamp=$VENV/.requirements
if [ ! -x "$VENV/bin/python" ] || ! cmp -s "$REQUIREMENTS" "$stamp"; then
    log "preparing $VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check -r "$REQUIREMENTS" >&2
    cp "$REQUIREMENTS" "$stamp"
fi
echo "VPAI_PYTHON=$VENV/bin/python"
