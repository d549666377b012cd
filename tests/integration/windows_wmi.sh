#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# A Windows machine scanned through its recorded registry and its recorded WMI and API
# results (issue 13): efterlev-agent scan --registry FILE.reg --recording FILE.json --policy
# checks/policies-windows --level high, on tests/fixtures/windows/{good,bad}.reg with
# recording/{good,bad}-wmi.json. Asserts the verdict of every check that reads WMI (the
# wmi rule kind and the WMI probes) and the key words of its evidence (class, property,
# value), host.role from the chassis types (laptop, desktop, server, and desktop without a
# recording), and the variants: tables denied (unknown "needs Administrator", never fail),
# a suspended, an encrypting and an AES-CBC system volume, legacy BIOS, another anti-malware
# product, hardware without VBS, PowerShell 2.0 removed.
set -euo pipefail
: "${EF_AGENT:?EF_AGENT must name the efterlev-agent binary}"
: "${EF_SOURCE_DIR:?EF_SOURCE_DIR must name the source tree}"
FX="$EF_SOURCE_DIR/tests/fixtures/windows"
REC="$FX/recording"
POL="$EF_SOURCE_DIR/checks/policies-windows"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

scan() { # REG RECORDING|- LEVEL POLICY OUT
    local rec=()
    [ "$2" = - ] || rec=(--recording "$2")
    "$EF_AGENT" scan --registry "$1" "${rec[@]}" --policy "$4" --level "$3" --format json \
        --state-dir "$TMP/state" >"$5" 2>"$5.err" || true
    [ -s "$5" ] || { echo "FAIL: no report for $1 $2: $(cat "$5.err")"; exit 1; }
}

# the role as the agent sees it, through a one-check policy
cat >"$TMP/role.yml" <<'YML'
policy: {id: t, version: "1"}
checks:
  - id: t.role
    title: t
    description: d
    rationale: r
    remediation: r
    controls: ["8.20"]
    severity: low
    level: basic
    all:
      - fact: host.role
        matches: '.'
YML

# variants of the recordings (jq): V NAME BASE FILTER
V() { jq "$3" "$REC/$2-wmi.json" >"$TMP/$1.json"; }
BL='wmi:root\\CIMV2\\Security\\MicrosoftVolumeEncryption:Win32_EncryptableVolume'
V desktop good '.tables["wmi:root\\CIMV2:Win32_SystemEnclosure"][0].ChassisTypes = [3]
  | .tables["wmi:root\\CIMV2:Win32_ComputerSystem"][0].PCSystemType = 1'
V server good '.tables["wmi:root\\CIMV2:Win32_OperatingSystem"][0].ProductType = 3
  | .tables["wmi:root\\CIMV2:Win32_SystemEnclosure"][0].ChassisTypes = [23]
  | .tables["api:SecurityCenterAntivirus"] = {"status": "absent", "why": "Windows Security Center is not on servers"}'
V denied good 'reduce ("wmi:root\\CIMV2\\Security\\MicrosoftVolumeEncryption:Win32_EncryptableVolume",
    "api:BitLockerKeyProtectors", "wmi:root\\CIMV2\\Security\\MicrosoftTpm:Win32_Tpm",
    "wmi:root\\Microsoft\\Windows\\DeviceGuard:Win32_DeviceGuard",
    "wmi:root\\Microsoft\\Windows\\Defender:MSFT_MpComputerStatus",
    "wmi:root\\CIMV2:Win32_OptionalFeature", "api:SecurityCenterAntivirus") as $t
  (.; .tables[$t] = {"status": "denied", "why": "access denied (0x80041003): needs Administrator"})'
V cbc good ".tables[\"$BL\"][0].EncryptionMethod = 3"
V encrypting good ".tables[\"$BL\"][0].ProtectionStatus = 0 | .tables[\"$BL\"][0].ConversionStatus = 2"
V bios bad '.tables["api:Firmware"] = [{"type": "bios"}]'
V otherav good '.tables["wmi:root\\Microsoft\\Windows\\Defender:MSFT_MpComputerStatus"] = {"status": "absent", "why": "invalid namespace: no Microsoft Defender"}
  | .tables["api:SecurityCenterAntivirus"] = [{"name": "ESET Endpoint Security", "state": "on", "signature_up_to_date": true}]'
