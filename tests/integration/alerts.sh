#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# Issue 15, alerts (docs/alerts.md): a local HTTPS webhook receiver that verifies every body's
# HMAC (and refuses a tampered body and a replayed timestamp) and a local SMTP sink that
# requires STARTTLS (python3-aiosmtpd), both with certificates of a test CA. A high check
# going from pass to fail is one webhook POST and one mail to both recipients; a medium one is
# none; a department below its figure is alerted once per crossing, also across a restart; an
# overdue action once, with two collectors serving one database; with the webhook receiver down the event is retried with backoff and
# delivered when it is back; a digest sends 1,001 events as ONE message per channel listing
# 50, "and 951 more"; alerts test reaches both; a receiver that never answers and a relay
# without STARTTLS leave their rows failed, listed, not deleted, and the relay gets nothing.
# Reports written by hand (curl + openssl), on SQLite and on PostgreSQL (.pg).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/protocol_lib.sh"

PY=${EFTERLEV_PYTHON:-/usr/bin/python3}
"$PY" -c 'import aiosmtpd' 2>/dev/null || skip "python3-aiosmtpd is not installed (scripts/deps.sh test)"
RECV=$EF_SOURCE_DIR/tests/integration/alerts_receivers.py
A="Socialförvaltningen"
B="Kultur- och fritidsförvaltningen"
ND=1000 # the digest's checks

# --- a test CA and a certificate for 127.0.0.1, for both receivers
mkdir -p "$T/pki"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=alerts-test-ca \
    -keyout "$T/pki/ca-key.pem" -out "$T/pki/ca.pem" 2>/dev/null
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=127.0.0.1 \
    -keyout "$T/pki/key.pem" -out "$T/pki/req.csr" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' >"$T/pki/ext"
openssl x509 -req -in "$T/pki/req.csr" -CA "$T/pki/ca.pem" -CAkey "$T/pki/ca-key.pem" \
    -CAcreateserial -days 2 -extfile "$T/pki/ext" -out "$T/pki/cert.pem" 2>/dev/null
head -c 32 /dev/urandom | base64 >"$T/webhook.secret"
chmod 600 "$T/webhook.secret"

# start_webhook [PORT]: the receiver on PORT (0: a free one); sets WH_PORT, WH_PID.
mkdir -p "$T/wh" "$T/mail"
start_webhook() {
    rm -f "$T/wh/port"
    "$PY" "$RECV" webhook "${1:-0}" "$T/wh" "$T/webhook.secret" "$T/pki/cert.pem" \
        "$T/pki/key.pem" 2>>"$T/webhook.log" &
    WH_PID=$!
    EF_PIDS+=("$WH_PID")
    wait_for "the webhook receiver listens" 10 'test -s "$T/wh/port"'
    WH_PORT=$(cat "$T/wh/port")
}
# wait_for WHAT SECONDS 'COMMAND': until COMMAND (evaluated anew each time) succeeds.
wait_for() {
    local what=$1 secs=$2 i
    for i in $(seq 1 $((secs * 10))); do
        eval "$3" && return 0
        sleep 0.1
    done
    fail "$what (waited ${secs}s)"
}
start_webhook
"$PY" "$RECV" smtp 0 "$T/mail" "$T/pki/cert.pem" "$T/pki/key.pem" 2>>"$T/smtp.log" &
EF_PIDS+=("$!")
wait_for "the SMTP sink listens" 10 'test -s "$T/mail/port"'
SMTP_PORT=$(cat "$T/mail/port")

posts() { find "$T/wh" -name 'post-*.json' | wc -l; }
mails() { find "$T/mail" -name 'mail-*.eml' | wc -l; }
last_post() { ls "$T/wh"/post-*.json | tail -n 1; }
last_mail() { ls "$T/mail"/mail-*.eml | tail -n 1; }
# Every event the webhook received, one "kind department host check" line each.
kinds() { cat "$T"/wh/post-*.json 2>/dev/null | jq -r '.events[] | [.kind, .department, .host // "", .check // ""] | join(" ")'; }
count_kind() { kinds | grep -c "^$1 " || true; }
retried_webhook() { coll alerts list --pending --format json | jq '[.[] | select(.channel == "webhook" and .attempts >= 2)] | length'; }
subjects() { for f in "$T"/mail/mail-*.eml; do mail_text "$f" | head -n 1; done; }
# The decoded subject and body of a mail.
mail_text() {
    "$PY" - "$1" <<'PY'
import email, email.header, email.policy, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=email.policy.default)
print(str(m["Subject"]))
print(m.get_content())
PY
}

