#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# A Windows machine scanned through its recorded registry (issue 12): efterlev-agent scan
# --registry FILE.reg --policy checks/policies-windows --level high, on the fixtures the
# Wine tests import too (tests/fixtures/windows/*.reg, UTF-16LE as reg export writes them).
# Asserts every check's verdict, that the evidence names the deciding key and value (and
# "policy" or "local"), the report's Windows host fields, the count of checks per level and
# role, and the refusals: a malformed .reg, --registry with --root, registry rules without a
# registry.
set -euo pipefail
: "${EF_AGENT:?EF_AGENT must name the efterlev-agent binary}"
: "${EF_SOURCE_DIR:?EF_SOURCE_DIR must name the source tree}"
FX="$EF_SOURCE_DIR/tests/fixtures/windows"
POL="$EF_SOURCE_DIR/checks/policies-windows"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
# patch.os_supported judges the release against its end of servicing: a fixed day, so that
# good.reg (Windows 11 Pro 25H2, until 2027-10-12) passes and bad.reg (23H2, ended
# 2025-11-11) fails whatever the clock says.
export EFTERLEV_NOW=2026-12-05T12:00:00Z

scan() { # FILE LEVEL OUT: the JSON report; exit status in OUT.rc
    local rc=0
    "$EF_AGENT" scan --registry "$1" --policy "$POL" --level "$2" --format json --state-dir "$TMP/state" \
        >"$3" 2>"$3.err" || rc=$?
    echo "$rc" >"$3.rc"
}

scan "$FX/good.reg" high "$TMP/good.json"
scan "$FX/bad.reg" high "$TMP/bad.json"
scan "$FX/policy-over-local.reg" high "$TMP/pol.json"
# the same machine as a server and as a domain controller (ProductType), for the counts
iconv -f UTF-16LE -t UTF-8 "$FX/good.reg" | sed 's/"ProductType"="WinNT"/"ProductType"="ServerNT"/' >"$TMP/server.reg"
iconv -f UTF-16LE -t UTF-8 "$FX/good.reg" | sed 's/"ProductType"="WinNT"/"ProductType"="LanmanNT"/' >"$TMP/dc.reg"
for lv in basic elevated high; do
    scan "$FX/good.reg" "$lv" "$TMP/desktop.$lv.json"
    scan "$TMP/server.reg" "$lv" "$TMP/server.$lv.json"
    scan "$TMP/dc.reg" "$lv" "$TMP/dc.$lv.json"
done

python3 - "$TMP" <<'PY'
import json, sys
tmp = sys.argv[1]
def load(name):
    return json.load(open(f"{tmp}/{name}.json")), int(open(f"{tmp}/{name}.json.rc").read())
bad_n = 0
def check(cond, msg):
    global bad_n
    if not cond:
        print("FAIL:", msg); bad_n += 1