# servers with another product: no Defender, no Security Center; an allow-listed service runs
# (Symantec), or none does (ESET's stopped, WinDefend's not on the list)
NODEF='.tables["wmi:root\\Microsoft\\Windows\\Defender:MSFT_MpComputerStatus"] = {"status": "absent", "why": "invalid namespace: no Microsoft Defender"}'
jq "$NODEF"' | .tables["api:Services"] = [{"name": "WinDefend", "state": "stopped", "start_type": "disabled"},
    {"name": "SepMasterService", "display_name": "Symantec Endpoint Protection", "state": "running", "start_type": "auto"}]' \
    "$TMP/server.json" >"$TMP/serverav.json"
jq "$NODEF"' | .tables["api:Services"] = [{"name": "WinDefend", "state": "running", "start_type": "auto"},
    {"name": "ekrn", "display_name": "ESET Service", "state": "stopped", "start_type": "auto"}]' \
    "$TMP/server.json" >"$TMP/servernoav.json"
# attack surface reduction set by Intune (MSFT_MpPreference), none by Group Policy (bad.reg):
# the nine rules in block mode; one of them in audit mode (2) only
MPP='.tables["wmi:root\\Microsoft\\Windows\\Defender:MSFT_MpPreference"][0]'
ASR='["be9ba2d9-53ea-4cdc-84e5-9b1eeee46550", "d4f940ab-401b-4efc-aadc-ad5f3c50688a", "9e6c4e1f-7d60-472f-ba1a-a39ef669e4b2",
  "3b576869-a4ec-4529-8536-b80a7769e899", "75668c1f-73b5-4cf0-bb93-3ecf5cb7cc84", "d3e037e1-3eb8-44c8-a917-57927947596d",
  "5beb7efe-fd9a-4556-801d-275e5ffc04cc", "92e97fa1-2edf-4476-bdd6-9dd0b4dddc7b", "b2b3f03d-6a65-4f7b-a9c7-1c7ef74a9ba4",
  "56a863a9-875e-4185-98a7-b882c64b5ce5"]'
V asrwmi good "$MPP.AttackSurfaceReductionRules_Ids = $ASR | $MPP.AttackSurfaceReductionRules_Actions = [1,1,1,1,1,1,1,1,1,2]"
V asraudit good "$MPP.AttackSurfaceReductionRules_Ids = $ASR | $MPP.AttackSurfaceReductionRules_Actions = [1,1,2,1,1,1,1,1,1,2]"
V novbs bad '.tables["wmi:root\\Microsoft\\Windows\\DeviceGuard:Win32_DeviceGuard"][0].AvailableSecurityProperties = [0]'
V nopsv2 good '.tables["wmi:root\\CIMV2:Win32_OptionalFeature"] |= map(select(.Name | startswith("MicrosoftWindowsPowerShellV2") | not))'
iconv -f UTF-16LE -t UTF-8 "$FX/good.reg" | sed 's/"ProductType"="WinNT"/"ProductType"="ServerNT"/' >"$TMP/server.reg"