# --- the catalog: a high check, a medium one, and the digest's checks (all high), in files
#     of 200 checks (a policy file holds at most 256)
mkdir -p "$T/policies"
i=0
for c in chk.hi:high chk.med:medium $(seq -f 'd.%04g:high' 1 $ND); do
    f=$T/policies/$(printf '%02d' $((i / 200))).yml
    [ -e "$f" ] || printf 'policy:\n  id: alerts\n  version: "1"\nchecks:\n' >"$f"
    printf '  - id: %s\n    title: t\n    description: d\n    rationale: r\n    remediation: m\n    controls: ["8.9"]\n    severity: %s\n    level: basic\n    all:\n      - file: /etc/passwd\n        exists: true\n' \
        "${c%%:*}" "${c##*:}" >>"$f"
    i=$((i + 1))
done

# alerts_conf EXTRA...: the collector.yml alerts: section with lines of EXTRA appended.
write_conf() {
    sed -i '/^alerts:/,$d' "$COLL_CONF"
    cat >>"$COLL_CONF" <<EOF
alerts:
  webhook: {url: "${WH_URL:-https://127.0.0.1:$WH_PORT/hook}", secret_file: "$T/webhook.secret", ca_file: "$T/pki/ca.pem"}
  smtp:
    url: "smtp://127.0.0.1:$SMTP_PORT"
    from: efterlev@kommun.example
    to: [samordnare@kommun.example, it-chef@kommun.example]
    ca_file: "$T/pki/ca.pem"
  check_interval: 1s
  retry_initial: 1s
  retry_max: 2s
  overdue: true
EOF
    for l in "$@"; do printf '  %s\n' "$l" >>"$COLL_CONF"; done
}
# A second collector on the same database and configuration (the scale-out of issue 9, on
# SQLite too): every count below is exact, so a fact both alerted would fail them.
serve2() {
    local ready=$COLL_DIR/ready2.$RANDOM
    "$EF_COLLECTOR" serve --config "$COLL_CONF" --listen 127.0.0.1:0 --ready-file "$ready" \
        >>"$T/coll2.log" 2>&1 &
    COLL2_PID=$!
    EF_PIDS+=("$COLL2_PID")
    wait_for "the second collector" 10 'test -s "$ready"'
}
restart() {
    stop_collector
    if [ -n "${COLL2_PID:-}" ]; then
        kill "$COLL2_PID" 2>/dev/null || true
        wait "$COLL2_PID" 2>/dev/null || true
    fi
    serve_collector "${COLL_URL#https://}"
    serve2
}
logs() { cat "$T/coll.log" "$T/coll2.log"; }

COLL_POLICIES=$T/policies start_collector coll
coll() { "$EF_COLLECTOR" "$@" --config "$COLL_CONF"; }
assert_contains "$(cat "$COLL_CONF")" "# alerts: off." "init writes alerts off, with an example"
write_conf "department_below: 100" "retry_attempts: 30"
restart
assert_contains "$(cat "$T/coll.log")" "alerts on: webhook, e-mail" "serve starts the alert thread"

TA=$(add_department "$A" basic)
TB=$(add_department "$B" basic)
newkey soc >/dev/null
raw_enroll "$TA" soc-1 m-soc-1 "$(pubof soc)"
SOC=$(jq -r .agent_id <<<"$RESP")
newkey kul >/dev/null
raw_enroll "$TB" kul-1 m-kul-1 "$(pubof kul)"
KUL=$(jq -r .agent_id <<<"$RESP")
declare -A SEQ

