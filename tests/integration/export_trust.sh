#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# Issue 17, exports: what verify-export --collector-key proves holds against a database
# insider and after a machine's normal reinstall, and verify-export without a pinned key says
# so. Real agents upload over HTTPS to a real collector (SQLite, or PostgreSQL as *.pg).
#  1. An insider adds a key of their own to agent_keys and a report signed with it: the
#     collector signs the export's manifest, yet pinned verification refuses that report
#     (its key has no certificate from the collector key) and names it; the others verify.
#  2. A machine reinstalled (new state folder, same machine id) enrolls with a new key and
#     starts again at seq 1: a bundle holding both runs of seqs verifies.
#  3. Without --collector-key the verdict is UNPINNED and the exit status 1, unless
#     --unpinned is given.
#  4. A JSON export's unsigned per-report fields (department, received_at, sha256) edited:
#     detected and named.
#  5. Keys enrolled before key certificates (schema 3) are certified once, at the next start.
#  6. export-key --rotate: a new export key certifies every key the old one had certified
#     (not the insider's), exports made before still verify with the old key, new ones with
#     the new key, the old key is kept, the rotation is in the audit log, and serve started
#     again certifies new enrollments with the new key.
source "$(dirname "$0")/lib.sh"
policy=$EF_SOURCE_DIR/tests/fixtures/policies/e2e.yml
PY=${PYTHON:-python3}

start_collector
tok=$(add_department "Ekonomi" basic)
mk_agent() { # mk_agent NAME MACHINE_ID
    mkdir -p "$T/agent-$1"
    cat >"$T/agent-$1/agent.yml" <<YML
hostname: $1
machine_id: ${2:-machine-$1}
collector: "$COLL_URL"
ca: "$COLL_CA"
token: "$tok"
policies: ["$policy"]
YML
}
mk_agent e1
mk_agent e2
for h in e1 e2; do
    agent "$h" run 2>"$T/$h-run.log" || fail "agent $h run: $(cat "$T/$h-run.log")"
    agent "$h" run 2>>"$T/$h-run.log" || fail "agent $h run: $(cat "$T/$h-run.log")"
done
coll() { "$EF_COLLECTOR" "$@" --config "$COLL_CONF"; }
# serve made the export key at start (it certifies every enrolled key).
PINNED=$(coll export-key) || fail "export-key after serve started"
assert_eq "$(db_query "select count(*) from agent_keys where cert is null")" 0 \
    "every enrolled key has its certificate"

# ---- 3: unpinned says so ----
coll export --format bundle --output "$T/clean.tar" 2>>"$T/admin.log"
if "$EF_COLLECTOR" verify-export "$T/clean.tar" >"$T/u1.txt"; then fail "unpinned verification exited 0"; fi
assert_contains "$(cat "$T/u1.txt")" "UNPINNED: 4 reports consistent" "unpinned: UNPINNED, exit 1"
"$EF_COLLECTOR" verify-export "$T/clean.tar" --unpinned >"$T/u2.txt" || fail "--unpinned: $(cat "$T/u2.txt")"
assert_contains "$(cat "$T/u2.txt")" "UNPINNED" "--unpinned: still says UNPINNED, exit 0"
"$EF_COLLECTOR" verify-export "$T/clean.tar" --collector-key "$PINNED" >"$T/p1.txt" || fail "pinned: $(cat "$T/p1.txt")"
assert_contains "$(cat "$T/p1.txt")" "ok: 4 reports verified" "pinned: ok"
# A bundle holding one name twice (the verifier would see only one of them) is refused.
$PY - "$T/clean.tar" "$T/twice.tar" <<'PY' || fail "make twice.tar"
import io, sys, tarfile
src = tarfile.open(sys.argv[1])
members = [(m, src.extractfile(m).read()) for m in src.getmembers()]
with tarfile.open(sys.argv[2], 'w', format=tarfile.USTAR_FORMAT) as out:
    for m, data in members + [members[-2]]:
        info = tarfile.TarInfo(m.name); info.size = len(data); info.mtime = m.mtime
        out.addfile(info, io.BytesIO(data))
PY
if "$EF_COLLECTOR" verify-export "$T/twice.tar" --collector-key "$PINNED" >"$T/tw.txt" 2>&1; then
    fail "a bundle with a name twice verified"
fi
assert_contains "$(cat "$T/tw.txt")" "appears twice" "a bundle with a name twice is refused"

