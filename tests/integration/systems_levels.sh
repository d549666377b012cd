#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# Systems, owners and levels per aspect (issue 15; docs/figures.md, "Levels per aspect"):
# a host's level per aspect is the highest of its department's and what its systems'
# KLASSA classes require, mapped by the catalog's classes:; each check is judged at the
# level of the aspects it protects. Figures per system and per aspect are worked by hand.
# Part 1 writes reports by hand (curl + openssl); part 2 runs the real agent, which learns
# its levels with the policy it fetches.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/protocol_lib.sh"

DEPT=Socialförvaltningen
# The catalog: six checks with the default policy's definitions, and a mapping of classes
# that is not the default one (2 elevated, 3 high), so the test shows the catalog's is used.
CAT=$(catalog_of systems enc.root_luks enc.luks_params log.auditd_active avail.backup_agent \
    boot.secure_boot desk.screen_lock)
sed -i 's/^  version: "1"$/  version: "1"\n  classes: {1: basic, 2: elevated, 3: high, 4: high}/' "$CAT/10-checks.yml"
grep -q 'classes:' "$CAT/10-checks.yml" || fail "the catalog has no classes"
COLL_POLICIES=$CAT start_collector coll
TOKEN=$(add_department "$DEPT" basic)
COORD=$("$EF_COLLECTOR" token add samordning --role coordinator --config "$COLL_CONF" 2>>"$T/admin.log")
[ -n "$COORD" ] || fail "no coordinator token"
coll() { "$EF_COLLECTOR" "$@" --config "$COLL_CONF"; }
api() { http GET "$1" -H "Authorization: Bearer $COORD"; [ "$CODE" = 200 ] || fail "GET $1: $CODE $RESP"; }

# ---- the command line ----
coll system add Journal --owner "Anna Ek, socialchef" --info-owner Socialnämnden --k 4 --r 2 \
    --t 1 --department "$DEPT" 2>>"$T/admin.log" || fail "system add Journal"
coll system add Schema --owner "Per Berg" --info-owner "Kommunstyrelsen" --k 1 --r 1 --t 3 \
    2>>"$T/admin.log" || fail "system add Schema"
set +e
coll system add Journal --owner x --info-owner y --k 1 --r 1 --t 1 2>"$T/err"
assert_eq "$?" 1 "a second system of the same name is refused"
assert_contains "$(cat "$T/err")" 'a system named "Journal" exists' "and says so"
coll system add Lön --owner x --info-owner y --k 5 --r 1 --t 1 2>"$T/err"
assert_eq "$?" 2 "a class outside 1..4 is a usage error"
assert_contains "$(cat "$T/err")" "--k must be a consequence level 1, 2, 3 or 4" "and says which"
coll system add Lön --owner x --info-owner y --k 1 --r 1 2>"$T/err"
assert_eq "$?" 2 "every class is required"
coll system add Lön --owner x --info-owner y --k 1 --r 1 --t 1 --department Ingen 2>"$T/err"
assert_eq "$?" 1 "an unknown department is refused"
assert_contains "$(cat "$T/err")" 'no department named "Ingen"' "and named"
coll system assign Okänt soc-01 2>"$T/err"
assert_eq "$?" 1 "tying to an unknown system fails"
coll system assign Schema "soc 01" 2>"$T/err"
assert_eq "$?" 2 "a host name with a space is a usage error"
assert_contains "$(cat "$T/err")" '"soc 01" is not a host name' "and says so"
coll system unassign Schema soc-99 2>"$T/err"
assert_eq "$?" 1 "untying a host that is not tied fails"
assert_contains "$(cat "$T/err")" "soc-99 is not tied" "and names it"
set -e
coll system assign Journal soc-01 SOC-02 2>>"$T/admin.log" || fail "assign Journal"
coll system assign Schema soc-01.kommun.se 2>>"$T/admin.log" || fail "assign Schema"
coll system assign Schema soc-03 2>>"$T/admin.log" || fail "assign Schema soc-03"
assert_eq "$(coll audit --format json 2>/dev/null | jq -r '[.[] | select(.action | startswith("system.")) | .action] | join(" ")')" \
    "system.add system.add system.assign system.assign system.assign" "every change is audit-logged"