# upload KEY AGENT HOST HI MED D: a signed report: chk.hi with status HI, chk.med MED, every
# digest check D.
upload() {
    local key=$1 agent=$2 host=$3 np=0 nf=0 i f=$T/report.json
    SEQ[$agent]=$((${SEQ[$agent]:-0} + 1))
    r() { printf '{"check":"%s","status":"%s","evidence":"seen on %s","controls":["8.9"],"severity":"%s","level":"basic","duration_us":1}' "$1" "$2" "$host" "$3"; }
    for s in "$4" "$5" $(printf "$6 %.0s" $(seq 1 $ND)); do
        [ "$s" = pass ] && np=$((np + 1))
        [ "$s" = fail ] && nf=$((nf + 1))
    done
    {
        printf '{"schema":"efterlev.report/1","agent_id":"%s","seq":%s,"generated_at":"%s","host":{"hostname":"%s","machine_id":"m-%s","os_id":"debian","os_version":"12","os_pretty":"Debian 12","kernel":"6.1","arch":"x86_64"},"agent_version":"0.1.0","policy":{"id":"alerts","version":"1","sha256":"%064d"},"results":[' \
            "$agent" "${SEQ[$agent]}" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$host" "$host" 0
        r chk.hi "$4" high
        printf ,
        r chk.med "$5" medium
        for i in $(seq -f '%04g' 1 $ND); do printf ,; r "d.$i" "$6" high; done
        printf '],"summary":{"pass":%d,"fail":%d,"na":0,"unknown":0,"error":0}}' "$np" "$nf"
    } >"$f"
    signed_post "$key" "$f" "$agent"
    assert_eq "$CODE" 202 "report ${SEQ[$agent]} of $host stored"
}

# 1. First reports, all passing: nothing to alert (a first report is no regression).
upload soc "$SOC" soc-1 pass pass pass
upload kul "$KUL" kul-1 pass pass pass
sleep 2.5
assert_eq "$(posts) $(mails)" "0 0" "all passing: no alert"

# 2. chk.hi (high) and chk.med (medium) go from pass to fail on soc-1: one regression alert,
#    for chk.hi only, and the department below 100 % once. By webhook, signed, and by mail
#    over STARTTLS to both recipients.
upload soc "$SOC" soc-1 fail fail pass
wait_for "the regression and the department alert by webhook" 15 'test "$(posts)" -ge 2'
wait_for "... and by mail" 15 'test "$(mails)" -ge 2'
sleep 2
assert_eq "$(kinds | sort | tr '\n' ';')" \
    "department_below $A  ;regression $A soc-1 chk.hi;" \
    "webhook: the high check's regression and the department's crossing; the medium check is not alerted"
P=$(grep -l '"regression"' "$T"/wh/post-*.json)
assert_eq "$(jq -r '.events[0] | [.severity, .evidence, .agent_id] | join("|")' "$P")" \
    "high|seen on soc-1|$SOC" "the event names severity, evidence and agent"
assert_eq "$(jq -r '[.type, .total, .more, (.events | length)] | join(" ")' "$P")" \
    "efterlev.alerts/1 1 0 1" "one event per message without a digest"
assert_eq "$(sort -u "$T/wh/verdicts.log")" "ok" "every POST's HMAC verified in the receiver"
assert_eq "$(sed -n 3p "${P%.json}.headers")" "application/json" "the body is JSON"
# The receiver's check is real: the same headers with a changed body, or a correct signature
# of an old timestamp (a replay), are refused.
TS=$(sed -n 1p "${P%.json}.headers")
SIG=$(sed -n 2p "${P%.json}.headers")
sed 's/soc-1/soc-2/' "$P" >"$T/tampered.json"
code=$(curl -sS --cacert "$T/pki/ca.pem" -o /dev/null -w '%{http_code}' -H "Efterlev-Timestamp: $TS" \
    -H "Efterlev-Signature: $SIG" -H 'Content-Type: application/json' --data-binary @"$T/tampered.json" \
    "https://127.0.0.1:$WH_PORT/hook")
assert_eq "$code" 401 "a tampered body does not verify"
OLD=$((TS - 3600))
OLDSIG="sha256=$({ printf '%s.' "$OLD"; cat "$P"; } | openssl dgst -sha256 -hmac "$(cat "$T/webhook.secret")" -r | cut -d' ' -f1)"
code=$(curl -sS --cacert "$T/pki/ca.pem" -o /dev/null -w '%{http_code}' -H "Efterlev-Timestamp: $OLD" \
    -H "Efterlev-Signature: $OLDSIG" --data-binary @"$P" "https://127.0.0.1:$WH_PORT/hook")
