#!/usr/bin/env bash
# The Python SDK's tests (sdk/python/tests), run by scripts/test.sh against a live platform: a fresh
# database (voicepartner_sdk, recreated each run beside the test database), the built API and one
# Worker on free loopback ports, and pytest from the test environment. The worker may deliver to
# 127.0.0.1 (OUTBOUND_ALLOWED_HOSTS), where the tests run their webhook receiver and tool endpoint.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
: "${VPAI_PYTHON:?run through scripts/test.sh}"
: "${DATABASE_URL:?run through scripts/test.sh}"
BIN=${VPAI_BIN_DIR:-$(swift build --show-bin-path)}
STATE=${VPAI_STATE_DIR:-$ROOT/.local}
mkdir -p "$STATE"

SERVER=${DATABASE_URL%/*}
psql "$SERVER/postgres" -qc 'DROP DATABASE IF EXISTS voicepartner_sdk WITH (FORCE)' >/dev/null
psql "$SERVER/postgres" -qc 'CREATE DATABASE voicepartner_sdk' >/dev/null
export DATABASE_URL=$SERVER/voicepartner_sdk
PORT=$("$VPAI_PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export API_PORT=$PORT LOG_LEVEL=warning
export JWT_SECRET="sdk-$(head -c 24 /dev/urandom | base64 -w0)" SECRETS_KEY="sdk-$(head -c 24 /dev/urandom | base64 -w0)"
export OUTBOUND_ALLOWED_HOSTS=127.0.0.1 STORAGE_DIR="$STATE/sdk-files" WORKER_POLL_INTERVAL_MS=100
export RATE_LIMIT_AUTH=off RATE_LIMIT_LOGIN=off RATE_LIMIT_READ=off RATE_LIMIT_WRITE=off

"$BIN/API" > "$STATE/sdk-api.log" 2>&1 &
API_PID=$!
trap 'kill $API_PID ${WORKER_PID:-} 2>/dev/null || true; wait 2>/dev/null || true' EXIT
for _ in $(seq 150); do curl -sf "http://127.0.0.1:$PORT/health/live" >/dev/null && break; sleep 0.1; done
curl -sf "http://127.0.0.1:$PORT/health/live" >/dev/null || { echo "sdk-python: the API did not start" >&2; cat "$STATE/sdk-api.log" >&2; exit 1; }
"$BIN/Worker" > "$STATE/sdk-worker.log" 2>&1 &
WORKER_PID=$!

# The package builds as a wheel that holds every module.
rm -rf "$STATE/sdk-wheel"
"$VPAI_PYTHON" -m pip wheel --no-deps -q -w "$STATE/sdk-wheel" sdk/python
rm -rf sdk/python/build sdk/python/*.egg-info
"$VPAI_PYTHON" - "$STATE"/sdk-wheel/voicepartner-*.whl <<'PY'
import sys, zipfile
names = set(zipfile.ZipFile(sys.argv[1]).namelist())
missing = {f"voicepartner/{m}.py" for m in ("__init__", "_transport", "_generated", "_model", "client", "errors", "models", "webhooks")} - names
sys.exit(f"sdk-python: the wheel lacks {sorted(missing)}" if missing else 0)
PY

VPAI_API_URL="http://127.0.0.1:$PORT" PYTHONPATH="$ROOT/sdk/python" \
    "$VPAI_PYTHON" -m pytest -q -p no:cacheprovider sdk/python/tests || { tail -n 40 "$STATE/sdk-worker.log" >&2; exit 1; }

# The oldest and the newest Python the package supports, when the machine has them (python3.10 and
# python3.13 on PATH, or pyenv's): the built wheel installed into a fresh environment of each, and
# the same tests against the same API.
interpreter() {
    local root candidate
    root=$(pyenv root 2>/dev/null || echo "$HOME/.pyenv")
    # pyenv's shims answer for versions that are not selected, so every candidate must really run.
    for candidate in $(ls -d "$root"/versions/"$1".*/bin/"python$1" 2>/dev/null | sort -Vr) $(command -v "python$1" 2>/dev/null); do
        "$candidate" -c 'import ensurepip, venv' 2>/dev/null && { echo "$candidate"; return 0; }
    done
    return 0
}
for version in 3.10 3.13; do
    python=$(interpreter "$version")
    if [[ -z "$python" ]]; then
        echo "sdk-python: no Python $version on this machine; the SDK is tested on $("$VPAI_PYTHON" -V) without it" >&2
        continue
    fi
    venv="$STATE/sdk-venv-$version"
    [[ -x "$venv/bin/python" ]] || "$python" -m venv "$venv"
    "$venv/bin/python" -m pip install -q --disable-pip-version-check pytest "$STATE"/sdk-wheel/voicepartner-*.whl
    "$venv/bin/python" -m pip install -q --disable-pip-version-check --force-reinstall --no-deps "$STATE"/sdk-wheel/voicepartner-*.whl
    echo "sdk-python: the tests on $("$venv/bin/python" -V), with the installed wheel" >&2
    (cd "$STATE" && VPAI_API_URL="http://127.0.0.1:$PORT" "$venv/bin/python" -m pytest -q -p no:cacheprovider "$ROOT/sdk/python/tests") \
        || { tail -n 40 "$STATE/sdk-worker.log" >&2; exit 1; }
done