# ---- 1: the insider's key and report ----
E1=$(coll summary --format json | jq -r '.hosts[] | select(.hostname=="e1") | .agent_id')
coll export --format json --output "$T/clean.json" 2>>"$T/admin.log"
openssl genpkey -algorithm ed25519 -out "$T/insider.pem" 2>/dev/null
INS_PUB=$(openssl pkey -in "$T/insider.pem" -pubout -outform DER | tail -c 32 | xxd -p -c 64)
# A body of e1's, seq 77, everything passing: signed by the insider's key.
jq -r --arg a "$E1" '[.reports[] | select(.agent_id==$a)][0].body_base64' "$T/clean.json" | base64 -d |
    $PY -c 'import json,sys; r=json.load(sys.stdin); r["seq"]=77
for x in r["results"]: x["status"]="pass"
sys.stdout.write(json.dumps(r, separators=(",",":")))' >"$T/forged-body.json"
openssl pkeyutl -sign -inkey "$T/insider.pem" -rawin -in "$T/forged-body.json" -out "$T/forged.sig"
BODY_HEX=$(xxd -p -c 0 "$T/forged-body.json" 2>/dev/null || xxd -p "$T/forged-body.json" | tr -d '\n')
SIG_HEX=$(xxd -p -c 64 "$T/forged.sig")
SHA=$(sha256sum "$T/forged-body.json" | cut -d' ' -f1)
blob() { case "${EF_DATABASE:-}" in postgres*) echo "decode('$1','hex')" ;; *) echo "X'$1'" ;; esac; }
db_query "insert into agent_keys (agent_id, public_key, first_enrolled_at)
          values ('$E1', $(blob "$INS_PUB"), '2026-01-01T00:00:00Z')"
db_query "insert into reports (agent_id, seq, body, signature, sha256, generated_at, received_at, department_id)
          select agent_id, 77, $(blob "$BODY_HEX"), $(blob "$SIG_HEX"), '$SHA', generated_at, received_at, department_id
          from reports where agent_id = '$E1' order by id limit 1"
coll export --format bundle --output "$T/insider.tar" 2>>"$T/admin.log"
coll export --format json --output "$T/insider.json" 2>>"$T/admin.log"
for f in insider.tar insider.json; do
    if "$EF_COLLECTOR" verify-export "$T/$f" --collector-key "$PINNED" >"$T/i-$f.txt"; then
        fail "$f: the insider's report verified with the pinned key"
    fi
    assert_contains "$(cat "$T/i-$f.txt")" \
        "report $E1 seq 77: signed with an agent key the collector did not certify" \
        "$f: the insider's key is refused, the report named"
    assert_contains "$(cat "$T/i-$f.txt")" "FAILED: 1 problem, 4 reports verified" \
        "$f: the four real reports still verify"
done
db_query "delete from reports where seq = 77"
db_query "delete from agent_keys where cert is null"

# ---- 4: unsigned per-report fields of the JSON export ----
for edit in '.department = "Annan"' '.received_at = "2020-01-01T00:00:00Z"' '.sha256 = ("0" * 64)'; do
    jq --arg a "$E1" "(.reports[] | select(.agent_id==\$a and .seq==1)) |= ($edit)" \
        "$T/clean.json" >"$T/edited.json"
    if "$EF_COLLECTOR" verify-export "$T/edited.json" --collector-key "$PINNED" >"$T/e.txt"; then
        fail "JSON with '$edit' verified"
    fi
    field=${edit%% =*}
    assert_contains "$(cat "$T/e.txt")" "report $E1 seq 1: ${field#.} differs from the manifest (altered)" \
        "JSON export: $edit detected and named"
done

