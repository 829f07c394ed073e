#!/usr/bin/env bash
# Builds in release mode and runs the engine benchmark against the local PostgreSQL and Redis
# (started by scripts/services.sh if needed). Arguments go to the bench (`--quick`, `--only a,b`).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
eval "$(scripts/services.sh start)"
export DATABASE_URL REDIS_URL
swift build -c release --product Bench
swift build -c release --product Worker
swift build -c release --product API
# wrk drives the HTTP enqueue scenario.
if ! command -v wrk >/dev/null; then
    as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk
fi
BIN=$(swift build -c release --show-bin-path)
"$BIN/Bench" --worker-binary "$BIN/Worker" --api-binary "$BIN/API" "$@"
