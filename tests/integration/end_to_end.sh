#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# The whole path: two agents in two departments enroll, scan, sign and upload over HTTPS
# to a real collector; the collector's summary counts them right.
source "$(dirname "$0")/lib.sh"
policy=$EF_SOURCE_DIR/tests/fixtures/policies/e2e.yml

# The collector requires what it assigns (docs/figures.md, "What is counted"): the agents'
# policy is its whole catalog, so nothing is missing from their reports.
COLL_POLICIES=$policy start_collector
tok_soc=$(add_department "Socialförvaltningen" basic)
tok_utb=$(add_department "Utbildningsförvaltningen" elevated)
[ -n "$tok_soc" ] && [ -n "$tok_utb" ] || fail "department add printed no token"

# Agent A enrolls by command; agent B enrolls by itself from its configuration.
mkdir -p "$T/agent-a" "$T/agent-b"
cat >"$T/agent-a/agent.yml" <<YML
hostname: host-a
machine_id: machine-a
policies: ["$policy"]
YML
cat >"$T/agent-b/agent.yml" <<YML
hostname: host-b
machine_id: machine-b
collector: "$COLL_URL"
ca: "$COLL_CA"
token: "$tok_utb"
policies: ["$policy"]
YML

agent a enroll --collector "$COLL_URL" --token "$tok_soc" --ca "$COLL_CA" 2>"$T/a-enroll.log" ||
    fail "agent a enroll"
assert_contains "$(cat "$T/a-enroll.log")" "Socialförvaltningen" "enroll names the department"
assert_contains "$(cat "$T/a-enroll.log")" "basic" "enroll names the level"
[ "$(stat -c %a "$T/agent-a/state/key.pem")" = 600 ] || fail "key file is not 0600"
[ "$(stat -c %a "$T/agent-a/state")" = 700 ] || fail "state dir is not 0700"

agent a run 2>"$T/a-run.log" || fail "agent a run: $(cat "$T/a-run.log")"
agent b run 2>"$T/b-run.log" || fail "agent b run: $(cat "$T/b-run.log")"
assert_contains "$(cat "$T/b-run.log")" "enrolling" "agent b enrolled from its configuration"

# A second run of A: seq 2 arrives, the counts do not double.
agent a run 2>>"$T/a-run.log" || fail "agent a second run"

status=$(agent a status --format json)
assert_eq "$(jq -r .enrollment.department <<<"$status")" "Socialförvaltningen" "status department"
assert_eq "$(jq -r .spool.reports <<<"$status")" 0 "spool empty after delivery"
assert_eq "$(jq -r .last_seq <<<"$status")" 2 "seq survives between runs"

sum=$("$EF_COLLECTOR" summary --config "$COLL_CONF" --format json)
echo "$sum" >"$T/summary.json"
dept() { jq -r --arg d "$1" --arg f "$2" '.departments[] | select(.name==$d) | .[$f]' <<<"$sum"; }
host() { jq -r --arg h "$1" --arg f "$2" '.hosts[] | select(.hostname==$h) | .[$f]' <<<"$sum"; }
assert_eq "$(dept Socialförvaltningen pass)" 1 "Socialförvaltningen pass (basic: 1 of 2)"
assert_eq "$(dept Socialförvaltningen fail)" 1 "Socialförvaltningen fail"
assert_eq "$(dept Socialförvaltningen hosts)" 1 "Socialförvaltningen hosts"
assert_eq "$(dept Utbildningsförvaltningen pass)" 2 "Utbildningsförvaltningen pass (elevated adds one)"
assert_eq "$(dept Utbildningsförvaltningen fail)" 1 "Utbildningsförvaltningen fail"
assert_eq "$(dept Utbildningsförvaltningen compliance_pct)" 66.7 "compliance = pass/(pass+fail), one decimal"
assert_contains "$sum" '"compliance_pct": 66.7,' "compliance printed without float noise"
assert_eq "$(host host-a last_seq)" 2 "host-a last seq"
assert_eq "$(host host-b department)" "Utbildningsförvaltningen" "host-b department"
assert_eq "$(host host-b fail)" 1 "host-b fail count"
# The agents ran the collector's own catalog (e2e.yml, the same bytes): the policy each was
# assigned, every required check in it, nothing missing.
assert_eq "$(dept Utbildningsförvaltningen missing) $(dept Utbildningsförvaltningen assigned_policy_hosts)" \
    "0 1" "Utbildningsförvaltningen: nothing missing, its host ran the assigned policy"
assert_eq "$(jq -r '.hosts[] | select(.hostname=="host-a") | [.policy.id, .policy.assigned] | join(" ")' <<<"$sum")" \
    "e2e true" "host-a ran policy e2e, the one assigned"

text=$("$EF_COLLECTOR" summary --config "$COLL_CONF" --format text)
assert_contains "$text" "host-a" "text summary lists host-a"
assert_contains "$text" "Utbildningsförvaltningen" "text summary lists the department"

# The local scan gives the same answers as the uploaded report, without sending anything.
set +e
agent a scan --format json --level elevated >"$T/scan.json"
rc=$?
set -e
assert_eq "$rc" 1 "scan exits 1 when a check fails"
assert_eq "$(jq -r .summary.pass "$T/scan.json")" 2 "scan --level elevated pass count"
assert_eq "$(jq -r '.results[] | select(.check=="e2e.impossible_file") | .status' "$T/scan.json")" \
    fail "scan result status"
assert_contains "$(jq -r '.results[] | select(.check=="e2e.impossible_file") | .evidence' \
    "$T/scan.json")" "/nonexistent/efterlev-e2e-marker" "evidence names the file"

# --skip leaves a check out; naming a check the policy lacks is a usage error.
agent a scan --format json --level elevated --skip e2e.impossible_file >"$T/skip.json" ||
    fail "scan without the failing check should exit 0"
assert_eq "$(jq '[.results[].check] | index("e2e.impossible_file")' "$T/skip.json")" null \
    "--skip leaves the check out"
assert_eq "$(jq '.results | length' "$T/skip.json")" 2 "--skip keeps the others"
agent a scan --format json --level elevated --only e2e.passwd_present >"$T/only.json" ||
    fail "scan --only a passing check should exit 0"
assert_eq "$(jq -c '[.results[].check]' "$T/only.json")" '["e2e.passwd_present"]' "--only runs just that check"
set +e
agent a scan --skip no.such_check >/dev/null 2>&1
rc=$?
set -e
assert_eq "$rc" 2 "--skip of an unknown check is a usage error"

# The default policy scans this machine with no check in error.
: >"$T/none.yml" # an empty configuration: the defaults
EFTERLEV_STATE_DIR=$T/nostate EFTERLEV_CONFIG=$T/none.yml "$EF_AGENT" scan --format json \
    >"$T/default-scan.json" || true
[ "$(jq '.results | length' "$T/default-scan.json")" -ge 8 ] || fail "default policy has < 8 checks"
assert_eq "$(jq '[.results[] | select(.status=="error")] | length' "$T/default-scan.json")" 0 \
    "default policy: no check in error on this machine"
echo "end_to_end: all assertions passed"
