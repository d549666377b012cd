#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# Issue 12: the collector shows Windows hosts like any other and counts their results against
# the Windows catalog (collector.yml policies_windows). The Windows agent is not needed: its
# report is written and signed by hand (curl + openssl, as collector_protocol.sh), with
# host.platform "windows"; two real Linux agents report next to it.
#
# Catalogs, both written here:
#   Linux (policies):            e2e.passwd_present 5.15 basic, e2e.impossible_file 8.9,8.1 basic,
#                                net.host_firewall 8.20 high basic, time.sync_active 8.17 basic
#   Windows (policies_windows):  net.host_firewall 8.20,8.22 medium ELEVATED (other controls,
#                                severity and level than Linux), time.sync_active 8.17 basic
#                                (the same as Linux), win.defender_realtime 8.7 high basic (new)
# The Linux agents run the Linux catalog as their policy (file rules with known answers):
#   passwd pass, impossible fail, firewall pass, sync pass -> 3 pass + 1 fail each.
# The Windows report (Kultur, elevated): net.host_firewall fail, time.sync_active pass,
#   win.defender_realtime pass, and two results the Windows catalog does not hold:
#   win.not_in_catalog (unknown id) and e2e.passwd_present (a Linux-only id: the Linux
#   catalog would count it) -> kept 2 pass + 1 fail, set aside 2 -> 1 error (the note).
# Hand-worked figures:
#   Kultur (elevated; lin-kultur + win-kultur): pass 3+2 = 5, fail 1+1 = 2, error 1,
#     compliance 5/7 = 71.4 %; hosts 2: linux 1, windows 1.
#   Skola (basic; lin-skola): pass 3, fail 1, 75.0 %; hosts 1: linux 1, windows 0.
#   Control 8.20 over both departments: Linux firewall pass x2 + Windows firewall fail x1 ->
#     pass 2, fail 1, 66.7 %; 8.22 (Windows only): fail 1, 0.0 %; 8.17: pass 3 (100 %).
#   Kultur's checks: time.sync_active one row (same id, same controls) pass 2;
#     net.host_firewall two rows: controls 8.20 pass 1, controls 8.20,8.22 fail 1 (medium).
# Then without a Windows catalog: the Windows host's next report is set aside whole
#   (5 results -> 1 error), Kultur: pass 3, fail 1, error 1 = 75.0 %.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/protocol_lib.sh"
PY=${PYTHON:-python3}
KUL="Kulturförvaltningen"
SKO="Skola"

# ---- the two catalogs ----
mkdir -p "$T/pol-linux" "$T/pol-windows"
# check ID CONTROLS SEVERITY LEVEL PATH [TITLE [TITLE_SV]]: a check that passes when PATH
# exists (its title the id unless given).
check() {
    cat <<YML
  - id: $1
    title: ${6:-$1}${7:+
    title_sv: $7}
    description: test check $1
    rationale: known answer
    remediation: none
    controls: [$2]
    severity: $3
    level: $4
    all:
      - file: $5
        exists: true
YML
}
{
    printf 'policy:\n  id: test-linux\n  version: "1"\nchecks:\n'
    check e2e.passwd_present '"5.15"' low basic /etc/passwd
    check e2e.impossible_file '"8.9", "8.1"' medium basic /nonexistent/efterlev-marker
    check net.host_firewall '"8.20"' high basic /etc/passwd "Linux firewall" "Brandvägg (Linux)"
    check time.sync_active '"8.17"' medium basic /etc/passwd
} >"$T/pol-linux/linux.yml"
{
    printf 'policy:\n  id: test-windows\n  version: "1"\nchecks:\n'
    check net.host_firewall '"8.20", "8.22"' medium elevated /nonexistent/windows-only \
        "Windows firewall" "Brandvägg (Windows)"
    check time.sync_active '"8.17"' medium basic /nonexistent/windows-only "Windows clock"
    check win.defender_realtime '"8.7"' high basic /nonexistent/windows-only
} >"$T/pol-windows/windows.yml"

# init --policies-windows: written to collector.yml once it loads; a path that does not exist
# is refused (the default may be absent: then no Windows catalog until it is installed).
"$EF_COLLECTOR" init --dir "$T/init-win" --policies "$T/pol-linux" --policies-windows "$T/pol-windows" \
    >"$T/init-win.log" 2>&1 || fail "init --policies-windows: $(cat "$T/init-win.log")"
