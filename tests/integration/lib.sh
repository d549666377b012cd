# SPDX-License-Identifier: EUPL-1.2
# Shared helpers for integration tests: sourced by every tests/integration/*.sh.
# Each test gets its own temporary folder, starts its own collector on 127.0.0.1 on a free
# port (the kernel picks it: --listen 127.0.0.1:0, the bound address lands in a ready file)
# and stops everything it started on exit.
set -euo pipefail

: "${EF_AGENT:?EF_AGENT must name the efterlev-agent binary}"
: "${EF_COLLECTOR:?EF_COLLECTOR must name the efterlev-collector binary}"
: "${EF_SOURCE_DIR:?EF_SOURCE_DIR must name the source tree}"

T=$(mktemp -d "${TMPDIR:-/tmp}/efterlev-test.XXXXXX")
EF_PIDS=()
ef_cleanup() {
    local rc=$?
    for p in "${EF_PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${EF_PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
    if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ]; then
        echo "--- test failed (rc=$rc); logs kept in $T" >&2
        for f in "$T"/*.log; do [ -f "$f" ] && { echo "--- $f" >&2; tail -n 40 "$f" >&2; }; done
    else
        rm -rf "$T"
    fi
}
trap ef_cleanup EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "ok: $*"; }
# assert_eq ACTUAL EXPECTED WHAT
assert_eq() { [ "$1" = "$2" ] || fail "$3: expected '$2', got '$1'"; pass "$3"; }
assert_contains() { case "$1" in *"$2"*) pass "$3" ;; *) fail "$3: '$2' not in: $1" ;; esac; }

# test_catalog: the check catalog of the test collectors ($T/catalog): the default checks,
# e2e.yml (the agents' test policy) and raw-uploads.yml (the checks of hand-written reports).
# Only results of these checks count (collector.yml `policies`, docs/figures.md).
test_catalog() {
    if [ ! -d "$T/catalog" ]; then
        mkdir -p "$T/catalog"
        cp "$EF_SOURCE_DIR"/checks/policies/*.yml "$EF_SOURCE_DIR"/tests/fixtures/policies/*.yml \
            "$T/catalog/"
    fi
    printf '%s' "$T/catalog"
}

# catalog_of NAME CHECK...: a check catalog of exactly these checks ($T/NAME/), as a policy
# of id NAME: each check's definition copied from the default policy or the test policies.
# For a collector whose hosts report just these checks (the collector requires every check
# of its catalog: docs/figures.md, "What is counted"). Prints the folder.
catalog_of() {
    local name=$1 dir=$T/$1
    shift
    mkdir -p "$dir"
    {
        printf 'policy:\n  id: %s\n  version: "1"\nchecks:\n' "$name"
        awk -v want=" $* " '
            /^  - id: / { keep = index(want, " " $3 " ") > 0 }
            /^[^ #]/ { keep = 0 }
            keep' "$EF_SOURCE_DIR"/checks/policies/*.yml "$EF_SOURCE_DIR"/tests/fixtures/policies/*.yml
    } >"$dir/10-checks.yml"
    [ "$(grep -c '^  - id: ' "$dir/10-checks.yml")" -eq $# ] || fail "catalog_of $name: not every check found"
    printf '%s' "$dir"
}

# start_collector NAME: init DIR=$T/NAME (database: $EF_DATABASE when set, see the end of
# this file; check catalog: $COLL_POLICIES when set, else test_catalog; Windows catalog:
# $COLL_POLICIES_WINDOWS when set, else the collector's default), serve on a free
# loopback port.
# Sets COLL_DIR, COLL_CONF, COLL_URL, COLL_CA, COLL_PID.
start_collector() {
    local name=${1:-coll}
    COLL_DIR=$T/$name
    "$EF_COLLECTOR" init --dir "$COLL_DIR" ${EF_DATABASE:+--database "$EF_DATABASE"} \
        --policies "${COLL_POLICIES:-$(test_catalog)}" \
        ${COLL_POLICIES_WINDOWS:+--policies-windows "$COLL_POLICIES_WINDOWS"} \
        >"$T/$name-init.log" 2>&1 || fail "collector init"
    COLL_CONF=$COLL_DIR/collector.yml
    COLL_CA=$COLL_DIR/tls/ca.pem
    rm -f "$COLL_DIR/ready"
    "$EF_COLLECTOR" serve --config "$COLL_CONF" --listen 127.0.0.1:0 \
        --ready-file "$COLL_DIR/ready" >"$T/$name.log" 2>&1 &
    COLL_PID=$!
    EF_PIDS+=("$COLL_PID")
    local i
    for i in $(seq 1 100); do
        [ -s "$COLL_DIR/ready" ] && break
        kill -0 "$COLL_PID" 2>/dev/null || fail "collector exited at start"
        sleep 0.05
    done
    [ -s "$COLL_DIR/ready" ] || fail "collector not ready"
    COLL_URL="https://$(head -n1 "$COLL_DIR/ready")"
}

stop_collector() {
    kill "$COLL_PID" 2>/dev/null || true
    wait "$COLL_PID" 2>/dev/null || true
}

# serve_collector ADDR:PORT: start the collector of start_collector again (after a stop or a
# kill) on the given address, typically the same port, so enrolled agents find it.
serve_collector() {
    local ready=$COLL_DIR/ready.$RANDOM
    "$EF_COLLECTOR" serve --config "$COLL_CONF" --listen "$1" --ready-file "$ready" \
        >>"$T/coll.log" 2>&1 &
    COLL_PID=$!
    EF_PIDS+=("$COLL_PID")
    local i
    for i in $(seq 1 200); do
        [ -s "$ready" ] && return 0
        kill -0 "$COLL_PID" 2>/dev/null || fail "collector exited at restart"
        sleep 0.05
    done
    fail "collector not ready after restart"
}

# db_query SQL: run SQL on the collector's database (SQLite file or $EF_DATABASE); one row a
# line, columns separated by '|'.
db_query() {
    case "${EF_DATABASE:-}" in
    postgres://* | postgresql://*) psql -X -q -A -t -v ON_ERROR_STOP=1 "$EF_DATABASE" -c "$1" ;;
    *) sqlite3 "$COLL_DIR/efterlev.db" "$1" ;;
    esac
}

# db_intact: the database passes its integrity check (PostgreSQL: it answers; its WAL
# recovery is not ours to test).
db_intact() {
    case "${EF_DATABASE:-}" in
    postgres://* | postgresql://*) [ "$(db_query 'select 1')" = 1 ] ;;
    *) [ "$(sqlite3 "$COLL_DIR/efterlev.db" 'pragma integrity_check')" = ok ] ;;
    esac
}

# The reports the collector stored for an agent, as "1,2,3" in storage order.
stored_seqs() {
    db_query "select seq from reports where agent_id='$1' order by id" | paste -sd, -
}

# skip WHY: this test cannot run here (ctest shows it as skipped).
skip() {
    echo "SKIP: $*"
    exit 77
}

# add_department NAME LEVEL: prints the enrollment token.
add_department() {
    "$EF_COLLECTOR" department add "$1" --level "$2" --config "$COLL_CONF" 2>>"$T/admin.log"
}

# agent NAME ARGS...: run the agent with its own state dir and config.
agent() {
    local name=$1
    shift
    mkdir -p "$T/agent-$name"
    # EFTERLEV_CONFIG names the file explicitly, so it must exist: empty means the defaults.
    [ -e "$T/agent-$name/agent.yml" ] || : >"$T/agent-$name/agent.yml"
    EFTERLEV_STATE_DIR="$T/agent-$name/state" EFTERLEV_CONFIG="$T/agent-$name/agent.yml" \
        "$EF_AGENT" "$@"
}

# PostgreSQL variants (ctest's *.pg tests): EF_PG_FIXTURE names the run's throwaway cluster
# (pg_fixture.sh) and this test gets a database of its own in it. EF_DATABASE set by hand
# (sqlite:PATH or postgresql://...) is used as given.
if [ -z "${EF_DATABASE:-}" ] && [ -n "${EF_PG_FIXTURE:-}" ]; then
    source "$(dirname "${BASH_SOURCE[0]}")/pg.sh"
    pg_cluster_load "$EF_PG_FIXTURE" || skip "no PostgreSQL cluster ($EF_PG_FIXTURE)"
    EF_DATABASE=$(pg_new_database it) || fail "cannot create a PostgreSQL database"
fi
