#!/usr/bin/env bash
# Runs the README's quick start exactly as written (the block between `<!-- quick start -->` and
# `<!-- end of quick start -->`), on a database of its own, and stops the platform it started.
# Fails when a command fails or the job never finishes.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
command -v jq > /dev/null || {
    as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq jq > /dev/null
}
if curl -s -o /dev/null localhost:8080; then
    echo "quickstart-check: port 8080 is taken; the quick start needs it" >&2
    exit 1
fi
block=$(awk '/^<!-- quick start -->$/ {on = 1; next} /^<!-- end of quick start -->$/ {on = 0} on' README.md | sed '1d;$d')
[[ -n "$block" ]] || { echo "quickstart-check: no quick start block in README.md" >&2; exit 1; }

# A database of its own, so an account from an earlier run does not collide with the quick start's.
export VPAI_DB_NAME=voicepartner_quickstart
unset DATABASE_URL
eval "$(scripts/services.sh start)"
psql "${DATABASE_URL%/*}/postgres" -qc "DROP DATABASE IF EXISTS voicepartner_quickstart WITH (FORCE)" > /dev/null
psql "${DATABASE_URL%/*}/postgres" -qc "CREATE DATABASE voicepartner_quickstart" > /dev/null

workdir=$(mktemp -d)
trap 'rm -rf "$workdir"' EXIT
# The block's background job is `scripts/run.sh &`: however the block ends, it is stopped (its own
# trap stops the API, the worker and the scheduler) and waited for.
printf 'set -euo pipefail\ncd %q\ntrap %q EXIT\n%s\n' "$ROOT" 'kill -TERM $! 2>/dev/null || true; wait' "$block" \
    > "$workdir/quickstart.sh"
# The readiness and job loops have no limit of their own: ten minutes covers a first build.
if ! timeout 600 bash "$workdir/quickstart.sh"; then
    echo "quickstart-check: the quick start failed; run.log:" >&2
    tail -20 run.log >&2 || true
    exit 1
fi
echo "quickstart-check: the README's quick start ran as written and its job completed" >&2
