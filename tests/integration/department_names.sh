#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# Issue 14 (lifecycle): department names are brought to Unicode NFC where they enter, so
# that a name pasted in decomposed form (o + U+0308 COMBINING DIAERESIS instead of ö, as
# macOS and copies from some PDFs give it) cannot create a second, identical-looking
# department, and finds the one that exists: department add, token add --role
# department:NAME, summary --department, agent move --department, and the read API's
# /api/v1/departments/NAME and ?department=NAME. On SQLite, and on PostgreSQL (.pg).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/protocol_lib.sh"
NFC=$(printf 'Socialf\xc3\xb6rvaltningen')  # ö as U+00F6
NFD=$(printf 'Socialfo\xcc\x88rvaltningen') # o + U+0308
[ "$NFC" != "$NFD" ] || fail "the two spellings must differ in bytes"
KUL_NFD=$(printf 'Kulturfo\xcc\x88rvaltningen')
KUL_NFC=$(printf 'Kulturf\xc3\xb6rvaltningen')
urlenc() { jq -rn --arg v "$1" '$v | @uri'; }
hex() { printf '%s' "$1" | od -An -tx1 | tr -d ' \n'; }

start_collector
coll() { "$EF_COLLECTOR" "$@" --config "$COLL_CONF"; }

tok=$(add_department "$NFC" elevated)
set +e
coll department add "$NFD" --level basic >"$T/dup.out" 2>"$T/dup.log"
rc=$?
set -e
assert_eq "$rc" 1 "department add of the decomposed spelling is refused"
assert_contains "$(cat "$T/dup.log")" "a department named \"$NFC\" already exists" \
    "... as the department that exists, named in NFC"
add_department "$KUL_NFD" basic >/dev/null
assert_eq "$(coll department list --format json | jq -r '.[].name' | while read -r n; do hex "$n"; echo; done | paste -sd ' ')" \
    "$(hex "$KUL_NFC") $(hex "$NFC")" "department list: two departments, both stored in NFC"

# token add --role department:NAME finds the department by either spelling
DTOK=$(coll token add soc-chef --role "department:$NFD" 2>>"$T/admin.log") ||
    fail "token add --role department:<decomposed>: $(tail -n 3 "$T/admin.log")"
COORD=$(coll token add samordning --role coordinator 2>>"$T/admin.log")

# an agent enrolls in the department; summary --department and agent move by either spelling
PUB=$(newkey pc)
raw_enroll "$tok" skola-pc-1 m-pc-1 "$PUB"
assert_eq "$CODE" 201 "an agent enrolls with the department's token"
assert_eq "$(coll summary --department "$NFD" --format json | jq -r '[.departments[].name] | join(",")')" "$NFC" \
    "summary --department <decomposed> shows the department"
coll agent move skola-pc-1 --department "$KUL_NFD" 2>>"$T/admin.log" ||
    fail "agent move --department <decomposed>: $(tail -n 3 "$T/admin.log")"
assert_eq "$(db_query "select d.name from agents a join departments d on d.id = a.department_id where a.hostname = 'skola-pc-1'")" \
    "$KUL_NFC" "agent move --department <decomposed> moves it to the department (NFC)"
coll agent move skola-pc-1 --department "$NFC" 2>>"$T/admin.log"

# the read API: path and query parameter, either spelling
for name in "$NFC" "$NFD"; do
    form=NFC
    [ "$name" = "$NFC" ] || form=decomposed
    http GET "/api/v1/departments/$(urlenc "$name")?hosts=none" -H "Authorization: Bearer $COORD"
    assert_eq "$CODE $(jq -r .name <<<"$RESP")" "200 $NFC" "GET /api/v1/departments/<$form>"
    http GET "/api/v1/departments/$(urlenc "$name")?hosts=none" -H "Authorization: Bearer $DTOK"
    assert_eq "$CODE" 200 "the department's own token sees it, $form"
    http GET "/api/v1/controls?department=$(urlenc "$name")" -H "Authorization: Bearer $COORD"
    assert_eq "$CODE" 200 "GET /api/v1/controls?department=<$form>"
done
http GET "/api/v1/departments/$(urlenc "$KUL_NFD")?hosts=none" -H "Authorization: Bearer $DTOK"
assert_eq "$CODE" 403 "the department's token is refused another department"
http GET "/api/v1/controls?department=$(urlenc "$(printf 'tab\there')")" -H "Authorization: Bearer $COORD"
assert_eq "$CODE" 400 "?department= with a control character: 400"