assert_eq "$(sed -n 's/^policies_windows: *//p' "$T/init-win/collector.yml" | tr -d '"')" "$T/pol-windows" \
    "init writes policies_windows"
set +e
"$EF_COLLECTOR" init --dir "$T/init-bad" --policies "$T/pol-linux" --policies-windows "$T/no-such" >"$T/init-bad.log" 2>&1
rc=$?
set -e
assert_eq "$rc" 1 "init --policies-windows with a missing folder is refused"
COLL_POLICIES=$T/pol-linux
start_collector
stop_collector
addr=${COLL_URL#https://}
sed -i "s|^policies_windows:.*|policies_windows: \"$T/pol-windows\"|" "$COLL_CONF"
logged=$(wc -l <"$T/coll.log")
serve_collector "$addr"
tail -n +"$((logged + 1))" "$T/coll.log" | grep -q "counting Windows hosts against the 3 checks" ||
    fail "serve loads the Windows catalog: $(cat "$T/coll.log")"
pass "serve counts Windows hosts against policies_windows (3 checks)"
coll() { "$EF_COLLECTOR" "$@" --config "$COLL_CONF"; }
tok_kul=$(add_department "$KUL" elevated)
tok_sko=$(add_department "$SKO" basic)

# ---- two real Linux agents ----
for a in kultur skola; do
    tok=$tok_kul && [ $a = skola ] && tok=$tok_sko
    mkdir -p "$T/agent-$a"
    printf 'hostname: lin-%s\nmachine_id: m-lin-%s\npolicies: ["%s"]\ncollector: "%s"\nca: "%s"\ntoken: "%s"\n' \
        "$a" "$a" "$T/pol-linux" "$COLL_URL" "$COLL_CA" "$tok" >"$T/agent-$a/agent.yml"
    agent "$a" run 2>"$T/run-$a.log" || fail "agent $a run: $(cat "$T/run-$a.log")"
done
LIN=$(agent kultur status --format json | jq -r .enrollment.agent_id)
pass "two Linux agents reported"

# ---- the Windows host: enrolled and reporting by hand ----
PUB=$(newkey win)
raw_enroll "$tok_kul" win-kultur-07 m-win-kultur-07 "$PUB"
assert_eq "$CODE" 201 "the Windows host enrolls"
WIN=$(jq -r .agent_id <<<"$RESP")
NOW=$(date -u +%Y-%m-%dT%H:%M:%SZ)
# wres CHECK STATUS: a result judged at elevated, with controls the agent claims (5.1): the
# collector replaces them with the Windows catalog's.
wres() {
    printf '{"check":"%s","status":"%s","evidence":"HKLM says %s","controls":["5.1"],"severity":"critical","level":"elevated","duration_us":1}' "$1" "$2" "$2"
}
# winreport SEQ: the Windows report, signed with the enrolled key, posted.
winreport() {
    local res
    res="$(wres net.host_firewall fail),$(wres time.sync_active pass),$(wres win.defender_realtime pass),$(wres win.not_in_catalog pass),$(wres e2e.passwd_present pass)"
    printf '{"schema":"efterlev.report/1","agent_id":"%s","seq":%s,"generated_at":"%s","host":{"platform":"windows","hostname":"win-kultur-07","machine_id":"m-win-kultur-07","os_id":"windows","os_version":"11","os_pretty":"Windows 11 Pro","kernel":"10.0.22631","arch":"x86_64","os_edition":"Professional","os_build":"22631.4460"},"agent_version":"0.2.0","policy":{"id":"efterlev-default-windows","version":"0.2.0","sha256":"%064d"},"results":[%s],"summary":{"pass":4,"fail":1,"na":0,"unknown":0,"error":0}}' \
        "$WIN" "$1" "$NOW" 0 "$res" >"$T/win$1.json"
    signed_post win "$T/win$1.json" "$WIN"
    assert_eq "$CODE" 202 "Windows report $1 accepted"
}
winreport 1
assert_eq "$(db_query "select platform || '|' || os_edition || '|' || os_build from agents where agent_id = '$WIN'")" \
    "windows|Professional|22631.4460" "the store keeps the host's platform, edition and build"
assert_eq "$(db_query "select platform || '|' || os_edition from agents where agent_id = '$LIN'")" "linux|" \
    "a Linux agent's platform is linux"

# ---- summary: JSON, text, CSV ----
sum=$(coll summary --format json)
dsum() { jq -r --arg d "$1" '.departments[] | select(.name==$d) |
    "\(.hosts) \(.platforms.linux.hosts) \(.platforms.windows.hosts) \(.pass) \(.fail) \(.error) \(.compliance_pct)"' <<<"$sum"; }
assert_eq "$(dsum "$KUL")" "2 1 1 5 2 1 71.4" "$KUL: 2 hosts (1 Linux, 1 Windows), pass 5, fail 2, error 1, 71.4 %"
assert_eq "$(dsum "$SKO")" "1 1 0 3 1 0 75" "$SKO: 1 Linux host, 75.0 %"
assert_eq "$(jq -r --arg a "$WIN" '.hosts[] | select(.agent_id==$a) | "\(.platform) \(.os_edition) \(.os_build)"' <<<"$sum")" \
    "windows Professional 22631.4460" "summary host row: platform, edition, build"
coll summary >"$T/summary.txt"
assert_contains "$(head -n 3 "$T/summary.txt")" "HOSTS  LINUX  WINDOWS  STALE" "text summary: hosts per platform columns"
assert_eq "$(awk -v d="$KUL" '$1 == d { print $3, $4, $5 }' "$T/summary.txt")" "2 1 1" "text summary: $KUL 2 = 1 Linux + 1 Windows"
assert_contains "$(grep win-kultur-07 "$T/summary.txt")" "windows Professional 22631.4460" "text summary: the host's platform"
coll summary --format csv --csv-dialect excel-sv >"$T/summary-sv.csv"
coll export --format csv --csv-dialect excel-sv --output "$T/export-sv.csv" 2>>"$T/admin.log"
$PY - "$T/summary-sv.csv" "$T/export-sv.csv" "$KUL" "$WIN" "$LIN" <<'PY' || fail "CSV read back"
import csv, sys
summ, exp, kul, win, lin = sys.argv[1:]
def rows(path):
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f, delimiter=";"))
s = rows(summ)
d = [r for r in s if r["row"] == "department" and r["department"] == kul][0]
assert (d["linux_hosts"], d["windows_hosts"], d["compliance_pct"]) == ("1", "1", "71,4"), d
h = [r for r in s if r["row"] == "host" and r["agent_id"] == win][0]
assert (h["platform"], h["os_edition"], h["os_build"]) == ("windows", "Professional", "22631.4460"), h
e = rows(exp)
assert list(e[0].keys())[-5:] == ["report_sha256", "platform", "os_edition", "os_build", "title"], list(e[0].keys())
w = [r for r in e if r["agent_id"] == win]
assert len(w) == 5 and all((r["platform"], r["os_edition"], r["os_build"]) == ("windows", "Professional", "22631.4460") for r in w), w
l = [r for r in e if r["agent_id"] == lin]
assert len(l) == 4 and all((r["platform"], r["os_edition"], r["os_build"]) == ("linux", "", "") for r in l), l
# The check's title, in Swedish, from each host's own platform's catalog: the last column.
assert list(e[0].keys())[6] == "check" and list(e[0].keys())[-1] == "title", list(e[0].keys())
fw = {r["agent_id"]: r["title"] for r in e if r["check"] == "net.host_firewall"}
assert (fw[win], fw[lin]) == ("Brandvägg (Windows)", "Brandvägg (Linux)"), fw
assert {r["title"] for r in w if r["check"] == "time.sync_active"} == {"Windows clock"}
PY
pass "CSV (excel-sv): summary per platform, export platform/edition/build and title columns"

