#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# Issue 17: exports run off the event loop and stream with bounded memory, from one
# snapshot. Against a real collector over HTTPS holding about 200 MB of reports (seeded with
# efterlev-bench-seed: 8 agents x 110 reports of 200 results with 1 KB of evidence each):
#  1. a whole bundle export (about 200 MB) raises the collector's peak RSS (VmHWM) by little
#     more than a tiny export does: its memory does not grow with the export;
#  2. /health answers within 100 ms while that export streams to a slow client and 50
#     dashboard logins run; a report stored meanwhile is not in the export (its snapshot);
#  3. at most two exports run at once: the third gets 503 with Retry-After;
#  4. clients that go away mid-export leave the collector healthy, their slots free, the
#     exports in the audit log as incomplete;
#  5. an error after the first bytes cuts the connection: the client sees the transfer fail
#     and the file does not verify;
#  6. real agents' exports over HTTP verify with --collector-key (JSON and bundle), and a copy
#     cut short does not.
source "$(dirname "$0")/lib.sh"
trap 'echo "FAIL: line $LINENO exited with $?" >&2' ERR

# The collector's own memory is measured, not AddressSanitizer's quarantine of freed blocks
# (256 MiB by default in a sanitizer build): keep that small.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=4"
SEED=$EF_BUILD_DIR/tests/bench/efterlev-bench-seed
[ -x "$SEED" ] || fail "no $SEED (build the efterlev-bench-seed target)"

start_collector
coll() { "$EF_COLLECTOR" "$@" --config "$COLL_CONF"; }
COORD=$(coll token add samordning --role coordinator 2>>"$T/admin.log")
printf '%s\n' "ett långt lösenord 1" | coll user add samordnare --role coordinator 2>>"$T/admin.log" ||
    fail "user add"
ORIGIN="https://${COLL_URL#https://}"

# Two real agents in a department of their own (their exports verify).
VER="Verifierad"
tok=$(add_department "$VER" basic)
for h in v1 v2; do
    mkdir -p "$T/agent-$h"
    cat >"$T/agent-$h/agent.yml" <<YML
hostname: $h
machine_id: machine-$h
collector: "$COLL_URL"
ca: "$COLL_CA"
token: "$tok"
policies: ["$EF_SOURCE_DIR/tests/fixtures/policies/e2e.yml"]
YML
    agent "$h" run 2>"$T/$h-run.log" || fail "agent $h run: $(cat "$T/$h-run.log")"
done
# About 200 MB of reports in two more departments.
"$SEED" --config "$COLL_CONF" --agents 8 --reports 110 --checks 200 --departments 2 \
    --evidence 1000 --seed 7 >"$T/seed.log" 2>&1 || fail "seed: $(cat "$T/seed.log")"
pass "seeded: $(cat "$T/seed.log")"

# export ARGS... URL-QUERY: GET /api/v1/export?QUERY as the coordinator.
export_get() {
    local q=${*: -1}
    curl -sS --cacert "$COLL_CA" -H "Authorization: Bearer $COORD" "${@:1:$#-1}" \
        "$COLL_URL/api/v1/export?$q"
}
hwm_kib() { awk '/^VmHWM/ { print $2 }' "/proc/$COLL_PID/status"; }

# ---- 1: memory does not grow with the export ----
# A tiny export first: what any export costs once (its thread, a store connection, TLS).
code=$(export_get -o "$T/tiny.tar" -w '%{http_code}' "format=bundle&department=$VER")
assert_eq "$code" 200 "a tiny export"
H0=$(hwm_kib)
code=$(export_get -o "$T/big.tar" -w '%{http_code}' --limit-rate 40M "format=bundle")
assert_eq "$code" 200 "the whole export"
H1=$(hwm_kib)
BIG=$(stat -c %s "$T/big.tar")
[ "$BIG" -gt 190000000 ] || fail "the export is only $BIG bytes: the test proves nothing"
GROWTH=$(((H1 - H0) / 1024))
echo "peak RSS: $((H0 / 1024)) MiB after a tiny export, $((H1 / 1024)) MiB after $((BIG / 1048576)) MiB"
[ "$GROWTH" -lt 24 ] || fail "a $((BIG / 1048576)) MiB export raised the peak RSS by $GROWTH MiB"
pass "a $((BIG / 1048576)) MiB export raised the peak RSS by $GROWTH MiB (bound: 24)"
tar -tf "$T/big.tar" >"$T/big.list" || fail "the bundle is no tar file"
assert_eq "$(tail -n 1 "$T/big.list")" "efterlev-export/manifest.sig" "the manifest comes last"
assert_eq "$(tar -xOf "$T/big.tar" efterlev-export/manifest.json | jq .count)" 882 \
    "880 seeded + 2 real reports, all in the manifest"

