#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# windows.agent: efterlev-agent.exe under Wine against the Linux collector over HTTPS on
# 127.0.0.1, as a Windows machine runs it:
#   1. --help, checks and scan with the same flags, exit codes and JSON as on Linux;
#   2. enrollment with a state folder and a CA file in folders with Swedish letters and
#      spaces; the key readable by nobody but SYSTEM, Administrators and the agent's user;
#   3. a run: the collector verifies the Ed25519 signature and stores the report, whose
#      host says platform "windows";
#   4. the collector down: reports spool in the state folder and arrive afterwards, in order;
#   4b. without --policy, the policy the collector serves Windows hosts (signed, pinned);
#   5. the default state folder is %ProgramData%\efterlev;
#   6. without --ca (an MSI given only COLLECTOR and TOKEN), the Windows certificate store
#      decides: refused until the collector's CA is in the machine's Root store, then enrolled.
source "$(dirname "$0")/wine_lib.sh"
wine_prefix

# A policy of fact rules (the registry checks have their own test).
pol="$T/policy med å"
mkdir -p "$pol"
cat >"$pol/win.yml" <<'YML'
policy:
  id: wine-test
  version: "1"
checks:
  - id: test.is_windows
    title: The system is Windows
    description: The agent reports os.id windows.
    rationale: The collector tells Windows hosts apart.
    remediation: None.
    controls: ["8.8"]
    severity: low
    level: basic
    platforms: [windows]
    all:
      - fact: os.id
        equals: windows
  - id: test.is_linux
    title: The system is Linux
    description: On Windows this fails.
    rationale: A failing check, for the exit code.
    remediation: None.
    controls: ["8.9"]
    severity: medium
    level: basic
    all:
      - fact: os.id
        equals: debian
YML
policy=$(win "$pol/win.yml")

# 1. The command line.
wagent --help | grep -q '^  scan ' || fail "--help lists scan"
assert_contains "$(wagent --help)" 'C:\ProgramData\efterlev' "--help names the Windows state folder"
set +e
wagent scan --bogus >/dev/null 2>&1
rc=$?
set -e
assert_eq "$rc" 2 "an unknown flag exits 2, as on Linux"
out=$(wagent checks --policy "$policy" --format json)
assert_eq "$(jq -r '[.checks[].id] | join(",")' <<<"$out")" "test.is_windows,test.is_linux" "checks lists the policy"
set +e
out=$(wagent scan --policy "$policy" --format json)
rc=$?
set -e
assert_eq "$rc" 1 "scan with a failing check exits 1"
assert_eq "$(jq -r '.results[] | select(.check == "test.is_windows") | .status' <<<"$out")" pass "os.id is windows"
assert_eq "$(jq -r '.results[] | select(.check == "test.is_linux") | .status' <<<"$out")" fail "a Linux-only expectation fails"
assert_eq "$(jq -r .host.platform <<<"$out")" windows "the report says platform windows"
assert_eq "$(jq -r .host.os_id <<<"$out")" windows "os_id windows"
[ -n "$(jq -r .host.os_build <<<"$out")" ] || fail "os_build is empty"
pass "os_build $(jq -r .host.os_build <<<"$out"), os_pretty $(jq -r .host.os_pretty <<<"$out")"