P = "HKLM\\SOFTWARE\\Policies\\Microsoft\\"
NOREC = "no recording of this machine's WMI and API results (scan --recording FILE.json)"
L = "HKLM\\SYSTEM\\CurrentControlSet\\"
# check id: (deciding key\value named in the evidence of good.reg, in bad.reg)
EVIDENCE = {
    "enc.recovery_key_escrow": (P + "FVE\\OSRequireActiveDirectoryBackup = 1", P + "FVE\\OSRequireActiveDirectoryBackup = 0"),
    "enc.removable_media_policy": (P + "FVE\\RDVDenyWriteAccess = 1", P + "FVE\\RDVDenyWriteAccess = 0"),
    "patch.os_supported": ("Windows 11 25H2 (build 26200.4460, EditionID Professional: family home-pro): security updates until 2027-10-12 (checks/windows-support.csv, built in), 311 days left",
                           "Windows 11 23H2 (build 22631.4460, EditionID Professional: family home-pro): end of servicing 2025-11-11 (checks/windows-support.csv, built in), 389 days ago"),
    "patch.reboot_pending": ("neither HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\WindowsUpdate\\Auto Update\\RebootRequired",
                             "Auto Update\\RebootRequired exists; since when is unknown"),
    "patch.auto_updates_enabled": (P + "Windows\\WindowsUpdate\\AU\\AUOptions = 4", P + "Windows\\WindowsUpdate\\AU\\NoAutoUpdate = 1"),
    "log.process_cmdline": ("Policies\\System\\Audit\\ProcessCreationIncludeCmdLine_Enabled = 1", "ProcessCreationIncludeCmdLine_Enabled = 0"),
    "log.powershell_logging": ("ScriptBlockLogging\\EnableScriptBlockLogging = 1", "no value EnableScriptBlockLogging under " + P + "Windows\\PowerShell\\ScriptBlockLogging"),
    "log.remote_forwarding": ("EventForwarding\\SubscriptionManager\\1 = Server=https://wec.kommun.example", "service winlogbeat: api:Services: no recording"),
    "time.sync_active": (P + "W32Time\\TimeProviders\\NtpClient\\Enabled = 1 (REG_DWORD): policy value, overrides the local setting",
                         L + "Services\\W32Time\\Parameters\\Type = NoSync"),
    "acct.laps_enabled": ("CurrentVersion\\Policies\\LAPS\\BackupDirectory = 2", "CurrentVersion\\Policies\\LAPS\\BackupDirectory = 0"),
    "acct.no_empty_passwords": (L + "Control\\Lsa\\LimitBlankPasswordUse = 1 (REG_DWORD): local value", "LimitBlankPasswordUse = 0"),
    "acct.uac_enabled": ("Policies\\System\\EnableLUA = 1 (REG_DWORD): policy value", "Policies\\System\\EnableLUA = 0"),
    "acct.autologon_off": ("Winlogon\\AutoAdminLogon = 0 (REG_SZ)", "Winlogon\\DefaultPassword exists (REG_SZ) (expected absent)"),
    "acct.always_install_elevated_off": ("no value AlwaysInstallElevated under " + P + "Windows\\Installer (policy) (absent is accepted",
                                         "Windows\\Installer\\AlwaysInstallElevated = 1"),
    "acct.wdigest_off": ("WDigest\\UseLogonCredential = 0", "WDigest\\UseLogonCredential = 1"),
    "acct.lsa_protection": (L + "Control\\Lsa\\RunAsPPL = 1", L + "Control\\Lsa\\RunAsPPL = 0"),
    "net.host_firewall": (P + "WindowsFirewall\\DomainProfile\\EnableFirewall = 1 (REG_DWORD): policy value, overrides the local setting",
                          P + "WindowsFirewall\\PublicProfile\\EnableFirewall = 0 (REG_DWORD) (expected 1): policy value"),
    "net.smb1_disabled": ("LanmanServer\\Parameters\\SMB1 = 0", "LanmanServer\\Parameters\\SMB1 = 1"),
    "net.smb_signing": ("LanmanWorkstation\\Parameters\\RequireSecuritySignature = 1", "LanmanServer\\Parameters\\RequireSecuritySignature = 0"),
    "net.rdp_nla": ("WinStations\\RDP-Tcp\\UserAuthentication = 1 (REG_DWORD): local value, no UserAuthentication under " + P + "Windows NT\\Terminal Services",
                    "WinStations\\RDP-Tcp\\UserAuthentication = 0"),
    "net.legacy_name_resolution_off": ("NetbiosOptions 2 on all 2 interfaces", "DNSClient\\EnableMulticast = 1"),
    "net.ntlmv1_refused": ("MSV1_0\\NTLMMinServerSec = 537395200", "Lsa\\LmCompatibilityLevel = 3"),
    "net.anonymous_restricted": ("Lsa\\RestrictRemoteSAM = O:BAG:BAD:(A;;RC;;;BA)", "Lsa\\RestrictAnonymous = 0"),
    "net.smb_client_hardened": ("HardenedPaths\\\\\\*\\SYSVOL = RequireMutualAuthentication=1, RequireIntegrity=1", "AllowInsecureGuestAuth = 1"),
    "net.print_spooler_hardened": ("Printers\\RegisterSpoolerRemoteRpcEndPoint = 2", "PointAndPrint\\RestrictDriverInstallationToAdministrators = 0"),
    "net.winrm_hardened": ("WinRM\\Service\\AllowUnencryptedTraffic = 0", "WinRM\\Client\\AllowBasic = 1"),
    "mal.smartscreen_on": ("Windows\\System\\ShellSmartScreenLevel = Block (REG_SZ)", "Windows\\System\\EnableSmartScreen = 0"),
    "desk.screen_lock": ("Policies\\System\\InactivityTimeoutSecs = 900", "desktop.user_screen_lock unknown: no loaded user hive"),
    "desk.password_on_wake": ("not applicable: host.role = desktop", "not applicable: host.role = desktop"),
    "desk.no_automount": ("Policies\\Explorer\\NoDriveTypeAutoRun = 255", "Policies\\Explorer\\NoDriveTypeAutoRun = 145"),
    "boot.secure_boot": ("SecureBoot\\State\\UEFISecureBootEnabled = 1", "boot.uefi unknown: api:Firmware not read: " + NOREC),
    # workstations: the backup check is for servers (tests/unit/test_backup_agent.c judges it)
    "avail.backup_agent": ("not applicable (data on servers): host.role = desktop", "not applicable (data on servers): host.role = desktop"),
}
# The checks that read WMI and API tables (tests/integration/windows_api.sh judges them with
# recordings): without a recording they are unknown, saying so; log.audit_policy fails on
# bad.reg by its registry half (SCENoApplyLegacyAuditPolicy = 0).
NOREC = "no recording of this machine's WMI and API results"
API_CHECKS = {
    "patch.last_update_age": "updates.days_since_upgrade unknown: api:WindowsUpdateHistory: " + NOREC,
    "patch.security_updates_pending": "updates.security_pending_days unknown: api:WindowsUpdatePending: " + NOREC,
    "patch.metadata_fresh": "updates.days_since_refresh unknown: api:AutomaticUpdates: " + NOREC,
    "log.audit_policy": "audit.policy.credential_validation unknown: api:AuditPolicy: " + NOREC,
    "log.eventlog_size": "log.eventlog.security_max_size unknown: api:EventLogChannels: " + NOREC,
    "log.retention": "log.retention.days unknown: api:EventLogChannels: " + NOREC,
    "acct.password_quality": "accounts.password_min_length unknown: api:NetUserModalsGet: " + NOREC,
    "acct.password_history": "accounts.password_history unknown: api:NetUserModalsGet: " + NOREC,
    "acct.login_lockout": "accounts.lockout_threshold unknown: api:NetUserModalsGet: " + NOREC,
    "acct.guest_disabled": "accounts.guest_disabled unknown: api:LocalUsers: " + NOREC,
    "acct.builtin_admin_disabled": "accounts.builtin_admin_disabled unknown: api:LocalUsers: " + NOREC,
    "acct.local_admins_allowlist": "accounts.local_admins_extra unknown: api:LocalAdministrators: " + NOREC,
}
for cid, ev in API_CHECKS.items():
    EVIDENCE[cid] = (ev, ev)
