#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# Hostile input to a live collector: each properly signed, so it reaches the parser, and each
# gets a clear answer while the collector goes on serving everyone else.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/protocol_lib.sh"

start_collector
tok=$(add_department "Miljöförvaltningen" basic)
pub=$(newkey k)
raw_enroll "$tok" hostile-01 machine-hostile "$pub"
assert_eq "$CODE" 201 "enrolled"
id=$(jq -r .agent_id <<<"$RESP")
now=$(date -u +%Y-%m-%dT%H:%M:%SZ)

# A valid report with RESULTS as its results array and SUMMARY as its summary.
body() {
    printf '{"schema":"efterlev.report/1","agent_id":"%s","seq":%s,"generated_at":"%s","host":{"hostname":"hostile-01","machine_id":"machine-hostile","os_id":"debian","os_version":"12","os_pretty":"Debian","kernel":"6.1","arch":"x86_64"},"agent_version":"0.1.0","policy":{"id":"p","version":"1","sha256":""},"results":%s,"summary":%s}' \
        "$id" "$1" "$now" "$2" "${3:-{\"pass\":0,\"fail\":0,\"na\":0,\"unknown\":0,\"error\":0\}}"
}
# expect STATUS WORDS WHAT: the last answer had STATUS and a JSON error containing WORDS.
expect() {
    assert_eq "$CODE" "$1" "$3: status"
    assert_contains "$(jq -r .error <<<"$RESP")" "$2" "$3: the error says what"
}

printf '{"schema":"efterlev.report/1","seq":' >"$T/b1"
signed_post k "$T/b1" "$id"
expect 400 "malformed JSON" "truncated JSON"

body '"1"' '[]' >"$T/b2"
signed_post k "$T/b2" "$id"
expect 400 "seq: must be a non-negative integer" "seq of the wrong type"

body 1 '[]' | jq -c 'del(.host)' >"$T/b3"
signed_post k "$T/b3" "$id"
expect 400 "host" "missing host"

body 1 '[{"check":"x","status":"pass","evidence":"caf\u00e9","controls":["8.9"],"severity":"low","level":"basic","duration_us":1}]' \
    '{"pass":1,"fail":0,"na":0,"unknown":0,"error":0}' | sed 's/caf\\u00e9/caf\xe9/' >"$T/b4"
signed_post k "$T/b4" "$id"
expect 400 "UTF-8" "invalid UTF-8"

body 99999999999999999999999999 '[]' >"$T/b5"
signed_post k "$T/b5" "$id"
expect 400 "malformed JSON" "a number too large"

{ printf '{"schema":"efterlev.report/1","results":'; head -c 200000 /dev/zero | tr '\0' '['; } >"$T/b6"
signed_post k "$T/b6" "$id"
expect 400 "malformed JSON" "200,000 levels of nesting"

{ printf '['; printf '0,%.0s' $(seq 1 99999); printf '0]'; } >"$T/results"
body 1 "$(cat "$T/results")" >"$T/b7"
signed_post k "$T/b7" "$id"
expect 400 "results: more than 4096" "100,000 results"

head -c $((2 * 1024 * 1024)) /dev/zero | tr '\0' ' ' >"$T/b8"
signed_post k "$T/b8" "$id"
expect 413 "larger than" "a 2 MiB body"

# A slow client: one byte a second on an open TLS connection. Others are served meanwhile.
(printf 'POST /api/v1/reports HTTP/1.1\r\nHost: x\r\n' | while IFS= read -r -n1 c; do
    printf '%s' "$c"
    sleep 1
done) | openssl s_client -quiet -connect "${COLL_URL#https://}" -CAfile "$COLL_CA" \
    >"$T/slow.out" 2>&1 &
slow=$!
EF_PIDS+=("$slow")
sleep 1.5
start=$(date +%s%N)
http GET /api/v1/health
elapsed_ms=$((($(date +%s%N) - start) / 1000000))
assert_eq "$CODE" 200 "served while a slow client trickles"
[ "$elapsed_ms" -lt 1000 ] || fail "health took $elapsed_ms ms next to a slow client"
pass "the slow client holds up no one ($elapsed_ms ms)"
kill "$slow" 2>/dev/null || true

# request_timeout: a total deadline for a request's headers and body. With 2 s, a client
# trickling one byte a second is cut off after about 2 s, while others are served.
stop_collector
printf 'request_timeout: 2\n' >>"$COLL_CONF"
serve_collector "${COLL_URL#https://}"
(printf 'POST /api/v1/reports HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"x":' |
    while IFS= read -r -n1 c; do
        printf '%s' "$c"
        sleep 1
    done) | openssl s_client -quiet -connect "${COLL_URL#https://}" -CAfile "$COLL_CA" \
    >"$T/slow2.out" 2>&1 &
slow=$!
EF_PIDS+=("$slow")
start=$(date +%s%N)
sleep 1
http GET /api/v1/health
assert_eq "$CODE" 200 "served while a slow client trickles (request_timeout 2 s)"
cut=no
for _ in $(seq 1 60); do
    if ! kill -0 "$slow" 2>/dev/null; then cut=yes; break; fi
    sleep 0.1
done
elapsed_ms=$((($(date +%s%N) - start) / 1000000))
assert_eq "$cut" yes "the slow client is cut off (after $elapsed_ms ms; its request needs ~70 s)"
[ "$elapsed_ms" -ge 1500 ] || fail "cut off too early ($elapsed_ms ms)"
grep -q "no complete request within 2 s" "$T/coll.log" || fail "the cut-off is not logged"
pass "the cut-off is logged"

# After all of it, a valid report is still stored.
body 1 '[]' >"$T/ok"
signed_post k "$T/ok" "$id"
assert_eq "$CODE" 202 "a valid report after the hostile ones"
echo "hostile_input: all assertions passed"
