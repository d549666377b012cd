#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# Collector limits and shutdown (issue 6): max_connections refuses cleanly, SIGTERM answers
# and stores every request already received before exiting 0, and a database locked by
# another process for a moment costs the agents nothing but time.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/protocol_lib.sh"

start_collector
addr=${COLL_URL#https://}
tok=$(add_department "Kulturförvaltningen" basic)
now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
# report ID SEQ HOSTNAME: a valid report with no results.
report() {
    printf '{"schema":"efterlev.report/1","agent_id":"%s","seq":%s,"generated_at":"%s","host":{"hostname":"%s","machine_id":"m-%s","os_id":"debian","os_version":"12","os_pretty":"Debian","kernel":"6.1","arch":"x86_64"},"agent_version":"0.1.0","policy":{"id":"p","version":"1","sha256":""},"results":[],"summary":{"pass":0,"fail":0,"na":0,"unknown":0,"error":0}}' \
        "$1" "$2" "$now" "$3" "$3"
}
# post_bg KEY FILE AGENT_ID OUT: upload in the background; OUT gets the status code.
post_bg() {
    local sig
    sig=$(openssl pkeyutl -sign -inkey "$T/$1.pem" -rawin -in "$2" | base64 -w0)
    curl -sS --cacert "$COLL_CA" -o "$4.body" -w '%{http_code}' -X POST \
        -H "Efterlev-Agent: $3" -H "Efterlev-Signature: ed25519=$sig" \
        --data-binary @"$2" "$COLL_URL/api/v1/reports" >"$4" 2>"$4.err" || true
}
n=6
ids=()
for i in $(seq 1 $n); do
    pub=$(newkey "k$i")
    raw_enroll "$tok" "host-$i" "machine-$i" "$pub"
    assert_eq "$CODE" 201 "agent $i enrolled"
    ids+=("$(jq -r .agent_id <<<"$RESP")")
done

# ---- max_connections: 2 held open, the third is answered 503 and closed ----
stop_collector
printf 'max_connections: 2\n' >>"$COLL_CONF"
serve_collector "$addr"
holders=()
for h in 1 2; do
    (sleep 4) | openssl s_client -quiet -connect "$addr" -CAfile "$COLL_CA" >/dev/null 2>&1 &
    holders+=("$!")
    EF_PIDS+=("$!")
done
sleep 1
http GET /api/v1/health
assert_eq "$CODE" 503 "a third connection beyond max_connections 2 is refused"
assert_contains "$(jq -r .error <<<"$RESP")" "too many connections" "the refusal says why"
for p in "${holders[@]}"; do kill "$p" 2>/dev/null || true; done
ok=no
for _ in $(seq 1 40); do
    http GET /api/v1/health
    [ "$CODE" = 200 ] && { ok=yes; break; }
    sleep 0.1
done
assert_eq "$ok" yes "served again once the held connections closed"

stop_collector
sed -i '/^max_connections:/d' "$COLL_CONF"
serve_collector "$addr"

# ---- a write lock held by another process: uploads wait, then are stored (no error) ----
# ---- SIGTERM while they wait: they are answered 202 and stored, then exit 0 ----
python3 - "$COLL_DIR/efterlev.db" 2.5 >"$T/locker.log" 2>&1 <<'PY' &
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=10)
db.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
db.execute("COMMIT")
print("released", flush=True)
PY
locker=$!
EF_PIDS+=("$locker")
for _ in $(seq 1 50); do grep -q locked "$T/locker.log" 2>/dev/null && break; sleep 0.05; done
posters=()
for i in $(seq 1 $n); do
    report "${ids[$((i - 1))]}" 1 "host-$i" >"$T/r$i.json"
    post_bg "k$i" "$T/r$i.json" "${ids[$((i - 1))]}" "$T/code$i" &
    posters+=("$!")
done
sleep 1
grep -q released "$T/locker.log" && fail "the lock was released before SIGTERM; the test proves nothing"
kill -TERM "$COLL_PID"
for p in "${posters[@]}"; do wait "$p"; done
wait "$locker"
rc=0
wait "$COLL_PID" || rc=$?
assert_eq "$rc" 0 "exit status 0 after SIGTERM"
for i in $(seq 1 $n); do
    assert_eq "$(cat "$T/code$i")" 202 "upload $i, waiting on the lock when SIGTERM came, answered 202"
    assert_eq "$(stored_seqs "${ids[$((i - 1))]}")" 1 "upload $i stored"
done
grep -q "drained, stopping" "$T/coll.log" || fail "the collector did not report draining"
pass "drained: every request in flight was answered and stored"
assert_eq "$(sqlite3 "$COLL_DIR/efterlev.db" 'pragma integrity_check')" ok "database intact"
echo "collector_limits: all assertions passed"
