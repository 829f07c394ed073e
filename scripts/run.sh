#!/usr/bin/env bash
# Runs the platform locally: starts (or reuses) PostgreSQL and Redis, builds, applies migrations,
# then runs the worker and the scheduler (and, once it exists, the API) until Ctrl-C.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

eval "$(scripts/services.sh start)"
export DATABASE_URL REDIS_URL
CONFIGURATION=${VPAI_BUILD_CONFIGURATION:-debug}
swift build -c "$CONFIGURATION"
BIN=$(swift build -c "$CONFIGURATION" --show-bin-path)
"$BIN/queuectl" migrate

pids=()
stop() {
    trap - INT TERM
    kill -TERM "${pids[@]}" 2>/dev/null || true
    wait "${pids[@]}" 2>/dev/null || true
}
trap stop INT TERM
MIGRATE_ON_START=false "$BIN/Worker" & pids+=($!)
MIGRATE_ON_START=false "$BIN/Scheduler" run & pids+=($!)
echo "run: worker and scheduler started (pids ${pids[*]}); Ctrl-C stops everything" >&2
wait "${pids[@]}"
