#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# Issue 4 end to end: real agents upload over HTTPS; the collector's figures, risk
# acceptance (and its expiry), staleness, the read API with bearer tokens, CSV read back
# with Python's csv module, exports verified offline (and tampered with), the board report
# and the audit log. Expected figures are worked out by hand from the e2e policy:
#   e2e.passwd_present (5.15, basic) passes, e2e.impossible_file (8.9, 8.1, basic) fails,
#   e2e.root_dir_present (8.9, elevated) passes.
#   Socialförvaltningen (elevated), hosts s1 s2: 2 pass + 1 fail each -> pass 4, fail 2 = 66.7 %
#   Äldreomsorgen (basic), hosts a1 a2 a3:       1 pass + 1 fail each -> pass 3, fail 3 = 50.0 %
#   5.15: pass 5 (100.0 %); 8.9: pass 2, fail 5 (28.6 %); 8.1: fail 5 (0.0 %)
source "$(dirname "$0")/lib.sh"
policy=$EF_SOURCE_DIR/tests/fixtures/policies/e2e.yml
SOC="Socialförvaltningen"
ALD="Äldreomsorgen"
PY=${PYTHON:-python3}

# The collector requires what it assigns (docs/figures.md, "What is counted"): the agents'
# policy is its whole catalog, so nothing is missing from their reports.
COLL_POLICIES=$policy start_collector
tok_soc=$(add_department "$SOC" elevated)
tok_ald=$(add_department "$ALD" basic)

# mk_agent NAME TOKEN: configuration that enrolls by itself on the first run.
mk_agent() {
    mkdir -p "$T/agent-$1"
    cat >"$T/agent-$1/agent.yml" <<YML
hostname: $1
machine_id: machine-$1
collector: "$COLL_URL"
ca: "$COLL_CA"
token: "$2"
policies: ["$policy"]
YML
}
for h in s1 s2; do mk_agent "$h" "$tok_soc"; done
for h in a1 a2 a3; do mk_agent "$h" "$tok_ald"; done
for h in s1 s2 a1 a2 a3; do agent "$h" run 2>"$T/$h-run.log" || fail "agent $h run: $(cat "$T/$h-run.log")"; done
pass "five real agents enrolled and uploaded over HTTPS"

coll() { "$EF_COLLECTOR" "$@" --config "$COLL_CONF"; }
sum=$(coll summary --format json)
dept() { jq -r --arg d "$1" --arg f "$2" '.departments[] | select(.name==$d) | .[$f]' <<<"$sum"; }
assert_eq "$(dept "$SOC" pass)/$(dept "$SOC" fail)/$(dept "$SOC" compliance_pct)" "4/2/66.7" "$SOC figures"
assert_eq "$(dept "$ALD" pass)/$(dept "$ALD" fail)/$(dept "$ALD" compliance_pct)" "3/3/50" "$ALD figures (jq prints 50.0 as 50)"
assert_contains "$sum" '"compliance_pct": 50.0,' "50.0 printed with its decimal"
assert_eq "$(dept "$ALD" accepted)" 0 "nothing accepted yet"

ctl=$(coll controls --format json)
cfig() { jq -r --arg c "$1" '.controls[] | select(.control==$c) | "\(.pass)/\(.fail)/\(.compliance_pct)"' <<<"$ctl"; }
assert_eq "$(cfig 5.15)" "5/0/100" "control 5.15"
assert_eq "$(cfig 8.9)" "2/5/28.6" "control 8.9 (two checks)"
assert_eq "$(cfig 8.1)" "0/5/0" "control 8.1"
assert_eq "$(jq -r '.catalog_controls' <<<"$ctl")/$(jq -r '.covered_controls' <<<"$ctl")" "93/3" "coverage"
ctl13=$(coll controls --format json --numbering 2013)
assert_eq "$(jq -r '.controls[] | select(.control=="9.1.1") | "\(.pass)/\(.fail)"' <<<"$ctl13")" "5/0" \
    "2013 numbering: 5.15 replaces 9.1.1"

