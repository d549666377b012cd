#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# The collector's wire protocol, tested from outside: a real efterlev-collector, curl as the
# HTTP client and the openssl CLI as an independent agent (its own Ed25519 keys and
# signatures), so the test does not share code with the agent.
source "$(dirname "$0")/lib.sh"

DEPT="Socialförvaltningen"

source "$(dirname "$0")/protocol_lib.sh"
# json_str KEY: a string field of the compact JSON in RESP.
json_str() { printf '%s' "$RESP" | sed -n "s/.*\"$1\":\"\([^\"]*\)\".*/\1/p"; }
# enroll TOKEN HOSTNAME MACHINE_ID PUBKEY [CURRENT_KEYNAME]
enroll() { raw_enroll "$@"; }

# report FILE AGENT_ID SEQ GENERATED_AT HOSTNAME PASS FAIL NA UNKNOWN: write a report body.
report() {
    local file=$1 agent=$2 seq=$3 when=$4 host=$5 np=$6 nf=$7 nn=$8 nu=$9
    local results="" i st n
    for st in pass fail na unknown; do
        case $st in pass) n=$np ;; fail) n=$nf ;; na) n=$nn ;; unknown) n=$nu ;; esac
        for ((i = 1; i <= n; i++)); do
            results+="${results:+,}{\"check\":\"chk.${st}_$i\",\"status\":\"$st\",\"evidence\":\"seen $st $i\",\"controls\":[\"8.9\",\"5.17\"],\"severity\":\"medium\",\"level\":\"elevated\",\"duration_us\":42}"
        done
    done
    printf '{"schema":"efterlev.report/1","agent_id":"%s","seq":%s,"generated_at":"%s","host":{"hostname":"%s","machine_id":"m-%s","os_id":"debian","os_version":"12","os_pretty":"Debian GNU/Linux 12 (bookworm)","kernel":"6.1.0-13-amd64","arch":"x86_64"},"agent_version":"0.1.0","policy":{"id":"baseline","version":"1","sha256":"%064d"},"results":[%s],"summary":{"pass":%d,"fail":%d,"na":%d,"unknown":%d,"error":0}}' \
        "$agent" "$seq" "$when" "$host" "$host" 0 "$results" "$np" "$nf" "$nn" "$nu" >"$file"
}

# post KEY FILE AGENT_HEADER: sign FILE with KEY and upload it.
post() {
    local sig
    sig=$(openssl pkeyutl -sign -inkey "$T/$1.pem" -rawin -in "$2" | base64 -w0)
    http POST /api/v1/reports -H "Efterlev-Agent: $3" -H "Efterlev-Signature: ed25519=$sig" \
        -H 'Content-Type: application/json' --data-binary @"$2"
}

NOW=$(date -u +%Y-%m-%dT%H:%M:%SZ)

# The collector's catalog: the five checks web-01's last report holds (below). web-02 reports
# one of them: the other four are missing from it (docs/figures.md, "What is counted").
COLL_POLICIES=$(catalog_of protocol chk.pass_1 chk.pass_2 chk.fail_1 chk.fail_2 chk.unknown_1) \
    start_collector coll
TOKEN=$(add_department "$DEPT" elevated)
[ -n "$TOKEN" ] || fail "department add printed no token"
OTHER_TOKEN=$(add_department "Kulturförvaltningen" basic)
if "$EF_COLLECTOR" department add "$DEPT" --level basic --config "$COLL_CONF" 2>/dev/null; then
    fail "duplicate department accepted"
fi
pass "duplicate department refused"

http GET /api/v1/health
assert_eq "$CODE" 200 "health"
http GET /api/v1/nowhere
assert_eq "$CODE" 404 "unknown path"
assert_contains "$RESP" '"error"' "404 is JSON"
http DELETE /api/v1/reports
assert_eq "$CODE" 405 "wrong method"
assert_contains "$RESP" '"error"' "405 is JSON"

