# SPDX-License-Identifier: EUPL-1.2
# PostgreSQL for tests: a throwaway cluster on 127.0.0.1, started and stopped by the tests
# themselves. Sourced (by pg_fixture.sh, pg_run.sh and lib.sh); needs the Debian package
# postgresql (scripts/deps.sh installs it).
#
# The cluster runs as an unprivileged user: initdb refuses root, so as root the cluster
# belongs to the "postgres" system user the package creates (else "nobody"); otherwise to
# the caller. It listens on 127.0.0.1 only, on a free port, with its socket in its own
# folder and trust authentication for local connections. Durability is off (fsync=off):
# the cluster lives for one ctest run (EFTERLEV_PG_DURABLE=1 keeps it on, for benchmarks).
#
# The fixture's state is one file of shell assignments (PG_DIR, PG_PORT, PG_USER, PG_URI),
# written by pg_cluster_start and read by pg_cluster_load.

# pg_bin: the folder with initdb and pg_ctl (the newest installed version), else fails.
pg_bin() {
    local d
    for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && { echo "$d"; return 0; }
    done
    command -v initdb >/dev/null 2>&1 && { dirname "$(command -v initdb)"; return 0; }
    return 1
}

# pg_as CMD...: run CMD as the cluster's owner ($PG_USER).
pg_as() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u "$PG_USER" -- "$@"
    else
        "$@"
    fi
}

pg_free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# pg_cluster_start ENVFILE: initdb in a new temp folder, start on a free port, write
# ENVFILE. Returns 77 when PostgreSQL is not installed.
pg_cluster_start() {
    local envfile=$1 bin try
    bin=$(pg_bin) || { echo "pg: initdb not found (apt-get install postgresql)" >&2; return 77; }
    if [ "$(id -u)" -eq 0 ]; then
        PG_USER=postgres
        id -u "$PG_USER" >/dev/null 2>&1 || PG_USER=nobody
    else
        PG_USER=$(id -un)
    fi
    PG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/efterlev-pg.XXXXXX")
    chmod 755 "$PG_DIR"
    mkdir "$PG_DIR/data"
    [ "$(id -u)" -eq 0 ] && chown -R "$PG_USER" "$PG_DIR"
    pg_as "$bin/initdb" -D "$PG_DIR/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 \
        >"$PG_DIR/initdb.log" 2>&1 || { cat "$PG_DIR/initdb.log" >&2; return 1; }
    # Tests: no durability (the cluster lives for one run). Benchmarks set
    # EFTERLEV_PG_DURABLE=1 to measure a database that keeps what it acknowledged.
    local durability="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    [ "${EFTERLEV_PG_DURABLE:-0}" = 1 ] && durability=""
    for try in 1 2 3 4 5; do
        PG_PORT=$(pg_free_port)
        if pg_as "$bin/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 30 start \
            -o "-k $PG_DIR -h 127.0.0.1 -p $PG_PORT $durability -c max_connections=200" \
            >>"$PG_DIR/pg_ctl.log" 2>&1; then
            break
        fi
        PG_PORT=
    done
    [ -n "$PG_PORT" ] || { tail -n 20 "$PG_DIR/server.log" >&2; return 1; }
    PG_URI="postgresql://postgres@127.0.0.1:$PG_PORT"
    printf 'PG_BIN=%q\nPG_DIR=%q\nPG_PORT=%q\nPG_USER=%q\nPG_URI=%q\n' \
        "$bin" "$PG_DIR" "$PG_PORT" "$PG_USER" "$PG_URI" >"$envfile"
}

# pg_cluster_load ENVFILE: read the fixture's state; 1 when there is none.
pg_cluster_load() {
    [ -f "$1" ] || return 1
    # shellcheck disable=SC1090
    source "$1"
}

# pg_cluster_stop ENVFILE: stop the cluster and remove its folder and ENVFILE.
pg_cluster_stop() {
    pg_cluster_load "$1" || return 0
    pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf "$PG_DIR" "$1"
}

# pg_new_database [PREFIX]: create an empty database in the loaded cluster; prints its URI.
pg_new_database() {
    local name
    name="${1:-ef}_$(date +%s%N | tail -c 10)_$$_$RANDOM"
    name=$(tr -c 'a-z0-9_\n' '_' <<<"${name,,}")
    psql -X -q -v ON_ERROR_STOP=1 "$PG_URI/postgres" -c "CREATE DATABASE $name" >/dev/null ||
        return 1
    echo "$PG_URI/$name"
}