assert_eq "$code" 401 "a correctly signed but old timestamp (a replay) is refused"
assert_eq "$(tail -n 2 "$T/wh/verdicts.log" | tr '\n' ' ')" "bad stale " "... for the reasons it should be"
M=
for f in "$T"/mail/mail-*.eml; do [[ "$(mail_text "$f")" == *chk.hi* ]] && M=$f; done
assert_eq "$(jq -c '[.from, .to, .tls]' "${M%.eml}.json")" \
    '["efterlev@kommun.example",["samordnare@kommun.example","it-chef@kommun.example"],true]' \
    "the mail went over STARTTLS from the configured sender to both recipients"
TXT=$(mail_text "$M")
assert_eq "$(head -n 1 <<<"$TXT")" "efterlev: soc-1 klarar inte längre chk.hi (hög)" "a Swedish subject (RFC 2047)"
assert_contains "$TXT" "Avvikelse: soc-1 ($A) klarar inte längre chk.hi, allvarlighet hög." "the body in Swedish, UTF-8"
for h in "^Date: " "^Message-ID: <[0-9a-f]\{32\}@kommun.example>" "^MIME-Version: 1.0" \
    "^Content-Type: text/plain; charset=UTF-8" "^Content-Transfer-Encoding: base64" \
    "^To: <samordnare@kommun.example>,"; do
    grep -q "$h" "$M" || fail "the mail lacks $h"
done
pass "the mail has Date, Message-ID, MIME headers and both recipients"

# 3. Still failing, still below: nothing more. A restart does not send again (the state is in
#    the database).
upload soc "$SOC" soc-1 fail fail pass
restart
sleep 3
assert_eq "$(posts) $(mails)" "2 2" "still failing and below, across a restart: no new alert"

# 4. The action: due in 3 seconds; overdue once.
ID=$(coll deviation list --format json | jq -r '.[] | select(.check == "chk.hi") | .id')
coll deviation assign "$ID" --owner "Karin Åberg" --action "Byt lösenordspolicy" \
    --due "$(date -u -d '+3 seconds' +%Y-%m-%dT%H:%M:%SZ)" 2>>"$T/admin.log"
wait_for "the overdue alert" 15 'test "$(posts)" -ge 3'
sleep 3
assert_eq "$(count_kind overdue)" 1 "the overdue action is alerted once"
assert_eq "$(jq -r '.events[0] | [.kind, .deviation_id, .owner, .action] | join("|")' "$(last_post)")" \
    "overdue|$ID|Karin Åberg|Byt lösenordspolicy" "with the deviation, its owner and action"
wait_for "the overdue mail" 10 'test "$(mails)" -ge 3'
assert_eq "$(mail_text "$(last_mail)" | head -n 1)" "efterlev: försenad åtgärd, chk.hi på soc-1" "the overdue mail's subject"

# 5. The department rises to 100 % and falls again: alerted again (once per crossing).
upload soc "$SOC" soc-1 pass pass pass
wait_for "the department seen at 100 % again" 15 \
    'test "$(db_query "SELECT count(*) FROM alert_state WHERE below = 1")" = 0'
upload soc "$SOC" soc-1 pass fail pass
wait_for "the second crossing" 15 'test "$(count_kind department_below)" -ge 2'
assert_eq "$(count_kind regression)" 1 "a medium check's regression alone alerts nothing"

# 6. The webhook receiver is down: the regression is kept and retried with backoff; when the
#    receiver is back, it is delivered. Nothing is lost.
kill "$WH_PID"
wait "$WH_PID" 2>/dev/null || true
before=$(posts)
upload soc "$SOC" soc-1 fail fail pass
wait_for "a failed attempt recorded" 15 'test "$(retried_webhook)" -ge 1'
assert_contains "$(coll alerts list --pending)" "attempts: " "alerts list shows the waiting event and its error"
assert_contains "$(logs)" "retried in" "the collector logs the retry"
start_webhook "$WH_PORT"
wait_for "delivery after the receiver came back" 15 'test "$(posts)" -gt "$before"'
assert_eq "$(jq -r '.events[0] | [.kind, .check] | join(" ")' "$(last_post)")" "regression chk.hi" \
    "the regression was delivered after the receiver came back"