# ---- the host view (API) ----
COORD=$(coll token add samordning --role coordinator 2>>"$T/admin.log")
api() { http GET "$1" -H "Authorization: Bearer $COORD"; [ "$CODE" = 200 ] || fail "GET $1: $CODE $RESP"; }
api "/api/v1/hosts/$WIN"
assert_eq "$(jq -r '"\(.platform) \(.os_edition) \(.os_build) \(.os_pretty)"' <<<"$RESP")" \
    "windows Professional 22631.4460 Windows 11 Pro" "host view: platform, edition, build"
assert_eq "$(jq -r '.results[] | select(.check=="net.host_firewall") | "\(.controls | join(",")) \(.severity) \(.status)"' <<<"$RESP")" \
    "8.20,8.22 medium fail" "the Windows result takes the Windows catalog's controls and severity (not Linux's 8.20 high)"
assert_eq "$(jq -r '[.results[].check] | join(" ")' <<<"$RESP")" \
    "collector.unassigned_results net.host_firewall time.sync_active win.defender_realtime" "kept: the Windows catalog's checks"
assert_contains "$(jq -r '.results[] | select(.check=="collector.unassigned_results") | .evidence' <<<"$RESP")" \
    "2 results not counted, this host was not assigned their checks: 2 not in the collector's Windows catalog" \
    "an id absent from the Windows catalog (a Linux-only one too) is set aside, and why"