EVIDENCE["log.audit_policy"] = (API_CHECKS["log.audit_policy"], "Lsa\\SCENoApplyLegacyAuditPolicy = 0 (REG_DWORD) (expected 1)")
# The checks that read WMI or the API tables (issue 13): without a recording (scan --recording,
# tests/integration/windows_wmi.sh) unknown, saying so; the pre-boot PIN is asked of laptops
# only, and without WMI a workstation is a desktop.
for cid in ("enc.os_volume_bitlocker", "enc.data_mounts_luks", "enc.bitlocker_method", "acct.credential_guard",
            "mal.av_active", "mal.signatures_fresh", "mal.tamper_protection", "sys.tpm_ready",
            "sys.unsupported_powershell_v2_off", "mal.asr_rules"):
    EVIDENCE[cid] = (NOREC, NOREC)
EVIDENCE["enc.bitlocker_preboot_auth"] = ("not applicable: host.role = desktop",) * 2
# Verdicts other than pass on good.reg / fail on bad.reg, each because a part is not in the
# registry or not dated by it: unknown, never passed on missing information. Legacy BIOS is
# told apart by GetFirmwareType (a recording): bad.reg's Secure Boot off is unknown without one.
GOOD_NOT_PASS = {"avail.backup_agent": "na", **{c: "unknown" for c in API_CHECKS}}
BAD_NOT_FAIL = {"avail.backup_agent": "na", "patch.reboot_pending": "unknown",
                "log.remote_forwarding": "unknown", "desk.screen_lock": "unknown",
                "boot.secure_boot": "unknown",
                **{c: "unknown" for c in API_CHECKS if c != "log.audit_policy"}}