wait_for "nothing pending" 10 'test "$(coll alerts list --pending --format json | jq length)" -eq 0'
assert_eq "$(coll alerts list --format json --limit 1000 | jq -r '[.[] | select(.kind == "regression" and .channel == "webhook")][0] | [.state, (.attempts > 1)] | join(" ")')" \
    "sent true" "sent, after more than one attempt"

# 7. Digest: 3-second interval, 50 listed. kul-1's 1,000 high checks fail at once and its
#    department drops below 80 %: one webhook POST and one mail, listing 50, "and 951 more".
write_conf "department_below: 80" "digest: {interval: 3s, max_items: 50}"
restart
sleep 1.5
p0=$(posts)
m0=$(mails)
upload kul "$KUL" kul-1 pass pass fail
wait_for "the digest" 15 'test "$(posts)" -gt "$p0"'
wait_for "the digest mail" 15 'test "$(mails)" -gt "$m0"'
sleep 4.5
assert_eq "$(($(posts) - p0)) $(($(mails) - m0))" "1 1" "1,001 events: ONE webhook POST and ONE mail"
assert_eq "$(jq -r '[.total, .more, (.events | length)] | join(" ")' "$(last_post)")" "1001 951 50" \
    "the digest lists 50 of 1,001 and counts the rest"
assert_eq "$(jq -r '[.events[].kind] | unique | join(" ")' "$(last_post)")" "department_below regression" \
    "... the regressions and the department's crossing below 80 %"
TXT=$(mail_text "$(last_mail)")
assert_eq "$(head -n 1 <<<"$TXT")" "efterlev: 1001 nya larm" "the digest mail's subject"
assert_contains "$TXT" "... och 951 till." "the mail says how many more"
assert_eq "$(grep -c '^Avvikelse: kul-1' <<<"$TXT")" 49 "... and lists the first 50 events (49 regressions and the department)"

# 8. alerts test: a test message on both channels (the digest: at the end of its interval).
coll alerts test 2>>"$T/admin.log"
wait_for "the test mail" 10 '[[ "$(subjects)" == *"efterlev: testlarm"* ]]'
assert_eq "$(jq -r '.events[0].kind' "$(last_post)")" "test" "alerts test reaches the webhook"
assert_eq "$(coll audit --format json | jq -r '[.[] | .action | select(startswith("alerts."))] | join(" ")')" \
    "alerts.test" "alerts test is audit-logged"

# 9. A webhook that never answers and a relay without STARTTLS: after retry_attempts each row
#    is failed, kept and listed; the relay got nothing (no fallback to plain text).
mkdir -p "$T/plain"
"$PY" "$RECV" smtp-plain 0 "$T/plain" 2>>"$T/smtp.log" &
EF_PIDS+=("$!")
wait_for "the plain SMTP sink listens" 10 'test -s "$T/plain/port"'
SMTP_PORT=$(cat "$T/plain/port") WH_URL="https://127.0.0.1:1/hook" write_conf "retry_attempts: 2"
restart
coll alerts test 2>>"$T/admin.log"
wait_for "both test alerts given up" 20 'test "$(coll alerts list --failed --format json | jq length)" -ge 2'
assert_eq "$(coll alerts list --failed --format json | jq -r '[.[] | [.channel, .kind, .state, .attempts] | join(" ")] | sort | join(", ")')" \
    "smtp test failed 2, webhook test failed 2" "given up after 2 attempts, kept as failed"
assert_contains "$(coll alerts list --failed --format json | jq -r '.[] | select(.channel == "smtp") | .last_error')" \
    "STARTTLS not supported" "the relay without STARTTLS is refused"
assert_eq "$(find "$T/plain" -name 'mail-*' | wc -l)" 0 "... and nothing went to it in plain text"
assert_contains "$(logs)" "gave up on 1 event after 2 attempts" "the give-up is logged as an error"
assert_contains "$(coll alerts list --failed)" "failed" "alerts list --failed shows them"
