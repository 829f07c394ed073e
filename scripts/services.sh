#!/usr/bin/env bash
# Makes sure a PostgreSQL and a Redis are running for the platform and the tests.
#
# Installs what is missing with apt, then creates and starts a PostgreSQL cluster and a Redis server
# under the project's state folder (default .local/) on loopback ports. Idempotent: a server that is
# already answering is reused. When DATABASE_URL or REDIS_URL is set, that server is used instead and
# nothing is started for it. Prints the resulting settings as `export` lines for `eval`.
#
#   eval "$(scripts/services.sh)"            # start (or reuse) and export DATABASE_URL / REDIS_URL
#   scripts/services.sh stop                 # stop the servers this script started
#                                            # (VPAI_PG_STOP_MODE=immediate: as a crash would)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STATE_DIR=${VPAI_STATE_DIR:-$ROOT/.local}
PG_PORT=${VPAI_PG_PORT:-54329}
REDIS_PORT=${VPAI_REDIS_PORT:-63799}
DB_NAME=${VPAI_DB_NAME:-voicepartner}

log() { echo "services: $*" >&2; }

# The servers started below outlive this script; they must not inherit the caller's descriptors
# (a caller waiting for a pipe or socket to close would otherwise wait for the server's lifetime).
for fd_path in /proc/$$/fd/*; do
    fd=${fd_path##*/}
    if [ "$fd" -gt 2 ] 2>/dev/null; then eval "exec $fd>&-" 2>/dev/null || true; fi
done

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

install_missing() {
    local missing=()
    command -v pg_config >/dev/null && [ -x "$(pg_config --bindir)/initdb" ] || missing+=(postgresql)
    command -v redis-server >/dev/null || missing+=(redis-server)
    [ -f /usr/include/zlib.h ] || missing+=(zlib1g-dev)  # ZIPFoundation (DOCX text, export archives)
    command -v pkg-config >/dev/null || missing+=(pkg-config)
    # Text extraction: PDF (poppler), legacy Word (antiword); DOCX is read in-process.
    command -v pdftotext >/dev/null || missing+=(poppler-utils)
    command -v antiword >/dev/null || missing+=(antiword)
    if [ ${#missing[@]} -gt 0 ]; then
        log "installing ${missing[*]} with apt"
        as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2
    fi
}

# Runs a PostgreSQL server binary as the `postgres` OS user when we are root (initdb refuses root).
pg_run() {
    if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start_postgres() {
    local bindir data sock
    bindir=$(pg_config --bindir)
    data="$STATE_DIR/pg/data"
    sock="$STATE_DIR/pg/run"
    if "$bindir/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT"; then
        log "PostgreSQL already answering on 127.0.0.1:$PG_PORT"
    else
        mkdir -p "$STATE_DIR/pg" "$sock"
        if [ "$(id -u)" -eq 0 ]; then chown -R postgres:postgres "$STATE_DIR/pg"; fi
        if [ ! -f "$data/PG_VERSION" ]; then
            log "creating PostgreSQL cluster in $data"
            pg_run "$bindir/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
        fi
        log "starting PostgreSQL on 127.0.0.1:$PG_PORT"
        pg_run "$bindir/pg_ctl" -D "$data" -l "$STATE_DIR/pg/server.log" -w -t 60 start \
            -o "-p $PG_PORT -c listen_addresses=127.0.0.1 -k $sock -c max_connections=300 -c shared_buffers=1GB -c max_wal_size=4GB -c checkpoint_timeout=15min" >/dev/null
    fi
    if ! psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'" | grep -q 1; then
        psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -qc "CREATE DATABASE \"$DB_NAME\"" >/dev/null
    fi
    DATABASE_URL="postgres://postgres@127.0.0.1:$PG_PORT/$DB_NAME"
}

start_redis() {
    if redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping >/dev/null 2>&1; then
        log "Redis already answering on 127.0.0.1:$REDIS_PORT"
    else
        mkdir -p "$STATE_DIR/redis"
        log "starting Redis on 127.0.0.1:$REDIS_PORT"
        redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$STATE_DIR/redis" --daemonize yes \
            --pidfile "$STATE_DIR/redis/redis.pid" --logfile "$STATE_DIR/redis/redis.log" \
            --save "" --appendonly no >/dev/null
        for _ in $(seq 1 50); do
            redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping >/dev/null 2>&1 && break
            sleep 0.1
        done
    fi
    REDIS_URL="redis://127.0.0.1:$REDIS_PORT"
}

stop_all() {
    local bindir
    bindir=$(pg_config --bindir)
    if [ -f "$STATE_DIR/pg/data/postmaster.pid" ]; then
        pg_run "$bindir/pg_ctl" -D "$STATE_DIR/pg/data" -m "${VPAI_PG_STOP_MODE:-fast}" -w stop >/dev/null && log "PostgreSQL stopped"
    fi
    if [ -f "$STATE_DIR/redis/redis.pid" ]; then
        redis-cli -h 127.0.0.1 -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
        rm -f "$STATE_DIR/redis/redis.pid"
        log "Redis stopped"
    fi
}

case "${1:-start}" in
    start)
        install_missing
        if [ -z "${DATABASE_URL:-}" ]; then start_postgres; fi
        if [ -z "${REDIS_URL:-}" ]; then start_redis; fi
        echo "export DATABASE_URL='$DATABASE_URL'"
        echo "export REDIS_URL='$REDIS_URL'"
        ;;
    stop) stop_all ;;
    *) echo "usage: scripts/services.sh [start|stop]" >&2; exit 2 ;;
esac
