#!/usr/bin/env bash
# The whole test suite: installs and starts PostgreSQL and Redis if needed (scripts/services.sh),
# builds everything, and runs every test target against them, each target in a process of its own
# (a stalled target cannot hold up the others, and each suite has a time limit). A target still running
# after VPAI_TARGET_TIMEOUT seconds (default 1200) is killed and counted as failed: a test awaiting
# something that ignores cancellation outlives its suite's limit. Extra arguments go to one
# `swift test` run instead (e.g. `scripts/test.sh --filter Claim`).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

eval "$(VPAI_DB_NAME=${VPAI_DB_NAME:-voicepartner_test} scripts/services.sh start)"
export DATABASE_URL REDIS_URL
eval "$(scripts/python-env.sh)"
export VPAI_PYTHON
# The dashboard's browser test: Debian's Chromium and its WebDriver.
if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
    echo "test: installing chromium and chromium-driver with apt" >&2
    as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >&2
fi
export VPAI_BIN_DIR
VPAI_BIN_DIR=$(swift build --show-bin-path)

# S3 for the storage tests: moto's server on a free loopback port, checking every request's SigV4
# signature once Tests/Tools/moto_credentials.py has made the key the tests sign with.
mkdir -p .local
MOTO_PORT=$("$VPAI_PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
INITIAL_NO_AUTH_ACTION_COUNT=3 "$(dirname "$VPAI_PYTHON")/moto_server" -H 127.0.0.1 -p "$MOTO_PORT" > .local/moto.log 2>&1 &
MOTO_PID=$!
trap 'kill $MOTO_PID 2>/dev/null || true' EXIT
# Wait for the port without a request: moto counts every request as an action.
"$VPAI_PYTHON" -c "
import socket, sys, time
for _ in range(200):
    try: socket.create_connection(('127.0.0.1', $MOTO_PORT), 0.2).close(); sys.exit(0)
    except OSError: time.sleep(0.1)
sys.exit('moto did not start')"
eval "$("$VPAI_PYTHON" Tests/Tools/moto_credentials.py "http://127.0.0.1:$MOTO_PORT")"
echo "test: DATABASE_URL=$DATABASE_URL REDIS_URL=$REDIS_URL" >&2

swift build --build-tests
# Line-buffered output, so a log read during a run (or after a kill) is complete up to that moment.
if [[ $# -gt 0 ]]; then
    stdbuf -oL -eL swift test --skip-build "$@"
    exit
fi
failed=()
for target in QueueEngineTests JobsTests APITests; do
    echo "test: running $target" >&2
    status=0
    timeout --kill-after=30 "${VPAI_TARGET_TIMEOUT:-1200}" stdbuf -oL -eL swift test --skip-build --filter "^$target\." || status=$?
    if [[ $status -eq 124 || $status -eq 137 ]]; then
        echo "test: $target did not finish within ${VPAI_TARGET_TIMEOUT:-1200} s and was killed" >&2
        pkill -KILL -f "xctest.*--filter \^$target" 2>/dev/null || true
    fi
    [[ $status -eq 0 ]] || failed+=("$target")
done
echo "test: running the API contract checks (openapi-spec-validator, schemathesis)" >&2
stdbuf -oL -eL scripts/api-contract.sh || failed+=("api-contract")
if [[ ${#failed[@]} -gt 0 ]]; then
    echo "test: FAILED: ${failed[*]}" >&2
    exit 1
fi
echo "test: all test targets passed" >&2
