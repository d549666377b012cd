#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# Issue 14 (lifecycle, as municipalities reorganise): a department renamed and re-levelled,
# a host retired and returned to service, and another department merged into it, with real
# agents reporting throughout. On SQLite, and on PostgreSQL (.pg).
# The agent runs tests/fixtures/policies/e2e.yml: e2e.passwd_present (basic, passes),
# e2e.impossible_file (basic, fails), e2e.root_dir_present (elevated, passes). By hand:
#   elevated or high: 3 checks, pass 2, fail 1, compliance 66.7 %; basic: pass 1, fail 1.
#   The first report after a level change was judged at the old level: its 3 results count
#   as unknown (docs/figures.md); the agent follows the level from that answer, and its next
#   report counts: pass 2, fail 1 again.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/protocol_lib.sh"
policy=$EF_SOURCE_DIR/tests/fixtures/policies/e2e.yml
OLD="Socialförvaltningen"
NEW="Vård- och omsorgsförvaltningen"
# The collector requires what it assigns (docs/figures.md, "What is counted"): the agents'
# policy is its whole catalog, so nothing is missing from their reports.
COLL_POLICIES=$policy start_collector
coll() { "$EF_COLLECTOR" "$@" --config "$COLL_CONF"; }
tok=$(add_department "$OLD" elevated)
add_department Kultur basic >/dev/null
mkdir -p "$T/agent-a"
printf 'hostname: soc-pc-1\nmachine_id: m-soc-pc-1\npolicies: ["%s"]\ncollector: "%s"\nca: "%s"\ntoken: "%s"\n' \
    "$policy" "$COLL_URL" "$COLL_CA" "$tok" >"$T/agent-a/agent.yml"
run() { agent a run 2>>"$T/a-run.log"; }
# fig NAME: "hosts pass fail unknown compliance" of a department in the summary
fig() {
    coll summary --format json | jq -r --arg d "$1" '.departments[] | select(.name == $d) |
        "\(.hosts) \(.pass) \(.fail) \(.unknown) \(.compliance_pct)"'
}
# fig2 NAME: "... accepted missing" too
fig2() {
    coll summary --format json | jq -r --arg d "$1" '.departments[] | select(.name == $d) |
        "\(.hosts) \(.pass) \(.fail) \(.unknown) \(.accepted) \(.missing) \(.compliance_pct)"'
}

run || fail "agent run: $(cat "$T/a-run.log")"
assert_eq "$(fig "$OLD")" "1 2 1 0 66.7" "$OLD (elevated): 1 host, pass 2, fail 1"
SOC=$(coll token add soc-chef --role "department:$OLD" 2>>"$T/admin.log")
AID=$(agent a status --format json | jq -r .enrollment.agent_id)

# ---- rename ----
coll department rename "$OLD" "$NEW" 2>>"$T/admin.log" || fail "department rename: $(tail -n 2 "$T/admin.log")"
assert_eq "$(fig "$NEW")" "1 2 1 0 66.7" "renamed: the host and the figures carry on under $NEW"
assert_eq "$(fig "$OLD")" "" "the old name is gone from the summary"
assert_eq "$(coll department list --format json | jq -c --arg d "$NEW" '.[] | select(.name == $d) | .history | map([.event, .from, .to])')" \
    "[[\"rename\",\"$OLD\",\"$NEW\"]]" "department list: the history keeps the old name"
assert_contains "$(coll department list --format json | jq -r --arg d "$NEW" '.[] | select(.name == $d) | .history[0].at')" \
    "$(date -u +%Y-%m-%d)" "... and when it changed"
assert_eq "$(coll token list --format json | jq -r '.[] | select(.name == "soc-chef") | .role')" "department:$NEW" \
    "the department token's role follows the rename"
http GET "/api/v1/departments/$(jq -rn --arg v "$NEW" '$v | @uri')?hosts=none" -H "Authorization: Bearer $SOC"
assert_eq "$CODE $(jq -r '.history[0].from' <<<"$RESP")" "200 $OLD" \
    "the department token reads the renamed department, with its history"