# The device list's system column ties devices too (added, never removed); a system the
# collector does not have imports nothing.
printf 'Datornamn;Förvaltning;System\r\nsoc-04;%s;Journal\r\nsoc-05;%s;\r\n' "$DEPT" "$DEPT" >"$T/list.csv"
printf 'Datornamn;Förvaltning;System\r\nsoc-06;%s;Lön\r\n' "$DEPT" >"$T/bad.csv"
set +e
coll inventory import "$T/bad.csv" 2>"$T/err" >/dev/null
assert_eq "$?" 1 "a device list naming an unknown system is refused"
assert_contains "$(cat "$T/err")" 'bad.csv:2: no system named "Lön"' "naming the line"
set -e
coll inventory import "$T/list.csv" >"$T/imp.txt" 2>>"$T/admin.log" || fail "inventory import"
assert_contains "$(cat "$T/imp.txt")" "Tied 1 devices to the systems the list names." "the import ties"
assert_eq "$(coll system show Journal --format json 2>/dev/null | jq -r '[.machines[].hostname] | join(" ")')" \
    "soc-01 SOC-02 soc-04" "the listed device is Journal's before it enrolls"
coll system unassign Journal soc-04 2>>"$T/admin.log" || fail "unassign soc-04"

# ---- part 1: reports by hand ----
NOW=$(date -u +%Y-%m-%dT%H:%M:%SZ)
declare -A CTL=([enc.root_luks]='"8.24","8.1","7.9"' [enc.luks_params]='"8.24"'
    [log.auditd_active]='"8.15"' [avail.backup_agent]='"8.13"' [boot.secure_boot]='"8.9"'
    [desk.screen_lock]='"7.7","8.1"')
result() {
    printf '{"check":"%s","status":"%s","evidence":"seen %s","controls":[%s],"severity":"medium","level":"%s","duration_us":1}' \
        "$1" "$2" "$1" "${CTL[$1]}" "$3"
}
# upload KEY AGENT HOST SEQ RESULTS
upload() {
    local counts
    counts=$(jq -c '{pass: map(select(.status=="pass"))|length, fail: map(select(.status=="fail"))|length,
        na: 0, unknown: 0, error: 0}' <<<"[$5]")
    printf '{"schema":"efterlev.report/1","agent_id":"%s","seq":%s,"generated_at":"%s","host":{"hostname":"%s","machine_id":"m-%s","os_id":"debian","os_version":"12","os_pretty":"Debian 12","kernel":"6.1","arch":"x86_64"},"agent_version":"0.1.0","policy":{"id":"systems","version":"1","sha256":"%064d"},"results":[%s],"summary":%s}' \
        "$2" "$4" "$NOW" "$3" "$3" 0 "$5" "$counts" >"$T/r-$3-$4.json"
    signed_post "$1" "$T/r-$3-$4.json" "$2"
    assert_eq "$CODE" 202 "report $4 of $3 accepted ($RESP)"
}
PA=$(newkey a)
raw_enroll "$TOKEN" soc-01 m-soc-01 "$PA"
assert_eq "$CODE" 201 "host A enrolls"
A=$(jq -r .agent_id <<<"$RESP")
PB=$(newkey b)
raw_enroll "$TOKEN" soc-02.kommun.se m-soc-02 "$PB"
B=$(jq -r .agent_id <<<"$RESP")

# Host A (Journal K4 R2 T1, Schema K1 R1 T3; department basic; classes 2 elevated, 3-4 high):
# K: Journal's 4 -> high. R: Journal's 2 -> elevated. T: Schema's 3 -> high. S: the highest
# class of each: Journal 4 and Schema 3 both high; the higher class names it: Journal.
signed_get "$T/a.pem" "$A" "/api/v1/policy?platform=linux" "$NOW"
assert_eq "$CODE" 200 "host A fetches its policy"
assert_eq "$(hdr efterlev-levels)" "K=high,R=elevated,T=high,S=high" \
    "the policy comes with host A's levels per aspect"
# Each check at the level of its aspects: backup [R,T] high, secure boot [R] elevated, the
# K and S checks high.
upload a "$A" soc-01 1 "$(result enc.root_luks pass high),$(result enc.luks_params fail high),$(result log.auditd_active pass high),$(result avail.backup_agent fail high),$(result boot.secure_boot pass elevated),$(result desk.screen_lock pass high)"
assert_eq "$(jq -c .levels <<<"$RESP")" '{"K":"high","R":"elevated","T":"high","S":"high"}' \
    "the upload's answer tells host A its levels"
assert_eq "$(jq -r .level <<<"$RESP")" high "and the highest of them as its level"
api "/api/v1/hosts/$A"
assert_eq "$(jq -c '.levels' <<<"$RESP")" \
    '{"K":{"class":4,"from":"system","level":"high","system":"Journal"},"R":{"class":2,"from":"system","level":"elevated","system":"Journal"},"S":{"class":4,"from":"system","level":"high","system":"Journal"},"T":{"class":3,"from":"system","level":"high","system":"Schema"}}' \
    "the host view: each aspect's level and the system and class that decided it"
