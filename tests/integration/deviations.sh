#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# Issue 15, deviations (avvikelser): a required check failing on a host opens one with the
# date it was first seen; the coordinator assigns an owner, an action and a due date; it is
# overdue after that date; a risk acceptance shows on it; it closes by itself when the check
# passes again, with the date; by hand with a reason; when the machine is retired. Reports
# written by hand (curl + openssl), on SQLite and on PostgreSQL (.pg).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/protocol_lib.sh"

DEPT="Socialförvaltningen"
COLL_POLICIES=$(catalog_of deviations chk.pass_1 chk.fail_1) start_collector coll
coll() { "$EF_COLLECTOR" "$@" --config "$COLL_CONF"; }
TOKEN=$(add_department "$DEPT" basic)
PUB=$(newkey a)
raw_enroll "$TOKEN" soc-1 m-soc-1 "$PUB"
assert_eq "$CODE" 201 "the agent enrolls"
AGENT=$(jq -r .agent_id <<<"$RESP")

# upload SEQ PASS1 FAIL1: a signed report of chk.pass_1 and chk.fail_1 with these statuses.
upload() {
    local r1 r2 np=0 nf=0
    r1=$(printf '{"check":"chk.pass_1","status":"%s","evidence":"seen","controls":["8.9"],"severity":"medium","level":"basic","duration_us":1}' "$2")
    r2=$(printf '{"check":"chk.fail_1","status":"%s","evidence":"seen","controls":["8.9"],"severity":"medium","level":"basic","duration_us":1}' "$3")
    for s in "$2" "$3"; do [ "$s" = pass ] && np=$((np + 1)); [ "$s" = fail ] && nf=$((nf + 1)); done
    # the host: soc-1 (key a), or UHOST with key UKEY as agent UAGENT
    local host=${UHOST:-soc-1} key=${UKEY:-a} aid=${UAGENT:-$AGENT}
    printf '{"schema":"efterlev.report/1","agent_id":"%s","seq":%s,"generated_at":"%s","host":{"hostname":"%s","machine_id":"m-%s","os_id":"debian","os_version":"12","os_pretty":"Debian 12","kernel":"6.1","arch":"x86_64"},"agent_version":"0.1.0","policy":{"id":"deviations","version":"1","sha256":"%064d"},"results":[%s,%s],"summary":{"pass":%d,"fail":%d,"na":0,"unknown":0,"error":0}}' \
        "$aid" "$1" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$host" "$host" 0 "$r1" "$r2" "$np" "$nf" >"$T/r-$host-$1.json"
    signed_post "$key" "$T/r-$host-$1.json" "$aid"
    assert_eq "$CODE" 202 "report $1 of $host stored"
}
dev() { coll deviation list "$@" --format json; }
TODAY=$(date -u +%Y-%m-%d)

# 1. chk.fail_1 fails: one deviation, opened today, no owner yet; a second failing report
#    does not open another.
upload 1 pass fail
upload 2 pass fail
assert_eq "$(dev | jq -c '[.[] | [.check, .hostname, .department, .owner, .closed_at]]')" \
    "[[\"chk.fail_1\",\"soc-1\",\"$DEPT\",\"\",null]]" "one open deviation for the failing check"
assert_contains "$(dev | jq -r '.[0].opened_at')" "$TODAY" "opened the day the failure was first seen"
ID=$(dev | jq -r '.[0].id')

# 2. Assigned: owner, action (åtgärd), due date; overdue only after that date.
coll deviation assign "$ID" --owner "Karin Åberg, IT-enheten" --action "Byt ut servern" \
    --due 2030-01-31 2>>"$T/admin.log" || fail "deviation assign"
assert_eq "$(dev | jq -r '.[0] | [.owner, .action, .due, .overdue] | join("|")')" \
    "Karin Åberg, IT-enheten|Byt ut servern|2030-02-01T00:00:00Z|false" \
    "owner, action and due date recorded (due through the whole day)"
