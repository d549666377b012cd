#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# Issue 17, item 6: one agent cannot inflate its department. Only results of checks the host
# was assigned count (the collector's check catalog, collector.yml `policies`), with the
# catalog's controls and severity, judged at the department's level (docs/figures.md, "What
# is counted"). Reports written by hand (curl + openssl, no agent), against a real collector.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/protocol_lib.sh"

DEPT=Omsorg
# The catalog: the host's eight real checks and enc.luks_params (required from high), each as
# the default policy defines it. Every catalog check the department's level requires must be
# in a report; the ones left out count as missing (seq 6).
COLL_POLICIES=$(catalog_of counting patch.os_supported log.journald_persistent time.sync_active \
    acct.uid0_only_root net.host_firewall enc.root_luks mal.av_active desk.screen_lock \
    enc.luks_params) start_collector coll
TOKEN=$(add_department "$DEPT" elevated)
COORD=$("$EF_COLLECTOR" token add samordning --role coordinator --config "$COLL_CONF" 2>>"$T/admin.log")
[ -n "$COORD" ] || fail "no coordinator token"
PUB=$(newkey a)
raw_enroll "$TOKEN" omsorg-01 m-omsorg-01 "$PUB"
assert_eq "$CODE" 201 "the agent enrolls"
AGENT=$(jq -r .agent_id <<<"$RESP")
NOW=$(date -u +%Y-%m-%dT%H:%M:%SZ)

# The host's real checks (catalog level basic): 5 pass, 3 fail, so 62.5 %; controls as in the
# catalog, covering 11 distinct controls.
PASSING="patch.os_supported log.journald_persistent time.sync_active acct.uid0_only_root net.host_firewall"
FAILING="enc.root_luks mal.av_active desk.screen_lock"
declare -A CTL=([patch.os_supported]='"8.8"' [log.journald_persistent]='"8.15"'
    [time.sync_active]='"8.17"' [acct.uid0_only_root]='"8.2","5.15"'
    [net.host_firewall]='"8.20","8.1"' [enc.root_luks]='"8.24","8.1","7.9"'
    [mal.av_active]='"8.7"' [desk.screen_lock]='"7.7","8.1"')

# result CHECK STATUS LEVEL [CONTROLS] [SEVERITY]: one result (controls: the catalog's unless
# given).
result() {
    printf '{"check":"%s","status":"%s","evidence":"seen %s","controls":[%s],"severity":"%s","level":"%s","duration_us":1}' \
        "$1" "$2" "$1" "${4:-${CTL[$1]}}" "${5:-medium}" "$3"
}
# baseline LEVEL: the eight real results judged at LEVEL, comma-separated.
baseline() {
    local c out=""
    for c in $PASSING; do out+="${out:+,}$(result "$c" pass "$1")"; done
    for c in $FAILING; do out+="${out:+,}$(result "$c" fail "$1")"; done
    printf '%s' "$out"
}
# upload SEQ RESULTS: a signed report of RESULTS (the summary counted from them).
upload() {
    local counts
    counts=$(jq -c '{pass: map(select(.status=="pass"))|length, fail: map(select(.status=="fail"))|length,
        na: map(select(.status=="na"))|length, unknown: map(select(.status=="unknown"))|length,
        error: map(select(.status=="error"))|length}' <<<"[$2]")
    printf '{"schema":"efterlev.report/1","agent_id":"%s","seq":%s,"generated_at":"%s","host":{"hostname":"omsorg-01","machine_id":"m-omsorg-01","os_id":"debian","os_version":"12","os_pretty":"Debian 12","kernel":"6.1","arch":"x86_64"},"agent_version":"0.1.0","policy":{"id":"efterlev-default","version":"0.1.0","sha256":"%064d"},"results":[%s],"summary":%s}' \
        "$AGENT" "$1" "$NOW" 0 "$2" "$counts" >"$T/r$1.json"
    signed_post a "$T/r$1.json" "$AGENT"
    assert_eq "$CODE" 202 "report $1 accepted (the report is never refused for what it holds)"
}
api() { http GET "$1" -H "Authorization: Bearer $COORD"; [ "$CODE" = 200 ] || fail "GET $1: $CODE $RESP"; }
dept() { api "/api/v1/departments/$DEPT?hosts=none"; }
host() { api "/api/v1/hosts/$AGENT"; }

