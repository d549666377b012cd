#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# Issue 14, coverage against the device list: `inventory import` reads the municipality's
# device list (Swedish Excel CSV: UTF-8 with BOM and ';', and Windows-1252), `coverage` and
# GET /api/v1/coverage show per department how much of it reports, and the board report
# states the real coverage instead of "every computer". Agents are enrolled and report by
# hand (curl + openssl, protocol_lib.sh); EFTERLEV_NOW moves the collector's clock so one
# agent's report is 10 days old (stale, stale_days 7) when the figures are taken.
#
# Agents (hostname as enrolled and reported; department; state at T1 = T0 + 10 days):
#   soc-pc1                Socialförvaltningen  reported at T1       fresh
#   SOC-PC2.kommun.se      Socialförvaltningen  reported at T0       stale (10 days > 7)
#   Åsa-Dator              Socialförvaltningen  reported at T1       fresh
#   soc-extra              Socialförvaltningen  reported at T1       fresh, not in the list
#   soc-pc5.kommun.se      Socialförvaltningen  reported at T1       fresh
#   skol-pc1               Skolförvaltningen    reported at T1       fresh
#   skol-pc9               Skolförvaltningen    enrolled, never      stale
# The device list (one device a line, the file's department):
#   SOC-PC1.kommun.se      Social  -> soc-pc1 (FQDN vs short, case)          reporting
#   soc-pc2                Social  -> SOC-PC2.kommun.se (stale)              stale
#   ÅSA-DATOR              Social  -> Åsa-Dator (Unicode case: Å/å)          reporting
#   soc-pc4.kommun.se      Social  -> no agent                               never seen
#   soc-pc5.annan.se       Social  -> soc-pc5.kommun.se? both FQDNs, other
#                                     domain: no match                      never seen
#   Skol-PC1               Skol    -> skol-pc1                               reporting
#   skol-pc9.skola.kommun.se Skol  -> skol-pc9 (never reported: stale)      stale
#   skol-pc3               Skol    -> no agent                               never seen
#   Björk-PC               Kulturförvaltningen (not a collector department)  never seen
# Hand-worked figures:
#   Socialförvaltningen: listed 5, reporting 2, stale 1, never seen 2, coverage 2/5 = 40.0 %;
#     unlisted (fresh agents no device matches): soc-extra, soc-pc5.kommun.se = 2
#   Skolförvaltningen:   listed 3, reporting 1, stale 1, never seen 1, 1/3 = 33.3 %; unlisted 0
#   Kulturförvaltningen: listed 1, reporting 0, stale 0, never seen 1, 0/1 = 0.0 %; not in the
#     collector
#   Total: listed 9, reporting 3, stale 2, never seen 4, 3/9 = 33.3 %, unlisted 2
# After re-importing a list of Skolförvaltningen's two first devices only:
#   Skolförvaltningen: listed 2, reporting 1, stale 1, never 0, 50.0 %
#   Socialförvaltningen: listed 0, coverage none, unlisted 4 (soc-pc1, Åsa-Dator, soc-extra,
#     soc-pc5.kommun.se; SOC-PC2 is stale, so not "reporting")
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/protocol_lib.sh"
SOC="Socialförvaltningen"
SKOL="Skolförvaltningen"
KUL="Kulturförvaltningen"
T0=2026-03-01T10:00:00Z
T1=2026-03-11T10:00:00Z

export EFTERLEV_NOW=$T0
start_collector
coll() { "$EF_COLLECTOR" "$@" --config "$COLL_CONF"; }
tok_soc=$(add_department "$SOC" basic)
tok_skol=$(add_department "$SKOL" basic)

# enroll NAME TOKEN HOSTNAME: sets AG[NAME] (agent id) and the key $T/NAME.pem.
declare -A AG SEQ
enroll() {
    local pub
    pub=$(newkey "$1")
    raw_enroll "$2" "$3" "m-$1" "$pub"
    assert_eq "$CODE" 201 "$3 enrolls"
    AG[$1]=$(jq -r .agent_id <<<"$RESP")
    SEQ[$1]=0
}
# report NAME HOSTNAME: a signed report with one result, generated now.
report() {
    SEQ[$1]=$((SEQ[$1] + 1))
    printf '{"schema":"efterlev.report/1","agent_id":"%s","seq":%s,"generated_at":"%s","host":{"hostname":"%s","machine_id":"m-%s","os_id":"debian","os_version":"12","os_pretty":"Debian 12","kernel":"6.1.0","arch":"x86_64"},"agent_version":"0.2.0","policy":{"id":"e2e","version":"1","sha256":"%064d"},"results":[{"check":"e2e.passwd_present","status":"pass","evidence":"ok","controls":["5.15"],"severity":"low","level":"basic","duration_us":1}],"summary":{"pass":1,"fail":0,"na":0,"unknown":0,"error":0}}' \
        "${AG[$1]}" "${SEQ[$1]}" "$EFTERLEV_NOW" "$2" "$1" 0 >"$T/rep-$1.json"
    signed_post "$1" "$T/rep-$1.json" "${AG[$1]}"
    assert_eq "$CODE" 202 "$2 reports at $EFTERLEV_NOW"
}
enroll s1 "$tok_soc" soc-pc1
enroll s2 "$tok_soc" SOC-PC2.kommun.se
enroll s3 "$tok_soc" Åsa-Dator
enroll s4 "$tok_soc" soc-extra
enroll s5 "$tok_soc" soc-pc5.kommun.se
enroll k1 "$tok_skol" skol-pc1
enroll k9 "$tok_skol" skol-pc9
report s2 SOC-PC2.kommun.se

