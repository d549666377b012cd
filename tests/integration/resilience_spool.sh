#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# Nothing lost: reports made while the collector is away wait in the spool and arrive later,
# in order, once; a run rides out a short outage by itself; a bounded spool drops the oldest
# and says so in the next report.
source "$(dirname "$0")/lib.sh"
policy=$EF_SOURCE_DIR/tests/fixtures/policies/e2e.yml

start_collector
addr=${COLL_URL#https://}
tok=$(add_department "Äldreomsorgen" basic)
mkdir -p "$T/agent-a"
cat >"$T/agent-a/agent.yml" <<YML
hostname: host-a
machine_id: machine-a
policies: ["$policy"]
retry_attempts: 1
YML
agent a enroll --collector "$COLL_URL" --token "$tok" --ca "$COLL_CA" 2>/dev/null || fail "enroll"
id=$(agent a status --format json | jq -r .enrollment.agent_id)

# 1. The collector is down through ten runs: ten reports wait, then all arrive, in order, once.
stop_collector
for i in $(seq 1 10); do
    set +e
    agent a run 2>>"$T/down.log"
    rc=$?
    set -e
    [ "$rc" -eq 1 ] || fail "run $i with the collector down exited $rc, not 1"
done
assert_eq "$(agent a status --format json | jq .spool.reports)" 10 "ten reports spooled"
assert_eq "$(agent a status --format json | jq .spool.oldest_seq)" 1 "the oldest is seq 1"
serve_collector "$addr"
agent a run 2>"$T/up.log" || fail "run after recovery: $(cat "$T/up.log")"
assert_eq "$(stored_seqs "$id")" "1,2,3,4,5,6,7,8,9,10,11" "all eleven stored once, in seq order"
assert_eq "$(agent a status --format json | jq .spool.reports)" 0 "spool empty"
assert_contains "$(cat "$T/up.log")" "delivered 11 report(s)" "run says what it delivered"

# 2. A short outage inside one run: retries with backoff deliver without waiting for the timer.
sed -i 's/^retry_attempts: 1$/retry_attempts: 6\nretry_base_ms: 400/' "$T/agent-a/agent.yml"
stop_collector
agent a run -v 2>"$T/retry.log" &
run_pid=$!
sleep 0.7
serve_collector "$addr"
wait "$run_pid" || fail "the run did not ride out the outage: $(cat "$T/retry.log")"
assert_contains "$(cat "$T/retry.log")" "before attempt 2" "the run backed off and retried"
assert_eq "$(stored_seqs "$id" | tr ',' '\n' | tail -n1)" 12 "report 12 delivered in the same run"

# 3. A bounded spool: with room for 3, five undelivered reports lose the two oldest, and the
#    next delivered report says so.
sed -i 's/^retry_attempts: 6$/retry_attempts: 1\nspool_max_reports: 3/' "$T/agent-a/agent.yml"
stop_collector
for i in 1 2 3 4 5; do agent a run 2>>"$T/bound.log" || true; done
assert_eq "$(agent a status --format json | jq .spool.reports)" 3 "spool holds 3"
assert_eq "$(agent a status --format json | jq .spool.oldest_seq)" 15 "the oldest two were dropped"
assert_contains "$(cat "$T/bound.log")" "spool full: dropped undelivered report seq 13" "drop is logged"
serve_collector "$addr"
agent a run 2>"$T/after-bound.log" || fail "delivery after drops"
assert_eq "$(stored_seqs "$id" | cut -d, -f13-)" "15,16,17,18" "the three kept, then the new one"
# Every drop is reported once, in the next report made after it.
dropped=$(sqlite3 "$COLL_DIR/efterlev.db" "select body from reports where agent_id='$id'" |
    jq -s 'map(.spool_dropped) | add')
assert_eq "$dropped" 2 "the reports that followed count the two dropped"
echo "resilience_spool: all assertions passed"