set +e
coll department rename "$NEW" Kultur >/dev/null 2>"$T/taken.log"
rc=$?
coll department rename "Finns inte" X >/dev/null 2>"$T/missing.log"
rc2=$?
set -e
assert_eq "$rc $rc2" "1 1" "renaming onto a taken name or an unknown department fails"
assert_contains "$(cat "$T/taken.log")" 'a department named "Kultur" already exists' "... saying the name is taken"
run || fail "agent run after the rename"
assert_eq "$(agent a status --format json | jq -r .enrollment.department)" "$NEW" \
    "the agent learns the new name from the collector's answer"

# ---- re-level ----
coll department set "$NEW" --level high 2>>"$T/admin.log" || fail "department set --level"
assert_eq "$(coll department list --format json | jq -c --arg d "$NEW" '.[] | select(.name == $d) | [.level, (.history[1] | .event, .from, .to)]')" \
    '["high","level","elevated","high"]' "the level change is in the history"
run || fail "agent run after the level change"
assert_eq "$(fig "$NEW")" "1 0 0 3 null" "the report judged at the old level counts as unknown"
assert_eq "$(agent a status --format json | jq -r .enrollment.level)" high "the agent follows the new level"
run || fail "agent run at the new level"
assert_eq "$(fig "$NEW")" "1 2 1 0 66.7" "the next report counts at the new level"

# ---- retire ----
coll agent retire soc-pc-1 2>>"$T/admin.log" || fail "agent retire: $(tail -n 2 "$T/admin.log")"
assert_eq "$(fig "$NEW")" "0 0 0 0 null" "retired: out of its department's figures"
assert_eq "$(coll summary --format json | jq -r '[.hosts[].hostname] | join(",")')" "" "retired: out of the host list"
COORD=$(coll token add samordning --role coordinator 2>>"$T/admin.log")
http GET "/api/v1/hosts/$AID" -H "Authorization: Bearer $COORD"
assert_eq "$CODE $(jq -r '.retired_at != null' <<<"$RESP") $(jq -r '.results | length' <<<"$RESP")" "200 true 3" \
    "the retired host's view by id: its history, marked retired"
set +e
agent a run 2>"$T/retired-run.log"
rc=$?
set -e
[ "$rc" -ne 0 ] || fail "a retired machine's run succeeded"
assert_contains "$(cat "$T/retired-run.log")" "this machine was retired" "its upload is refused, saying why"
assert_eq "$(agent a status --format json | jq -r .spool.reports)" 1 "the refused report stays in the spool"
raw_enroll "$tok" soc-pc-1 m-soc-pc-1 "$(newkey other)"
assert_eq "$CODE" 409 "a retired machine cannot enroll again"
assert_contains "$RESP" "this machine was retired" "... saying why"

# ---- back in service ----
coll agent reset soc-pc-1 2>>"$T/admin.log" || fail "agent reset of a retired machine"
run || fail "agent run after reset: $(tail -n 5 "$T/a-run.log")"
assert_eq "$(agent a status --format json | jq -r .spool.reports)" 0 "the spooled report is delivered"
assert_eq "$(fig "$NEW")" "1 2 1 0 66.7" "back in service: counted again"
assert_eq "$(coll audit --format json | jq -r '[.[] | .action | select(test("^(department\\.(rename|level)|agent\\.(retire|reset))$"))] | join(" ")')" \
    "department.rename department.level agent.retire agent.reset" "every change is in the audit log"

# ---- merge: Äldreomsorgen (basic, one machine) into the renamed department (high) ----
# By hand. Before: ald-pc-1 at basic, pass 1 (passwd_present), fail 1 (impossible_file) under
# its own acceptance: 1 0 0 1 0 100. A department-wide acceptance (root_dir_present) covers
# nothing yet. After the merge the machine's stored results count in $NEW (pass 2 + 1, fail
# 1 + 0, its acceptance moved with it): 2 3 1 0 1 0 75. Its next report, judged at basic in
# a high department: its 2 results unknown, root_dir_present missing: 2 2 1 2 0 1, 2 / (2 + 1
# + 1) = 50. The one after, judged at high: pass 2, the failure accepted: 2 4 1 0 1 0 80.
ALD="Äldreomsorgen"
tok_ald=$(add_department "$ALD" basic)
mkdir -p "$T/agent-b"
printf 'hostname: ald-pc-1\nmachine_id: m-ald-pc-1\npolicies: ["%s"]\ncollector: "%s"\nca: "%s"\ntoken: "%s"\n' \
    "$policy" "$COLL_URL" "$COLL_CA" "$tok_ald" >"$T/agent-b/agent.yml"