for cid in EVIDENCE:
    if NOREC in EVIDENCE[cid][0] and cid not in API_CHECKS:
        GOOD_NOT_PASS[cid] = BAD_NOT_FAIL[cid] = "unknown"
for cid in ("enc.bitlocker_preboot_auth", "desk.password_on_wake"):  # laptops only
    GOOD_NOT_PASS[cid] = BAD_NOT_FAIL[cid] = "na"

for name, col, default, exceptions in (("good", 0, "pass", GOOD_NOT_PASS), ("bad", 1, "fail", BAD_NOT_FAIL)):
    doc, rc = load(name)
    res = {r["check"]: r for r in doc["results"]}
    check(set(res) == set(EVIDENCE), f"{name}: checks {sorted(set(res) ^ set(EVIDENCE))} differ")
    for cid, ev in EVIDENCE.items():
        r = res.get(cid)
        if r is None:
            continue
        want = exceptions.get(cid, default)
        check(r["status"] == want, f"{name}.reg {cid}: {r['status']} (expected {want}): {r['evidence']}")
        check(ev[col] in r["evidence"], f"{name}.reg {cid}: evidence lacks {ev[col]!r}: {r['evidence']}")
    check(rc == (0 if name == "good" else 1), f"{name}.reg: exit status {rc}")
    h = doc["host"]
    rel = ("26200", "25H2") if name == "good" else ("22631", "23H2")
    check(h["platform"] == "windows" and h["os_id"] == "windows" and h["os_build"] == rel[0] + ".4460"
          and h["os_edition"] == "Professional" and h["os_pretty"] == "Windows 11 Pro " + rel[1]
          and h["os_version"] == rel[1], f"{name}.reg: host {h}")
    check(h["hostname"] == ("SKOLA-ÅÄÖ-07" if name == "good" else "HEMTJÄNST-ÖST-12"), f"{name}.reg hostname {h['hostname']}")
    check(doc["policy"]["id"] == "efterlev-default-windows", "policy id")
bad_doc, _ = load("bad")
for r in bad_doc["results"]:
    check("FIXTUREONLY" not in r["evidence"], f"bad.reg {r['check']}: a stored password in the evidence")

# policy over local: the policy value decides, named as such
doc, _ = load("pol")
res = {r["check"]: r for r in doc["results"]}
for cid, status, ev in (
    ("net.host_firewall", "fail", P + "WindowsFirewall\\DomainProfile\\EnableFirewall = 0 (REG_DWORD) (expected 1): policy value, overrides the local setting"),
    ("time.sync_active", "pass", P + "W32Time\\TimeProviders\\NtpClient\\Enabled = 1 (REG_DWORD): policy value, overrides the local setting"),
    ("net.rdp_nla", "fail", P + "Windows NT\\Terminal Services\\UserAuthentication = 0 (REG_DWORD) (expected 1): policy value"),
    ("acct.lsa_protection", "unknown", "accounts.lsa_protected_event unknown: api:BootEvents: no recording"),
    ("patch.auto_updates_enabled", "pass", P + "Windows\\WindowsUpdate\\AU does not exist"),
):
    check(res[cid]["status"] == status, f"policy-over-local {cid}: {res[cid]['status']} (expected {status}): {res[cid]['evidence']}")
    check(ev in res[cid]["evidence"], f"policy-over-local {cid}: evidence lacks {ev!r}: {res[cid]['evidence']}")
    check(not (cid == "net.host_firewall" and "FirewallPolicy\\DomainProfile" in res[cid]["evidence"]),
          "net.host_firewall: the local value must not decide")