# ---- the read API: bearer tokens ----
AUD=$(coll token add internkontroll --role auditor 2>>"$T/admin.log")
DEP=$(coll token add ald-chef --role "department:$ALD" 2>>"$T/admin.log")
api() { # api TOKEN PATH -> CODE, RESP ("" token: none)
    local auth=()
    [ -n "$1" ] && auth=(-H "Authorization: Bearer $1")
    CODE=$(curl -sS --cacert "$COLL_CA" -o "$T/resp" -w '%{http_code}' "${auth[@]}" "$COLL_URL$2")
    RESP=$(cat "$T/resp")
}
S1=$(jq -r '.hosts[] | select(.hostname=="s1") | .agent_id' <<<"$sum")
A1=$(jq -r '.hosts[] | select(.hostname=="a1") | .agent_id' <<<"$sum")
SOC_URL=$($PY -c 'import urllib.parse,sys; print(urllib.parse.quote(sys.argv[1]))' "$SOC")
ALD_URL=$($PY -c 'import urllib.parse,sys; print(urllib.parse.quote(sys.argv[1]))' "$ALD")
for p in /api/v1/summary "/api/v1/departments/$SOC_URL" "/api/v1/hosts/$S1" /api/v1/controls \
    /api/v1/trend "/api/v1/export?format=json"; do
    api "" "$p"
    assert_eq "$CODE" 401 "no token: $p refused"
    api "1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" "$p"
    assert_eq "$CODE" 401 "bad token: $p refused"
done
api "$AUD" "/api/v1/departments/$SOC_URL"
assert_eq "$CODE" 200 "department page"
assert_eq "$(jq -r '.name' <<<"$RESP")" "$SOC" "department name with å/ö through JSON"
assert_eq "$(jq -r '"\(.pass)/\(.fail)/\(.compliance_pct)"' <<<"$RESP")" "4/2/66.7" "department page figures"
assert_eq "$(jq -r '.checks[] | select(.check=="e2e.root_dir_present") | .pass' <<<"$RESP")" 2 "per check"
assert_eq "$(jq -r '.hosts | length' <<<"$RESP")" 2 "department hosts"
api "$AUD" "/api/v1/hosts/$S1"
assert_eq "$(jq -r '.results[] | select(.check=="e2e.impossible_file") | .status' <<<"$RESP")" fail "host results"
assert_contains "$(jq -r '.results[0].since' <<<"$RESP")" "T" "failing since"
api "$AUD" "/api/v1/summary?hosts=none"
assert_eq "$(jq -r '.hosts | length' <<<"$RESP")/$(jq -r '.departments | length' <<<"$RESP")" "0/2" "summary without hosts"
api "$AUD" "/api/v1/controls?numbering=2013"
assert_eq "$(jq -r '.numbering' <<<"$RESP")" 2013 "controls in 2013 numbering"
api "$DEP" "/api/v1/departments/$SOC_URL"
assert_eq "$CODE" 403 "department token: other department refused"
api "$DEP" "/api/v1/hosts/$S1"
assert_eq "$CODE" 404 "department token: other department's host not found"
api "$DEP" "/api/v1/controls"
assert_eq "$(jq -r '.department' <<<"$RESP")" "$ALD" "department token: controls scoped"
# serve made the export key at start (it certifies the agents' keys at enrollment).
[ -e "$COLL_DIR/export-key.pem" ] || fail "serve did not make the export key"
api "$AUD" "/api/v1/export?format=bundle"
assert_eq "$CODE" 200 "export over the API"
cp "$T/resp" "$T/api.tar"
"$EF_COLLECTOR" verify-export "$T/api.tar" --unpinned >"$T/verify-api.txt" || fail "verify API bundle: $(cat "$T/verify-api.txt")"
assert_contains "$(cat "$T/verify-api.txt")" "UNPINNED: 5 reports consistent" "API bundle verifies (unpinned)"