runb() { agent b run 2>>"$T/b-run.log"; }
runb || fail "agent b run: $(cat "$T/b-run.log")"
coll accept e2e.impossible_file --department "$ALD" --host ald-pc-1 --until 2099-12-31 \
    --reason "Byts ut vid årsskiftet" --by "Karin Åberg" >/dev/null 2>>"$T/admin.log" || fail "accept (host)"
coll accept e2e.root_dir_present --department "$ALD" --until 2099-12-31 \
    --reason "Hela förvaltningen" --by "Karin Åberg" >/dev/null 2>>"$T/admin.log" || fail "accept (department)"
assert_eq "$(fig2 "$ALD")" "1 1 0 0 1 0 100" "$ALD before the merge: its failure accepted"
coll department merge "$ALD" "$NEW" 2>"$T/merge.log" || fail "department merge: $(cat "$T/merge.log")"
assert_contains "$(cat "$T/merge.log")" \
    "merged \"$ALD\" into \"$NEW\": 1 machine(s) moved, 1 risk acceptance(s) of single machines moved with them, 1 department-wide risk acceptance(s) revoked" \
    "merge says what it moved and what it revoked"
assert_eq "$(fig2 "$NEW")" "2 3 1 0 1 0 75" "merged: both machines count in $NEW, the acceptance with its machine"
assert_eq "$(fig "$ALD")" "" "the merged department is in no figure"
http GET "/api/v1/trend?department=$(jq -rn --arg v "$ALD" '$v | @uri')" -H "Authorization: Bearer $COORD"
assert_eq "$CODE" 200 "the merged department's own trend (its days before the merge) can still be read"
assert_eq "$(coll department list --format json | jq -c --arg d "$ALD" '.[] | select(.name == $d) | [.hosts, .merged_into, (.history[-1] | .event, .from, .to)]')" \
    "[0,\"$NEW\",\"merge\",\"$ALD\",\"$NEW\"]" "department list: merged into $NEW, with its history"
assert_eq "$(coll department list --format json | jq -c --arg d "$NEW" '.[] | select(.name == $d) | .history[-1] | [.event, .from, .to]')" \
    "[\"merge\",\"$ALD\",\"$NEW\"]" "$NEW's history records the merge too"
assert_eq "$(coll accept list --all --format json | jq -c '[.[] | [.check, .department, .state]] | sort')" \
    "[[\"e2e.impossible_file\",\"$NEW\",\"active\"],[\"e2e.root_dir_present\",\"$ALD\",\"revoked\"]]" \
    "the machine's acceptance moved with it, the department-wide one is revoked"
raw_enroll "$tok_ald" ald-pc-2 m-ald-pc-2 "$(newkey ald2)"
assert_eq "$CODE" 401 "the merged department's enrollment token admits no machine"
runb || fail "agent b run after the merge: $(tail -n 3 "$T/b-run.log")"
assert_eq "$(fig2 "$NEW")" "2 2 1 2 0 1 50" "its next report, judged at basic: unknown, and the elevated check missing"
assert_eq "$(agent b status --format json | jq -r '[.enrollment.department, .enrollment.level] | join(" ")')" \
    "$NEW high" "the agent follows its new department and level"
runb || fail "agent b run at the new level"
assert_eq "$(fig2 "$NEW")" "2 4 1 0 1 0 80" "the report after, judged at high: counted, its failure accepted"
set +e
coll department merge "$ALD" "$NEW" >/dev/null 2>"$T/merge2.log"
rc=$?
set -e
assert_eq "$rc" 1 "a merged department cannot be merged again"
assert_contains "$(cat "$T/merge2.log")" "merged into another already" "... saying why"
assert_eq "$(coll audit --format json | jq -r '[.[] | .action | select(. == "department.merge" or . == "agent.move")] | join(" ")')" \
    "agent.move department.merge" "the merge and the machine's move are in the audit log"