# Titles for people: Swedish by default, from the host's own platform's catalog, the English
# one when a check has no Swedish title, the id when it has no other.
title_of() { jq -r --arg c "$1" '.results[] | select(.check==$c) | .title' <<<"$RESP"; }
assert_eq "$(title_of net.host_firewall)" "Brandvägg (Windows)" "host view: the Windows catalog's Swedish title"
assert_eq "$(title_of time.sync_active)" "Windows clock" "host view: no Swedish title, the English one"
assert_eq "$(title_of win.defender_realtime)" "win.defender_realtime" "host view: a title that is the id"
assert_eq "$(jq -r '.results[] | select(.check=="net.host_firewall") | .summary' <<<"$RESP")" null \
    "host view: no summary in the catalog: null"
api "/api/v1/hosts/$WIN?lang=en"
assert_eq "$(title_of net.host_firewall)" "Windows firewall" "host view (lang=en): the English title"
http GET "/api/v1/hosts/$WIN?lang=fi" -H "Authorization: Bearer $COORD"
assert_eq "$CODE $(jq -r .error <<<"$RESP")" "400 lang must be sv or en" "host view: lang is sv or en"
api "/api/v1/hosts/$LIN"
assert_eq "$(jq -r '"\(.platform) \(.os_edition) \(.os_build)"' <<<"$RESP")" "linux null null" "host view: a Linux host"
assert_eq "$(title_of net.host_firewall)" "Brandvägg (Linux)" "host view: the Linux catalog's title for a Linux host"
assert_eq "$(jq -r '.results[] | select(.check=="net.host_firewall") | "\(.controls | join(",")) \(.severity)"' <<<"$RESP")" \
    "8.20 high" "the Linux result keeps the Linux catalog's mapping"

# ---- department: per check and per control across both platforms ----
api "/api/v1/departments/$KUL?hosts=none"
assert_eq "$(jq -r '"\(.platforms.linux.hosts) \(.platforms.windows.hosts) \(.platforms.windows.stale_hosts)"' <<<"$RESP")" \
    "1 1 0" "department view: hosts per platform"
assert_eq "$(jq -r '[.checks[] | select(.check=="time.sync_active")] | map("\(.controls | join(",")):\(.pass)") | join(" ")' <<<"$RESP")" \
    "8.17:2" "time.sync_active: one row, Linux and Windows host together"
assert_eq "$(jq -r '[.checks[] | select(.check=="net.host_firewall")] | map("\(.controls | join(",")):\(.pass)/\(.fail)") | join(" ")' <<<"$RESP")" \
    "8.20:1/0 8.20,8.22:0/1" "net.host_firewall: a row per catalog mapping"
assert_eq "$(jq -r '[.checks[] | select(.check=="net.host_firewall" or .check=="win.defender_realtime") | .title] | join("|")' <<<"$RESP")" \
    "Brandvägg (Linux)|Brandvägg (Linux)|win.defender_realtime" "department view: titles (a shared id: the Linux catalog's first)"
api "/api/v1/departments/$KUL?hosts=none&lang=en"
assert_eq "$(jq -r '[.checks[] | select(.check=="net.host_firewall") | .title] | unique | join("|")' <<<"$RESP")" \
    "Linux firewall" "department view (lang=en): English titles"
ctl=$(coll controls --format json)
cfig() { jq -r --arg c "$1" '.controls[] | select(.control==$c) | "\(.pass)/\(.fail)/\(.compliance_pct)"' <<<"$ctl"; }
assert_eq "$(cfig 8.20)" "2/1/66.7" "control 8.20 spans both platforms: 2 Linux passes, 1 Windows failure"
assert_eq "$(cfig 8.22)" "0/1/0" "control 8.22: only the Windows catalog maps to it"
assert_eq "$(cfig 8.17)" "3/0/100" "control 8.17: three hosts"
assert_eq "$(cfig 8.7)" "1/0/100" "control 8.7: the Windows-only check"