# 2. Enrollment, with Swedish letters and spaces in the paths. The collector's Windows
# catalog is the test policy (what it serves Windows hosts, section 4b).
COLL_POLICIES_WINDOWS=$pol start_collector
addr=${COLL_URL#https://}
tok=$(add_department "Socialförvaltningen" elevated)
ca_dir="$T/CA för kommunen"
state="$T/Tillstånd för agent"
mkdir -p "$ca_dir"
cp "$COLL_CA" "$ca_dir/ca.pem"
wagent enroll --state-dir "$(win "$state")" --collector "$COLL_URL" --token "$tok" \
    --ca "$(win "$ca_dir/ca.pem")" 2>"$T/enroll.log" || fail "enroll: $(cat "$T/enroll.log")"
[ -f "$state/key.pem" ] && [ -f "$state/enrollment.json" ] || fail "no key or enrollment in the state folder"
pass "enrolled; key and enrollment in a folder named with å and a space"
id=$(jq -r .agent_id "$state/enrollment.json")
assert_eq "$(jq -r .level "$state/enrollment.json")" elevated "the department's level"
# The key's DACL: the agent refuses a key others can read; this one it loads (the run below).

# 3. A run: signed, verified, stored.
set +e
wagent run --state-dir "$(win "$state")" --policy "$policy" 2>"$T/run.log"
rc=$?
set -e
assert_eq "$rc" 0 "run exits 0 (delivered)"
assert_contains "$(cat "$T/run.log")" "delivered 1 report(s)" "run says it delivered"
assert_eq "$(stored_seqs "$id")" 1 "the collector stored seq 1"
body=$(db_query "select body from reports where agent_id='$id'")
assert_eq "$(jq -r .host.platform <<<"$body")" windows "the stored report's host.platform"
assert_eq "$(jq -r '.results[] | select(.check == "test.is_windows") | .status' <<<"$body")" pass "the stored result"
"$EF_COLLECTOR" summary --config "$COLL_CONF" --format json >"$T/summary.json" 2>>"$T/admin.log"
assert_eq "$(jq -r --arg id "$id" '.hosts[] | select(.agent_id == $id) | .last_seq' "$T/summary.json")" 1 \
    "the host is in the summary"
assert_eq "$(jq -r --arg id "$id" '.hosts[] | select(.agent_id == $id) | .platform' "$T/summary.json")" windows \
    "the summary shows its Windows platform"

# 4. The collector down: three runs spool, then one run delivers all, in order.
stop_collector
for i in 1 2 3; do
    set +e
    wagent run --state-dir "$(win "$state")" --policy "$policy" >/dev/null 2>>"$T/down.log"
    rc=$?
    set -e
    assert_eq "$rc" 1 "run $i with the collector down exits 1 (spooled)"
done
n=$(find "$state/spool" -maxdepth 1 -name '*.report' | wc -l)
assert_eq "$n" 3 "three reports wait in the spool under the state folder"
assert_eq "$(wagent status --state-dir "$(win "$state")" --format json | jq .spool.reports)" 3 "status counts them"
serve_collector "$addr"
wagent run --state-dir "$(win "$state")" --policy "$policy" 2>"$T/up.log" || fail "run after recovery: $(cat "$T/up.log")"
assert_eq "$(stored_seqs "$id")" "1,2,3,4,5" "all stored once, in seq order"
assert_eq "$(find "$state/spool" -maxdepth 1 -name '*.report' | wc -l)" 0 "the spool is empty"

# 4b. Without --policy: the policy the collector serves Windows hosts, verified with the key
#     pinned at enrollment, a check switched off for the department included.
"$EF_COLLECTOR" policy disable-check test.is_linux --department "Socialförvaltningen" \
    --reason "Inte en Linuxdator" --config "$COLL_CONF" >/dev/null 2>>"$T/admin.log" ||
    fail "policy disable-check"
wagent run --state-dir "$(win "$state")" 2>"$T/served.log" ||
    fail "run with the served policy: $(cat "$T/served.log")"
assert_contains "$(cat "$T/served.log")" "policy version 1 from the collector" \
    "the Windows agent fetched its served policy"
body=$(db_query "select body from reports where agent_id='$id' order by id desc limit 1")
assert_eq "$(jq -r .policy.version <<<"$body")" served.1 "its report names the served policy"
assert_eq "$(jq -r '.results[] | select(.check == "test.is_linux") | .status' <<<"$body")" na \
    "the check switched off is na"
[ -s "$state/policy.json" ] || fail "no last good policy in the Windows state folder"

# 5. The default state folder: %ProgramData%\efterlev (C:\ProgramData in the prefix).
set +e
wagent status --format json >"$T/status.json" 2>/dev/null
set -e
assert_eq "$(jq -r .state_dir "$T/status.json")" 'C:\ProgramData\efterlev' "the default state folder"

# 6. No --ca: the Windows certificate store (CURLSSLOPT_NATIVE_CA), as the system's CA
#    certificates on Linux. A second machine (its own machine id) and token.
tok2=$(add_department "Barn- och utbildningsförvaltningen" basic)
cat >"$T/second.yml" <<YML
machine_id: second-windows-machine
hostname: skola-pc-2
YML
set +e
wagent enroll --state-dir "$(win "$T/second")" --config "$(win "$T/second.yml")" \
    --collector "$COLL_URL" --token "$tok2" >/dev/null 2>"$T/noca.log"
rc=$?
set -e
[ "$rc" -ne 0 ] || fail "enrollment without --ca trusted a CA that is not in the Windows store"
assert_contains "$(cat "$T/noca.log")" "system's CA certificates" "without --ca, an unknown CA is refused"
wine_trust_root "$COLL_CA"
wagent enroll --state-dir "$(win "$T/second")" --config "$(win "$T/second.yml")" \
    --collector "$COLL_URL" --token "$tok2" >/dev/null 2>"$T/noca.log" ||
    fail "enroll with the CA in the Root store: $(cat "$T/noca.log")"
assert_eq "$(jq -r .department "$T/second/enrollment.json")" "Barn- och utbildningsförvaltningen" \
    "with the collector's CA in the Windows Root store, COLLECTOR and TOKEN enroll"
