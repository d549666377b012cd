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

# start_collector NAME: init DIR=$T/NAME, serve on a free loopback port.
# Sets COLL_DIR, COLL_CONF, COLL_URL, COLL_CA, COLL_PID.
start_collector() {
    local name=${1:-coll}
    COLL_DIR=$T/$name
    "$EF_COLLECTOR" init --dir "$COLL_DIR" >"$T/$name-init.log" 2>&1 || fail "collector init"
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

# The reports the collector stored for an agent, as "1,2,3" in storage order.
stored_seqs() {
    sqlite3 "$COLL_DIR/efterlev.db" \
        "select group_concat(seq) from (select seq from reports where agent_id='$1' order by id)"
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
    EFTERLEV_STATE_DIR="$T/agent-$name/state" EFTERLEV_CONFIG="$T/agent-$name/agent.yml" \
        "$EF_AGENT" "$@"
}