# ---- seq 1: the honest baseline ----
upload 1 "$(baseline elevated)"
dept
assert_eq "$(jq -r '[.pass, .fail, .compliance_pct] | join(" ")' <<<"$RESP")" "5 3 62.5" "baseline: 5 pass, 3 fail, 62.5 %"
assert_eq "$(jq -r .covered_controls <<<"$RESP")" 11 "baseline: 11 controls covered"
# Per aspect (issue 15; each check's aspects from the default policy): K: patch.os_supported,
# acct.uid0_only_root, net.host_firewall pass, enc.root_luks, mal.av_active, desk.screen_lock
# fail: 3/3 50 %. R: patch, time.sync_active, acct, net pass, mal fails: 4/1 80 %. T: patch,
# net pass, mal fails: 2/1 66.7 %. S: log.journald_persistent, time pass: 2/0 100 %.
assert_eq "$(jq -r '[.aspects[] | "\(.aspect) \(.pass) \(.fail) \(.compliance_pct)"] | join(", ")' <<<"$RESP")" \
    "K 3 3 50, R 4 1 80, T 2 1 66.7, S 2 0 100" "baseline: the figure per aspect"
# The board report has the same per aspect (Swedish: decimal comma, a no-break space).
"$EF_COLLECTOR" report --period "$(date -u +%Y)" --config "$COLL_CONF" >"$T/board.html" 2>>"$T/admin.log" ||
    fail "board report"
assert_contains "$(tr -d '\n' <"$T/board.html")" \
    "<tr><td>Konfidentialitet (K)</td><td class=\"n\">3</td><td class=\"n\">3</td><td class=\"n\">0</td><td class=\"n\">50,0"$'\u00a0'"%</td></tr>" \
    "the board report: konfidentialitet 3 passed, 3 failed, 50,0 %"
assert_contains "$(cat "$T/board.html")" "Tillgänglighet (T)</td><td class=\"n\">2</td><td class=\"n\">1</td>" \
    "the board report: tillgänglighet 2 passed, 1 failed"

# ---- seq 2: 300 invented passing checks mapped to every control, and a real check the
# department's level does not require (enc.luks_params: from high) ----
ALL_CONTROLS=$(sed -n 's/.*number: "\([0-9.]*\)".*/"\1"/p' "$EF_SOURCE_DIR/checks/iso27002-2022.yml" | paste -sd, -)
mapfile -t CONTROLS < <(sed -n 's/.*number: "\([0-9.]*\)".*/\1/p' "$EF_SOURCE_DIR/checks/iso27002-2022.yml")
assert_eq "${#CONTROLS[@]}" 93 "the control catalog read"
extra=""
for i in $(seq 1 300); do
    c1=${CONTROLS[$((i % 93))]} c2=${CONTROLS[$(((i + 31) % 93))]}
    extra+=",$(result "fake.check_$i" pass elevated "\"$c1\",\"$c2\"" critical)"
done
upload 2 "$(baseline elevated)$extra,$(result enc.luks_params pass elevated '"8.24"')"
dept
assert_eq "$(jq -r '[.pass, .fail, .compliance_pct] | join(" ")' <<<"$RESP")" "5 3 62.5" \
    "300 invented passing checks do not move the figure"
assert_eq "$(jq -r .covered_controls <<<"$RESP")" 11 "nor the control coverage"
assert_eq "$(jq -r '[.checks[].check] | map(select(startswith("fake."))) | length' <<<"$RESP")" 0 \
    "no invented check in the department's checks"
