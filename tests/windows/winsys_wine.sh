#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# windows.winsys: the live source of agent/platform/winsys.h (WMI over COM, netapi32,
# advapi32, the service manager, the event log, Windows Update, Security Center, secedit)
# under Wine, through `efterlev-agent.exe record`. Wine implements part of these APIs: what
# it implements must come back as rows of the declared columns, and what it does not must
# be in the recording with a status and a reason, never missing, never a crash. The
# recording, with the registry exported from the same prefix (wine reg export HKLM), must
# then load in the Linux agent and be judged: scan --registry --recording exits 0 or 1.
# What only a real Windows proves (BitLocker, TPM, Defender, audit policy, Windows Update,
# the event log's configuration) is listed in docs/development.md, "What Wine proves".
source "$(dirname "$0")/wine_lib.sh"
wine_prefix

R=$T/rec.json
rc=0
wagent record --out "$(win "$R")" -v >"$T/record.out" 2>"$T/record.err" || rc=$?
[ "$rc" = 0 ] || fail "record under Wine exited $rc: $(cat "$T/record.err")"
jq -e . "$R" >/dev/null || fail "record wrote no JSON"
assert_eq "$(jq '.efterlev_windows_recording' "$R")" 1 "the recording format"
jq -e '.recorded_at | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$")' "$R" >/dev/null ||
    fail "recorded_at is not RFC 3339 UTC: $(jq -r .recorded_at "$R")"
jq -e '.machine | type == "string" and length > 0' "$R" >/dev/null || fail "no machine name"

# Every declared api table (the Linux agent lists them: winsys_tables.c) and every default
# WMI class is in the recording: rows, or a status with a non-empty reason.
tables=$(jq -r '.tables | keys[]' "$R")
for t in api:Token api:NetGetJoinInformation api:NetUserModalsGet api:SecurityPolicy \
    api:LocalUsers api:LocalAdministrators api:AuditPolicy api:EventLogChannels \
    api:WindowsUpdateHistory api:WindowsUpdatePending api:AutomaticUpdates api:Services \
    api:BitLockerKeyProtectors api:SecurityCenterAntivirus api:Firmware api:BootEvents \
    'wmi:root\CIMV2:Win32_OperatingSystem' 'wmi:root\CIMV2:Win32_ComputerSystem' \
    'wmi:root\CIMV2:Win32_SystemEnclosure' 'wmi:root\CIMV2:Win32_QuickFixEngineering' \
    'wmi:root\CIMV2:Win32_OptionalFeature' \
    'wmi:root\CIMV2\Security\MicrosoftVolumeEncryption:Win32_EncryptableVolume' \
    'wmi:root\CIMV2\Security\MicrosoftTpm:Win32_Tpm' \
    'wmi:root\Microsoft\Windows\DeviceGuard:Win32_DeviceGuard' \
    'wmi:root\Microsoft\Windows\Defender:MSFT_MpComputerStatus' \
    'wmi:root\Microsoft\Windows\Defender:MSFT_MpPreference'; do
    grep -qxF "$t" <<<"$tables" || fail "$t is not in the recording"
done
assert_eq "$(jq '.tables | length' "$R")" 26 "16 api tables and 10 WMI classes, nothing else"
bad=$(jq -r '.tables | to_entries[] | select(.value | type == "object")
    | select((.value.status | IN("denied", "absent", "error") | not)
             or (.value.why | type != "string" or length == 0)) | .key' "$R")
[ -z "$bad" ] || fail "tables without a status and a reason: $bad"
pass "every table is rows or a status with a reason"

rows() { jq -c --arg t "$1" '.tables[$t]' "$R"; }
status() { jq -r --arg t "$1" '.tables[$t] | if type == "array" then "rows" else .status end' "$R"; }

# What Wine implements (Wine 8): rows of the declared columns.
assert_eq "$(rows api:Token | jq length)" 1 "api:Token: one row"
rows api:Token | jq -e '.[0].user_sid | test("^S-1-5-")' >/dev/null || fail "api:Token: no user SID"
rows api:Token | jq -e '.[0].elevated | type == "boolean"' >/dev/null || fail "api:Token: elevated"
pass "api:Token: the agent's SID and elevation (GetTokenInformation)"
rows api:Services | jq -e 'map(.name) | index("RpcSs") and index("Winmgmt")' >/dev/null ||
    fail "api:Services: RpcSs and Winmgmt not listed"
rows api:Services | jq -e 'all(.[]; (.state | IN("running", "stopped", "start_pending",
    "stop_pending", "paused", "other")) and (.start_type | IN("boot", "system", "auto",
    "delayed-auto", "manual", "disabled")))' >/dev/null || fail "api:Services: a bad state or start type"
pass "api:Services: $(rows api:Services | jq length) services with state and start type (EnumServicesStatusExW)"
assert_eq "$(rows api:NetGetJoinInformation | jq -r '.[0].status')" workgroup \
    "api:NetGetJoinInformation: a workgroup"
rows api:LocalUsers | jq -e 'length >= 1 and all(.[]; (.sid | test("^S-1-5-21-"))
    and (.rid | type == "number") and (.disabled | type == "boolean"))' >/dev/null ||
    fail "api:LocalUsers: no account with SID, RID and disabled"
pass "api:LocalUsers: accounts with SID (NetUserEnum level 20, LookupAccountNameW)"
assert_eq "$(status api:LocalAdministrators)" rows "api:LocalAdministrators: read (by SID S-1-5-32-544)"

os=$(rows 'wmi:root\CIMV2:Win32_OperatingSystem')
echo "$os" | jq -e 'length == 1 and (.[0].BuildNumber | test("^[0-9]+$"))' >/dev/null ||
    fail "Win32_OperatingSystem: no BuildNumber"
