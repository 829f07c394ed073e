#!/usr/bin/env bash
# The whole test suite: installs and starts PostgreSQL and Redis if needed (scripts/services.sh),
# builds everything, and runs every test target against them. Extra arguments go to `swift test`
# (e.g. `scripts/test.sh --filter Claim`).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

eval "$(VPAI_DB_NAME=${VPAI_DB_NAME:-voicepartner_test} scripts/services.sh start)"
export DATABASE_URL REDIS_URL
eval "$(scripts/python-env.sh)"
export VPAI_PYTHON
export VPAI_BIN_DIR
VPAI_BIN_DIR=$(swift build --show-bin-path)
echo "test: DATABASE_URL=$DATABASE_URL REDIS_URL=$REDIS_URL" >&2

swift build --build-tests
swift test --skip-build "$@"