assert_eq "$(dev --overdue | jq length)" 0 "not overdue before its date"
assert_eq "$(EFTERLEV_NOW=2030-02-02T00:00:00Z coll deviation list --overdue --format json | jq -r '.[0].id')" \
    "$ID" "overdue after its date"
assert_contains "$(EFTERLEV_NOW=2030-02-02T00:00:00Z coll deviation list)" "(OVERDUE)" \
    "the text list marks it overdue"
set +e
coll deviation assign 999 --owner x --action y >/dev/null 2>"$T/nf.log"
rc=$?
coll deviation assign "$ID" --owner x >/dev/null 2>"$T/noaction.log"
rc2=$?
set -e
assert_eq "$rc $rc2" "1 2" "an unknown deviation fails, a missing --action is a usage error"
assert_contains "$(cat "$T/nf.log")" "no open deviation 999" "... saying which"

# 3. A risk acceptance covering the failure shows on the deviation.
coll accept chk.fail_1 --department "$DEPT" --until 2099-12-31 --reason "Beslut SN 2026-12" \
    --by "Anna Berg" >/dev/null 2>>"$T/admin.log" || fail "accept"
assert_eq "$(dev | jq -r '.[0].accepted')" true "the deviation shows the acceptance"
# The board report lists them per department: 1 open, with an action, not overdue, accepted;
# after the due date, overdue.
coll report --period "$(date -u +%Y)" >"$T/board.html" 2>>"$T/admin.log" || fail "board report"
assert_contains "$(tr -d '\n' <"$T/board.html")" \
    "<tr><td>$DEPT</td><td class=\"n\">1</td><td class=\"n\">1</td><td class=\"n\">0</td><td class=\"n\">1</td></tr>" \
    "the board report: 1 open deviation, with an action, not overdue, risk accepted"
EFTERLEV_NOW=2030-02-02T00:00:00Z coll report --period 2030 >"$T/board2.html" 2>>"$T/admin.log" ||
    fail "board report 2030"
assert_contains "$(tr -d '\n' <"$T/board2.html")" \
    "<tr><td>$DEPT</td><td class=\"n\">1</td><td class=\"n\">1</td><td class=\"n\">1</td>" \
    "after the due date the board report counts it overdue"

# 4. The check passes again: the deviation closes by itself, with the date.
upload 3 pass pass
assert_eq "$(dev | jq length)" 0 "no open deviation after the check passes"
assert_eq "$(dev --all | jq -r '.[0] | [.closed_how, (.closed_at[0:10])] | join(" ")')" \
    "passed $TODAY" "closed by the passing report, dated"

# 5. It fails again: a new deviation; closed by hand with a reason.
upload 4 pass fail
assert_eq "$(dev | jq length)" 1 "a new failure opens a new deviation"
ID2=$(dev | jq -r '.[0].id')
[ "$ID2" != "$ID" ] || fail "the new deviation has the old id"
coll deviation close "$ID2" --reason "Ersätts av nytt system, beslut 2026-12-10" 2>>"$T/admin.log" ||
    fail "deviation close"
assert_eq "$(dev --all | jq -r --argjson i "$ID2" '.[] | select(.id == $i) | [.closed_how, .reason] | join("|")')" \
    "closed|Ersätts av nytt system, beslut 2026-12-10" "closed by hand, with its reason"

# 6. chk.pass_1 fails: a deviation; the machine is retired: it closes as retired.
upload 5 fail fail
assert_eq "$(dev | jq -r '[.[].check] | join(",")')" "chk.pass_1" \
    "another check fails: its deviation (the one closed by hand stays closed while it fails)"
coll agent retire soc-1 2>>"$T/admin.log" || fail "agent retire"
assert_eq "$(dev | jq length)" 0 "retired: no open deviation"
assert_eq "$(dev --all | jq -r '[.[] | select(.check == "chk.pass_1") | .closed_how] | join(",")')" \
    "retired" "closed as retired"