echo "$os" | jq -e '.[0].LastBootUpTime | test("^[0-9]{14}\\.[0-9]{6}[+-]")' >/dev/null ||
    fail "Win32_OperatingSystem: a CIM datetime must stay the string WMI gives"
pass "wmi Win32_OperatingSystem: BuildNumber $(echo "$os" | jq -r '.[0].BuildNumber'), datetimes as CIM strings"
rows 'wmi:root\CIMV2:Win32_SystemEnclosure' |
    jq -e '.[0].ChassisTypes | type == "array" and length >= 1 and all(.[]; . >= 1 and . <= 65535)' \
        >/dev/null || fail "Win32_SystemEnclosure: ChassisTypes is not a list of uint16"
pass "wmi Win32_SystemEnclosure: ChassisTypes a list of uint16 ($(rows 'wmi:root\CIMV2:Win32_SystemEnclosure' | jq -c '.[0].ChassisTypes'))"
rows 'wmi:root\CIMV2:Win32_ComputerSystem' | jq -e '.[0].DomainRole | type == "number"' >/dev/null ||
    fail "Win32_ComputerSystem: no DomainRole"
rows 'wmi:root\CIMV2:Win32_QuickFixEngineering' | jq -e 'all(.[]; .HotFixID | test("^KB"))' >/dev/null ||
    fail "Win32_QuickFixEngineering: HotFixID"
pass "wmi Win32_ComputerSystem and Win32_QuickFixEngineering read"

# What Wine does not implement: a status and its reason, each as a real Windows without the
# component would say it.
for ns in 'root\CIMV2\Security\MicrosoftVolumeEncryption:Win32_EncryptableVolume' \
    'root\CIMV2\Security\MicrosoftTpm:Win32_Tpm' 'root\Microsoft\Windows\DeviceGuard:Win32_DeviceGuard' \
    'root\Microsoft\Windows\Defender:MSFT_MpComputerStatus'; do
    assert_eq "$(status "wmi:$ns")" absent "wmi:$ns absent (no such namespace)"
done
assert_eq "$(status api:SecurityCenterAntivirus)" absent "api:SecurityCenterAntivirus absent (no Security Center)"
assert_contains "$(rows api:BitLockerKeyProtectors | jq -r .why)" "no such WMI namespace" \
    "api:BitLockerKeyProtectors: the namespace is absent"
for t in api:AuditPolicy api:Firmware api:WindowsUpdateHistory api:WindowsUpdatePending \
    api:AutomaticUpdates api:EventLogChannels api:BootEvents api:NetUserModalsGet api:SecurityPolicy; do
    s=$(status "$t")
    [ "$s" = rows ] && { pass "$t: Wine implements it now ($(rows "$t" | jq length) rows)"; continue; }
    assert_eq "$s" error "$t: not implemented by Wine: error"
    assert_contains "$(rows "$t" | jq -r .why)" "${t#api:}" "$t: the reason names the table"
done
assert_contains "$(rows api:AuditPolicy | jq -r .why)" AuditEnumerateCategories \
    "api:AuditPolicy: the reason names the missing function"
assert_contains "$(rows api:WindowsUpdatePending | jq -r .why)" "HRESULT 0x" \
    "api:WindowsUpdatePending: the reason carries the HRESULT"

# --wmi adds a class (once: names compare case-insensitively, as the loader's do); to
# standard output without --out; a class name that is not NAMESPACE:CLASS is a usage error.
rc=0
wagent record --wmi 'root\CIMV2:Win32_BIOS' --wmi 'root\cimv2:win32_operatingsystem' \
    >"$T/rec2.json" 2>"$T/record2.err" || rc=$?
[ "$rc" = 0 ] || fail "record --wmi exited $rc: $(cat "$T/record2.err")"
assert_eq "$(jq '.tables | length' "$T/rec2.json")" 27 "--wmi: one class more, the repeated one once"
jq -e '.tables["wmi:root\\CIMV2:Win32_BIOS"] | type == "array" and length == 1' "$T/rec2.json" >/dev/null ||
    fail "--wmi root\CIMV2:Win32_BIOS: no row"
pass "--wmi root\CIMV2:Win32_BIOS recorded to standard output"
rc=0
wagent record --wmi Win32_BIOS >/dev/null 2>"$T/record3.err" || rc=$?
assert_eq "$rc" 2 "--wmi without a namespace: usage error"

# The recording and the registry of the same prefix judge on Linux.
wine reg export HKLM "$(win "$T/hklm.reg")" /y >"$T/regexport.log" 2>&1 || fail "wine reg export HKLM"
wineserver -k 2>/dev/null || true
rc=0
"$EF_AGENT" scan --registry "$T/hklm.reg" --recording "$R" --policy "$EF_SOURCE_DIR/checks/policies-windows" \
    --format json --state-dir "$T/state" >"$T/scan.json" 2>"$T/scan.err" || rc=$?
[ "$rc" -le 1 ] || fail "scan --registry --recording of the Wine machine exited $rc: $(cat "$T/scan.err")"
n=$(jq '.results | length' "$T/scan.json")
[ "$n" -ge 10 ] || fail "only $n results from the recorded Wine machine"
pass "the Wine machine's recording and registry judge on Linux ($n checks, exit $rc)"

# record is Windows only: on Linux it says so and exits 2.
rc=0
"$EF_AGENT" record --out "$T/linux.json" 2>"$T/linux.err" || rc=$?
assert_eq "$rc" 2 "record on Linux exits 2"
assert_contains "$(cat "$T/linux.err")" "needs Windows" "record on Linux says it needs Windows"
[ ! -e "$T/linux.json" ] || fail "record on Linux wrote a file"
