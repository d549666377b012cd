#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# windows.service_msi: the MSI and the service under Wine, against a real collector on
# 127.0.0.1 (issue 12, "Runs by itself" and "MSI"):
#   1. packaging/windows/build-msi.sh makes two MSIs (1.0.0, 1.0.1) of this build's exe, and a
#      signed one with a certificate made here: osslsigncode verifies the MSI and the exe in
#      it against the test CA, and not without it;
#   2. `msiexec /i /qn COLLECTOR= TOKEN= CA_FILE=` installs the files, registers the service
#      (LocalSystem, automatic, delayed start) and the event log source;
#   3. the service (started by the installation, then stopped and started with `net`)
#      enrolls the machine with the MSI's values, deletes the token, and runs `run` on its
#      schedule (test times: a run every 4 s): the host appears in `efterlev-collector
#      summary` of its department with two reports and more;
#   4. an upgrade to 1.0.1 keeps the agent id and continues the seq (no seq twice);
#   5. uninstallation removes the program, the service and its registry, and leaves
#      %ProgramData%\efterlev (key, enrollment, seq).
# Runs, as every windows.* test, when EF_WINDOWS_BUILD names a tree of
# scripts/build-windows.sh (scripts/test.sh makes one) and EFTERLEV_WINDOWS is not 0.
set -euo pipefail
source "$EF_SOURCE_DIR/tests/integration/lib.sh"
[ "${EFTERLEV_WINDOWS:-1}" != 0 ] || skip "EFTERLEV_WINDOWS=0"
[ -n "${EF_WINDOWS_BUILD:-}" ] && [ -f "$EF_WINDOWS_BUILD/agent/efterlev-agent.exe" ] ||
    skip "no Windows build (scripts/build-windows.sh DIR, then EF_WINDOWS_BUILD=DIR; scripts/test.sh does both)"
for t in wine wixl osslsigncode msiextract; do
    command -v "$t" >/dev/null || skip "$t is not installed (scripts/deps.sh windows)"
done
EXE=$EF_WINDOWS_BUILD/agent/efterlev-agent.exe
[ -f "$EXE" ] || fail "no $EXE"

# 1. The packages.
msi() { "$EF_SOURCE_DIR/packaging/windows/build-msi.sh" --exe "$EXE" "$@" >>"$T/msi.log" 2>&1; }
msi --version 1.0.0 --out "$T/a.msi" || fail "build-msi 1.0.0 (see msi.log)"
msi --version 1.0.1 --out "$T/b.msi" || fail "build-msi 1.0.1 (see msi.log)"
assert_eq "$(msiinfo export "$T/a.msi" Property | tr -d '\r' | awk -F'\t' '$1 == "ProductVersion" { print $2 }')" \
    1.0.0 "the MSI's ProductVersion"
pass "MSI $(($(stat -c %s "$T/a.msi") / 1024)) KiB"

# A code-signing certificate from a CA made here.
{
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=efterlev test signing CA" \
        -keyout "$T/sign-ca.key" -out "$T/sign-ca.pem" \
        -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign &&
        openssl req -new -newkey rsa:2048 -nodes -subj "/CN=efterlev test code signing" \
            -keyout "$T/sign.key" -out "$T/sign.csr" &&
        openssl x509 -req -in "$T/sign.csr" -CA "$T/sign-ca.pem" -CAkey "$T/sign-ca.key" \
            -days 1 -set_serial 7 -out "$T/sign.pem" \
            -extfile <(printf 'keyUsage=critical,digitalSignature\nextendedKeyUsage=codeSigning\n')
} >"$T/openssl.log" 2>&1 || fail "signing certificate (see openssl.log)"
EFTERLEV_SIGN_CERT=$T/sign.pem EFTERLEV_SIGN_KEY=$T/sign.key msi --version 1.0.0 \
    --out "$T/signed.msi" || fail "signed build-msi (see msi.log)"
osslsigncode verify -CAfile "$T/sign-ca.pem" -in "$T/signed.msi" >"$T/verify.log" 2>&1 ||
    fail "the signed MSI does not verify against the test CA (see verify.log)"
grep -q "Signature verification: ok" "$T/verify.log" || fail "no 'Signature verification: ok'"
pass "the MSI's Authenticode signature verifies against the test CA"
if osslsigncode verify -in "$T/signed.msi" >"$T/verify-untrusted.log" 2>&1; then
    fail "the MSI verified without the test CA: it must be untrusted"