scan "$FX/good.reg" "$REC/good-wmi.json" high "$POL" "$TMP/good.out"
scan "$FX/bad.reg" "$REC/bad-wmi.json" high "$POL" "$TMP/bad.out"
scan "$FX/good.reg" "$TMP/desktop.json" high "$POL" "$TMP/desktop.out"
scan "$FX/good.reg" "$TMP/desktop.json" basic "$POL" "$TMP/desktop.basic.out"
scan "$FX/good.reg" "$REC/good-wmi.json" basic "$POL" "$TMP/laptop.basic.out"
scan "$TMP/server.reg" "$TMP/server.json" high "$POL" "$TMP/server.out"
scan "$TMP/server.reg" "$TMP/serverav.json" high "$POL" "$TMP/serverav.out"
scan "$TMP/server.reg" "$TMP/servernoav.json" high "$POL" "$TMP/servernoav.out"
scan "$FX/good.reg" "$TMP/denied.json" high "$POL" "$TMP/denied.out"
scan "$FX/good.reg" "$TMP/cbc.json" high "$POL" "$TMP/cbc.out"
scan "$FX/good.reg" "$TMP/cbc.json" elevated "$POL" "$TMP/cbc.elevated.out"
scan "$FX/good.reg" "$TMP/encrypting.json" high "$POL" "$TMP/encrypting.out"
scan "$FX/bad.reg" "$TMP/bios.json" high "$POL" "$TMP/bios.out"
scan "$FX/good.reg" "$TMP/otherav.json" high "$POL" "$TMP/otherav.out"
scan "$FX/bad.reg" "$TMP/novbs.json" high "$POL" "$TMP/novbs.out"
scan "$FX/bad.reg" "$TMP/asrwmi.json" high "$POL" "$TMP/asrwmi.out"
scan "$FX/bad.reg" "$TMP/asraudit.json" high "$POL" "$TMP/asraudit.out"
scan "$FX/good.reg" "$TMP/nopsv2.json" high "$POL" "$TMP/nopsv2.out"
scan "$FX/good.reg" "$REC/good-wmi.json" basic "$TMP/role.yml" "$TMP/role.laptop.out"
scan "$FX/good.reg" "$TMP/desktop.json" basic "$TMP/role.yml" "$TMP/role.desktop.out"
scan "$TMP/server.reg" "$TMP/server.json" basic "$TMP/role.yml" "$TMP/role.server.out"
scan "$FX/good.reg" - basic "$TMP/role.yml" "$TMP/role.none.out"

python3 - "$TMP" <<'PY'
import json, sys
tmp = sys.argv[1]
bad_n = 0
def check(cond, msg):
    global bad_n
    if not cond:
        print("FAIL:", msg); bad_n += 1
def results(name):
    return {r["check"]: r for r in json.load(open(f"{tmp}/{name}.out"))["results"]}
def expect(name, cid, status, *words):
    r = results(name).get(cid)
    if r is None:
        check(False, f"{name}: no result for {cid}"); return
    check(r["status"] == status, f"{name} {cid}: {r['status']} (expected {status}): {r['evidence']}")
    for w in words:
        check(w in r["evidence"], f"{name} {cid}: evidence lacks {w!r}: {r['evidence']}")