# Without a device list the board report keeps its wording.
coll report --period 2026 --output "$T/before.html" 2>>"$T/admin.log"
assert_contains "$(cat "$T/before.html")" "Varje dator kör efterlev-agenten" "no list: the method text as before"
grep -q 'id="coverage"' "$T/before.html" && fail "no list: no coverage table"
assert_eq "$(coll coverage --format json | jq -c .inventory)" null "no list: coverage has no inventory"

# Ten days later: the rest report; SOC-PC2's report is 10 days old.
stop_collector
export EFTERLEV_NOW=$T1
serve_collector "${COLL_URL#https://}"
for a in s1:soc-pc1 s3:Åsa-Dator s4:soc-extra s5:soc-pc5.kommun.se k1:skol-pc1; do
    report "${a%%:*}" "${a#*:}"
done

# ---- the device list as Swedish Excel writes it: UTF-8 with BOM, ';', CRLF ----
{
    printf '\xef\xbb\xbf'
    printf 'Datornamn;Förvaltning;Operativsystem;Serienummer;Senaste inloggning\r\n'
    printf 'SOC-PC1.kommun.se;Socialförvaltningen;Windows 11 Pro;SN-001;2026-03-10 08:12\r\n'
    printf 'soc-pc2;Socialförvaltningen;Windows 11 Pro;;\r\n'
    printf 'ÅSA-DATOR;Socialförvaltningen;"Windows 11; Enterprise";SN-003;2026-03-09\r\n'
    printf 'soc-pc4.kommun.se;Socialförvaltningen;Windows 10;SN-004;\r\n'
    printf 'soc-pc5.annan.se;Socialförvaltningen;Windows 11 Pro;SN-005;\r\n'
    printf '\r\n'
    printf 'Skol-PC1;Skolförvaltningen;Debian 12;SN-101;\r\n'
    printf 'skol-pc9.skola.kommun.se;Skolförvaltningen;Debian 12;SN-109;\r\n'
    printf 'skol-pc3;Skolförvaltningen;Debian 12;SN-103;\r\n'
    printf '"Björk-PC";"Kulturförvaltningen";"Windows 11 Pro";"SN-""7""";\r\n'
} >"$T/enheter.csv"