fi
pass "without -CAfile the test CA is untrusted"
mkdir "$T/extract"
(cd "$T/extract" && msiextract "$T/signed.msi" >/dev/null) || fail "msiextract"
signed_exe=$(find "$T/extract" -name efterlev-agent.exe)
osslsigncode verify -CAfile "$T/sign-ca.pem" -in "$signed_exe" >"$T/verify-exe.log" 2>&1 ||
    fail "the exe in the signed MSI does not verify (see verify-exe.log)"
pass "the exe inside the signed MSI is signed too"
if osslsigncode verify -CAfile "$T/sign-ca.pem" -in "$T/a.msi" >/dev/null 2>&1; then
    fail "an MSI built without a certificate has a signature"
fi
pass "without EFTERLEV_SIGN_CERT nothing is signed"

# The collector, a department, and the checks its catalog counts (the agent's policy).
mkdir -p "$T/pol"
cat >"$T/pol/win.yml" <<'YML'
policy:
  id: msi-test
  version: "1"
checks:
  - id: test.msi_is_windows
    title: The system is Windows
    description: The agent reports os.id windows.
    rationale: The collector tells Windows hosts apart.
    remediation: None.
    controls: ["8.8"]
    severity: low
    level: basic
    all:
      - fact: os.id
        equals: windows
YML
COLL_POLICIES=$T/pol COLL_POLICIES_WINDOWS=$T/pol start_collector
tok=$(add_department "Kommunledningskontoret" basic)
[ -n "$tok" ] || fail "no token"

# 2. Wine: a prefix of its own, then a persistent wineserver, so that the service keeps
# running between the commands of this test (Wine ends its service manager with the last
# program). Wine 8's service manager as `wineboot -i` leaves it creates the service but then
# cannot open it (msiexec's StartServices fails, error 1060, and the installation rolls
# back): the prefix is made, Wine shut down, and the test starts a fresh one.
mkdir -p "$T/tmp"
export WINEPREFIX=$T/wine WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml=" TMPDIR=$T/tmp
wine_cleanup() {
    local rc=$?
    set +e
    WINEPREFIX=$T/wine wineserver -k 2>/dev/null
    (exit "$rc") # ef_cleanup keeps $T when the test failed
    ef_cleanup
}
trap wine_cleanup EXIT
wineboot -i >"$T/wineboot.log" 2>&1 || fail "wineboot"
wineserver -w
wineserver -p || fail "wineserver -p"
win() { printf 'Z:%s' "${1//\//\\}"; }
w() { wine "$@" 2>>"$T/wine.log" | tr -d '\r'; }
drive_c=$WINEPREFIX/drive_c
pf="$drive_c/Program Files/efterlev"
pd="$drive_c/ProgramData/efterlev"
svc_key='HKLM\SYSTEM\CurrentControlSet\Services\efterlev-agent'

# The CA in a folder with a space and Swedish letters; the test schedule (Parameters, test
# only: docs/operations.md); agent.yml, which the MSI never touches: the policy and a name.
cadir="$T/CA för förvaltningen"
mkdir -p "$cadir"
cp "$COLL_CA" "$cadir/ca.pem"
test_times() {
    local kv
    for kv in FirstRunDelaySeconds=1 IntervalSeconds=4 JitterSeconds=0 EnrollRetrySeconds=2; do
        w reg add "$svc_key\\Parameters" /v "${kv%=*}" /t REG_DWORD /d "${kv#*=}" /f >/dev/null ||
            fail "reg add ${kv%=*}"
    done
}
test_times
mkdir -p "$pd"
printf 'hostname: wine-msi-host\npolicies:\n  - %s\n' "$(win "$T/pol/win.yml")" >"$pd/agent.yml"

rc=0
wine msiexec /i "$(win "$T/a.msi")" /qn /l*v "$(win "$T/msi-install.log")" "COLLECTOR=$COLL_URL" "TOKEN=$tok" \
    "CA_FILE=$(win "$cadir/ca.pem")" >>"$T/wine.log" 2>&1 || rc=$?
assert_eq "$rc" 0 "msiexec /i /qn COLLECTOR TOKEN CA_FILE exits 0"
for f in efterlev-agent.exe iso27002-2022.yml LICENSE.txt README.txt; do
    [ -f "$pf/$f" ] || fail "no $f in Program Files\\efterlev"
