#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# Issue 17, item 1 and 7: enrollment proves possession of the key and cannot take machines
# over. Against a real collector over HTTPS (curl and the openssl CLI as the agents, so the
# test shares no code with them): another department's token and the victim's machine_id,
# with the attacker's key or with the victim's own public key, are refused and change
# nothing; a re-enrollment signed by the current key, or after an administrator's reset, is
# accepted; the identity point and a request not signed by its key are refused.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/protocol_lib.sh"

start_collector
soc=$(add_department "Socialförvaltningen" high)
kul=$(add_department "Kulturförvaltningen" basic)
now=$(date -u +%Y-%m-%dT%H:%M:%SZ)

# A report of one passing check, signed by KEY, for AGENT at SEQ.
report() {
    printf '{"schema":"efterlev.report/1","agent_id":"%s","seq":%s,"generated_at":"%s","host":{"hostname":"victim","machine_id":"m-victim","os_id":"debian","os_version":"12","os_pretty":"Debian","kernel":"6.1","arch":"x86_64"},"agent_version":"0.1.0","policy":{"id":"p","version":"1","sha256":""},"results":[{"check":"acct.uid0_only_root","status":"%s","evidence":"e","controls":["8.9"],"severity":"high","level":"high","duration_us":1}],"summary":{"pass":%s,"fail":%s,"na":0,"unknown":0,"error":0}}' \
        "$2" "$3" "$now" "$4" "$5" "$6" >"$T/r.json"
    signed_post "$1" "$T/r.json" "$2"
}
dept_of() { "$EF_COLLECTOR" summary --format json --config "$COLL_CONF" 2>>"$T/admin.log" |
    jq -r --arg a "$1" '.. | objects | select(.agent_id? == $a) | .department' | head -n 1; }

# The victim: enrolled in Socialförvaltningen, reporting a failure.
vpub=$(newkey victim)
raw_enroll "$soc" victim m-victim "$vpub"
assert_eq "$CODE" 201 "the victim enrolls"
vid=$(jq -r .agent_id <<<"$RESP")
report victim "$vid" 1 fail 0 1
assert_eq "$CODE" 202 "the victim reports"

# 1. Takeover with another department's token and the attacker's key.
apub=$(newkey attacker)
raw_enroll "$kul" victim m-victim "$apub"
assert_eq "$CODE" 409 "another department's token cannot take a known machine over"
assert_contains "$(jq -r .error <<<"$RESP")" "agent move" "the refusal says what an administrator does"
# ... nor with the victim's own token: a new key needs the current key's proof.
raw_enroll "$soc" victim m-victim "$apub"
assert_eq "$CODE" 409 "the victim's department token cannot replace its key"
report attacker "$vid" 2 pass 1 0
assert_eq "$CODE" 401 "the attacker's key signs nothing for the victim"
report victim "$vid" 2 fail 0 1
assert_eq "$CODE" 202 "the real agent goes on reporting (its seq was not reset)"

# 2. The silent move: the victim's own public key with another department's token. The proof
# must be by that key, which the attacker does not have...
cp "$T/attacker.pem" "$T/fake.pem"
printf '%s fake\n' "$vpub" >>"$T/pubkeys" # the attacker signs "as" the victim's key
raw_enroll "$kul" victim m-victim "$vpub"
assert_eq "$CODE" 400 "a proof not made by public_key's key is refused"
# ... and even the machine itself cannot move to another department with a token.
sed -i '/ fake$/d' "$T/pubkeys"
raw_enroll "$kul" victim m-victim "$vpub"
assert_eq "$CODE" 409 "a department token cannot move a machine"
assert_eq "$(dept_of "$vid")" "Socialförvaltningen" "the victim stays in its department"
raw_enroll "$soc" victim m-victim "$vpub"
assert_eq "$CODE" 201 "the machine re-enrolls in its own department with its own key"
assert_eq "$(jq -r .agent_id <<<"$RESP")" "$vid" "same agent id"
report victim "$vid" 2 pass 1 0
assert_eq "$CODE" 409 "same key: seq kept, another report at an old seq refused"

# 3. Weak keys: the identity point, and a request without a proof.
ident=$(printf '\001%031d' 0 | tr '0' '\000' | base64 -w0)
raw_enroll "$soc" weak m-weak "$ident"
assert_eq "$CODE" 400 "the identity point is refused"
assert_contains "$(jq -r .error <<<"$RESP")" "small order" "the refusal names the weakness"
printf '{"token":"%s","hostname":"np","machine_id":"m-np","public_key":"%s"}' "$soc" "$(newkey np)" >"$T/np.json"
http POST /api/v1/enroll -H 'Content-Type: application/json' --data-binary @"$T/np.json"
assert_eq "$CODE" 400 "an enrollment without proof of possession is refused"

# 4. Rotation: a new key signed by the current one is taken; seq starts again.
npub=$(newkey victim2)
raw_enroll "$soc" victim m-victim "$npub" victim
assert_eq "$CODE" 201 "a new key with the current key's proof is taken"
report victim2 "$vid" 1 pass 1 0
assert_eq "$CODE" 202 "the new key's seq 1 is accepted"
report victim "$vid" 3 fail 0 1
assert_eq "$CODE" 401 "the old key is done"

# 5. A reinstalled machine (its key gone): refused until an administrator resets it.
rpub=$(newkey reinstalled)
raw_enroll "$soc" victim m-victim "$rpub"
assert_eq "$CODE" 409 "a reinstalled machine is refused before the reset"
"$EF_COLLECTOR" agent reset victim --config "$COLL_CONF" 2>>"$T/admin.log" ||
    fail "agent reset failed: $(tail -n 3 "$T/admin.log")"
raw_enroll "$soc" victim m-victim "$rpub"
assert_eq "$CODE" 201 "after agent reset the reinstalled machine enrolls"
assert_eq "$(jq -r .agent_id <<<"$RESP")" "$vid" "it keeps its agent id"
raw_enroll "$soc" victim m-victim "$(newkey third)"
assert_eq "$CODE" 409 "the reset was used up by that enrollment"

# 6. The administrator's move.
"$EF_COLLECTOR" agent move "$vid" --department Kulturförvaltningen --config "$COLL_CONF" \
    2>>"$T/admin.log" || fail "agent move failed: $(tail -n 3 "$T/admin.log")"
assert_eq "$(dept_of "$vid")" "Kulturförvaltningen" "agent move moves it"
"$EF_COLLECTOR" agent move nosuch --department Kulturförvaltningen --config "$COLL_CONF" \
    2>"$T/nosuch.log" && fail "agent move of an unknown host succeeded"
assert_contains "$(cat "$T/nosuch.log")" "no enrolled machine" "an unknown host is named"
audit=$("$EF_COLLECTOR" audit --format json --config "$COLL_CONF" 2>>"$T/admin.log")
assert_contains "$audit" '"agent.reset"' "reset is in the audit log"
assert_contains "$audit" '"agent.move"' "move is in the audit log"

stop_collector
echo "enroll_takeover: all passed"
