#!/usr/bin/env bash
# Lints the Dockerfile and every Kubernetes manifest under deploy/ with checkov (its settings and the
# checks left out, with their reasons, in deploy/.checkov.yaml). checkov lives in an environment of
# its own: its pinned dependencies do not fit beside the test environment's.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
STATE=${VPAI_STATE_DIR:-$ROOT/.local}
VENV=$STATE/checkov-venv
CHECKOV_VERSION=3.3.30
if [[ ! -x "$VENV/bin/checkov" ]] || [[ "$("$VENV/bin/checkov" --version 2>/dev/null)" != "$CHECKOV_VERSION" ]]; then
    echo "deploy-lint: installing checkov $CHECKOV_VERSION into $VENV" >&2
    python3 -m venv "$VENV"
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check "checkov==$CHECKOV_VERSION"
fi
"$VENV/bin/checkov" --config-file deploy/.checkov.yaml -d deploy
