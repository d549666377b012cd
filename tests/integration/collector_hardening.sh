#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# Issue 17's attacks on a real collector over HTTPS, each of which must fail: formula cells
# in every CSV, terminal escapes in text output, ambiguous Content-Length, CBC/SHA-1 suites
# in TLS 1.2, one address holding every connection, user names told apart by the login
# answer, and scrypt stalling the event loop. Issue 16: every route's access rules.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/protocol_lib.sh"

coll() { "$EF_COLLECTOR" "$@" --config "$COLL_CONF"; }
NOW=$(date -u +%Y-%m-%dT%H:%M:%SZ)

start_collector coll
DEPT="Socialförvaltningen"
TOKEN=$(add_department "$DEPT" basic)
COORD=$(coll token add samordning --role coordinator 2>>"$T/admin.log")
[ -n "$COORD" ] || fail "token add"

# ---- an agent whose host name and evidence are formulas and terminal escapes ----
# Enrollment refuses C0 controls in host names, not C1 (U+009B is CSI on many terminals);
# a report's host name may hold anything.
HOSTNAME_EVIL='=HYPERLINK(\"http://evil\")\u009b2J'
REPORT_HOSTNAME_EVIL='=HYPERLINK(\"http://evil\")\u001b]0;pwned\u0007'
PUB=$(newkey evil)
raw_enroll "$TOKEN" "$HOSTNAME_EVIL" mach-evil "$PUB"
assert_eq "$CODE" 201 "an agent with a formula host name enrolls"
AGENT=$(printf '%s' "$RESP" | sed -n 's/.*"agent_id":"\([^"]*\)".*/\1/p')
printf '{"schema":"efterlev.report/1","agent_id":"%s","seq":1,"generated_at":"%s","host":{"hostname":"%s","machine_id":"mach-evil","os_id":"debian","os_version":"12","os_pretty":"Debian","kernel":"6.1","arch":"x86_64"},"agent_version":"0.1.0","policy":{"id":"baseline","version":"1","sha256":"%064d"},"results":[{"check":"sys.aslr","status":"fail","evidence":"+cmd|'"'"' /C calc'"'"'!A0","controls":["8.9"],"severity":"medium","level":"basic","duration_us":1},{"check":"sys.core_dumps_restricted","status":"pass","evidence":"-2+3\\u001b[2J","controls":["8.9"],"severity":"low","level":"basic","duration_us":1}],"summary":{"pass":1,"fail":1,"na":0,"unknown":0,"error":0}}' \
    "$AGENT" "$NOW" "$REPORT_HOSTNAME_EVIL" 0 >"$T/evil.json"
signed_post evil "$T/evil.json" "$AGENT"
assert_eq "$CODE" 202 "the report is stored ($RESP)"

# live_cells FILE SEP: the cells a spreadsheet would run as a formula (numbers are fine).
live_cells() {
    python3 - "$1" "$2" <<'PY'
import csv, re, sys
with open(sys.argv[1], encoding="utf-8-sig", newline="") as f:
    for row in csv.reader(f, delimiter=sys.argv[2]):
        for c in row:
            if c[:1] in ("=", "+", "-", "@", "\t", "\r") and not re.fullmatch(r"-?\d+([.,]\d+)?", c):
                print(repr(c))
PY
}

# ---- CSV: exports in both dialects, summary --format csv ----
for dialect in rfc4180 excel-sv; do
    http GET "/api/v1/export?format=csv&csv_dialect=$dialect" -H "Authorization: Bearer $COORD"
    assert_eq "$CODE" 200 "export csv $dialect"
    cp "$T/resp" "$T/export-$dialect.csv"
    assert_contains "$(cat "$T/export-$dialect.csv")" "'=HYPERLINK" "host name neutralised ($dialect export)"
    assert_contains "$(cat "$T/export-$dialect.csv")" "'+cmd" "evidence neutralised ($dialect export)"
    assert_contains "$(cat "$T/export-$dialect.csv")" "'-2+3" "evidence with a minus neutralised ($dialect export)"
    coll export --format csv --csv-dialect "$dialect" --output "$T/cli-$dialect.csv" 2>>"$T/admin.log" ||
        fail "export (command line)"
    coll summary --format csv --csv-dialect "$dialect" >"$T/summary-$dialect.csv" 2>>"$T/admin.log"
    assert_contains "$(cat "$T/summary-$dialect.csv")" "'=HYPERLINK" "host name neutralised ($dialect summary)"
    sep=,
    [ "$dialect" = excel-sv ] && sep=';'
    for f in "$T/export-$dialect.csv" "$T/cli-$dialect.csv" "$T/summary-$dialect.csv"; do
        live=$(live_cells "$f" "$sep")
        [ -z "$live" ] || fail "a live formula cell in $(basename "$f"): $live"
    done
    pass "no live formula cell in any $dialect CSV"
