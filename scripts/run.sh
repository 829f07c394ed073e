#!/usr/bin/env bash
# Runs the platform locally: starts (or reuses) PostgreSQL and Redis, builds, applies migrations,
# then runs the API, the worker and the scheduler until Ctrl-C.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

eval "$(scripts/services.sh start)"
export DATABASE_URL REDIS_URL
CONFIGURATION=${VPAI_BUILD_CONFIGURATION:-debug}
swift build -c "$CONFIGURATION"
BIN=$(swift build -c "$CONFIGURATION" --show-bin-path)
"$BIN/queuectl" migrate

# A development signing key for access tokens, made once and kept under .local/ (set JWT_SECRET
# to use your own; production always sets it).
if [[ -z "${JWT_SECRET:-}" ]]; then
    mkdir -p .local
    [[ -s .local/jwt-secret ]] || (umask 077; head -c 48 /dev/urandom | base64 -w0 > .local/jwt-secret)
    JWT_SECRET=$(cat .local/jwt-secret)
fi
export JWT_SECRET

pids=()
stop() {
    trap - INT TERM
    kill -TERM "${pids[@]}" 2>/dev/null || true
    wait "${pids[@]}" 2>/dev/null || true
}
trap stop INT TERM
MIGRATE_ON_START=false "$BIN/API" & pids+=($!)
MIGRATE_ON_START=false "$BIN/Worker" & pids+=($!)
MIGRATE_ON_START=false "$BIN/Scheduler" run & pids+=($!)
echo "run: API on ${API_HOST:-127.0.0.1}:${API_PORT:-8080}, worker and scheduler started (pids ${pids[*]}); Ctrl-C stops everything" >&2
wait "${pids[@]}"
