#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# efterlev-collector migrate: a collector on SQLite with real agents' reports, an acceptance,
# an API token and an audit log moves to PostgreSQL. The export verifies before and after
# (signatures intact, the same reports byte for byte), every figure is the same, the old
# tokens still work, and the agents carry on where they were (seq continues; a replayed
# seq is still refused).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/protocol_lib.sh"
case "${EF_DATABASE:-}" in postgres://* | postgresql://*) ;; *) skip "needs PostgreSQL (EF_PG_FIXTURE)" ;; esac
PG=$EF_DATABASE
policy=$EF_SOURCE_DIR/tests/fixtures/policies/e2e.yml
coll() { "$EF_COLLECTOR" "$@" --config "$COLL_CONF"; }

# The SQLite installation.
unset EF_DATABASE
start_collector
addr=${COLL_URL#https://}
tok_soc=$(add_department "Socialförvaltningen" basic)
tok_ald=$(add_department "Äldreomsorgen" elevated)
bearer=$(coll token add internkontroll --role auditor 2>>"$T/admin.log")
for a in 1 2 3 4; do
    mkdir -p "$T/agent-$a"
    printf 'hostname: h%s\nmachine_id: m%s\npolicies: ["%s"]\n' "$a" "$a" "$policy" >"$T/agent-$a/agent.yml"
    tok=$tok_soc && [ "$a" -gt 2 ] && tok=$tok_ald
    agent "$a" enroll --collector "$COLL_URL" --token "$tok" --ca "$COLL_CA" 2>/dev/null || fail "enroll $a"
    agent "$a" run 2>>"$T/run.log" || fail "run $a"
    agent "$a" run 2>>"$T/run.log" || fail "run $a again"
done
coll accept e2e.impossible_file --department "Äldreomsorgen" --until "$(date -u -d '+30 days' +%Y-%m-%d)" \
    --reason "Åtgärdas i höst" --by "Karin Åberg" >/dev/null 2>>"$T/admin.log" || fail "accept"
# The device list travels too (inventory_imports, inventory_devices).
printf 'Datornamn;Förvaltning\r\nH1.kommun.se;Socialförvaltningen\r\nh3;Äldreomsorgen\r\nnope;Äldreomsorgen\r\n' \
    >"$T/enheter.csv"
coll inventory import "$T/enheter.csv" >/dev/null 2>>"$T/admin.log" || fail "inventory import"
# And the served policies (schema 9): a check switched off for a department.
coll policy disable-check e2e.impossible_file --department "Äldreomsorgen" --reason "Beslut 2026-12-01" \
    >/dev/null 2>>"$T/admin.log" || fail "policy disable-check"

# figures NAME: everything a reader sees, as files NAME-*.json.
figures() {
    coll summary --format json | jq -S 'del(.generated_at)' >"$T/$1-summary.json"
    coll controls --format json | jq -S 'del(.generated_at)' >"$T/$1-controls.json"
    coll controls --numbering 2013 --format json | jq -S 'del(.generated_at)' >"$T/$1-controls13.json"
    coll trend --format json | jq -S 'del(.generated_at)' >"$T/$1-trend.json"
    coll accept list --all --format json | jq -S . >"$T/$1-accept.json"
    coll department list --format json | jq -S . >"$T/$1-depts.json"
    coll coverage --format json | jq -S 'del(.generated_at)' >"$T/$1-coverage.json"
    coll policy show --department "Äldreomsorgen" | jq -S . >"$T/$1-policy.json"
    coll export --format json --output "$T/$1-export.json" 2>>"$T/admin.log" || fail "export ($1)"
    # Pinned: the agents' key certificates travel with migrate (agent_keys.cert).
    "$EF_COLLECTOR" verify-export "$T/$1-export.json" --collector-key "$(coll export-key)" \
        >"$T/$1-verify.log" 2>&1 || fail "verify-export ($1): $(cat "$T/$1-verify.log")"
    jq -c '[.reports[] | [.agent_id, .seq, .sha256, .signature, .body_base64, .department, .received_at]]' \
        "$T/$1-export.json" >"$T/$1-reports.json"
}
figures before
pass "SQLite: export verified ($(jq '.reports | length' "$T/before-export.json") reports)"
stop_collector

# Migrate. A second migrate into the same database is refused, and leaves it as it was.
"$EF_COLLECTOR" migrate --from "sqlite:$COLL_DIR/efterlev.db" --to "$PG" 2>"$T/migrate.log" ||
    fail "migrate: $(cat "$T/migrate.log")"
assert_contains "$(cat "$T/migrate.log")" "reports: 8 rows" "migrate reports what it copied"
assert_contains "$(cat "$T/migrate.log")" "inventory_devices: 3 rows" "migrate copies the device list"
set +e
"$EF_COLLECTOR" migrate --from "sqlite:$COLL_DIR/efterlev.db" --to "$PG" 2>"$T/migrate2.log"
rc=$?
set -e
assert_eq "$rc" 1 "migrating into a database that holds data is refused"
assert_contains "$(cat "$T/migrate2.log")" "already holds" "and says why"

# Serve from PostgreSQL: the same collector.yml, database: changed.
sed -i "s|^database:.*|database: \"$PG\"|" "$COLL_CONF"
EF_DATABASE=$PG
serve_collector "$addr"
figures after
pass "PostgreSQL: export verified"
for f in summary controls controls13 trend accept depts coverage policy reports; do
    cmp -s "$T/before-$f.json" "$T/after-$f.json" ||
        fail "$f differs after migrate: $(diff "$T/before-$f.json" "$T/after-$f.json" | head -n 6)"
    pass "$f: the same after migrate"
done

# The old API token and department tokens work (row ids kept); new rows get new ids.
CODE=$(curl -sS --cacert "$COLL_CA" -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $bearer" "$COLL_URL/api/v1/summary")
assert_eq "$CODE" 200 "an API token made before migrate still works"
pub=$(newkey late)
raw_enroll "$tok_soc" late-host late-machine "$pub"
assert_eq "$CODE" 201 "a department token made before migrate still enrolls"
tok_new=$(add_department "Kulturförvaltningen" basic)
assert_contains "$tok_new" "3." "a new department gets the next id"

# The agents carry on: seq 3 is stored, seq 1 again is refused.
for a in 1 2 3 4; do
    agent "$a" run 2>>"$T/run.log" || fail "run $a after migrate: $(tail -n 3 "$T/run.log")"
    id=$(agent "$a" status --format json | jq -r .enrollment.agent_id)
    assert_eq "$(stored_seqs "$id")" "1,2,3" "agent $a: seqs 1..3 after migrate"
done
id=$(agent 1 status --format json | jq -r .enrollment.agent_id)
db_query "select encode(body, 'base64') from reports where agent_id = '$id' and seq = 1" | base64 -d >"$T/old.json"
coll export --format json --output "$T/final-export.json" 2>>"$T/admin.log"
"$EF_COLLECTOR" verify-export "$T/final-export.json" --collector-key "$(coll export-key)" >/dev/null 2>&1 ||
    fail "verify-export after new reports"
jq -r --arg a "$id" '.reports[] | select(.agent_id == $a and .seq == 1) | .signature' "$T/final-export.json" |
    base64 -d >"$T/old.sig"
sig=$(base64 -w0 "$T/old.sig")
CODE=$(curl -sS --cacert "$COLL_CA" -o /dev/null -w '%{http_code}' -X POST -H "Efterlev-Agent: $id" \
    -H "Efterlev-Signature: ed25519=$sig" -H 'Content-Type: application/json' --data-binary @"$T/old.json" \
    "$COLL_URL/api/v1/reports")
assert_eq "$CODE" 409 "a replayed old report (seq 1, its own valid signature) is refused"
echo "migrate: all assertions passed"