done

# ---- text output: no terminal escapes, Swedish letters intact ----
coll summary >"$T/summary.txt" 2>>"$T/admin.log"
if grep -q $'\x1b' "$T/summary.txt" || grep -q $'\x07' "$T/summary.txt" ||
    grep -q $'\xc2\x9b' "$T/summary.txt"; then
    fail "summary writes a report's control characters to the terminal"
fi
case "$(cat "$T/summary.txt")" in
*'\x1b]0;pwned\x07'* | *'\xc2\x9b2J'*) pass "summary escapes control characters" ;;
*) fail "summary shows no escaped host name: $(cat "$T/summary.txt")" ;;
esac
assert_contains "$(cat "$T/summary.txt")" "$DEPT" "summary keeps UTF-8 letters"

# ---- HTTP framing: Content-Length twice, or with Transfer-Encoding ----
HOSTPORT=${COLL_URL#https://}
# raw_http TEXT: send TEXT as is over TLS; prints the status line.
raw_http() {
    printf "$1" | timeout 10 openssl s_client -quiet -connect "$HOSTPORT" -CAfile "$COLL_CA" \
        2>/dev/null | head -n1 | tr -d '\r'
}
assert_contains "$(raw_http 'GET /api/v1/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')" \
    " 200 " "a plain request passes"
assert_contains "$(raw_http 'GET /api/v1/health HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nContent-Length: 5\r\nConnection: close\r\n\r\n')" \
    " 400 " "two different Content-Length headers: 400"
assert_contains "$(raw_http 'GET /api/v1/health HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nContent-Length: 0\r\nConnection: close\r\n\r\n')" \
    " 400 " "the same Content-Length twice: 400"
assert_contains "$(raw_http 'GET /api/v1/health HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\nConnection: close\r\n\r\n0\r\n\r\n')" \
    " 400 " "Content-Length with Transfer-Encoding: 400"

# ---- TLS 1.2: ECDHE with AEAD only ----
tls12() {
    timeout 10 openssl s_client -tls1_2 -cipher "$1" -connect "$HOSTPORT" -CAfile "$COLL_CA" \
        </dev/null >/dev/null 2>&1
}
for suite in AES128-SHA ECDHE-ECDSA-AES128-SHA ECDHE-ECDSA-AES256-SHA384 ECDHE-ECDSA-AES128-SHA256; do
    if tls12 "$suite"; then fail "TLS 1.2 with $suite accepted"; fi
done
pass "TLS 1.2 refuses CBC and SHA-1 suites"
tls12 ECDHE-ECDSA-AES128-GCM-SHA256 || fail "TLS 1.2 with AES-GCM refused"
tls12 ECDHE-ECDSA-CHACHA20-POLY1305 || fail "TLS 1.2 with ChaCha20-Poly1305 refused"
pass "TLS 1.2 with ECDHE and AEAD works"
timeout 10 openssl s_client -tls1_3 -connect "$HOSTPORT" -CAfile "$COLL_CA" </dev/null >/dev/null 2>&1 ||
    fail "TLS 1.3 refused"
pass "TLS 1.3 works"

# ---- one address holding connections does not lock others out ----
# A collector with small limits: 40 connections in all, 8 per address. 30 idle connections
# from 127.0.0.1 would fill most of max_connections without the per-address cap.
stop_collector
printf 'max_connections: 40\nmax_connections_per_address: 8\n' >>"$COLL_CONF"
serve_collector "$HOSTPORT"
python3 - "${HOSTPORT%:*}" "${HOSTPORT##*:}" "$T/holder" <<'PY' &
import socket, sys, time
host, port, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
socks = []
for i in range(45):
    s = socket.create_connection((host, port), timeout=5)
    socks.append(s)
time.sleep(1.0)
open_ = 0
for s in socks:
    s.setblocking(False)
    try:
        open_ += 1 if s.recv(1) else 0
    except BlockingIOError:
        open_ += 1  # nothing to read: still open
    except OSError:
        pass
with open(out + ".tmp", "w") as f:
    f.write(f"{open_}\n")
import os
os.rename(out + ".tmp", out)
time.sleep(30)
PY
HOLDER=$!
EF_PIDS+=("$HOLDER")
for i in $(seq 1 100); do [ -s "$T/holder" ] && break; sleep 0.1; done
assert_eq "$(cat "$T/holder")" 8 "an address keeps at most max_connections_per_address open"
CODE=$(curl -sS --cacert "$COLL_CA" -o /dev/null -w '%{http_code}' "$COLL_URL/api/v1/health" || true)
[ "$CODE" != 200 ] || fail "127.0.0.1 got a connection beyond its cap"
pass "the address at its cap gets no further connection"
CODE=$(curl -sS --interface 127.0.0.2 --cacert "$COLL_CA" -o /dev/null -w '%{http_code}' "$COLL_URL/api/v1/health")
assert_eq "$CODE" 200 "another address is served meanwhile"
kill "$HOLDER" 2>/dev/null || true
wait "$HOLDER" 2>/dev/null || true
for i in $(seq 1 50); do
    CODE=$(curl -sS --cacert "$COLL_CA" -o /dev/null -w '%{http_code}' "$COLL_URL/api/v1/health" || true)
    [ "$CODE" = 200 ] && break
    sleep 0.1
done
assert_eq "$CODE" 200 "the address is served again once its connections end"

# ---- access rules of every route (issue 16), from the route table's point of view ----
# The same collector (and database: on PostgreSQL a second one would share it) with the
# default limits again.
stop_collector
sed -i '/^max_connections/d' "$COLL_CONF"
# The collector's clock stands still (EFTERLEV_NOW), so a lockout lasts however long the
# password hashing takes on a loaded machine and the two login runs below see the same
# Retry-After to the second.
EFTERLEV_NOW=$NOW serve_collector "$HOSTPORT"
DEPT2="Kulturförvaltningen"
add_department "$DEPT2" basic >/dev/null
COORD=$(coll token add samordning-2 --role coordinator 2>>"$T/admin.log")
DEPTTOK=$(coll token add kultur --role "department:$DEPT2" 2>>"$T/admin.log")
PW="ett långt lösenord 1"
printf '%s\n' "$PW" | coll user add samordnare --role coordinator 2>>"$T/admin.log" || fail "user add"
ORIGIN="https://${COLL_URL#https://}"
DEPT2_URL=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$DEPT2")

# Routes that need a caller: method, path (with a valid query where one is required).
CALLER_ROUTES=(
    "GET /api/v1/summary"
    "GET /api/v1/departments/$DEPT2_URL"
    "GET /api/v1/hosts/ag-00000000000000000000000000000000"
    "GET /api/v1/controls"
    "GET /api/v1/trend"
    "GET /api/v1/export?format=csv"
    "GET /api/v1/report?period=2026&lang=sv"
)
for r in "${CALLER_ROUTES[@]}"; do
    http ${r%% *} "${r#* }"
    assert_eq "$CODE" 401 "$r without a caller"
    http ${r%% *} "${r#* }" -H "Cookie: __Host-efterlev_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
    assert_eq "$CODE" 401 "$r with a dead session"
    http ${r%% *} "${r#* }" -H "Authorization: Bearer 1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
    assert_eq "$CODE" 401 "$r with a wrong token"
done
# Routes for coordinators and auditors only: a department caller gets 403.
http GET "/api/v1/report?period=2026&lang=sv" -H "Authorization: Bearer $DEPTTOK"
assert_eq "$CODE" 403 "board report refused to a department token"
# Routes that change state from the dashboard: another origin, or none, gets 403.
for r in "POST /api/v1/login" "POST /api/v1/logout"; do
    for o in "https://evil.example" "null" ""; do
        http ${r%% *} "${r#* }" -H 'Content-Type: application/json' ${o:+-H "Origin: $o"} \
            --data-binary "{\"user\":\"samordnare\",\"password\":\"$PW\"}"
        assert_eq "$CODE" 403 "$r from origin '${o:-none}'"
    done
done
# Logged in: logout needs the session's CSRF token, also from the right origin.
http POST /api/v1/login -H 'Content-Type: application/json' -H "Origin: $ORIGIN" \
    -c "$T/cookies" --data-binary "{\"user\":\"samordnare\",\"password\":\"$PW\"}"
assert_eq "$CODE" 200 "login"
CSRF=$(printf '%s' "$RESP" | sed -n 's/.*"csrf":"\([^"]*\)".*/\1/p')
http POST /api/v1/logout -H "Origin: $ORIGIN" -b "$T/cookies"
assert_eq "$CODE" 403 "logout without X-CSRF-Token"
http POST /api/v1/logout -H "Origin: $ORIGIN" -b "$T/cookies" -H "X-CSRF-Token: ${CSRF}x"
assert_eq "$CODE" 403 "logout with a wrong X-CSRF-Token"
http GET /api/v1/session -b "$T/cookies"
assert_eq "$CODE" 200 "the session lives on"
http POST /api/v1/logout -H "Origin: $ORIGIN" -b "$T/cookies" -H "X-CSRF-Token: $CSRF"
assert_eq "$CODE" 200 "logout with the token"
http GET /api/v1/session -b "$T/cookies"
assert_eq "$CODE" 401 "the session has ended"

# hosts= means the same and fails the same on every route that takes it.
FIRST=""
for p in "/api/v1/summary" "/api/v1/departments/$DEPT2_URL"; do
    for v in all stale none; do
        http GET "$p?hosts=$v" -H "Authorization: Bearer $COORD"
        assert_eq "$CODE" 200 "$p?hosts=$v"
    done
    http GET "$p?hosts=bad" -H "Authorization: Bearer $COORD"
    assert_eq "$CODE" 400 "$p?hosts=bad"
    FIRST=${FIRST:-$RESP}
    assert_eq "$RESP" "$FIRST" "$p?hosts=bad gives the same answer"
done

# ---- a login for an unknown user looks like a wrong password, lockout included ----
# login_as ADDR USER PASSWORD: sets CODE, RESP and RETRY (Retry-After).
login_as() {
    CODE=$(curl -sS --interface "$1" --cacert "$COLL_CA" -o "$T/resp" -D "$T/hdr" -w '%{http_code}' \
        -X POST -H 'Content-Type: application/json' -H "Origin: $ORIGIN" \
        --data-binary "{\"user\":\"$2\",\"password\":\"$3\"}" "$COLL_URL/api/v1/login")
    RESP=$(cat "$T/resp")
    RETRY=$(sed -n 's/^Retry-After: *\([0-9]*\).*/\1/Ip' "$T/hdr")
}
# The same five attempts, back to back, for a user and for a name that is none; the
# answers must match in status, body and Retry-After.
attempts() {
    local i
    for i in 1 2 3 4 5; do
        login_as 127.0.0.2 "$1" "fel lösenord $i"
        printf '%s|%s|%s\n' "$CODE" "$RESP" "${RETRY:-none}"
    done
}
attempts samordnare >"$T/known"
attempts finns-inte >"$T/unknown"
python3 - "$T/known" "$T/unknown" <<'PY' || fail "an unknown user is told apart from a wrong password"
import re, sys
known, unknown = (open(f).read().splitlines() for f in sys.argv[1:3])
assert len(known) == len(unknown) == 5, (known, unknown)
for k, u in zip(known, unknown):
    assert k == u, (k, u)
    print("same:", k)
PY
pass "unknown user and wrong password answer alike, lockout included"
assert_contains "$(tail -n1 "$T/known")" "429|" "both are locked out by now"