# ---- CSV read back with a real CSV parser ----
coll export --format csv --csv-dialect excel-sv --output "$T/sv.csv" 2>>"$T/admin.log"
coll export --format csv --output "$T/rfc.csv" 2>>"$T/admin.log"
coll export --format csv --lang en --output "$T/en.csv" 2>>"$T/admin.log"
coll summary --format csv --csv-dialect excel-sv >"$T/summary-sv.csv"
$PY - "$T/sv.csv" "$T/rfc.csv" "$T/summary-sv.csv" "$SOC" "$ALD" "$T/en.csv" <<'PY' || fail "CSV read back"
import csv, sys
sv, rfc, summ, soc, ald, en = sys.argv[1:7]
raw = open(sv, 'rb').read()
assert raw.startswith(b'\xef\xbb\xbf'), 'excel-sv starts with a BOM'
assert b'\r\n' in raw
rows = list(csv.DictReader(open(sv, encoding='utf-8-sig', newline=''), delimiter=';'))
assert len(rows) == 12, len(rows)          # 2 x 3 results + 3 x 2 results
assert {r['department'] for r in rows} == {soc, ald}, {r['department'] for r in rows}
fails = [r for r in rows if r['status'] == 'fail']
assert len(fails) == 5 and all(r['check'] == 'e2e.impossible_file' for r in fails)
assert all(r['controls'] == '8.9 8.1' for r in fails), fails[0]['controls']
# The check's title, the last column: Swedish by default (e2e.yml's title_sv), the English
# title where the check has no Swedish one; English with --lang en.
assert list(rows[0].keys())[6] == 'check' and list(rows[0].keys())[-1] == 'title', list(rows[0].keys())
assert {r['title'] for r in fails} == {'En fil som inget system har'}
assert {r['title'] for r in rows if r['check'] == 'e2e.passwd_present'} == {'The account database exists'}
erows = list(csv.DictReader(open(en, encoding='utf-8', newline='')))
assert {r['title'] for r in erows if r['status'] == 'fail'} == {'A file that no system has'}
rrows = list(csv.DictReader(open(rfc, encoding='utf-8', newline='')))
assert [dict(r) for r in rrows] == [dict(r) for r in rows]
assert not open(rfc, 'rb').read().startswith(b'\xef\xbb\xbf')
srows = list(csv.DictReader(open(summ, encoding='utf-8-sig', newline=''), delimiter=';'))
d = {r['department']: r for r in srows if r['row'] == 'department'}
assert d[soc]['compliance_pct'] == '66,7', d[soc]['compliance_pct']   # decimal comma
assert d[ald]['compliance_pct'] == '50,0'
print('csv ok')
PY
pass "CSV (excel-sv and RFC 4180) read back by Python's csv module, å/ä/ö intact"

# ---- exports verified offline; tampering detected ----
coll export --format bundle --output "$T/all.tar" 2>>"$T/admin.log"
coll export --format json --department "$ALD" --output "$T/ald.json" 2>>"$T/admin.log"
KEY=$(coll audit --format json | jq -r '[.[] | select(.action=="export")][-1].details.collector_key')
# The key to pin, from export-key (EFTERLEV_COLLECTOR_CONFIG names the configuration),
# is the one the audit log recorded, and verify-export accepts it.
PINNED=$(EFTERLEV_COLLECTOR_CONFIG=$COLL_CONF "$EF_COLLECTOR" export-key) || fail "export-key"
assert_eq "$PINNED" "$KEY" "export-key prints the key the exports are signed with"
"$EF_COLLECTOR" verify-export "$T/all.tar" --collector-key "$PINNED" >"$T/v1.txt" || fail "bundle: $(cat "$T/v1.txt")"
assert_contains "$(cat "$T/v1.txt")" "ok: 5 reports verified" "bundle verifies with the key from export-key"
assert_eq "$(coll export-key --format json | jq -r '.collector_key + " " + .algorithm')" "$KEY Ed25519" \
    "export-key --format json"
coll export-key --format pem >"$T/export-pub.pem" || fail "export-key --format pem"
# The PEM public key is the same key: its last 32 DER bytes are the raw key.
assert_eq "$(openssl pkey -pubin -in "$T/export-pub.pem" -outform DER | tail -c 32 | base64)" "$KEY" \
    "export-key --format pem is the same key, readable by OpenSSL"
# A key from elsewhere is refused: the pin means something.
OTHER=$(openssl genpkey -algorithm ed25519 | openssl pkey -pubout -outform DER | tail -c 32 | base64)
if "$EF_COLLECTOR" verify-export "$T/all.tar" --collector-key "$OTHER" >"$T/v1b.txt"; then
    fail "bundle verified with another collector's key"
fi
assert_contains "$(cat "$T/v1b.txt")" "not the expected $OTHER" "another key is refused"
"$EF_COLLECTOR" verify-export "$T/ald.json" --collector-key "$PINNED" >"$T/v2.txt" || fail "json: $(cat "$T/v2.txt")"
assert_contains "$(cat "$T/v2.txt")" "ok: 3 reports verified" "department JSON export verifies"