BLNS = "root\\CIMV2\\Security\\MicrosoftVolumeEncryption Win32_EncryptableVolume"
DEF = "wmi root\\Microsoft\\Windows\\Defender MSFT_MpComputerStatus"
TPM = "wmi root\\CIMV2\\Security\\MicrosoftTpm Win32_Tpm"
DG = "wmi root\\Microsoft\\Windows\\DeviceGuard Win32_DeviceGuard"
OF = "wmi root\\CIMV2 Win32_OptionalFeature"
# check id: (good status, good words), (bad status, bad words)
CHECKS = {
    "enc.os_volume_bitlocker": (("pass", "bitlocker.os_volume.state = on", BLNS, "DriveLetter C:",
                                 "ProtectionStatus 1 (protection on), ConversionStatus 1 (fully encrypted)"),
                                ("fail", "bitlocker.os_volume.state = suspended (expected on)",
                                 "ProtectionStatus 0, ConversionStatus 1 (fully encrypted): protection suspended")),
    "enc.data_mounts_luks": (("pass", "wmi " + BLNS + " (where VolumeType = 1): DriveLetter D:, ProtectionStatus = 1",
                              "DriveLetter D:, ConversionStatus = 1"),
                             ("fail", "wmi " + BLNS + " (where VolumeType = 1): DriveLetter D:, ProtectionStatus = 0 (expected 1)",
                              "DriveLetter D:, ConversionStatus = 0 (expected 1)")),
    "enc.bitlocker_method": (("pass", "bitlocker.os_volume.encryption_method = 7", "EncryptionMethod 7 (XTS-AES-256)"),
                             ("fail", "bitlocker.os_volume.encryption_method = 5 (min 7)",
                              "EncryptionMethod 5 (hardware encryption (self-encrypting drive))")),
    "enc.bitlocker_preboot_auth": (("pass", "bitlocker.os_volume.tpm_protector = tpm_pin",
                                    "api:BitLockerKeyProtectors of the system volume C:, protectors 4 TPM+PIN; 3 numerical password"),
                                   ("fail", "bitlocker.os_volume.tpm_protector = tpm (does not match '^tpm_pin$')",
                                    "api:BitLockerKeyProtectors of the system volume C:, protectors 1 TPM")),
    "acct.credential_guard": (("pass", DG + ": SecurityServicesRunning = [1,2]"),
                              ("fail", DG + ": SecurityServicesRunning = [0] (expected to contain 1)")),
    "mal.av_active": (("pass", DEF + ": AMServiceEnabled = true", "AntivirusEnabled = true",
                       "RealTimeProtectionEnabled = true"),
                      ("fail", DEF + ": RealTimeProtectionEnabled = false (expected true)",
                       "malware.other_av = none", "Kaspersky Endpoint Security for Windows (expired)")),
    "mal.signatures_fresh": (("pass", DEF + ": AntivirusSignatureAge = 0"),
                             ("fail", DEF + ": AntivirusSignatureAge = 9 (max 1)")),
    "mal.tamper_protection": (("pass", DEF + ": IsTamperProtected = true"),
                              ("fail", DEF + ": IsTamperProtected = false (expected true)")),
    "sys.tpm_ready": (("pass", TPM + ": IsEnabled_InitialValue = true", "IsActivated_InitialValue = true",
                       'SpecVersion = "2.0, 0, 1.38"'),
                      ("fail", TPM + ": IsActivated_InitialValue = false (expected true)",
                       'SpecVersion = "1.2, 2, 3" (does not match')),
    "sys.unsupported_powershell_v2_off": (("pass", OF + " (where Name = 'MicrosoftWindowsPowerShellV2Root'): Name MicrosoftWindowsPowerShellV2Root, InstallState = 2",
                                           "Name MicrosoftWindowsPowerShellV2, InstallState = 2"),
                                          ("fail", "Name MicrosoftWindowsPowerShellV2Root, InstallState = 1 (expected one of 2, 3)",
                                           "Name MicrosoftWindowsPowerShellV2, InstallState = 1 (expected one of 2, 3)")),
    "desk.password_on_wake": (("pass", "PowerSettings\\0e796bdb-100d-47d6-a2d5-f7d2daa51f51\\DCSettingIndex = 1"),
                              ("fail", "PowerSettings\\0e796bdb-100d-47d6-a2d5-f7d2daa51f51\\DCSettingIndex = 0")),
    "boot.secure_boot": (("pass", "SecureBoot\\State\\UEFISecureBootEnabled = 1"),
                         ("fail", "SecureBoot\\State\\UEFISecureBootEnabled = 0")),
}
for cid, (good, bad) in CHECKS.items():
    expect("good", cid, *good)
    expect("bad", cid, *bad)

# roles
expect("role.laptop", "t.role", "pass", "host.role = laptop", "WMI Win32_SystemEnclosure.ChassisTypes [10 Notebook]: portable")
expect("role.desktop", "t.role", "pass", "host.role = desktop", "ChassisTypes [3 Desktop]: not a portable type")
expect("role.server", "t.role", "pass", "host.role = server", "ProductType ServerNT (server)")
expect("role.none", "t.role", "pass", "host.role = desktop", "chassis not known from WMI (no recording", "treated as desktop")
# a desktop: the system volume from elevated, no pre-boot PIN question; a laptop from basic
expect("desktop", "enc.bitlocker_preboot_auth", "na", "not applicable: host.role = desktop")
expect("desktop", "desk.password_on_wake", "na", "not applicable: host.role = desktop")
expect("desktop", "enc.os_volume_bitlocker", "pass", "bitlocker.os_volume.state = on")
expect("desktop.basic", "enc.os_volume_bitlocker", "na", "not applicable: host.role = desktop")
expect("laptop.basic", "enc.os_volume_bitlocker", "pass", "bitlocker.os_volume.state = on")
# a server: no pre-boot PIN question, no Security Center (only Defender counts)
expect("server", "enc.bitlocker_preboot_auth", "na", "not applicable: host.role = server")
expect("server", "mal.av_active", "pass", "RealTimeProtectionEnabled = true")
expect("server", "mal.signatures_fresh", "pass", "AntivirusSignatureAge = 0")
# a server with another product: a service of the allow-list runs, or none does
expect("serverav", "mal.av_active", "pass", "host.role = server",
       "api:Services (service control manager): SepMasterService state running (start_type auto)")