# ---- enrollment ----
PUB1=$(newkey a1)
enroll "${TOKEN%%.*}.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" web-01 mach-1 "$PUB1"
assert_eq "$CODE" 401 "enroll with a wrong token"
assert_contains "$RESP" '"error"' "enroll 401 is JSON"
enroll "$OTHER_TOKEN" web-01 mach-1 "c2hvcnQ="
assert_eq "$CODE" 400 "enroll with a short public key"
http POST /api/v1/enroll --data-binary '{"token": "x", '
assert_eq "$CODE" 400 "enroll with malformed JSON"
assert_contains "$RESP" '"error":' "malformed JSON answer has an error field"

enroll "$TOKEN" web-01 mach-1 "$PUB1"
assert_eq "$CODE" 201 "enroll"
A1=$(json_str agent_id)
assert_eq "$(json_str level)" elevated "enroll answers the department's level"
assert_eq "$(json_str department)" "$DEPT" "enroll answers the department"
case $A1 in ag-*) pass "agent id $A1" ;; *) fail "odd agent id '$A1'" ;; esac

PUB2=$(newkey a2)
enroll "$TOKEN" db-01 mach-2 "$PUB2"
assert_eq "$CODE" 201 "enroll a second agent"
A2=$(json_str agent_id)

# ---- reports ----
report "$T/r1.json" "$A1" 1 "$NOW" web-01 3 1 1 0
post a1 "$T/r1.json" "$A1"
assert_eq "$CODE" 202 "valid report accepted"
assert_eq "$(json_str level)" elevated "202 carries the department level"

post a1 "$T/r1.json" "$A1"
assert_eq "$CODE" 200 "same body again is an idempotent duplicate"
assert_contains "$RESP" '"duplicate":true' "duplicate flagged"

report "$T/r1b.json" "$A1" 1 "$NOW" web-01 1 3 1 0
post a1 "$T/r1b.json" "$A1"
assert_eq "$CODE" 409 "equal seq with a different body"
assert_contains "$RESP" "seq 1 not greater than last stored 1" "409 names the seqs"

sed 's/"evidence":"seen pass 1"/"evidence":"seen pass 2"/' "$T/r1.json" >"$T/r1-flipped.json"
cmp -s "$T/r1.json" "$T/r1-flipped.json" && fail "flip did not change the body"
SIG1=$(openssl pkeyutl -sign -inkey "$T/a1.pem" -rawin -in "$T/r1.json" | base64 -w0)
http POST /api/v1/reports -H "Efterlev-Agent: $A1" -H "Efterlev-Signature: ed25519=$SIG1" \
    --data-binary @"$T/r1-flipped.json"
assert_eq "$CODE" 401 "one byte changed after signing"

report "$T/r-mismatch.json" "$A1" 5 "$NOW" db-01 1 0 0 0
post a2 "$T/r-mismatch.json" "$A2"
assert_eq "$CODE" 400 "body agent_id differs from the header"
post a2 "$T/r-mismatch.json" "$A1"
assert_eq "$CODE" 401 "signed by another agent's key"

post a1 "$T/r1.json" "ag-00000000000000000000000000000000"
assert_eq "$CODE" 401 "unknown agent"
http POST /api/v1/reports --data-binary @"$T/r1.json"
assert_eq "$CODE" 400 "missing headers"

head -c $((2 * 1024 * 1024)) /dev/zero | tr '\0' ' ' >"$T/big.json"
post a1 "$T/big.json" "$A1"
assert_eq "$CODE" 413 "2 MiB body"
assert_contains "$RESP" '"error"' "413 is JSON"

printf '{"schema":"efterlev.report/1","agent_id":"%s","seq":7' "$A1" >"$T/broken.json"
post a1 "$T/broken.json" "$A1"
assert_eq "$CODE" 400 "malformed report JSON"
assert_contains "$RESP" '"error":' "malformed report answer has an error field"
report "$T/badsum.json" "$A1" 7 "$NOW" web-01 1 0 0 0
sed -i 's/"summary":{"pass":1/"summary":{"pass":2/' "$T/badsum.json"
post a1 "$T/badsum.json" "$A1"
assert_eq "$CODE" 400 "summary inconsistent with results"
assert_contains "$RESP" "summary.pass" "validator message passed on"