# One byte changed in one report of the bundle.
$PY - "$T/all.tar" "$T/altered.tar" "$T/removed.tar" <<'PY' >"$T/victim" || fail "tamper bundle"
import io, sys, tarfile
src = tarfile.open(sys.argv[1])
members = [(m, src.extractfile(m).read()) for m in src.getmembers()]
reports = [m for m, _ in members if m.name.endswith('.json') and '/reports/' in m.name]
victim = reports[1].name
def write(path, change):
    with tarfile.open(path, 'w', format=tarfile.USTAR_FORMAT) as out:
        for m, data in members:
            data = change(m, data)
            if data is None:
                continue
            info = tarfile.TarInfo(m.name); info.size = len(data); info.mtime = m.mtime
            out.addfile(info, io.BytesIO(data))
def flip(m, data):
    if m.name != victim:
        return data
    i = data.index(b'"evidence":"') + 12
    return data[:i] + bytes([data[i] ^ 1]) + data[i + 1:]
write(sys.argv[2], flip)
write(sys.argv[3], lambda m, d: None if m.name in (victim, victim[:-5] + '.sig') else d)
parts = victim.split('/')
print(parts[-2], int(parts[-1][:-5]))
PY
read -r V_AGENT V_SEQ <"$T/victim"
if "$EF_COLLECTOR" verify-export "$T/altered.tar" --collector-key "$PINNED" >"$T/v3.txt"; then fail "altered bundle verified"; fi
assert_contains "$(cat "$T/v3.txt")" "report $V_AGENT seq $V_SEQ: body differs from the manifest's SHA-256 (altered)" \
    "one changed byte names the report"
if "$EF_COLLECTOR" verify-export "$T/removed.tar" --collector-key "$PINNED" >"$T/v4.txt"; then fail "bundle with a removed report verified"; fi
assert_contains "$(cat "$T/v4.txt")" "report $V_AGENT seq $V_SEQ: listed in the manifest but missing (removed)" \
    "a removed report is detected"
# A report added to the JSON export (a copy under another seq) and one removed.
jq '.reports += [.reports[0] | .seq = 99]' "$T/ald.json" >"$T/added.json"
if "$EF_COLLECTOR" verify-export "$T/added.json" --collector-key "$PINNED" >"$T/v5.txt"; then fail "added report verified"; fi
assert_contains "$(cat "$T/v5.txt")" "seq 99: not listed in the manifest (added)" "an added report is detected"
jq 'del(.reports[1])' "$T/ald.json" >"$T/less.json"
if "$EF_COLLECTOR" verify-export "$T/less.json" --collector-key "$PINNED" >"$T/v6.txt"; then fail "JSON with a removed report verified"; fi
assert_contains "$(cat "$T/v6.txt")" "(removed)" "a report removed from the JSON export is detected"
# Rewriting the manifest too is caught by its signature.
jq '.manifest |= (fromjson | .count = 2 | .reports |= .[0:2] | tojson)' "$T/less.json" >"$T/forged.json"
if "$EF_COLLECTOR" verify-export "$T/forged.json" --collector-key "$PINNED" >"$T/v7.txt"; then fail "forged manifest verified"; fi
assert_contains "$(cat "$T/v7.txt")" "manifest: signature does not verify" "a rewritten manifest is detected"

# ---- risk acceptance, its expiry, staleness ----
TODAY=$(date -u +%Y-%m-%d)
UNTIL=$(date -u -d "+2 days" +%Y-%m-%d)
coll accept e2e.impossible_file --department "$ALD" --until "$UNTIL" \
    --reason "Åtgärdas vid nästa servicefönster" --by "Karin Åberg" >"$T/acc-id" 2>>"$T/admin.log"
sum=$(coll summary --format json)
assert_eq "$(dept "$ALD" pass)/$(dept "$ALD" fail)/$(dept "$ALD" accepted)/$(dept "$ALD" compliance_pct)" \
    "3/0/3/100" "accepted failures count as accepted, not fail"
assert_eq "$(dept "$SOC" fail)" 2 "another department's failures stay failures"
assert_contains "$(coll accept list)" "Karin Åberg" "acceptance listed"

# Three days on (EFTERLEV_NOW), it has expired by itself.
LATER=$(date -u -d "+3 days" +%Y-%m-%dT%H:%M:%SZ)
sum=$(EFTERLEV_NOW=$LATER coll summary --format json)
assert_eq "$(dept "$ALD" pass)/$(dept "$ALD" fail)/$(dept "$ALD" accepted)" "3/3/0" "an expired acceptance counts as fail again"
assert_eq "$(EFTERLEV_NOW=$LATER coll accept list)" "No active acceptances." "expired acceptance no longer active"

