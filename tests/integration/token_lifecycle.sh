#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# Issue 14 (lifecycle): enrollment and API tokens are rotated and revoked, audit-logged.
#   department token NAME: a new enrollment token; the old one admits no machine, machines
#     already enrolled keep reporting (they sign with their own keys);
#   department token NAME --revoke: no token admits machines until the next rotation;
#   token list: names and roles, never a secret; token revoke NAME: its bearer is refused.
# On SQLite, and on PostgreSQL (.pg).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/protocol_lib.sh"
DEP="Miljöförvaltningen"
start_collector
coll() { "$EF_COLLECTOR" "$@" --config "$COLL_CONF"; }

# report KEY AGENT_ID HOST SEQ: a one-result report, signed and posted.
report() {
    printf '{"schema":"efterlev.report/1","agent_id":"%s","seq":%s,"generated_at":"%s","host":{"platform":"linux","hostname":"%s","machine_id":"m-%s","os_id":"debian","os_version":"12","os_pretty":"Debian GNU/Linux 12","kernel":"6.1.0","arch":"x86_64"},"agent_version":"0.1.0","policy":{"id":"raw-uploads","version":"1","sha256":"%064d"},"results":[{"check":"chk.pass_1","status":"pass","evidence":"ok","controls":["8.9","5.17"],"severity":"medium","level":"basic","duration_us":1}],"summary":{"pass":1,"fail":0,"na":0,"unknown":0,"error":0}}' \
        "$2" "$4" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$3" "$3" 0 >"$T/report-$3-$4.json"
    signed_post "$1" "$T/report-$3-$4.json" "$2"
}
enroll() { # TOKEN HOST: enrolls a new key named HOST; CODE, RESP
    raw_enroll "$1" "$2" "m-$2" "$(newkey "$2")"
}

tok1=$(add_department "$DEP" basic)
enroll "$tok1" pc-1
assert_eq "$CODE" 201 "pc-1 enrolls with the department's token"
A1=$(jq -r .agent_id <<<"$RESP")

# ---- rotation ----
tok2=$(coll department token "$DEP" 2>>"$T/admin.log") || fail "department token: $(tail -n 3 "$T/admin.log")"
[ "$tok2" != "$tok1" ] || fail "the rotated token equals the old one"
assert_eq "${tok2%%.*}" "${tok1%%.*}" "the new token names the same department (id part)"
enroll "$tok1" pc-2
assert_eq "$CODE" 401 "after rotation the old token admits no machine"
enroll "$tok2" pc-2
assert_eq "$CODE" 201 "the new token admits a machine"
report pc-1 "$A1" pc-1 1
assert_eq "$CODE" 202 "a machine enrolled with the old token keeps reporting"

# ---- revocation ----
coll department token "$DEP" --revoke 2>>"$T/admin.log" >"$T/revoke.out" || fail "department token --revoke"
assert_eq "$(cat "$T/revoke.out")" "" "--revoke prints no token"
enroll "$tok2" pc-3
assert_eq "$CODE" 401 "after --revoke no token admits a machine"
tok3=$(coll department token "$DEP" 2>>"$T/admin.log")
enroll "$tok3" pc-3
assert_eq "$CODE" 201 "the next rotation opens enrollment again"
set +e
coll department token "Ingen sådan" >/dev/null 2>"$T/none.log"
rc=$?
set -e
assert_eq "$rc" 1 "department token of an unknown department fails"
assert_contains "$(cat "$T/none.log")" 'no department named "Ingen sådan"' "... naming it"

# ---- API tokens ----
API=$(coll token add internkontroll --role auditor 2>>"$T/admin.log")
coll token add soc --role "department:$DEP" >/dev/null 2>>"$T/admin.log"
http GET /api/v1/summary -H "Authorization: Bearer $API"
assert_eq "$CODE" 200 "the API token reads the summary"
assert_eq "$(coll token list --format json | jq -c '[.[] | [.name, .role]]')" \
    "[[\"internkontroll\",\"auditor\"],[\"soc\",\"department:$DEP\"]]" "token list: names and roles"
coll token list --format json >"$T/list.json"
coll token list >"$T/list.txt"
if grep -q "${API#*.}" "$T/list.json" "$T/list.txt"; then fail "token list shows a secret"; fi
if jq -e '.[] | has("token_hash")' "$T/list.json" >/dev/null; then fail "token list shows a hash"; fi
pass "token list shows no secret and no hash"
coll token revoke internkontroll 2>>"$T/admin.log"
http GET /api/v1/summary -H "Authorization: Bearer $API"
assert_eq "$CODE" 401 "a revoked API token is refused from the next request on"
set +e
coll token revoke internkontroll >/dev/null 2>"$T/again.log"
rc=$?
set -e
assert_eq "$rc" 1 "revoking it again fails"
assert_contains "$(cat "$T/again.log")" 'no token named "internkontroll"' "... naming it"
assert_eq "$(coll token list --format json | jq -r '[.[].name] | join(",")')" soc "token list after revoke"

# ---- the audit log ----
assert_eq "$(coll audit --format json | jq -r '[.[] | select(.action | test("^(department\\.token|token\\.revoke)")) | "\(.action):\(.details.name)"] | join(" ")')" \
    "department.token_rotate:$DEP department.token_revoke:$DEP department.token_rotate:$DEP token.revoke:internkontroll" \
    "rotations and revocations are audit-logged"