assert_eq "$(coll audit --format json | jq -r '[.[] | .action | select(startswith("deviation."))] | join(" ")')" \
    "deviation.assign deviation.close" "assign and close are audit-logged"

# 7. A department-wide pattern: chk.fail_1 fails on soc-2 and soc-3, passes on soc-4: 2 of
#    3 counted computers (at least two, and at least half). One assign gives both deviations
#    the same owner, action and due date.
for h in 2 3 4; do
    newkey "k$h" >/dev/null
    raw_enroll "$TOKEN" "soc-$h" "m-soc-$h" "$(pubof "k$h")"
    assert_eq "$CODE" 201 "soc-$h enrolls"
    declare "A$h=$(jq -r .agent_id <<<"$RESP")"
done
UHOST=soc-2 UKEY=k2 UAGENT=$A2 upload 1 pass fail
UHOST=soc-3 UKEY=k3 UAGENT=$A3 upload 1 pass fail
UHOST=soc-4 UKEY=k4 UAGENT=$A4 upload 1 pass pass
assert_eq "$(dev --patterns | jq -c '[.[] | [.department, .check, .hosts, .of, .assigned]]')" \
    "[[\"$DEPT\",\"chk.fail_1\",2,3,0]]" "a check failing on 2 of 3 computers is a department-wide pattern"
assert_contains "$(coll deviation list --patterns)" "chk.fail_1  on 2 of 3 computers" "the text list too"
COORD=$(coll token add samordning --role coordinator 2>>"$T/admin.log")
http GET /api/v1/deviations -H "Authorization: Bearer $COORD"
assert_eq "$(jq -c '[.patterns[] | [.check, .hosts, .of]]' <<<"$RESP")" '[["chk.fail_1",2,3]]' \
    "GET /api/v1/deviations lists the pattern"
coll deviation assign --department "$DEPT" --check chk.fail_1 --owner "IT-enheten" \
    --action "Grupprincip för hela förvaltningen" --due 2030-06-30 2>>"$T/admin.log" || fail "assign the pattern"
assert_eq "$(dev | jq -r '[.[] | select(.check == "chk.fail_1") | "\(.hostname):\(.owner)"] | join(" ")')" \
    "soc-2:IT-enheten soc-3:IT-enheten" "the pattern's action is on each of its deviations"
assert_eq "$(dev --patterns | jq -r '.[0].assigned')" 2 "and the pattern counts them assigned"
coll report --period "$(date -u +%Y)" >"$T/board3.html" 2>>"$T/admin.log" || fail "board report 3"
assert_contains "$(tr -d '\n' <"$T/board3.html")" \
    "<tr><td>$DEPT</td><td>A hand-written test result <span class=\"id\">(chk.fail_1)</span></td><td class=\"n\">2 / 3</td><td class=\"n\">2</td></tr>" \
    "the board report lists the department-wide pattern"
set +e
coll deviation assign --department "$DEPT" --check chk.pass_1 --owner x --action y 2>"$T/nop.log"
assert_eq "$?" 1 "a check with no open deviation in the department: nothing to assign"
coll deviation assign --check chk.fail_1 --owner x --action y 2>/dev/null
assert_eq "$?" 2 "a pattern needs its department"
set -e
# soc-4 fails too: still one pattern, now 3 of 3; soc-2 passes: 2 of 3.
UHOST=soc-4 UKEY=k4 UAGENT=$A4 upload 2 pass fail
UHOST=soc-2 UKEY=k2 UAGENT=$A2 upload 2 pass pass
assert_eq "$(dev --patterns | jq -c '[.[] | [.hosts, .of]]')" "[[2,3]]" "the pattern follows the reports"
UHOST=soc-3 UKEY=k3 UAGENT=$A3 upload 2 pass pass
assert_eq "$(dev --patterns | jq length)" 0 "one of three failing is not a pattern"