# ---- 2: /health stays fast while an export streams slowly and 50 logins run ----
BEFORE=$(db_query "select count(*) from reports")
curl -sS --cacert "$COLL_CA" -H "Authorization: Bearer $COORD" -o "$T/slow.tar" -w '%{http_code}\n' \
    --limit-rate 12M "$COLL_URL/api/v1/export?format=bundle" >"$T/slow.code" 2>&1 &
SLOW_PID=$!
sleep 1
# A report stored while the export runs: not in it (the export reads one snapshot).
agent v1 run 2>"$T/v1-run2.log" || fail "agent v1 run again: $(cat "$T/v1-run2.log")"
assert_eq "$(db_query "select count(*) from reports")" $((BEFORE + 1)) "a report stored meanwhile"
LOGIN_PIDS=()
for a in 3 4 5 6 7; do
    for i in 1 2 3 4 5 6 7 8 9 10; do
        curl -sS --interface "127.0.0.$a" --cacert "$COLL_CA" -o /dev/null -w '%{http_code}\n' \
            -X POST -H 'Content-Type: application/json' -H "Origin: $ORIGIN" \
            --data-binary "{\"user\":\"samordnare\",\"password\":\"fel lösenord $i\"}" \
            "$COLL_URL/api/v1/login" >>"$T/logins" 2>&1 &
        LOGIN_PIDS+=($!)
    done
done
sleep 2 # past the burst of 50 TLS handshakes (those run on the loop thread)
SLOW=0
for i in $(seq 1 20); do
    t=$(curl -sS --max-time 20 --cacert "$COLL_CA" -o /dev/null \
        -w '%{http_code} %{time_appconnect} %{time_starttransfer}' "$COLL_URL/api/v1/health") ||
        fail "health during the export: curl failed"
    read -r code tls first <<<"$t"
    [ "$code" = 200 ] || fail "health during the export: $code"
    if ! awk -v a="$tls" -v b="$first" 'BEGIN { exit !(b - a < 0.1) }'; then
        SLOW=$((SLOW + 1))
        echo "slow health (check $i): TLS done at $tls s, answer at $first s"
    fi
    sleep 0.05
done
kill -0 "$SLOW_PID" 2>/dev/null || fail "the export was over before the health checks ended"
RUNNING=0
for p in "${LOGIN_PIDS[@]}"; do kill -0 "$p" 2>/dev/null && RUNNING=$((RUNNING + 1)); done
[ "$RUNNING" -gt 0 ] || fail "the logins were over before the health checks ended: the test proves nothing"
assert_eq "$SLOW" 0 "/health under 100 ms while a $((BIG / 1048576)) MiB export streams and logins run ($RUNNING of 50 still running)"
# That every login is answered is collector_login_load's; here they only load the collector.
kill "${LOGIN_PIDS[@]}" 2>/dev/null || true
wait "$SLOW_PID" || fail "the slow export failed: $(cat "$T/slow.code")"
assert_eq "$(cat "$T/slow.code")" 200 "the slow export"
assert_eq "$(stat -c %s "$T/slow.tar")" "$BIG" "the slow export is whole"
assert_eq "$(tar -xOf "$T/slow.tar" efterlev-export/manifest.json | jq .count)" "$BEFORE" \
    "the report stored meanwhile is not in the export (one snapshot)"

# ---- 3 and 4: two exports at most; clients that go away ----
P=()
for i in 1 2; do
    # curl itself in the background (not a shell function: its subshell would be killed)
    curl -sS --cacert "$COLL_CA" -H "Authorization: Bearer $COORD" -o /dev/null --limit-rate 1M \
        "$COLL_URL/api/v1/export?format=json" 2>/dev/null &
    P+=($!)
done
sleep 1.5
code=$(export_get -o "$T/third" -D "$T/third.h" -w '%{http_code}' "format=csv")
assert_eq "$code" 503 "a third export at once is refused"
assert_contains "$(cat "$T/third.h")" "Retry-After" "with Retry-After"
kill "${P[@]}" 2>/dev/null || true
wait "${P[@]}" 2>/dev/null || true
code=
for i in $(seq 1 100); do
    code=$(export_get -o "$T/after.csv" -w '%{http_code}' "format=csv&department=$VER")
    [ "$code" = 200 ] && break
    sleep 0.1
