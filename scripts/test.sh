#!/usr/bin/env bash
# The whole test suite: installs and starts PostgreSQL and Redis if needed (scripts/services.sh),
# builds everything, and runs every test target against them, each target in a process of its own
# (a stalled target cannot hold up the others, and each suite has a time limit; the heaviest suites
# get processes of their own too). A target still running
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
# STS for the web identity test: AssumeRoleWithWebIdentity is a request its token authorises, not a
# signature, so it goes to a second moto that checks none.
STS_PORT=$("$VPAI_PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$(dirname "$VPAI_PYTHON")/moto_server" -H 127.0.0.1 -p "$STS_PORT" > .local/moto-sts.log 2>&1 &
STS_PID=$!
trap 'kill $MOTO_PID $STS_PID 2>/dev/null || true' EXIT
export STS_TEST_ENDPOINT="http://127.0.0.1:$STS_PORT"
"$VPAI_PYTHON" -c "
import socket, sys, time
for _ in range(200):
    try: socket.create_connection(('127.0.0.1', $STS_PORT), 0.2).close(); sys.exit(0)
    except OSError: time.sleep(0.1)
sys.exit('moto (STS) did not start')"
echo "test: DATABASE_URL=$DATABASE_URL REDIS_URL=$REDIS_URL" >&2

swift build --build-tests
# Line-buffered output, so a log read during a run (or after a kill) is complete up to that moment.
if [[ $# -gt 0 ]]; then
    stdbuf -oL -eL swift test --skip-build "$@"
    exit
fi
failed=()
# Suites that load the whole machine (worker processes mailing 10,000 messages, a browser) run on
# their own after the rest of their target, so the other suites' requests are not starved of CPU.
HEAVY='APITests\.CampaignTests/aCampaignReachesEveryRecipientOnceAcrossAWorkerKill|APITests\.DashboardBrowserTests'
run_group() {
    local name=$1
    shift
    echo "test: running $name" >&2
    local status=0
    timeout --kill-after=30 "${VPAI_TARGET_TIMEOUT:-1200}" stdbuf -oL -eL swift test --skip-build "$@" || status=$?
    if [[ $status -eq 124 || $status -eq 137 ]]; then
        echo "test: $name did not finish within ${VPAI_TARGET_TIMEOUT:-1200} s and was killed" >&2
        pkill -KILL -f "xctest.*--filter" 2>/dev/null || true
    fi
    [[ $status -eq 0 ]] || failed+=("$name")
}
# Every test target under Tests/, so a new one runs without a change here.
for directory in Tests/*Tests; do
    target=${directory#Tests/}
    run_group "$target" --filter "^$target\\." --skip "$HEAVY"
done
run_group "APITests (campaign across a worker kill)" --filter 'APITests\.CampaignTests/aCampaignReachesEveryRecipientOnceAcrossAWorkerKill'
run_group "APITests (dashboard in a browser)" --filter 'APITests\.DashboardBrowserTests'
echo "test: checking the runtime image's packages against what the binaries load and run" >&2
scripts/image-check.sh || failed+=("image-check")
echo "test: linting the Dockerfile and the Kubernetes manifests (checkov)" >&2
stdbuf -oL -eL scripts/deploy-lint.sh || failed+=("deploy-lint")
echo "test: running the README's quick start as written" >&2
stdbuf -oL -eL scripts/quickstart-check.sh || failed+=("quickstart")
echo "test: running the API contract checks (openapi-spec-validator, schemathesis)" >&2
stdbuf -oL -eL scripts/api-contract.sh || failed+=("api-contract")
echo "test: running the Python SDK's tests against a live API and worker" >&2
stdbuf -oL -eL scripts/sdk-python.sh || failed+=("sdk-python")
if [[ ${#failed[@]} -gt 0 ]]; then
    echo "test: FAILED: ${failed[*]}" >&2
    exit 1
fi
echo "test: all test targets passed" >&2