report "$T/future.json" "$A1" 8 "$(date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%SZ)" web-01 1 0 0 0
post a1 "$T/future.json" "$A1"
assert_eq "$CODE" 400 "generated_at an hour in the future"
assert_contains "$RESP" "future" "future error explained"

report "$T/r2.json" "$A1" 2 "$NOW" web-01 2 2 0 1
post a1 "$T/r2.json" "$A1"
assert_eq "$CODE" 202 "next seq accepted"
post a1 "$T/r1.json" "$A1"
assert_eq "$CODE" 409 "older seq after a newer one"

# ---- re-enrollment ----
enroll "$TOKEN" web-01 mach-1 "$PUB1"
assert_eq "$CODE" 201 "re-enroll with the same key"
assert_eq "$(json_str agent_id)" "$A1" "re-enroll keeps the agent id"
post a1 "$T/r1b.json" "$A1"
assert_eq "$CODE" 409 "same key: seq not reset, replay refused"

PUB3=$(newkey a3)
enroll "$TOKEN" web-01-new mach-3 "$PUB3"
A3=$(json_str agent_id)
report "$T/r3-old.json" "$A3" 5 "$NOW" web-02 0 1 0 0
post a3 "$T/r3-old.json" "$A3"
assert_eq "$CODE" 202 "first install reports up to seq 5"
PUB3B=$(newkey a3b)
enroll "$TOKEN" web-01-new mach-3 "$PUB3B"
assert_eq "$CODE" 409 "a new key for a known machine without its current key's proof"
assert_contains "$RESP" "agent reset" "the refusal says how an administrator lets it in"
enroll "$TOKEN" web-01-new mach-3 "$PUB3B" a3
assert_eq "$CODE" 201 "a new key signed by the current key (rotation) is taken"
assert_eq "$(json_str agent_id)" "$A3" "re-enroll with a new key keeps the agent id"
report "$T/r3.json" "$A3" 1 "$NOW" web-02 0 1 0 0
post a3 "$T/r3.json" "$A3"
assert_eq "$CODE" 401 "the replaced key is refused"
post a3b "$T/r3.json" "$A3"
assert_eq "$CODE" 202 "new key: seq reset, the reinstalled agent's seq 1 is accepted"

# ---- read API ----
http GET /api/v1/summary
assert_eq "$CODE" 401 "summary without a token"
assert_contains "$RESP" '"error"' "summary 401 is JSON"
http GET /api/v1/summary -H "Authorization: Bearer 1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
assert_eq "$CODE" 401 "summary with a bad token"
BEARER=$("$EF_COLLECTOR" token add dash --role coordinator --config "$COLL_CONF" 2>>"$T/admin.log")
http GET /api/v1/summary -H "Authorization: Bearer $BEARER"
assert_eq "$CODE" 200 "summary with a token"
assert_contains "$RESP" '"hostname":"web-01"' "summary lists the host"
OTHER_BEARER=$("$EF_COLLECTOR" token add culture --role "department:Kulturförvaltningen" \
    --config "$COLL_CONF" 2>>"$T/admin.log")
http GET /api/v1/summary -H "Authorization: Bearer $OTHER_BEARER"
assert_eq "$CODE" 200 "department-scoped summary"
case $RESP in *web-01*) fail "department token sees another department's host" ;; esac
pass "department token sees only its department"

# ---- summary command: counts from the latest reports ----
SUM=$("$EF_COLLECTOR" summary --format json --config "$COLL_CONF" | tr -d ' \n')
assert_contains "$SUM" "\"hostname\":\"web-01\",\"agent_id\":\"$A1\",\"department\":\"$DEPT\"" \
    "summary json has web-01"