assert_eq "$(jq -r '[.level, .department_level] | join(" ")' <<<"$RESP")" "high basic" \
    "judged at high, its department at basic"
assert_eq "$(jq -r '[.results[] | select(.status == "unknown")] | length' <<<"$RESP")" 0 \
    "every result judged at its check's level is counted"

# Host B (reports as soc-02.kommun.se, tied as SOC-02; Journal only): K high, R elevated,
# T the department's basic, S high. Backup [R,T] is then required at elevated: not reported,
# it is missing. Screen lock judged at basic where K requires high: unknown.
upload b "$B" soc-02.kommun.se 1 "$(result enc.root_luks fail high),$(result enc.luks_params fail high),$(result log.auditd_active pass high),$(result boot.secure_boot pass elevated),$(result desk.screen_lock pass basic)"
api "/api/v1/hosts/$B"
assert_eq "$(jq -r '[.levels.T.level, .levels.T.from, .levels.R.level] | join(" ")' <<<"$RESP")" \
    "basic department elevated" "host B: T from its department, R from Journal"
assert_eq "$(jq -r '.results[] | select(.check == "avail.backup_agent") | "\(.status) \(.level)"' <<<"$RESP")" \
    "missing elevated" "host B: backup is required at elevated through R, and missing"
assert_eq "$(jq -r '.results[] | select(.check == "desk.screen_lock") | .status' <<<"$RESP")" unknown \
    "host B: a check judged below its level is unknown"
assert_contains "$(jq -r '.results[] | select(.check == "desk.screen_lock") | .evidence' <<<"$RESP")" \
    "judged at basic, the host requires high" "and says why"

# Journal (A and B): pass A 4 + B 2 = 6; fail A 2 + B 2 = 4; missing B 1; unknown B 1:
# 6 / 11 = 54.5 %. K (root_luks, luks_params, screen_lock): A 2 pass 1 fail, B 2 fail
# (and an unknown): 2 / 5 = 40 %. R (backup, secure boot): A 1 pass 1 fail, B 1 pass 1
# missing: 2 / 4 = 50 %. T (backup): A fail, B missing: 0 %. S (auditd): 2 pass: 100 %.
# Schema (A only): 4 pass 2 fail 66.7 %; K 2/3 66.7, R 1/2 50, T 0/1 0, S 100.
figures() {
    jq -r '.[] | "\(.name) \(.hosts)/\(.reporting) \(.pass) \(.fail) \(.missing) \(.compliance_pct) \([.aspects[] | "\(.aspect)=\(.compliance_pct)"] | join(","))"'
}
assert_eq "$(coll system list --format json 2>>"$T/admin.log" | figures)" \
    "Journal 2/2 6 4 1 54.5 K=40,R=50,T=0,S=100
Schema 2/1 4 2 0 66.7 K=66.7,R=50,T=0,S=100" "system list: each system's figure in all and per aspect"
api "/api/v1/systems"
assert_eq "$(jq '.systems' <<<"$RESP" | figures)" \
    "Journal 2/2 6 4 1 54.5 K=40,R=50,T=0,S=100