assert_eq "$(jq -r .error <<<"$RESP")" 1 "the set-aside results show as one error"
host
assert_eq "$(jq -r '[.results[] | select(.check == "enc.luks_params")] | length' <<<"$RESP")" 0 \
    "a check above the department's level is not counted"
unassigned=$(jq -r '.results[] | select(.check == "collector.unassigned_results")' <<<"$RESP")
assert_eq "$(jq -r .status <<<"$unassigned")" error "the host shows that results were set aside"
assert_contains "$(jq -r .evidence <<<"$unassigned")" \
    "301 results not counted, this host was not assigned their checks: 300 not in the collector's catalog, 1 required only above this host's level (elevated) (first: fake.check_1)" \
    "the host says how many and why"
assert_eq "$(jq -r '[.results[].check] | length' <<<"$RESP")" 9 "the host's counted results: 8 and the note"
assert_contains "$(cat "$T/coll.log")" "results not counted" "the collector logs it"
# Nothing is lost: the signed report is stored whole (the export reads the signed bodies).
http GET "/api/v1/export?format=csv" -H "Authorization: Bearer $COORD"
assert_eq "$CODE" 200 "export"
assert_eq "$(python3 -c 'import csv,sys; print(sum(1 for r in csv.DictReader(open(sys.argv[1])) if r["seq"] == "2"))' "$T/resp")" \
    309 "the export holds all 309 results of the signed report"

# ---- seq 3: real checks mapped by the agent to other controls and severities ----
remapped=""
for c in $PASSING; do remapped+="${remapped:+,}$(result "$c" pass elevated '"5.1","5.2"' critical)"; done
for c in $FAILING; do remapped+="${remapped:+,}$(result "$c" fail elevated '"5.3"' info)"; done
upload 3 "$remapped"
dept
assert_eq "$(jq -r '[.pass, .fail, .compliance_pct, .covered_controls] | join(" ")' <<<"$RESP")" \
    "5 3 62.5 11" "re-mapped checks: the same figure and coverage"
assert_eq "$(jq -r '[.controls[].control] | map(select(. == "5.1" or . == "5.2" or . == "5.3")) | length' <<<"$RESP")" \
    0 "the agent's controls fill no coverage"
assert_eq "$(jq -r '.controls[] | select(.control == "8.8") | [.pass, .fail] | join(" ")' <<<"$RESP")" "1 0" \
    "patch.os_supported counts under the catalog's 8.8"
assert_eq "$(jq -r '.controls[] | select(.control == "8.1") | [.pass, .fail] | join(" ")' <<<"$RESP")" "1 2" \
    "8.1 counts the catalog's three checks"
host
assert_eq "$(jq -r '.results[] | select(.check == "enc.root_luks") | [.severity, (.controls | join(" "))] | join(" ")' <<<"$RESP")" \
    "high 8.24 8.1 7.9" "the host shows the catalog's severity and controls"

# ---- seq 4: results judged at a lower level than the department's ----
upload 4 "$(baseline basic)"
dept
assert_eq "$(jq -r '[.pass, .fail, .unknown, .compliance_pct] | join(" ")' <<<"$RESP")" "0 0 8 " \
    "results judged at basic in an elevated department count as unknown"
host
assert_contains "$(jq -r '.results[] | select(.check == "patch.os_supported") | .evidence' <<<"$RESP")" \
    "judged at basic, the host requires elevated (reported pass: seen patch.os_supported)" \
    "the evidence says why"

# ---- seq 5: judged at the department's level again: counted again ----
upload 5 "$(baseline elevated)"
dept
assert_eq "$(jq -r '[.pass, .fail, .unknown, .error, .compliance_pct] | join(" ")' <<<"$RESP")" "5 3 0 0 62.5" \
    "a report judged at the department's level counts again"