# expect_figures LABEL: the hand-worked figures above, from `coverage --format json`.
expect_figures() {
    local j
    j=$(coll coverage --format json)
    fig() { jq -r --arg d "$1" '.departments[] | select(.name==$d) |
        "\(.listed) \(.reporting) \(.stale) \(.never_seen) \(.coverage_pct) \(.unlisted) \(.in_collector)"' <<<"$j"; }
    assert_eq "$(fig "$SOC")" "5 2 1 2 40 2 true" "$1: $SOC 5 listed, 2 reporting, 1 stale, 2 never, 40.0 %, 2 unlisted"
    assert_eq "$(fig "$SKOL")" "3 1 1 1 33.3 0 true" "$1: $SKOL 3 listed, 1 reporting, 1 stale, 1 never, 33.3 %"
    assert_eq "$(fig "$KUL")" "1 0 0 1 0 0 false" "$1: $KUL 1 listed, never seen, not a collector department"
    assert_eq "$(jq -r '.totals | "\(.listed) \(.reporting) \(.stale) \(.never_seen) \(.coverage_pct) \(.unlisted)"' <<<"$j")" \
        "9 3 2 4 33.3 2" "$1: totals 9 listed, 3 reporting, 2 stale, 4 never, 33.3 %"
    assert_eq "$(jq -r --arg d "$SOC" '.departments[] | select(.name==$d) | .unlisted_hosts | join(",")' <<<"$j")" \
        "soc-extra,soc-pc5.kommun.se" "$1: $SOC reporting hosts not in the list"
    assert_eq "$(jq -r --arg d "$SOC" '.departments[] | select(.name==$d) | .never_seen_hosts | join(",")' <<<"$j")" \
        "soc-pc4.kommun.se,soc-pc5.annan.se" "$1: $SOC never seen (FQDNs of another domain do not match)"
    assert_eq "$(jq -r --arg d "$SOC" '.departments[] | select(.name==$d) | .reporting_hosts | join(",")' <<<"$j")" \
        "SOC-PC1.kommun.se,ÅSA-DATOR" "$1: $SOC reporting devices (FQDN vs short name, Å vs å)"
    assert_eq "$(jq -r --arg d "$SKOL" '.departments[] | select(.name==$d) | .stale_hosts | join(",")' <<<"$j")" \
        "skol-pc9.skola.kommun.se" "$1: $SKOL stale: enrolled, never reported"
}

coll inventory import "$T/enheter.csv" >"$T/import1.out" 2>"$T/import1.err" || fail "import: $(cat "$T/import1.err")"
assert_contains "$(cat "$T/import1.out")" "Imported 9 devices" "excel-sv list imported: 9 devices (the blank line skipped)"
assert_contains "$(cat "$T/import1.err")" "not departments of the collector: \"$KUL\"" "warning names the unknown department"
assert_eq "$(db_query "select os || '|' || serial from inventory_devices where hostname = 'ÅSA-DATOR'")" \
    "Windows 11; Enterprise|SN-003" "a quoted field keeps its ';'"
assert_eq "$(db_query "select serial from inventory_devices where hostname = 'Björk-PC'")" 'SN-"7"' "a doubled quote is a quote"
assert_eq "$(db_query "select line from inventory_devices where hostname = 'Skol-PC1'")" 8 "devices keep their file line"
expect_figures "UTF-8 with BOM"
audit=$(coll audit --format json | jq -c '[.[] | select(.action=="inventory.import")] | last | .details')
assert_eq "$(jq -r --arg s "$SOC" '"\(.file) \(.rows) \(.departments[$s]) \(.encoding)"' <<<"$audit")" \
    "enheter.csv 9 5 utf-8" "audit log: inventory.import with file, rows, per-department counts"

# ---- the same list in Windows-1252, no BOM ----
tail -c +4 "$T/enheter.csv" | iconv -f UTF-8 -t WINDOWS-1252 >"$T/enheter-1252.csv"
grep -q $'\xc5SA-DATOR' "$T/enheter-1252.csv" || fail "the test file is Windows-1252"
coll inventory import "$T/enheter-1252.csv" >"$T/import2.out" 2>>"$T/admin.log" || fail "import Windows-1252"
assert_contains "$(cat "$T/import2.out")" "Windows-1252" "the Windows-1252 file is recognised"
expect_figures "Windows-1252"

# Text and CSV forms of the same figures.
coll coverage >"$T/coverage.txt"
assert_eq "$(awk -v d="$SOC" '$1 == d { print $2, $3, $4, $5, $6, $7 }' "$T/coverage.txt")" "5 2 1 2 40.0% 2" "text: $SOC row"
assert_contains "$(cat "$T/coverage.txt")" "$KUL *" "text: a department only the list names is marked"
coll coverage --format csv --csv-dialect excel-sv >"$T/coverage.csv"
assert_eq "$(grep "^$SKOL;" "$T/coverage.csv" | tr -d '\r')" "$SKOL;true;3;1;1;1;33,3;0" "excel-sv CSV: decimal comma"
assert_eq "$(coll coverage --department "$SKOL" --format json | jq -r '[.departments[].name] | join(",")')" "$SKOL" \
    "--department: that department only"

# ---- the read API: a department token sees its own department only ----
COORD=$(coll token add samordning --role coordinator 2>>"$T/admin.log")
DTOK=$(coll token add skola --role "department:$SKOL" 2>>"$T/admin.log")
http GET /api/v1/coverage -H "Authorization: Bearer $COORD"
assert_eq "$CODE" 200 "coordinator: GET /api/v1/coverage"
assert_eq "$(jq -r '.totals | "\(.listed) \(.reporting) \(.coverage_pct)"' <<<"$RESP")" "9 3 33.3" "API: the same totals as the command"
http GET /api/v1/coverage -H "Authorization: Bearer $DTOK"
assert_eq "$CODE/$(jq -r '[.departments[].name] | join(",")' <<<"$RESP")" "200/$SKOL" "department token: its own department only"
assert_eq "$(jq -r '.totals | "\(.listed) \(.reporting) \(.stale) \(.never_seen) \(.coverage_pct)"' <<<"$RESP")" \
    "3 1 1 1 33.3" "department token: its own figures"
http GET "/api/v1/coverage?department=$(jq -rn --arg d "$SOC" '$d|@uri')" -H "Authorization: Bearer $DTOK"
assert_eq "$CODE" 403 "department token: another department is refused"
http GET /api/v1/coverage
assert_eq "$CODE" 401 "no token: refused"

# ---- the board report states the real coverage ----
coll report --period 2026 --output "$T/report.html" 2>>"$T/admin.log"
html=$(cat "$T/report.html")
assert_contains "$html" "3 av 9 datorer i enhetsförteckningen rapporterade de senaste 7 dagarna (täckning 33,3" \
    "board report (sv): the real coverage in the summary"
assert_contains "$html" "3 av 9 datorer i förteckningen rapporterade" "board report (sv): the method states it"
case "$html" in *"Varje dator kör efterlev-agenten"*) fail "the method still claims every computer" ;; esac
pass "board report (sv): no claim that every computer runs the agent"
assert_contains "$html" "<td>$SOC</td><td class=\"n\">5</td><td class=\"n\">2</td><td class=\"n\">1</td><td class=\"n\">2</td><td class=\"n\">40,0" \
    "board report: coverage table row for $SOC"