done
[ -d "$pf/policies" ] || fail "no policies folder"
cmp -s "$pf/efterlev-agent.exe" "$EXE" || fail "the installed exe is not the one packaged"
pass "files in C:\\Program Files\\efterlev"
cfg=$(w reg query "$svc_key")
echo "$cfg" >"$T/service-key.log"
grep -q 'ImagePath.*efterlev\\efterlev-agent.exe"\? service$' <<<"$cfg" || fail "ImagePath: $cfg"
grep -q 'ObjectName *REG_SZ *LocalSystem' <<<"$cfg" || fail "not LocalSystem: $cfg"
grep -q 'Start *REG_DWORD *0x2$' <<<"$cfg" || fail "not automatic: $cfg"
grep -q 'DelayedAutostart *REG_DWORD *0x1$' <<<"$cfg" || fail "not delayed: $cfg"
pass "service efterlev-agent: LocalSystem, automatic, delayed start, runs 'efterlev-agent.exe service'"
ev=$(w reg query 'HKLM\SYSTEM\CurrentControlSet\Services\EventLog\Application\efterlev-agent')
grep -q 'EventMessageFile.*efterlev\\efterlev-agent.exe' <<<"$ev" || fail "event source: $ev"
grep -q 'TypesSupported *REG_DWORD *0x7' <<<"$ev" || fail "event source types: $ev"
pass "event log source efterlev-agent, messages from the exe"
# The exe holds the message table the source names.
x86_64-w64-mingw32-objdump -h "$pf/efterlev-agent.exe" | grep -q '\.rsrc' || fail "no resources in the exe"
strings -el "$pf/efterlev-agent.exe" | grep -q 'The efterlev agent service started. %1' ||
    fail "the message table's texts are not in the exe"
pass "the exe carries the event messages"

# 3. The service, started by the installation: it enrolls, then runs every 4 s.
# wait_for WHAT SECONDS COMMAND...: until COMMAND succeeds.
wait_for() {
    local what=$1 secs=$2 i
    shift 2
    for i in $(seq 1 $((secs * 4))); do
        "$@" && return 0
        sleep 0.25
    done
    fail "$what (after $secs s); service.log: $(tail -n 5 "$pd/service.log" 2>/dev/null)"
}
runs() { grep -c 'efterlev-agent run exited 0' "$pd/service.log" 2>/dev/null || true; }
runs_at_least() { [ "$(runs)" -ge "$1" ] 2>/dev/null; }
wait_for "the service enrolled" 60 test -s "$pd/enrollment.json"
wait_for "two runs" 90 runs_at_least 2
grep -q ' info \[20\]: Collector ' "$pd/service.log" || fail "no enrollment (event 20) in service.log"
[ ! -e "$pd/msi-enroll.json" ] || fail "msi-enroll.json (the token) is still there"
if grep -rqF "$tok" "$pd" "$pf" 2>/dev/null; then fail "the token is still in a file"; fi
pass "enrolled by the service; the token is in no file any more"
agent_id=$(jq -r .agent_id "$pd/enrollment.json")
[ -n "$agent_id" ] && [ "$agent_id" != null ] || fail "no agent id"
sum=$("$EF_COLLECTOR" summary --config "$COLL_CONF" --format json)
echo "$sum" >"$T/summary.json"
assert_eq "$(jq -r '.hosts[] | select(.hostname=="wine-msi-host") | .department' <<<"$sum")" \
    Kommunledningskontoret "the host is in its department in the summary"
assert_eq "$(jq -r '.departments[] | select(.name=="Kommunledningskontoret") | .pass' <<<"$sum")" \
    1 "its check counted once however many reports (1 host x 1 check)"
seqs=$(stored_seqs "$agent_id")
[ "$(tr ',' '\n' <<<"$seqs" | wc -l)" -ge 2 ] || fail "fewer than two reports stored: $seqs"
pass "reports stored by the collector: seq $seqs"

# Stop and start with net, as an administrator would.
out=$(w net stop efterlev-agent) || fail "net stop: $out"
wait_for "the stop in service.log" 20 grep -q 'Stopped by the service manager' "$pd/service.log"
n=$(runs)
sleep 5
assert_eq "$(runs)" "$n" "no run while the service is stopped"
started=$(grep -c ' info \[1\]: Version ' "$pd/service.log" || true)
out=$(w net start efterlev-agent) || fail "net start: $out"
wait_for "a run after net start" 30 runs_at_least $((n + 1))
assert_eq "$(grep -c ' info \[1\]: Version ' "$pd/service.log")" $((started + 1)) "net start starts it again"

