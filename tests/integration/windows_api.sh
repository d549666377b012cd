#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# The Windows checks that read WMI and API tables (issue 13): efterlev-agent scan --registry
# FILE.reg --recording FILE.json --policy checks/policies-windows --level high, on the
# recorded good and bad machines (tests/fixtures/windows/{good,bad}.reg with the loaded user
# hives of users-{good,bad}.reg appended, and recording/{good,bad}-api.json), judged at a
# fixed time (EFTERLEV_NOW). Asserts each check's verdict and the key words of its evidence
# (API and field, value, missing audit subcategories by name, KBs, SIDs); then variants: every
# table denied (unknown "needs Administrator", never fail), a domain-joined machine (the
# evidence says the domain's policy governs domain accounts; Domain Admins allowed, a site
# allow-list), a LAPS-managed local account allowed in Administrators, a machine younger
# than the log period (na), RunAsPPL absent (the boot event decides), WSUS (a stale search
# date is unknown), user hives deciding the screen lock, and a pending security update
# without a date (passes at basic, fails at elevated).
set -euo pipefail
: "${EF_AGENT:?EF_AGENT must name the efterlev-agent binary}"
: "${EF_SOURCE_DIR:?EF_SOURCE_DIR must name the source tree}"
FX="$EF_SOURCE_DIR/tests/fixtures/windows"
POL="$EF_SOURCE_DIR/checks/policies-windows"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
export EFTERLEV_NOW=2026-11-23T00:00:00Z

# FILE.reg (UTF-16LE) + a UTF-8 fragment of user hives (its header line dropped) -> UTF-8 .reg
withusers() { iconv -f UTF-16LE -t UTF-8 "$1"; tail -n +2 "$2"; }
withusers "$FX/good.reg" "$FX/users-good.reg" >"$TMP/good.reg"
withusers "$FX/bad.reg" "$FX/users-bad.reg" >"$TMP/bad.reg"

scan() { # NAME REG RECORDING LEVEL [POLICY]: $TMP/NAME.json, exit status in NAME.json.rc
    local rc=0
    "$EF_AGENT" scan --registry "$2" --recording "$3" --policy "${5:-$POL}" --level "$4" \
        --format json >"$TMP/$1.json" 2>"$TMP/$1.err" || rc=$?
    echo "$rc" >"$TMP/$1.json.rc"
}
scan good "$TMP/good.reg" "$FX/recording/good-api.json" high
scan bad "$TMP/bad.reg" "$FX/recording/bad-api.json" high

# every table of this part denied, the agent not elevated
jq '.tables |= with_entries(if .key == "api:Token"
      then .value = [{"elevated": false, "user_sid": "S-1-5-21-1004336348-1177238915-682003330-1001"}]
      else .value = {"status": "denied", "why": "access denied (ERROR_ACCESS_DENIED)"} end)' \
    "$FX/recording/good-api.json" >"$TMP/denied-api.json"
scan denied "$TMP/good.reg" "$TMP/denied-api.json" high

# domain-joined: KOMMUN's Domain Admins and an IT-support group in Administrators
D="S-1-5-21-3623811015-3361044348-30300820"
jq --arg d "$D" '.tables["api:NetGetJoinInformation"] = [{"status": "domain", "name": "KOMMUN"}]
    | .tables["api:LocalAdministrators"] += [
        {"group_sid": "S-1-5-32-544", "group_name": "Administratörer", "sid": ($d + "-512"),
         "name": "KOMMUN\\Domain Admins", "sid_usage": "group"},
        {"group_sid": "S-1-5-32-544", "group_name": "Administratörer", "sid": ($d + "-1105"),
         "name": "KOMMUN\\IT-support", "sid_usage": "group"}]' \
    "$FX/recording/good-api.json" >"$TMP/domain-api.json"
