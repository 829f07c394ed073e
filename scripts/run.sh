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

# Development keys, made once and kept under .local/: JWT_SECRET signs access tokens, SECRETS_KEY
# seals the tokens email jobs carry (set them to use your own; production always sets both).
development_key() {
    mkdir -p .local
    [[ -s ".local/$1" ]] || (umask 077; head -c 48 /dev/urandom | base64 -w0 > ".local/$1")
    cat ".local/$1"
}
JWT_SECRET=${JWT_SECRET:-$(development_key jwt-secret)}
SECRETS_KEY=${SECRETS_KEY:-$(development_key secrets-key)}
export JWT_SECRET SECRETS_KEY

pids=()
stop() {
    trap - INT TERM
    kill -TERM "${pids[@]}" 2>/dev/null || true
    wait "${pids[@]}" 2>/dev/null || true
}
trap stop INT TERM
MIGRATE_ON_START=false "$BIN/API" & pids+=($!)
MIGRATE_ON_START=false METRICS_PORT=${WORKER_METRICS_PORT:-9091} "$BIN/Worker" & pids+=($!)
MIGRATE_ON_START=false METRICS_PORT=${SCHEDULER_METRICS_PORT:-9092} "$BIN/Scheduler" run & pids+=($!)
echo "run: API on ${API_HOST:-127.0.0.1}:${API_PORT:-8080} (/metrics), worker and scheduler metrics on :${WORKER_METRICS_PORT:-9091} and :${SCHEDULER_METRICS_PORT:-9092}; started (pids ${pids[*]}); Ctrl-C stops everything" >&2
wait "${pids[@]}"
