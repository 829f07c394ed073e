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
BIN=$(swift build -c release --show-bin-path)
"$BIN/Bench" --worker-binary "$BIN/Worker" "$@"