case $SUM in
*"\"agent_id\":\"$A1\","*"\"last_seq\":2,\"stale\":false,\"pass\":2,\"fail\":2,\"na\":0,\"unknown\":1,\"error\":0"*) pass "web-01 counts from its latest report" ;;
*) fail "web-01 counts wrong: $SUM" ;;
esac
# db-01 never reported: listed as stale, not counted; web-02 has 0 pass 1 fail and 4 of the
# catalog's checks missing: 2 / (2 + 3 + 4) = 22.2 %.
case $SUM in
*"\"name\":\"$DEPT\",\"level\":\"elevated\",\"hosts\":3,\"stale_hosts\":1,\"compliance_pct\":22.2,\"pass\":2,\"fail\":3,\"na\":0,\"unknown\":1,\"error\":0,\"accepted\":0,\"missing\":4"*) pass "department totals" ;;
*) fail "department totals wrong: $SUM" ;;
esac
CSV=$("$EF_COLLECTOR" summary --format csv --config "$COLL_CONF")
assert_eq "$(printf '%s\n' "$CSV" | head -n1 | tr -d '\r')" \
    "row,department,level,hostname,agent_id,last_seen,last_seq,stale,hosts,stale_hosts,pass,fail,na,unknown,error,compliance_pct,accepted,platform,os_edition,os_build,linux_hosts,windows_hosts,missing,assigned_policy_hosts,policy_id,policy_version,policy_assigned" \
    "csv header (the platform columns after accepted, schema 5; missing and policy last, schema 8)"
assert_contains "$CSV" "host,$DEPT,elevated,web-01,$A1," "csv host row"
# A report without host.platform is from Linux: web-01 is linux, no edition or build; the
# department's 3 hosts: 2 that reported (Linux), 1 never (no platform yet).
assert_contains "$CSV" ",linux,,,," "csv host row: platform linux, no edition or build"
assert_eq "$(printf '%s\n' "$CSV" | tr -d '\r' | grep "^department,$DEPT," | awk -F, '{ print $9, $21, $22 }')" \
    "3 2 0" "csv department row: 3 hosts, of them 2 Linux and 0 Windows"
# The reports name policy "baseline" with a zero sha256, not the catalog: neither host ran
# the policy it was assigned.
assert_eq "$(printf '%s\n' "$CSV" | tr -d '\r' | grep "^department,$DEPT," | awk -F, '{ print $23, $24 }')" \
    "4 0" "csv department row: 4 missing, 0 hosts ran the assigned policy"
assert_eq "$(printf '%s\n' "$CSV" | tr -d '\r' | grep "^host,$DEPT,elevated,web-02," | awk -F, '{ print $23, $25, $27 }')" \
    "4 baseline no" "csv host row: web-02's 4 missing, its policy, not the assigned one"
TEXT=$("$EF_COLLECTOR" summary --config "$COLL_CONF")
assert_contains "$TEXT" "22.2%" "text summary shows compliance"

# ---- enrollment rate limit: configured low here (the default burst is 100 per address);
# the restart resets the limiter and this test enrolls at most 12 more times ----
stop_collector
printf 'enroll_per_minute: 10\nenroll_burst: 10\n' >>"$COLL_CONF"
serve_collector "${COLL_URL#https://}"
LIMITED=no
for i in $(seq 1 12); do
    enroll "$TOKEN" web-01 mach-1 "$PUB1"
    if [ "$CODE" = 429 ]; then LIMITED=yes; break; fi
done
assert_eq "$LIMITED" yes "enrollment is rate-limited"
assert_contains "$RESP" '"error"' "429 is JSON"

# SIGTERM: a clean stop with exit status 0 (under ASan this also fails on leaks).
kill "$COLL_PID"
RC=0
wait "$COLL_PID" || RC=$?
assert_eq "$RC" 0 "serve exits 0 on SIGTERM"
assert_contains "$(cat "$T/coll.log")" "listening on https://127.0.0.1:" "serve logged its address"