scan domain "$TMP/good.reg" "$TMP/domain-api.json" high
# the site's allow-list: a copy of the policy whose pattern allows IT-support by name
mkdir "$TMP/sitepol"
cp "$POL"/*.yml "$TMP/sitepol/"
python3 - "$TMP/sitepol/40-accounts.yml" <<'PY'
import sys
p = sys.argv[1]
s = open(p, encoding="utf-8").read()
old = "        matches: '^none$'\n"
assert s.count(old) == 1
s = s.replace(old, "        matches: '^(?:none|(?:KOMMUN\\\\IT-support \\([^)]*\\)(?:,|$))+)$'\n")
open(p, "w", encoding="utf-8").write(s)
PY
scan domain-site "$TMP/good.reg" "$TMP/domain-api.json" high "$TMP/sitepol"

# a machine installed 2026-09-01 (83 days): younger than the 180 days high requires
sed 's/"InstallDate"=dword:65e11a80/"InstallDate"=dword:6a961580/' "$TMP/good.reg" >"$TMP/young.reg"
scan young "$TMP/young.reg" "$FX/recording/good-api.json" high
scan young-basic "$TMP/young.reg" "$FX/recording/good-api.json" basic
# RunAsPPL absent: Wininit event 12 since boot proves LSA protection (good), none: unknown
grep -v '^"RunAsPPL"' "$TMP/good.reg" >"$TMP/noppl.reg"
scan noppl "$TMP/noppl.reg" "$FX/recording/good-api.json" high
scan noppl-noevent "$TMP/noppl.reg" "$FX/recording/bad-api.json" high
# WSUS manages the bad machine's updates: its stale search date proves nothing
{ cat "$TMP/bad.reg"; printf '\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Microsoft\\Windows\\WindowsUpdate\\AU]\r\n"UseWUServer"=dword:00000001\r\n'; } >"$TMP/wsus.reg"
scan wsus "$TMP/wsus.reg" "$FX/recording/bad-api.json" high
# LAPS manages the bad machine's local account "support": allowed in Administrators
{ cat "$TMP/bad.reg"; printf '\r\n[HKEY_LOCAL_MACHINE\\Software\\Microsoft\\Windows\\CurrentVersion\\Policies\\LAPS]\r\n"AdministratorAccountName"="support"\r\n'; } >"$TMP/lapsacct.reg"
scan lapsacct "$TMP/lapsacct.reg" "$FX/recording/bad-api.json" high
# no machine inactivity limit: the loaded user hives decide the screen lock
grep -v '^"InactivityTimeoutSecs"' "$TMP/good.reg" >"$TMP/nolimit.reg"
scan userlock "$TMP/nolimit.reg" "$FX/recording/good-api.json" high
# a pending security update without LastDeploymentChangeTime on the good machine
jq '.tables["api:WindowsUpdatePending"] += [{"title": "2026-11 Säkerhetsuppdatering (KB5049999)",
      "kb": "5049999", "msrc_severity": "Critical", "categories": [], "last_deployment_change": null}]' \
    "$FX/recording/good-api.json" >"$TMP/undated-api.json"
scan undated-basic "$TMP/good.reg" "$TMP/undated-api.json" basic
scan undated-elevated "$TMP/good.reg" "$TMP/undated-api.json" elevated

python3 - "$TMP" <<'PY'
import json, sys
tmp = sys.argv[1]
bad_n = 0
def check(cond, msg):
    global bad_n
    if not cond:
        print("FAIL:", msg); bad_n += 1
def results(name):
    d = json.load(open(f"{tmp}/{name}.json"))
    return {r["check"]: r for r in d["results"]}
def expect(name, cid, status, *words):
    r = results(name).get(cid)
    if r is None:
        check(False, f"{name}: no result for {cid}"); return
    check(r["status"] == status, f"{name} {cid}: {r['status']} (expected {status}): {r['evidence']}")
    for w in words:
        check(w in r["evidence"], f"{name} {cid}: evidence lacks {w!r}: {r['evidence']}")

MS = "S-1-5-21-1004336348-1177238915-682003330"
BS = "S-1-5-21-2718281828-3141592653-1618033988"
# check: (good evidence words, bad evidence words)
CASES = {
    "patch.last_update_age": (
        ["updates.days_since_upgrade = 10", "api:WindowsUpdateHistory: newest succeeded installation KB5046633 on 2026-11-12",
         "1 definition-only updates not counted", "Win32_QuickFixEngineering: newest KB5046633 InstalledOn 2026-11-12"],
        ["updates.days_since_upgrade = 102 (max 21)", "KB5041585 on 2026-08-12", "Win32_QuickFixEngineering: newest KB5041585 InstalledOn 2026-08-13"]),
    "patch.security_updates_pending": (
        ["updates.security_pending_days = 2", "1 security updates pending (5048685)", "since 2026-11-20T18:00:00Z",
         "updates.security_pending_undated = 0"],
        ["updates.security_pending_days = 46 (max 7)", "2 security updates pending (5046633, 5048685)", "the oldest, 5046633, since 2026-10-08",
         "updates.security_pending_undated = 1 (max 0)", "without last_deployment_change (5048685): their age is unknown, judged as over the grace period at elevated and high"]),
    "patch.metadata_fresh": (
        ["updates.days_since_refresh = 0", "api:AutomaticUpdates last_search_success (LastSearchSuccessDate) 2026-11-22T06:00:00Z"],
        ["updates.days_since_refresh = 23 (max 2)", "2026-10-30T09:00:00Z", "updates.search_by_manager = false", "no update manager"]),
    "log.audit_policy": (
        ["SCENoApplyLegacyAuditPolicy = 1", "audit.policy.credential_validation = S+F: api:AuditPolicy Credential Validation",
         "audit.policy.account_lockout = F"],
        ["SCENoApplyLegacyAuditPolicy = 0 (REG_DWORD) (expected 1)",
         "audit.policy.credential_validation = none (does not match '^S\\+F$'): api:AuditPolicy Credential Validation",
         "audit.policy.logon = S (does not match '^S\\+F$'): api:AuditPolicy Logon",
         "api:AuditPolicy Account Lockout", "api:AuditPolicy User Account Management", "api:AuditPolicy Process Creation",
         "api:AuditPolicy Sensitive Privilege Use", "api:AuditPolicy System Integrity", "api:AuditPolicy Removable Storage",
         "api:AuditPolicy Other Object Access Events"]),
    "log.eventlog_size": (
        ["log.eventlog.security_max_size = 201326592: api:EventLogChannels Security max_size (EvtChannelLoggingConfigMaxSize) = 201326592 bytes (196608 KB)",
         "log.eventlog.stops_when_full = false", "System retention true, auto_backup true"],
        ["log.eventlog.security_max_size = 20971520 (min 201326592)", "log.eventlog.application_max_size = 20971520 (min 33554432)",
         "log.eventlog.stops_when_full = true (expected false): api:EventLogChannels: Security retention true, auto_backup false"]),
    "log.retention": (
        ["log.retention.days = 235: api:EventLogChannels Security oldest_event 2026-04-01T08:00:00Z"],
        ["log.retention.days = 10 (min 180)", "oldest_event 2026-11-13T00:00:00Z"]),
    "log.remote_forwarding": (
        ["service winlogbeat is running, start type auto (api:Services)"],
        ["service winlogbeat does not exist (api:Services)", "service WazuhSvc does not exist"]),
    "acct.password_quality": (
        ["accounts.password_min_length = 14: api:NetUserModalsGet min_passwd_len = 14", "accounts.password_complexity = true",
         "(not domain-joined: workgroup)"],
        ["accounts.password_min_length = 8 (min 14)", "accounts.password_complexity = false (expected true): api:SecurityPolicy password_complexity ([System Access] PasswordComplexity) = 0"]),
    "acct.password_history": (
        ["accounts.password_history = 24: api:NetUserModalsGet password_hist_len = 24"],
        ["accounts.password_history = 0 (min 24)"]),
    "acct.login_lockout": (
        ["accounts.lockout_threshold = 5", "accounts.lockout_duration = 900: api:NetUserModalsGet lockout_duration = 900 s",
         "accounts.lockout_window = 900: api:NetUserModalsGet lockout_observation_window = 900 s"],
        ["accounts.lockout_threshold = 0 (min 1): api:NetUserModalsGet lockout_threshold = 0"]),
    "acct.guest_disabled": (
        [f"the built-in Guest account Gäst ({MS}-501, RID 501) is disabled (UF_ACCOUNTDISABLE)"],
        [f"the built-in Guest account Besökare ({BS}-501, RID 501) is enabled"]),
    "acct.builtin_admin_disabled": (
        [f"Administratör ({MS}-500, RID 500) is disabled"],
        [f"Administratör ({BS}-500, RID 500) is enabled", "(does not match 'LAPS suffices only at basic')"]),
    "acct.local_admins_allowlist": (
        ["accounts.local_admins_extra = none", "api:LocalAdministrators (S-1-5-32-544, Administratörer): 1 members"],
        [f"HEMTJÄNST-ÖST-12\\hemtjanst ({BS}-1001)", f"HEMTJÄNST-ÖST-12\\support ({BS}-1002)", "(does not match '^none$')",
         "2 members beyond the built-in Administrator, Domain Admins and the LAPS account"]),
    "acct.always_install_elevated_off": (
        ["accounts.always_install_elevated_users = 0: no loaded user hive sets AlwaysInstallElevated (HKU\\<SID>\\Software\\Policies\\Microsoft\\Windows\\Installer)"],
        [f"accounts.always_install_elevated_users = 1 (max 0): HKU\\{BS}-1001\\Software\\Policies\\Microsoft\\Windows\\Installer\\AlwaysInstallElevated = 1"]),
    "desk.screen_lock": (
        ["InactivityTimeoutSecs = 900"],
        ["desktop.user_screen_lock = false (expected true)", f"{BS}-1001 ScreenSaveActive 1, ScreenSaverIsSecure not 1",
         "desktop.user_screen_timeout_max = 0 (min 1)", f"{BS}-1001 no ScreenSaveTimeOut"]),
    "acct.lsa_protection": (["RunAsPPL = 1"], ["RunAsPPL = 0"]),
}
for cid, (gw, bw) in CASES.items():
    expect("good", cid, "pass", *gw)
    expect("bad", cid, "fail", *bw)
check(int(open(f"{tmp}/good.json.rc").read()) == 0, "good: exit status")

# denied: unknown "needs Administrator", never fail, naming the agent's privilege
DENIED = ["patch.last_update_age", "patch.security_updates_pending", "patch.metadata_fresh", "log.audit_policy",
          "log.eventlog_size", "log.retention", "acct.password_quality", "acct.password_history", "acct.login_lockout",
          "acct.guest_disabled", "acct.builtin_admin_disabled", "acct.local_admins_allowlist"]
for cid in DENIED:
    expect("denied", cid, "unknown", "needs Administrator", "access denied (ERROR_ACCESS_DENIED)",
           f"api:Token: the agent runs as {MS}-1001, not elevated")
for r in results("denied").values():
    check(r["status"] != "fail", f"denied {r['check']}: fail ({r['evidence']})")
expect("denied", "log.audit_policy", "unknown", "api:AuditPolicy (AuditEnumerateSubCategories + AuditQuerySystemPolicy (advapi32)): needs Administrator")
expect("denied", "log.remote_forwarding", "pass", "SubscriptionManager")

# domain-joined
for cid in ("acct.password_quality", "acct.password_history", "acct.login_lockout"):
    expect("domain", cid, "pass", "the machine is domain-joined to KOMMUN: this is the local policy; the domain's policy governs domain accounts")
expect("domain", "net.smb_client_hardened", "pass", "HardenedPaths")
expect("domain", "acct.local_admins_allowlist", "fail", f"accounts.local_admins_extra = KOMMUN\\IT-support ({'S-1-5-21-3623811015-3361044348-30300820'}-1105)",
       "1 members beyond the built-in Administrator, Domain Admins and the LAPS account")
check("KOMMUN\\Domain Admins" not in results("domain")["acct.local_admins_allowlist"]["evidence"], "domain: Domain Admins listed as extra")
expect("domain-site", "acct.local_admins_allowlist", "pass", "KOMMUN\\IT-support")

# the LAPS-managed account is allowed, the other extra member still listed
expect("lapsacct", "acct.local_admins_allowlist", "fail", f"accounts.local_admins_extra = HEMTJÄNST-ÖST-12\\hemtjanst ({BS}-1001) (does not match",
       f"HEMTJÄNST-ÖST-12\\support ({BS}-1002) is the account LAPS manages (HKLM\\Software\\Microsoft\\Windows\\CurrentVersion\\Policies\\LAPS\\AdministratorAccountName)")
# younger than the period: na at high (180 days), judged at basic (30)
expect("young", "log.retention", "na", "host.installed_days = 83", "InstallDate")
r = results("young-basic").get("log.retention")
check(r is None or r["status"] == "na", f"young-basic log.retention: elevated check at basic: {r}")
# LSA protection without RunAsPPL
expect("noppl", "acct.lsa_protection", "pass", "accounts.lsa_protected_event = true: api:BootEvents: Wininit event 12", "2026-11-22T07:01:12Z")
expect("noppl-noevent", "acct.lsa_protection", "unknown", "no Wininit event 12 in the System log since the last boot")
# WSUS: stale date unknown, with the reason
expect("wsus", "patch.metadata_fresh", "unknown", "updates.search_by_manager unknown: WSUS manages updates (HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows\\WindowsUpdate\\AU\\UseWUServer = 1)")
# the screen lock from the user hives (LocalSystem's and _Classes hives not counted)
expect("userlock", "desk.screen_lock", "pass", "every loaded user hive (1) has", "desktop.user_screen_timeout_max = 600", f"{MS}-1001 ScreenSaveTimeOut 600 s")
# an undated pending security update: does not decide at basic, fails at elevated
expect("undated-basic", "patch.security_updates_pending", "pass", "updates.security_pending_undated = 1")
expect("undated-elevated", "patch.security_updates_pending", "fail", "updates.security_pending_undated = 1 (max 0)",
       "(5049999): their age is unknown, judged as over the grace period at elevated and high")
if bad_n:
    sys.exit(f"{bad_n} failure(s)")
print("ok: windows_api: good passes, bad fails, denied is unknown, domain, young, LSA event, WSUS, user hives, undated")
PY