expect("servernoav", "mal.av_active", "fail", "MSFT_MpComputerStatus.AMServiceEnabled: not on this machine",
       "host.role = server", "api:Services (service control manager): none of the site's services (SepMasterService, ekrn,")
# denied: unknown "needs Administrator", never fail
for cid in ("enc.os_volume_bitlocker", "enc.data_mounts_luks", "enc.bitlocker_method", "enc.bitlocker_preboot_auth",
            "acct.credential_guard", "mal.av_active", "mal.signatures_fresh", "mal.tamper_protection",
            "sys.tpm_ready", "sys.unsupported_powershell_v2_off"):
    expect("denied", cid, "unknown", "needs Administrator")
# the system volume's other states; the method per level
expect("encrypting", "enc.os_volume_bitlocker", "fail", "state = encrypting (expected on)", "ConversionStatus 2 (encryption in progress)")
expect("cbc", "enc.bitlocker_method", "fail", "encryption_method = 3 (min 7)", "EncryptionMethod 3 (AES-128 (CBC))")
expect("cbc.elevated", "enc.bitlocker_method", "pass", "encryption_method = 3", "AES-128 (CBC)")
# legacy BIOS: no Secure Boot to ask for
expect("bios", "boot.secure_boot", "na", "boot.uefi = false (expected true): api:Firmware type bios (GetFirmwareType): booted by legacy BIOS")
# another product on (Security Center), Defender absent
expect("otherav", "mal.av_active", "pass", "malware.other_av = ESET Endpoint Security", "api:SecurityCenterAntivirus: another product is on")
expect("otherav", "mal.signatures_fresh", "na", "not applicable: malware.other_av = ESET Endpoint Security (expected none)")
expect("otherav", "mal.tamper_protection", "na", "not applicable: malware.other_av = ESET Endpoint Security")
expect("otherav", "mal.asr_rules", "na", "not applicable (another anti-malware product is on): malware.other_av = ESET Endpoint Security")
# ASR rules by Intune (WMI MSFT_MpPreference) where Group Policy set none: all nine required
# rules blocking passes (a tenth in audit mode does not matter); one of them in audit fails
ASRW = "malware.asr_block_rules = BE9BA2D9 D4F940AB 9E6C4E1F 3B576869 75668C1F D3E037E1 5BEB7EFE 92E97FA1 B2B3F03D: " + \
    "WMI root\\Microsoft\\Windows\\Defender MSFT_MpPreference AttackSurfaceReductionRules_Ids/_Actions: 10 rules, 9 in block mode (action 1); not blocking: 56A863A9 action 2"
expect("asrwmi", "mal.asr_rules", "pass", ASRW)
expect("asraudit", "mal.asr_rules", "fail", "ExploitGuard_ASR_Rules = 0 (REG_DWORD) (expected 1)")
# hardware without VBS: Credential Guard not applicable, saying why
expect("novbs", "acct.credential_guard", "na", "not applicable: " + DG + ": AvailableSecurityProperties = [0] (expected to contain 1)")
# Windows 11 24H2: the PowerShell 2.0 feature is gone
expect("nopsv2", "sys.unsupported_powershell_v2_off", "pass", OF + " (where Name = 'MicrosoftWindowsPowerShellV2Root').InstallState: no row matches the where-filter", "accepted (missing: pass)")
if bad_n:
    sys.exit(f"{bad_n} failure(s)")
print("ok: good-wmi passes, bad-wmi fails, roles, denied, variants")
PY

# a malformed recording stops the scan, naming the file
printf '{"efterlev_windows_recording": 1, "tables": {"wmi:CIMV2:Win32_Tpm": []}}' >"$TMP/broken.json"
rc=0
"$EF_AGENT" scan --registry "$FX/good.reg" --recording "$TMP/broken.json" --policy "$POL" >/dev/null 2>"$TMP/err" || rc=$?
[ "$rc" = 2 ] && grep -q "broken.json" "$TMP/err" || { echo "FAIL: malformed recording: exit $rc: $(cat "$TMP/err")"; exit 1; }
echo "ok: windows_wmi"
