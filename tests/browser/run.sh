#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# browser.dashboard: a collector of its own on 127.0.0.1 with data from real agents, users
# for every role, then dashboard.mjs in headless Chromium (playwright-core). Afterwards the
# audit log must hold what the browser did. Screenshots: $EF_BUILD_DIR/browser-artifacts.
source "$EF_SOURCE_DIR/tests/integration/lib.sh"
here=$EF_SOURCE_DIR/tests/browser
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
[ -x "$CHROMIUM" ] || skip "no $CHROMIUM (scripts/deps.sh installs the chromium package)"
command -v npm >/dev/null || skip "no npm (scripts/deps.sh installs it)"

# playwright-core, exactly as locked, into tests/browser/node_modules (never a browser
# download: PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD, and playwright-core has no install step).
if ! cmp -s "$here/package-lock.json" "$here/node_modules/.package-lock.json.ci" 2>/dev/null; then
    (cd "$here" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error) \
        >"$T/npm.log" 2>&1 || fail "npm ci: $(cat "$T/npm.log")"
    cp "$here/package-lock.json" "$here/node_modules/.package-lock.json.ci"
fi

policy=$EF_SOURCE_DIR/tests/fixtures/policies/e2e.yml
SOC="Socialförvaltningen"
ALD="Äldreomsorgen"
coll() { "$EF_COLLECTOR" "$@" --config "$COLL_CONF"; }

# ---- day D: two departments, five agents report, one enrolled machine never does ----
# The catalog is the agents' policy: none of their reports misses a required check.
COLL_POLICIES=$policy start_collector
tok_soc=$(add_department "$SOC" elevated)
tok_ald=$(add_department "$ALD" basic)
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
for h in soc-pc-1 soc-pc-2; do mk_agent "$h" "$tok_soc"; done
for h in ald-pc-1 ald-pc-2 ald-srv-1; do mk_agent "$h" "$tok_ald"; done
mk_agent soc-pc-3 "$tok_soc"
for h in soc-pc-1 soc-pc-2 ald-pc-1 ald-pc-2 ald-srv-1; do
    agent "$h" run 2>"$T/$h-run.log" || fail "agent $h run: $(cat "$T/$h-run.log")"
done
agent soc-pc-3 enroll --collector "$COLL_URL" --token "$tok_soc" --ca "$COLL_CA" \
    2>"$T/soc-pc-3.log" || fail "enroll soc-pc-3: $(cat "$T/soc-pc-3.log")"
pass "five agents reported over HTTPS, one enrolled without reporting"
stop_collector

# ---- D+2: a risk acceptance; D+4: the collector serves (history of D..D+3) ----
D2=$(date -u -d "+2 days" +%Y-%m-%dT%H:%M:%SZ)
D4=$(date -u -d "+4 days" +%Y-%m-%dT%H:%M:%SZ)
UNTIL=$(date -u -d "+60 days" +%Y-%m-%d)
EFTERLEV_NOW=$D2 coll accept e2e.impossible_file --department "$ALD" --host ald-srv-1 --until "$UNTIL" \
    --reason "Servern byts ut i december; beslut av förvaltningschefen" --by "Karin Åberg" \
    >/dev/null 2>>"$T/admin.log" || fail "accept"

# The municipality's device list (excel-sv: BOM, semicolons): Socialförvaltningen lists four
# computers, soc-pc-1 and soc-pc-2 reporting (one by FQDN), soc-pc-3 enrolled but never
# reporting (stale), soc-pc-9 never seen; Äldreomsorgen lists ald-pc-1 only (ald-pc-2 and
# ald-srv-1 report unlisted). By hand: Soc 4 listed, 2 reporting, 1 stale, 1 never, 50 %;
# Äldre 1/1/0/0, 100 %, 2 unlisted; total 5/3/1/1, 60 %.
printf '\xef\xbb\xbfDatornamn;Förvaltning;Operativsystem\r\nsoc-pc-1;Socialförvaltningen;Debian 12\r\nSOC-PC-2.kommun.local;Socialförvaltningen;Debian 12\r\nsoc-pc-3;Socialförvaltningen;Windows 11\r\nsoc-pc-9;Socialförvaltningen;Windows 11\r\nald-pc-1;Äldreomsorgen;Windows 11\r\n' \
    >"$T/enheter.csv"