assert_contains "$html" "<td>$KUL *</td>" "board report: the list-only department marked"
coll report --period 2026 --lang en --output "$T/report-en.html" 2>>"$T/admin.log"
assert_contains "$(cat "$T/report-en.html")" "3 of the 9 computers in the device list reported within the last 7 days (coverage 33.3%)" \
    "board report (en): the real coverage"

# ---- a malformed list is refused with file:line and leaves the previous list ----
refused() { # FILE EXPECTED-MESSAGE WHAT
    local rc=0
    coll inventory import "$1" >/dev/null 2>"$T/refused.err" || rc=$?
    assert_eq "$rc" 1 "$3: refused"
    assert_contains "$(cat "$T/refused.err")" "$2" "$3: says where and why"
    assert_eq "$(db_query 'select count(*) from inventory_devices')" 9 "$3: the previous list is kept"
}
printf 'Namn;Förvaltning;OS\r\npc1;%s;x\r\n' "$SOC" >"$T/bad-header.csv"
refused "$T/bad-header.csv" "bad-header.csv:1: no hostname column; the header has \"Namn\", \"Förvaltning\", \"OS\"; accepted: hostname, name" \
    "missing hostname column"
printf 'Datornamn;Förvaltning\r\npc1;%s\r\npc2;%s\r\n"pc3;%s\r\npc4;%s\r\n' "$SOC" "$SOC" "$SOC" "$SOC" >"$T/bad-quote.csv"
refused "$T/bad-quote.csv" "bad-quote.csv:4: a quoted field is not closed" "unterminated quote"
{
    printf 'Datornamn;Förvaltning\r\npc1;%s\r\n' "$SOC"
    printf '%0300d;%s\r\n' 7 "$SOC"
} >"$T/bad-long.csv"
refused "$T/bad-long.csv" "bad-long.csv:3: hostname is 300 bytes long, at most 255" "too long a hostname"
printf 'Datornamn;Förvaltning\r\npc1;%s\r\npc2;\r\n' "$SOC" >"$T/bad-dept.csv"
refused "$T/bad-dept.csv" "bad-dept.csv:3: no department for pc2" "a device without department"

# ---- re-import replaces the whole list ----
head -n 1 "$T/enheter.csv" >"$T/skola.csv"
grep -a -i '^skol-pc[19]' "$T/enheter.csv" >>"$T/skola.csv"
coll inventory import "$T/skola.csv" >/dev/null 2>>"$T/admin.log" || fail "re-import"
assert_eq "$(db_query 'select count(*) from inventory_devices')" 2 "re-import: the old devices are gone"
assert_eq "$(db_query 'select count(*) from inventory_imports')" 3 "re-import: each import recorded"
j=$(coll coverage --format json)
assert_eq "$(jq -r --arg d "$SKOL" '.departments[] | select(.name==$d) | "\(.listed) \(.reporting) \(.stale) \(.never_seen) \(.coverage_pct)"' <<<"$j")" \
    "2 1 1 0 50" "re-import: $SKOL 2 listed, 1 reporting, 1 stale, 50.0 %"
assert_eq "$(jq -r --arg d "$SOC" '.departments[] | select(.name==$d) | "\(.listed) \(.coverage_pct) \(.unlisted_hosts | join(","))"' <<<"$j")" \
    "0 null soc-extra,soc-pc1,soc-pc5.kommun.se,Åsa-Dator" "re-import: $SOC not listed, its 4 fresh hosts unlisted"
assert_eq "$(jq -r --arg d "$KUL" '[.departments[] | select(.name==$d)] | length' <<<"$j")" 0 \
    "re-import: a department only the old list named is gone"