Schema 2/1 4 2 0 66.7 K=66.7,R=50,T=0,S=100" "GET /api/v1/systems: the same"
assert_eq "$(jq -r '.systems[] | select(.name == "Schema") | [.machines[] | "\(.hostname) \(.agent_id // "-")"] | join(", ")' <<<"$RESP")" \
    "soc-01 $A, soc-03 -" "a system's machines, the one tied but not enrolled too"
assert_eq "$(jq -r '.systems[] | select(.name == "Journal") | [.owner, .info_owner, .k, .r, .t, .department] | join("|")' <<<"$RESP")" \
    "Anna Ek, socialchef|Socialnämnden|4|2|1|$DEPT" "with its owners, classes and department"
coll system show Journal >"$T/show.txt" 2>>"$T/admin.log" || fail "system show"
assert_contains "$(cat "$T/show.txt")" "information owner: Socialnämnden" "system show: the owners"
assert_contains "$(cat "$T/show.txt")" "K  40.0 %  R  50.0 %  T   0.0 %  S 100.0 %" "system show: per aspect"
# The department (A and B) is the same as Journal; per aspect from its counters.
api "/api/v1/departments/$DEPT?hosts=none"
assert_eq "$(jq -r '"\(.compliance_pct) " + ([.aspects[] | "\(.aspect)=\(.compliance_pct)"] | join(","))' <<<"$RESP")" \
    "54.5 K=40,R=50,T=0,S=100" "the department's figure per aspect counts each check at its host's level"

# The board report: each system with its owners, classes and figures (Swedish: decimal comma).
coll report --period "$(date -u +%Y)" >"$T/board.html" 2>>"$T/admin.log" || fail "board report"
P=$'\u00a0'%
assert_contains "$(tr -d '\n' <"$T/board.html")" \
    "<tr><td>Journal</td><td>Anna Ek, socialchef / Socialnämnden</td><td>K4 R2 T1</td><td class=\"n\">2 (2)</td><td class=\"n\">54,5$P</td><td class=\"n\">40,0$P</td><td class=\"n\">50,0$P</td><td class=\"n\">0,0$P</td><td class=\"n\">100,0$P</td></tr>" \
    "the board report: Journal's owners, classes and figures in all and per aspect"

# The export's manifest (signed by the collector) carries each host's levels and why.
http GET "/api/v1/export?format=json" -H "Authorization: Bearer $COORD"
assert_eq "$CODE" 200 "JSON export"
assert_eq "$(jq -r .manifest "$T/resp" | jq -r --arg a "$B" '.agents[] | select(.agent_id == $a) | [.levels.K.system, .levels.K.class, .levels.T.from] | join(" ")')" \
    "Journal 4 department" "the export's manifest: host B's levels and why"

# A department user sees its own department's systems; a system of no department only for
# its machines in the department.
DEPTTOK=$("$EF_COLLECTOR" token add soc --role "department:$DEPT" --config "$COLL_CONF" 2>>"$T/admin.log")
http GET "/api/v1/systems" -H "Authorization: Bearer $DEPTTOK"
assert_eq "$CODE" 200 "a department user reads the systems"
assert_eq "$(jq -r '[.systems[] | "\(.name):\([.machines[].hostname] | join("+"))"] | join(" ")' <<<"$RESP")" \
    "Journal:soc-01+soc-02.kommun.se Schema:soc-01" "its systems, and of the others its machines only"

# ---- part 2: the real agent learns its levels with the policy ----
mkdir -p "$T/agent-c"
printf 'hostname: soc-03\nmachine_id: machine-c\n' >"$T/agent-c/agent.yml"
agent c enroll --collector "$COLL_URL" --token "$TOKEN" --ca "$COLL_CA" 2>"$T/enroll.log" ||
    fail "enroll: $(cat "$T/enroll.log")"
C=$(jq -r .agent_id "$T/agent-c/state/enrollment.json")
agent c run 2>"$T/run1.log" || [ $? = 1 ] || fail "run 1: $(cat "$T/run1.log")"
assert_eq "$(jq -c .levels "$T/agent-c/state/enrollment.json")" \
    '{"K":"basic","R":"basic","S":"high","T":"high"}' "the agent keeps the levels it was sent"
assert_contains "$(cat "$T/run1.log")" "protection level changed from basic to high" "and says so"
lvl() { db_query "select level from latest_results where agent_id = '$C' and check_id = '$1'"; }
# Schema (K1 R1 T3): T and S high. Backup [R,T] and auditd [S] at high; secure boot [R] and
# the K checks at the department's basic; luks_params (from high, K only) not required.
assert_eq "$(lvl avail.backup_agent) $(lvl log.auditd_active) $(lvl boot.secure_boot) $(lvl enc.root_luks)" \
    "high high basic basic" "the agent judged each check at the level of its aspects"
assert_eq "$(db_query "select count(*) from latest_results where agent_id = '$C' and check_id = 'enc.luks_params'")" 0 \
    "a check its levels do not require is not run"
assert_eq "$(db_query "select count(*) from latest_results where agent_id = '$C' and evidence like 'judged at %'")" 0 \
    "nothing judged at another level"
coll system unassign Schema soc-03 2>>"$T/admin.log" || fail "unassign"
agent c run 2>"$T/run2.log" || [ $? = 1 ] || fail "run 2: $(cat "$T/run2.log")"
assert_eq "$(jq -r .level "$T/agent-c/state/enrollment.json") $(lvl boot.secure_boot)" "basic basic" \
    "untied: back to the department's level on the next run"
assert_eq "$(db_query "select count(*) from latest_results where agent_id = '$C' and check_id in ('avail.backup_agent', 'log.auditd_active')")" 0 \
    "and the checks only its system required are no longer run"
coll system remove Schema 2>>"$T/admin.log" || fail "system remove"
assert_eq "$(coll system list --format json 2>/dev/null | jq -r '[.[].name] | join(" ")')" Journal "removed"