# 4. Upgrade to 1.0.1 without properties: same agent, seq continued.
seq_before=$(tr -d '\r\n' <"$pd/seq")
rc=0
wine msiexec /i "$(win "$T/b.msi")" /qn /l*v "$(win "$T/msi-upgrade.log")" >>"$T/wine.log" 2>&1 || rc=$?
assert_eq "$rc" 0 "upgrade to 1.0.1 exits 0"
products=$(w reg query 'HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall' /s |
    grep -A20 'efterlev agent' | grep DisplayVersion | awk '{ print $3 }' | paste -sd, -)
assert_eq "$products" 1.0.1 "one product installed, version 1.0.1"
# The upgrade re-created the service, and its key without the test times: the service
# waits for its 6-hour slot now. The test times again, and a restart to read them.
wait_for "the service restarted after the upgrade" 20 grep -q 'Every 21600 s' "$pd/service.log"
test_times
w net stop efterlev-agent >/dev/null || fail "net stop after the upgrade"
w net start efterlev-agent >/dev/null || fail "net start after the upgrade"
n=$(runs)
wait_for "a run after the upgrade" 60 runs_at_least $((n + 1))
assert_eq "$(jq -r .agent_id "$pd/enrollment.json")" "$agent_id" "the upgrade keeps the agent id"
seq_after=$(tr -d '\r\n' <"$pd/seq")
[ "$seq_after" -gt "$seq_before" ] || fail "seq did not continue: $seq_before -> $seq_after"
pass "seq continues: $seq_before -> $seq_after"
seqs=$(stored_seqs "$agent_id")
[ "$(tr ',' '\n' <<<"$seqs" | sort -n | uniq -d)" = "" ] || fail "a seq stored twice: $seqs"
[ "$(tr ',' '\n' <<<"$seqs" | sort -n | paste -sd, -)" = "$seqs" ] || fail "seqs out of order: $seqs"
pass "the collector stored increasing seqs across the upgrade: $seqs"
assert_eq "$(grep -o '"hostname":"wine-msi-host"' <<<"$("$EF_COLLECTOR" summary --config "$COLL_CONF" --format json | jq -c '.hosts[]')" | wc -l)" \
    1 "still one host in the summary"

# 5. Uninstallation, by product code as Intune, SCCM and "Apps & features" do: the installed
# product's own cached package, not a package file. (With the .msi's path, Wine's msiexec
# once reinstalled the files after removing them, in CI.)
product=$(w reg query 'HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall' /s |
    grep -B20 'efterlev agent' | grep -o '{[0-9A-F-]*}' | tail -n 1)
[ -n "$product" ] || fail "no product code of efterlev agent under ...\\Uninstall"
rc=0
wine msiexec /x "$product" /qn /l*v "$(win "$T/msi-uninstall.log")" >>"$T/wine.log" 2>&1 || rc=$?
assert_eq "$rc" 0 "msiexec /x exits 0"
# Wine's msi runs the RemoveFile row of the folder before those of its files, so the folder
# itself may stay, empty (Windows removes it after its files).
left=
if [ -d "$pf" ]; then left=$(find "$pf" -mindepth 1 | head -n 5); fi
[ -z "$left" ] || fail "files left in C:\\Program Files\\efterlev: $left"
pass "the program is removed (no file left in C:\\Program Files\\efterlev)"
for f in key.pem enrollment.json seq agent.yml service.log; do
    [ -e "$pd/$f" ] || fail "uninstallation removed ProgramData\\efterlev\\$f"
done
pass "C:\\ProgramData\\efterlev stays (key, enrollment, seq, agent.yml, service.log)"
# Wine's service manager deletes a service marked for deletion when it shuts down (Windows:
# once the service has stopped and its last handle is closed): shut Wine down, as a reboot.
wineboot -s >>"$T/wine.log" 2>&1 || true
wineserver -k 2>/dev/null || true
wineserver -w 2>/dev/null || true
if wine reg query "$svc_key" >/dev/null 2>&1; then fail "the service's registry key is still there"; fi
if wine reg query 'HKLM\SYSTEM\CurrentControlSet\Services\EventLog\Application\efterlev-agent' \
    >/dev/null 2>&1; then
    fail "the event log source is still registered"
fi
pass "the service and the event log source are removed"
