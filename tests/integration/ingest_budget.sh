#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# The per-agent ingest budget (issue 17): an agent over agent_reports_per_hour or
# agent_bytes_per_day gets 429 with Retry-After and nothing is stored; another agent is
# unaffected; uploads for an agent signed with any other key never spend its budget; the
# real agent keeps a refused report in its spool, does not wait out Retry-After in the run,
# and delivers it later.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/protocol_lib.sh"
policy=$EF_SOURCE_DIR/tests/fixtures/policies/e2e.yml

NOW=$(date -u +%Y-%m-%dT%H:%M:%SZ)

# report FILE AGENT_ID SEQ [RESULTS [EVIDENCE]]: a valid report body.
report() {
    local n=${4:-1} ev=${5:-ok} results="" i
    for ((i = 1; i <= n; i++)); do
        results+="${results:+,}{\"check\":\"chk-$i\",\"status\":\"pass\",\"evidence\":\"$ev\",\"controls\":[\"8.9\"],\"severity\":\"medium\",\"level\":\"basic\",\"duration_us\":1}"
    done
    printf '{"schema":"efterlev.report/1","agent_id":"%s","seq":%s,"generated_at":"%s","host":{"hostname":"h-%s","machine_id":"m-%s","os_id":"debian","os_version":"12","os_pretty":"Debian GNU/Linux 12","kernel":"6.1.0","arch":"x86_64"},"agent_version":"0.1.0","policy":{"id":"baseline","version":"1","sha256":"%064d"},"results":[%s],"summary":{"pass":%d,"fail":0,"na":0,"unknown":0,"error":0}}' \
        "$2" "$3" "$NOW" "$2" "$2" 0 "$results" "$n" >"$1"
}

# up KEY AGENT_ID SEQ [RESULTS [EVIDENCE]]: sign a report with KEY and upload it as AGENT_ID;
# sets CODE, RESP and RETRY (the Retry-After header, empty when none).
up() {
    local f=$T/r-$2-$3.json sig
    report "$f" "$2" "$3" "${4:-1}" "${5:-ok}"
    sig=$(openssl pkeyutl -sign -inkey "$T/$1.pem" -rawin -in "$f" | base64 -w0)
    http POST /api/v1/reports -D "$T/hdr" -H "Efterlev-Agent: $2" \
        -H "Efterlev-Signature: ed25519=$sig" -H 'Content-Type: application/json' \
        --data-binary @"$f"
    RETRY=$(tr -d '\r' <"$T/hdr" | awk -F': ' 'tolower($1) == "retry-after" { print $2 }')
}

# enroll_raw NAME: a protocol-level agent with key NAME; prints its agent_id.
enroll_raw() {
    raw_enroll "$TOKEN" "host-$1" "machine-$1" "$(newkey "$1")"
    [ "$CODE" = 201 ] || fail "enroll $1: $CODE $RESP"
    jq -r .agent_id <<<"$RESP"
}

