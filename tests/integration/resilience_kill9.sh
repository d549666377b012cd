#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# kill -9 of the collector in the middle of many agents uploading: every report an agent saw
# acknowledged is in the database afterwards, and the database is intact. An agent removes a
# report from its spool only after the acknowledgement, so "acknowledged but lost" shows up as
# a missing seq once every agent has delivered the rest.
source "$(dirname "$0")/lib.sh"
policy=$EF_SOURCE_DIR/tests/fixtures/policies/e2e.yml
agents=8
runs=6

start_collector
addr=${COLL_URL#https://}
tok=$(add_department "Stadsbyggnadsförvaltningen" basic)
for a in $(seq 1 $agents); do
    mkdir -p "$T/agent-$a"
    printf 'hostname: h%s\nmachine_id: m%s\npolicies: ["%s"]\nretry_attempts: 8\nretry_base_ms: 150\n' \
        "$a" "$a" "$policy" >"$T/agent-$a/agent.yml"
    agent "$a" enroll --collector "$COLL_URL" --token "$tok" --ca "$COLL_CA" 2>/dev/null ||
        fail "enroll $a"
done

# The load: every agent runs several times, all at once.
pids=()
for a in $(seq 1 $agents); do
    (for _ in $(seq 1 $runs); do agent "$a" run 2>>"$T/load-$a.log" || true; done) &
    pids+=("$!")
done
sleep 1.2
kill -9 "$COLL_PID"
wait "$COLL_PID" 2>/dev/null || true
before=$(db_query 'select count(*) from reports' 2>/dev/null || echo "?")
sleep 0.5
serve_collector "$addr"
for p in "${pids[@]}"; do wait "$p"; done
pass "killed with $before reports stored; the load went on after the restart"

# Whatever is still spooled is delivered now.
for a in $(seq 1 $agents); do
    agent "$a" run 2>>"$T/final-$a.log" || fail "final run of agent $a: $(tail -n 3 "$T/final-$a.log")"
done

db_intact && pass "database intact" || fail "database integrity check"
for a in $(seq 1 $agents); do
    st=$(agent "$a" status --format json)
    id=$(jq -r .enrollment.agent_id <<<"$st")
    last=$(jq -r .last_seq <<<"$st")
    assert_eq "$(stored_seqs "$id")" "$(seq -s, 1 "$last")" "agent $a: seq 1..$last stored once each, in order"
done
echo "resilience_kill9: all assertions passed"