# ---- seq 6: a policy of one check (issue 14: `run --policy mini.yml`): the seven required
# checks it left out are missing, a state of their own that counts against the figure:
# 1 / (1 + 0 + 7) = 12.5 % ----
upload 6 "$(result acct.uid0_only_root pass elevated)"
dept
assert_eq "$(jq -r '[.pass, .fail, .missing, .compliance_pct] | join(" ")' <<<"$RESP")" "1 0 7 12.5" \
    "a report of one check: 7 missing, 12.5 %, not 100 %"
assert_eq "$(jq -r '.checks[] | select(.check == "enc.root_luks") | [.fail, .missing] | join(" ")' <<<"$RESP")" \
    "0 1" "the check's own row counts it missing"
assert_eq "$(jq -r '.controls[] | select(.control == "8.1") | [.pass, .fail, .missing] | join(" ")' <<<"$RESP")" \
    "0 0 3" "8.1: its three checks missing"
assert_eq "$(jq -r .assigned_policy_hosts <<<"$RESP")" 0 "no host ran the assigned policy"
host
assert_eq "$(jq -r '[.results[] | select(.status == "missing")] | length' <<<"$RESP")" 7 \
    "the host lists its 7 missing checks"
assert_eq "$(jq -r '.results[] | select(.check == "enc.luks_params") | .status' <<<"$RESP")" "" \
    "a check required only above the level is not missing"
assert_contains "$(jq -r '.results[] | select(.check == "mal.av_active") | .evidence' <<<"$RESP")" \
    "required at elevated by the collector's policy counting 1, not in the report: the host ran policy efterlev-default 0.1.0" \
    "the evidence names the policy it ran instead"
assert_eq "$(jq -r '[.policy.id, .policy.assigned] | join(" ")' <<<"$RESP")" "efterlev-default false" \
    "the host view names the policy it ran and that it was not the assigned one"
# Internal control's export carries it too: the manifest (signed by the collector) names
# each agent's policy, the verdict and the missing count.
http GET "/api/v1/export?format=json" -H "Authorization: Bearer $COORD"
assert_eq "$CODE" 200 "JSON export"
assert_eq "$(jq -r .manifest "$T/resp" | jq -r --arg a "$AGENT" '.agents[] | select(.agent_id == $a) | [.policy.id, .policy.assigned, .missing] | join(" ")')" \
    "efterlev-default false 7" "the export's manifest: the policy, not the assigned one, 7 missing"

# ---- seq 7: the whole set again: nothing missing ----
upload 7 "$(baseline elevated)"
dept
assert_eq "$(jq -r '[.pass, .fail, .missing, .compliance_pct] | join(" ")' <<<"$RESP")" "5 3 0 62.5" \
    "all required checks reported: nothing missing"

# ---- a catalog that cannot be read stops the collector at start, saying why ----
stop_collector
sed -i "s|^policies: .*|policies: \"$T/nowhere\"|" "$COLL_CONF"
if "$EF_COLLECTOR" serve --config "$COLL_CONF" --listen 127.0.0.1:0 >"$T/bad1.log" 2>&1; then
    fail "serve started without its check catalog"
fi
assert_contains "$(cat "$T/bad1.log")" "policies: $T/nowhere: No such file or directory" \
    "a missing catalog: a clear error at start"
mkdir -p "$T/badcat"
printf 'policy:\n  id: bad\n  version: "1"\nchecks:\n  - id: Not-An-Id\n' >"$T/badcat/10-bad.yml"
sed -i "s|^policies: .*|policies: \"$T/badcat\"|" "$COLL_CONF"
if "$EF_COLLECTOR" serve --config "$COLL_CONF" --listen 127.0.0.1:0 >"$T/bad2.log" 2>&1; then
    fail "serve started with a bad policy file"
fi
assert_contains "$(cat "$T/bad2.log")" "policies: $T/badcat/10-bad.yml:5:" "a bad file: named with its line"