done
assert_eq "$code" 200 "the slots of the exports whose clients left are free again"
assert_eq "$(curl -sS --cacert "$COLL_CA" "$COLL_URL/api/v1/health")" '{"status":"ok"}' \
    "the collector is healthy"
grep -q "the connection closed before the end; export stopped" "$T/coll.log" ||
    fail "no log line for an export whose client left"
assert_eq "$(coll audit --format json | jq '[.[] | select(.action=="export" and .details.complete==false)] | length')" 2 \
    "both broken-off exports are in the audit log, as incomplete"

# ---- 5: an error after the first bytes cuts the connection ----
# A stored report made unreadable (a 3-byte signature) after 110 good ones of the same agent.
A2=$(db_query "select agent_id from agents where hostname = 'pc-000002'")
db_query "insert into reports (agent_id, department_id, seq, body, signature, sha256,
    generated_at, received_at) select agent_id, department_id, 999, body, substr(signature, 1, 3),
    sha256, generated_at, received_at from reports where agent_id = '$A2' and seq = 1" >/dev/null
D2=$(db_query "select d.name from agents a join departments d on d.id = a.department_id
    where a.agent_id = '$A2'")
D2URL=$(jq -rn --arg d "$D2" '$d | @uri')
if export_get -o "$T/cut.json" "format=json&department=$D2URL" 2>"$T/cut.err"; then
    fail "an export that failed midway ended like a whole one"
fi
assert_contains "$(cat "$T/cut.err")" "curl: (18)" "the client sees the transfer cut short"
[ "$(stat -c %s "$T/cut.json")" -gt 1000000 ] || fail "the cut export did not stream first"
PINNED=$(coll export-key) || fail "export-key"
if "$EF_COLLECTOR" verify-export "$T/cut.json" --collector-key "$PINNED" >"$T/cut.txt" 2>&1; then
    fail "a cut export verified"
fi
pass "the cut export does not verify: $(tail -n 1 "$T/cut.txt")"
grep -q "failed after its first bytes, cutting the connection" "$T/coll.log" ||
    fail "no log line for the cut export"
assert_eq "$(curl -sS --cacert "$COLL_CA" "$COLL_URL/api/v1/health")" '{"status":"ok"}' \
    "the collector is healthy after the cut"

# ---- 6: real agents' exports over HTTP verify; cut short, they do not ----
for f in json bundle; do
    code=$(export_get -o "$T/ver.$f" -w '%{http_code}' "format=$f&department=$VER")
    assert_eq "$code" 200 "$f export of $VER"
    "$EF_COLLECTOR" verify-export "$T/ver.$f" --collector-key "$PINNED" >"$T/ver-$f.txt" ||
        fail "$f: $(cat "$T/ver-$f.txt")"
    assert_contains "$(cat "$T/ver-$f.txt")" "ok: 3 reports verified" "$f export over HTTP verifies pinned"
done
# The bundle cut just before its manifest: every report is there, yet it does not verify.
AT=$(grep -boa 'efterlev-export/manifest.json' "$T/ver.bundle" | head -n 1 | cut -d: -f1)
head -c "$AT" "$T/ver.bundle" >"$T/short.tar"
if "$EF_COLLECTOR" verify-export "$T/short.tar" --collector-key "$PINNED" >"$T/short.txt" 2>&1; then
    fail "a bundle without its manifest verified"
fi
pass "a bundle cut before its manifest does not verify: $(tail -n 1 "$T/short.txt")"
head -c "$(($(stat -c %s "$T/ver.json") - 200))" "$T/ver.json" >"$T/short.json"
if "$EF_COLLECTOR" verify-export "$T/short.json" --collector-key "$PINNED" >"$T/shortj.txt" 2>&1; then
    fail "a JSON export cut short verified"
fi
pass "a JSON export cut short does not verify"

# ---- the collector stops cleanly (and, in a sanitizer build, without leaks) ----
kill -TERM "$COLL_PID"
wait "$COLL_PID" || fail "the collector exited with $?"
if grep -E "LeakSanitizer|AddressSanitizer|runtime error" "$T/coll.log"; then
    fail "sanitizer report in the collector's log"
fi
pass "the collector stopped cleanly"