EFTERLEV_NOW=$D2 coll inventory import "$T/enheter.csv" >/dev/null 2>>"$T/admin.log" || fail "inventory import"
# A system with its owners and classes (issue 15), soc-pc-1 and the listed soc-pc-9 tied to it.
EFTERLEV_NOW=$D2 coll system add Procapita --owner "Anna Ek, socialchef" --info-owner Socialnämnden \
    --k 4 --r 3 --t 2 --department "$SOC" 2>>"$T/admin.log" || fail "system add"
EFTERLEV_NOW=$D2 coll system assign Procapita soc-pc-1 soc-pc-9 2>>"$T/admin.log" || fail "system assign"

PW_COORD='Samordnare-lösen-1'
PW_AUD='Revisor-lösen-22'
PW_DEPT='Förvaltning-lösen-3'
PW_LOCK='Låsas-ute-lösen-4'
printf '%s\n' "$PW_COORD" >"$T/pw-coord"
coll user add samordnare --role coordinator --password-file "$T/pw-coord" 2>>"$T/admin.log" || fail "user add"
printf '%s\n' "$PW_AUD" | coll user add revisor --role auditor 2>>"$T/admin.log" || fail "user add (stdin)"
printf '%s\n' "$PW_DEPT" | coll user add ald-chef --role "department:$ALD" 2>>"$T/admin.log" || fail "user add dept"
printf '%s\n' "$PW_LOCK" | coll user add lasmig --role coordinator 2>>"$T/admin.log" || fail "user add lasmig"
if printf 'kort\n' | coll user add kort --role auditor 2>/dev/null; then fail "a short password was accepted"; fi
if printf '%s\n' "$PW_AUD" | coll user add x --role department:Finns-inte 2>/dev/null; then
    fail "a user of an unknown department was accepted"
fi
assert_contains "$(coll user list)" "ald-chef" "user list"
if sqlite3 "$COLL_DIR/efterlev.db" "select password_hash from users" | grep -q "lösen"; then
    fail "a password is stored in clear"
fi
assert_contains "$(sqlite3 "$COLL_DIR/efterlev.db" "select password_hash from users where name='revisor'")" \
    '$scrypt$ln=17,r=8,p=1$' "scrypt hash with its parameters"

export EFTERLEV_NOW=$D4
serve_collector 127.0.0.1:0
ready=$(ls -t "$COLL_DIR"/ready.* | head -n1)
COLL_URL="https://$(head -n1 "$ready")"

export COLL_URL SOC ALD PW_COORD PW_AUD PW_DEPT PW_LOCK
export ARTIFACTS=$EF_BUILD_DIR/browser-artifacts CHROMIUM
rm -rf "$ARTIFACTS"
mkdir -p "$ARTIFACTS"
node "$here/dashboard.mjs" || fail "dashboard.mjs"
# The deviation assigned in the dashboard is in the audit log under the user's name.
assert_eq "$(coll audit --format json | jq -r '[.[] | select(.action == "deviation.assign") | .actor] | join(",")')" \
    "user:samordnare" "the dashboard's deviation assignment is audit-logged with the user"
assert_eq "$(coll audit --format json | jq -r '[.[] | select(.action == "acceptance.add") | .actor] | map(select(endswith("(user:samordnare)"))) | join(",")')" \
    "Eva Lind (user:samordnare)" "the dashboard's risk acceptance is audit-logged with who decided and the user"

# ---- what the browser did is in the audit log ----
audit=$(coll audit --format json)
n() { jq -r "$1" <<<"$audit"; }
assert_eq "$(n '[.[] | select(.action=="login" and .actor=="user:samordnare")] | length > 0')" true "login audited"
assert_eq "$(n '[.[] | select(.action=="login.failed" and .details.user=="lasmig")] | length >= 3')" true \
    "failed logins audited"
assert_eq "$(n '[.[] | select(.action=="logout" and .actor=="user:samordnare")] | length > 0')" true "logout audited"
assert_eq "$(n '[.[] | select(.action=="export" and .actor=="user:samordnare")] | length > 0')" true \
    "export from the dashboard audited with the user"
assert_eq "$(n '[.[] | select(.action=="report" and .actor=="user:samordnare")] | length > 0')" true \
    "board report from the dashboard audited"
echo "screenshots: $ARTIFACTS"