start_collector
TOKEN=$(add_department "Ekonomi" basic)
addr=${COLL_URL#https://}
stop_collector
printf 'agent_reports_per_hour: 3\nagent_bytes_per_day: 1048576\n' >>"$COLL_CONF"
serve_collector "$addr"

A=$(enroll_raw a)
B=$(enroll_raw b)
C=$(enroll_raw c)
newkey x >/dev/null # someone else's key

# ---- forged uploads for B (any other key) never spend B's budget ----
for i in $(seq 1 10); do
    up x "$B" "$i"
    [ "$CODE" = 401 ] || fail "forged upload $i for B answered $CODE"
done
pass "10 forged uploads for B: 401 each"
up b "$B" 1
assert_eq "$CODE" 202 "B's own seq 1 after 10 forged ones"
up b "$B" 2
assert_eq "$CODE" 202 "B's own seq 2"

# ---- A over agent_reports_per_hour (3): 429 with Retry-After, nothing stored ----
for s in 1 2 3; do
    up a "$A" "$s"
    assert_eq "$CODE" 202 "A's seq $s within the budget"
    [ -z "$RETRY" ] || fail "a 202 carries Retry-After $RETRY"
done
up a "$A" 4
assert_eq "$CODE" 429 "A's 4th report in the hour"
[[ $RETRY =~ ^[0-9]+$ ]] && [ "$RETRY" -ge 3590 ] && [ "$RETRY" -le 3600 ] ||
    fail "Retry-After '$RETRY' is not the rest of the hour"
pass "429 says Retry-After $RETRY s (the rest of A's hour)"
assert_contains "$(jq -r .error <<<"$RESP")" "ingest budget (reports per hour)" "429 is a JSON error"
up a "$A" 4
assert_eq "$CODE" 429 "refused again (a refused report is not counted, nor freed)"
assert_eq "$(stored_seqs "$A")" "1,2,3" "nothing of A's refused reports stored"
# The budget is charged only after the signature: a forged upload for A is still a 401, so
# its state is told to nobody without A's key.
up x "$A" 5
assert_eq "$CODE" 401 "a forged upload for A over its budget: 401, not 429"
assert_contains "$(cat "$T/coll.log")" "refused for" "the refusal is logged"
[ "$(grep -c "reports from $A refused" "$T/coll.log")" = 1 ] || fail "refusals logged more than once"
pass "logged once for the window, not once per upload"

# ---- B is unaffected ----
up b "$B" 3
assert_eq "$CODE" 202 "B's seq 3 while A is over its budget"
assert_eq "$(stored_seqs "$B")" "1,2,3" "B's reports stored"

# ---- C over agent_bytes_per_day (1 MiB): about 400 KB a report, the third does not fit ----
EV=$(head -c 1000 /dev/zero | tr '\0' e)
up c "$C" 1 360 "$EV"
assert_eq "$CODE" 202 "C's first 400 KB report"
up c "$C" 2 360 "$EV"
assert_eq "$CODE" 202 "C's second"
up c "$C" 3 360 "$EV"
assert_eq "$CODE" 429 "C's third passes 1 MiB in the day"
assert_contains "$(jq -r .error <<<"$RESP")" "bytes per day" "429 names the bytes budget"
[[ $RETRY =~ ^[0-9]+$ ]] && [ "$RETRY" -gt 3600 ] && [ "$RETRY" -le 86400 ] ||
    fail "Retry-After '$RETRY' is not the rest of C's day"
pass "Retry-After $RETRY s (the rest of C's day)"
up c "$C" 3
assert_eq "$CODE" 202 "a small report still fits C's day"
assert_eq "$(stored_seqs "$C")" "1,2,3" "C's refused report not stored"

# ---- the real agent: a 429 keeps the report spooled and ends the run at once ----
mkdir -p "$T/agent-r"
cat >"$T/agent-r/agent.yml" <<YML
hostname: host-r
machine_id: machine-r
policies: ["$policy"]
retry_attempts: 3
YML
agent r enroll --collector "$COLL_URL" --token "$TOKEN" --ca "$COLL_CA" 2>"$T/r-enroll.log" ||
    fail "agent r enroll"
R=$(agent r status --format json | jq -r .enrollment.agent_id)
for i in 1 2 3; do agent r run 2>>"$T/r-run.log" || fail "agent run $i: $(cat "$T/r-run.log")"; done
start=$(date +%s)
set +e
agent r run 2>"$T/r-429.log"
rc=$?
set -e
took=$(($(date +%s) - start))
assert_eq "$rc" 1 "the 4th run exits 1 (a report remains spooled)"
assert_contains "$(cat "$T/r-429.log")" "HTTP 429" "the run says the collector answered 429"
# Retry-After is about an hour: retrying within the run would wait 5 minutes a time.
[ "$took" -lt 60 ] || fail "the run took $took s: it waited for Retry-After instead of stopping"
pass "the run stopped at the 429 (${took} s) instead of retrying"
assert_eq "$(agent r status --format json | jq .spool.reports)" 1 "the refused report is still spooled"
assert_eq "$(stored_seqs "$R")" "1,2,3" "the collector stored none of it"

# The budget lives in the collector process: a restart starts it afresh, and the spooled
# report arrives with the next run.
stop_collector
serve_collector "$addr"
agent r run 2>"$T/r-after.log" || fail "run after restart: $(cat "$T/r-after.log")"
assert_eq "$(stored_seqs "$R")" "1,2,3,4,5" "the spooled report delivered later, in order"
assert_eq "$(agent r status --format json | jq .spool.reports)" 0 "spool empty"
