#!/usr/bin/env bash
# The agent trusts only the configured CA, refuses plain http:// off loopback, and keeps
# every report it could not deliver until the collector takes it.
source "$(dirname "$0")/lib.sh"
policy=$EF_SOURCE_DIR/tests/fixtures/policies/e2e.yml

start_collector
tok=$(add_department "Äldreomsorgen" basic)
mkdir -p "$T/agent-a"
printf 'hostname: host-a\nmachine_id: machine-a\npolicies: ["%s"]\n' "$policy" >"$T/agent-a/agent.yml"

# Another collector's CA: a certificate the agent must not accept.
"$EF_COLLECTOR" init --dir "$T/other" >/dev/null 2>&1 || fail "second init"
set +e
agent a enroll --collector "$COLL_URL" --token "$tok" --ca "$T/other/tls/ca.pem" 2>"$T/e.log"
rc=$?
set -e
[ "$rc" -ne 0 ] || fail "enrollment through a wrong CA succeeded"
assert_contains "$(cat "$T/e.log")" "certificate" "wrong CA: the error names the certificate"
[ ! -f "$T/agent-a/state/enrollment.json" ] || fail "enrollment saved despite wrong CA"

set +e
agent a enroll --collector "http://192.0.2.1:8443" --token "$tok" 2>"$T/h.log"
rc=$?
set -e
[ "$rc" -ne 0 ] || fail "plain http to a non-loopback address was accepted"
assert_contains "$(cat "$T/h.log")" "refusing plain http://" "plain http refused"

cp "$COLL_CA" "$T/trusted-ca.pem"
agent a enroll --collector "$COLL_URL" --token "$tok" --ca "$T/trusted-ca.pem" 2>/dev/null ||
    fail "enroll with the right CA"

# The CA file the agent trusts is replaced by the wrong one: upload refused, report kept.
cp "$T/other/tls/ca.pem" "$T/trusted-ca.pem"
set +e
agent a run 2>"$T/run1.log"
rc=$?
set -e
assert_eq "$rc" 1 "run exits 1 when the report stays spooled"
assert_eq "$(agent a status --format json | jq .spool.reports)" 1 "report kept in the spool"

# The collector goes down: the next report waits too.
port=${COLL_URL##*:}
stop_collector
set +e
agent a run 2>"$T/run2.log"
rc=$?
set -e
assert_eq "$rc" 1 "run with the collector down exits 1"
assert_contains "$(cat "$T/run2.log")" "kept in the spool" "run says the report is kept"
assert_eq "$(agent a status --format json | jq .spool.reports)" 2 "two reports spooled"

# Collector back on the same port, right CA back: both arrive, in order, once.
"$EF_COLLECTOR" serve --config "$COLL_CONF" --listen "127.0.0.1:$port" \
    --ready-file "$COLL_DIR/ready2" >"$T/coll2.log" 2>&1 &
EF_PIDS+=("$!")
for _ in $(seq 1 100); do [ -s "$COLL_DIR/ready2" ] && break; sleep 0.05; done
cp "$COLL_CA" "$T/trusted-ca.pem"
agent a run 2>"$T/run3.log" || fail "delivery after recovery: $(cat "$T/run3.log")"
assert_eq "$(agent a status --format json | jq .spool.reports)" 0 "spool empty after recovery"
assert_eq "$(sqlite3 "$COLL_DIR/efterlev.db" 'select group_concat(seq) from (select seq from reports order by id)')" \
    "1,2,3" "all three reports stored once, in seq order"
echo "agent_tls: all assertions passed"