# Checks each level requires per role: results that are not "na" (docs/checks/windows.md).
# Checks required per level and role (not "na"), on good.reg without a recording:
#   desktop (ProductType WinNT; without a recording of WMI a workstation is a desktop):
#     16 registry checks at basic (desk.password_on_wake is for laptops) + 2 WMI
#     (mal.av_active, mal.signatures_fresh) + 8 API (patch.last_update_age,
#     patch.security_updates_pending, patch.metadata_fresh, log.audit_policy,
#     log.eventlog_size, acct.password_quality, acct.login_lockout, acct.guest_disabled) = 26;
#     elevated: 30 registry + 7 WMI + 12 API = 49 (avail.backup_agent: servers only);
#     high: 31 + 9 + 12 = 52.
#   server (ServerNT): basic 13 + 2 + 8 = 23; elevated 27 + 7 + 12 + avail.backup_agent = 47;
#     high 28 + 9 + 12 + 1 = 50.
#   domain controller (LanmanNT): as a server without acct.laps_enabled (elevated): 23, 46, 49.
COUNTS = {"desktop": (26, 49, 52), "server": (23, 47, 50), "dc": (23, 46, 49)}
for role, want in COUNTS.items():
    for lv, n in zip(("basic", "elevated", "high"), want):
        doc, _ = load(f"{role}.{lv}")
        got = sum(1 for r in doc["results"] if r["status"] != "na")
        check(got == n, f"{role} at {lv}: {got} checks required (expected {n})")
if bad_n:
    sys.exit(f"{bad_n} failure(s)")
print("ok: good.reg passes, bad.reg fails, policy over local, counts per level and role")
PY

# refusals: a malformed .reg names file and line; --registry goes without --root
printf 'Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\X]\r\n"A"=dword:xyz\r\n' >"$TMP/broken.reg"
rc=0
"$EF_AGENT" scan --registry "$TMP/broken.reg" --policy "$POL" >/dev/null 2>"$TMP/err" || rc=$?
[ "$rc" = 2 ] && grep -q "broken.reg:4: dword: 'xyz' is not hexadecimal" "$TMP/err" || {
    echo "FAIL: malformed .reg: exit $rc: $(cat "$TMP/err")"; exit 1; }
rc=0
"$EF_AGENT" scan --registry "$FX/good.reg" --root / --policy "$POL" >/dev/null 2>"$TMP/err" || rc=$?
[ "$rc" = 2 ] && grep -q -- "--registry and --root" "$TMP/err" || { echo "FAIL: --registry with --root: $rc"; exit 1; }

# without a registry (a Linux scan): the Windows policy is not applicable, and a registry
# rule in a check for every platform is unknown, saying why
"$EF_AGENT" scan --root "$EF_SOURCE_DIR/tests/fixtures/debian12-luks" --policy "$POL" --format json \
    >"$TMP/linux.json" 2>/dev/null || true
python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
bad = [r["check"] for r in d["results"] if r["status"] != "na"]
assert not bad, f"Windows checks not na on Linux: {bad}"
assert d["host"]["platform"] == "linux"
' "$TMP/linux.json"
cat >"$TMP/any.yml" <<'YML'
policy: {id: t, version: "1"}
checks:
  - id: t.reg
    title: t
    description: d
    rationale: r
    remediation: r
    controls: ["8.20"]
    severity: low
    level: basic
    all:
      - registry: 'HKLM\SYSTEM\CurrentControlSet\Control\Lsa'
        value: NoLMHash
        equals: 1
YML
"$EF_AGENT" scan --root "$EF_SOURCE_DIR/tests/fixtures/debian12-luks" --policy "$TMP/any.yml" --format json \
    >"$TMP/any.json" 2>/dev/null || true
grep -q '"status":"unknown"' "$TMP/any.json" && grep -q 'no Windows registry in this scan (a linux system' "$TMP/any.json" || {
    echo "FAIL: registry rule without a registry: $(cat "$TMP/any.json")"; exit 1; }
echo "ok: windows_registry"