# ---- exports: JSON and bundle manifests name each agent's platform; they verify ----
coll export --format json --output "$T/all.json" 2>>"$T/admin.log"
"$EF_COLLECTOR" verify-export "$T/all.json" --collector-key "$(coll export-key)" >"$T/verify.txt" 2>&1 ||
    fail "verify-export: $(cat "$T/verify.txt")"
jq -r .manifest "$T/all.json" >"$T/manifest.json"
assert_eq "$(jq -r --arg a "$WIN" '.agents[] | select(.agent_id==$a) | "\(.platform) \(.os_edition) \(.os_build)"' "$T/manifest.json")" \
    "windows Professional 22631.4460" "JSON export's manifest: the Windows agent's platform, edition, build"
assert_eq "$(jq -r --arg a "$LIN" '.agents[] | select(.agent_id==$a) | .platform' "$T/manifest.json")" "linux" \
    "JSON export's manifest: the Linux agent's platform"
coll export --format bundle --output "$T/all.tar" 2>>"$T/admin.log"
"$EF_COLLECTOR" verify-export "$T/all.tar" --collector-key "$(coll export-key)" >/dev/null 2>&1 || fail "bundle verifies"
assert_eq "$(tar -xOf "$T/all.tar" efterlev-export/manifest.json | jq -r --arg a "$WIN" '.agents[] | select(.agent_id==$a) | .platform')" \
    windows "bundle manifest: the Windows agent's platform"

# ---- the board report ----
period=$(date -u +%Y)
coll report --period "$period" --output "$T/board-sv.html" 2>>"$T/admin.log" || fail "board report"
coll report --period "$period" --lang en --output "$T/board-en.html" 2>>"$T/admin.log" || fail "board report (en)"
# platrow NAME LINUX WINDOWS: that row of the hosts-per-platform table.
platrow() { printf '<tr><td>%s</td><td class="n">%s</td><td class="n">%s</td></tr>' "$1" "$2" "$3"; }
board=$(sed -n '/<table id="platforms">/,/<\/table>/p' "$T/board-sv.html")
assert_contains "$board" "<th class=\"n\">Linux</th><th class=\"n\">Windows</th>" "board report: a column per platform"
assert_contains "$board" "$(platrow "$KUL" 1 1)" "board report: $KUL 1 Linux, 1 Windows"
assert_contains "$board" "$(platrow "$SKO" 1 0)" "board report: $SKO 1 Linux, 0 Windows"
assert_contains "$board" "$(platrow Totalt 2 1)" "board report: 2 Linux, 1 Windows in all"
assert_contains "$(cat "$T/board-sv.html")" "Siffrorna omfattar datorer med Linux och Windows (datorer som räknas: Linux 2, Windows 1)" \
    "board report (sv): the method says which platforms the figures cover"
assert_contains "$(cat "$T/board-en.html")" "The figures cover computers running Linux and Windows (computers counted: Linux 2, Windows 1)" \
    "board report (en): the same"

# ---- without a Windows catalog: Windows results are set aside, and why ----
stop_collector
sed -i "s|^policies_windows:.*|policies_windows: \"$T/no-such-folder\"|" "$COLL_CONF"
logged=$(wc -l <"$T/coll.log")
serve_collector "$addr"
tail -n +"$((logged + 1))" "$T/coll.log" | grep -q "no Windows catalog" || fail "serve says it has no Windows catalog"
winreport 2
api "/api/v1/hosts/$WIN"
assert_eq "$(jq -r '[.results[].check] | join(" ")' <<<"$RESP")" "collector.unassigned_results" \
    "no Windows catalog: nothing of the Windows report counts"
assert_contains "$(jq -r '.results[0].evidence' <<<"$RESP")" \
    "5 results not counted: the collector has no check catalog for windows hosts" "and the host's page says why"
sum=$(coll summary --format json)
assert_eq "$(dsum "$KUL")" "2 1 1 3 1 1 75" "$KUL: the Linux host's 3 pass + 1 fail and the note's error: 75.0 %"
echo "collector_windows: all assertions passed"