# Eight days on, a collector whose clock says so: four agents report again, a3 does not.
stop_collector
FUTURE=$(date -u -d "+8 days" +%Y-%m-%dT%H:%M:%SZ)
rm -f "$COLL_DIR/ready"
EFTERLEV_NOW=$FUTURE "$EF_COLLECTOR" serve --config "$COLL_CONF" --listen "${COLL_URL#https://}" \
    --ready-file "$COLL_DIR/ready" >>"$T/coll.log" 2>&1 &
COLL_PID=$!
EF_PIDS+=("$COLL_PID")
for i in $(seq 1 100); do [ -s "$COLL_DIR/ready" ] && break; sleep 0.05; done
for h in s1 s2 a1 a2; do agent "$h" run 2>>"$T/$h-run.log" || fail "agent $h second run"; done
sum=$(EFTERLEV_NOW=$FUTURE coll summary --format json)
assert_eq "$(dept "$ALD" hosts)/$(dept "$ALD" stale_hosts)" "3/1" "a3 is stale"
assert_eq "$(dept "$ALD" pass)/$(dept "$ALD" fail)/$(dept "$ALD" compliance_pct)" "2/2/50" "a stale agent is not counted"
assert_eq "$(jq -r '.hosts[] | select(.hostname=="a3") | .stale' <<<"$sum")" true "a3 listed as stale"
trend=$(EFTERLEV_NOW=$FUTURE coll trend --department "$ALD" --format json)
assert_eq "$(jq -r '.points[0].day' <<<"$trend")" "$TODAY" "history starts today"
assert_eq "$(jq -r '.points[0] | "\(.pass)/\(.fail)/\(.accepted)"' <<<"$trend")" "3/0/3" \
    "today's snapshot keeps today's state (acceptance in force)"
assert_eq "$(jq -r '.points[3] | "\(.pass)/\(.fail)/\(.accepted)"' <<<"$trend")" "3/3/0" \
    "day 3's snapshot: the acceptance had expired"

# ---- the board report ----
YEAR=$(date -u -d "$FUTURE" +%Y)
EFTERLEV_NOW=$FUTURE coll report --period "$YEAR" --output "$T/report.html" 2>>"$T/admin.log"
EFTERLEV_NOW=$FUTURE coll report --period "$YEAR" --lang en >"$T/report-en.html"
html=$(cat "$T/report.html")
assert_contains "$html" "<svg" "report has inline SVG"
assert_contains "$html" "$SOC" "report names $SOC"
assert_contains "$html" "$ALD" "report names $ALD"
assert_contains "$html" "Åtgärdas vid nästa servicefönster" "report lists the accepted risk"
assert_contains "$html" "kommunstyrelsen" "report in Swedish by default"
assert_contains "$(cat "$T/report-en.html")" "Compliance per department" "report in English"
# Every counted computer ran the collector's catalog (e2e.yml) whole: the method says so.
fresh=$(EFTERLEV_NOW=$FUTURE coll summary --format json | jq '[.departments[] | .hosts - .stale_hosts] | add')
[ "$fresh" -gt 0 ] || fail "no counted computer at the report's time"
assert_contains "$html" "$fresh av $fresh datorer som rapporterat körde den policy de tilldelats; 0 kontroller saknades." \
    "the method: every counted computer ran its assigned policy, nothing missing"
assert_contains "$(cat "$T/report-en.html")" "passed / (passed + failed + missing)" "the formula names missing"
$PY - "$T/report.html" <<'PY' || fail "report HTML does not parse"
import html.parser, sys
class P(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(); self.tags = []
    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        assert tag not in ('script', 'link', 'img', 'iframe'), tag
p = P(); p.feed(open(sys.argv[1], encoding='utf-8').read())
assert 'svg' in p.tags and 'table' in p.tags
PY
pass "report is self-contained HTML"

# ---- the audit log ----
audit=$(EFTERLEV_NOW=$FUTURE coll audit --format json)
for a in department.add token.add export report acceptance.add acceptance.expire; do
    [ "$(jq --arg a "$a" '[.[] | select(.action==$a)] | length' <<<"$audit")" -ge 1 ] || fail "audit lacks $a"
done
pass "audit log has every kind of entry"
assert_eq "$(jq -r '[.[] | select(.action=="acceptance.add")][0].actor' <<<"$audit")" "Karin Åberg" "acceptance by"
assert_eq "$(jq -r '[.[] | select(.action=="export" and (.actor|startswith("token:")))][0].actor' <<<"$audit")" \
    "token:internkontroll" "API export logged with the token's name"
echo "analytics_real_agents: all assertions passed"