# ---- 2: a reinstalled machine (new key, same machine id) ----
mv "$T/agent-e2" "$T/agent-e2-old"
# Its old key is gone: the collector takes a new one only after an administrator's reset
# (issue 17: no takeover by machine id).
coll agent reset e2 2>>"$T/admin.log" || fail "agent reset e2: $(tail -n 2 "$T/admin.log")"
mk_agent e2 machine-e2
agent e2 run 2>"$T/e2-again.log" || fail "reinstalled e2: $(cat "$T/e2-again.log")"
agent e2 run 2>>"$T/e2-again.log" || fail "reinstalled e2: $(cat "$T/e2-again.log")"
agent e2 run 2>>"$T/e2-again.log" || fail "reinstalled e2: $(cat "$T/e2-again.log")"
E2=$(coll summary --format json | jq -r '.hosts[] | select(.hostname=="e2") | .agent_id')
assert_eq "$(stored_seqs "$E2")" "1,2,1,2,3" "e2 stored seqs 1,2 under its first key, 1,2,3 under its new one"
coll export --format bundle --output "$T/reinstall.tar" 2>>"$T/admin.log"
coll export --format json --output "$T/reinstall.json" 2>>"$T/admin.log"
for f in reinstall.tar reinstall.json; do
    "$EF_COLLECTOR" verify-export "$T/$f" --collector-key "$PINNED" >"$T/r-$f.txt" ||
        fail "$f after a reinstall: $(cat "$T/r-$f.txt")"
    assert_contains "$(cat "$T/r-$f.txt")" "ok: 7 reports verified" "$f: a reinstalled machine's reports verify"
done

# ---- 5: keys from before certificates are certified once, at start ----
ADDR=$(head -n1 "$COLL_DIR/ready")
stop_collector
db_query "update agent_keys set cert = null where agent_id = '$E1'"
db_query "update meta set value = '1' where key = 'legacy_key_certs'"   # as migration 4 leaves it
serve_collector "$ADDR"
assert_eq "$(db_query "select count(*) from agent_keys where cert is null")" 0 "old keys certified at start"
stop_collector
db_query "update agent_keys set cert = null where agent_id = '$E1'"      # an insider's, later
serve_collector "$ADDR"
assert_eq "$(db_query "select count(*) from agent_keys where cert is null")" 1 \
    "a key without certificate appearing later is not certified by a restart"
coll export --format json --output "$T/later.json" 2>>"$T/admin.log"
if "$EF_COLLECTOR" verify-export "$T/later.json" --collector-key "$PINNED" >"$T/l.txt"; then
    fail "reports under an uncertified key verified"
fi
assert_contains "$(cat "$T/l.txt")" "report $E1 seq 1: signed with an agent key the collector did not certify" \
    "and its reports are refused"
assert_contains "$(coll audit --format json | jq -r '[.[] | select(.action=="agent_keys.certify")] | length')" 1 \
    "the one-time certification is in the audit log"

# ---- 6: the export key rotated ----
stop_collector
OLDKEY=$PINNED
NEWKEY=$(coll export-key --rotate 2>"$T/rotate.log") || fail "export-key --rotate: $(cat "$T/rotate.log")"
assert_contains "$(cat "$T/rotate.log")" "agent keys certified anew, 1 without a certificate of the old key" \
    "rotation: the uncertified key is counted, not certified"
[ "$NEWKEY" != "$OLDKEY" ] || fail "rotation printed the old key"
assert_eq "$(coll export-key)" "$NEWKEY" "export-key prints the new key"
ls "$COLL_DIR"/export-key.pem.retired-* >/dev/null 2>&1 || fail "the old key was not kept"
"$EF_COLLECTOR" verify-export "$T/reinstall.tar" --collector-key "$OLDKEY" >"$T/rot-old.txt" ||
    fail "an export made before the rotation no longer verifies with the old key: $(cat "$T/rot-old.txt")"
pass "an export made before the rotation verifies with the old key"
serve_collector "$ADDR"
mk_agent e3
agent e3 run 2>"$T/e3-run.log" || fail "agent e3 run: $(cat "$T/e3-run.log")"
coll export --format bundle --output "$T/rotated.tar" 2>>"$T/admin.log"
if "$EF_COLLECTOR" verify-export "$T/rotated.tar" --collector-key "$NEWKEY" >"$T/rot-new.txt"; then
    fail "the uncertified key's reports verified after the rotation"
fi
assert_contains "$(cat "$T/rot-new.txt")" "FAILED: 2 problems, 6 reports verified" \
    "after the rotation: e2's re-certified and e3's newly certified keys verify with the new key, e1's uncertified one does not"
if grep -q "report $E2 " "$T/rot-new.txt"; then fail "a re-certified key was refused: $(cat "$T/rot-new.txt")"; fi
if "$EF_COLLECTOR" verify-export "$T/rotated.tar" --collector-key "$OLDKEY" >/dev/null 2>&1; then
    fail "an export after the rotation verified with the old key"
fi
pass "an export after the rotation does not verify with the old key"
assert_eq "$(coll audit --format json | jq -r '[.[] | select(.action=="export_key.rotate")] | length')" 1 \
    "the rotation is in the audit log"
