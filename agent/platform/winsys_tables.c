/* SPDX-License-Identifier: EUPL-1.2 */
/* The Windows API tables, declared once: their names, the API each reads and their columns.
 * The recording loader checks fixtures against these declarations, the live source
 * (winsys_win32.c) fills exactly these columns, and docs/windows-recording.md lists them
 * (a test holds the document to this file). WMI classes need no declaration: their rows
 * carry the class's own property names. */
#include "winsys.h"

#include "efterlev/util.h"

#include <string.h>

#define T(name, source, doc, cols)                                                                 \
    {                                                                                              \
        name, source, doc, cols, EF_ARRAY_LEN(cols)                                                \
    }

static const struct ef_win_col token_cols[] = {
    {"elevated", EF_WCOL_BOOL, "the agent runs elevated (TokenElevation)"},
    {"user_sid", EF_WCOL_STR, "the SID the agent runs as (S-1-5-18 for LocalSystem)"},
};

static const struct ef_win_col join_cols[] = {
    {"status", EF_WCOL_STR, "unknown, unjoined, workgroup or domain (NETSETUP_JOIN_STATUS)"},
    {"name", EF_WCOL_STR, "the workgroup's or domain's NetBIOS name"},
};

static const struct ef_win_col modals_cols[] = {
    {"min_passwd_len", EF_WCOL_INT, "level 0 usrmod0_min_passwd_len"},
    {"max_passwd_age", EF_WCOL_INT, "level 0 usrmod0_max_passwd_age, seconds (-1: never)"},
    {"min_passwd_age", EF_WCOL_INT, "level 0 usrmod0_min_passwd_age, seconds"},
    {"password_hist_len", EF_WCOL_INT, "level 0 usrmod0_password_hist_len"},
    {"lockout_threshold", EF_WCOL_INT, "level 3 usrmod3_lockout_threshold (0: never)"},
    {"lockout_duration", EF_WCOL_INT, "level 3 usrmod3_lockout_duration, seconds"},
    {"lockout_observation_window", EF_WCOL_INT,
     "level 3 usrmod3_lockout_observation_window, seconds"},
};

static const struct ef_win_col secpol_cols[] = {
    {"password_complexity", EF_WCOL_INT, "[System Access] PasswordComplexity"},
    {"clear_text_password", EF_WCOL_INT, "[System Access] ClearTextPassword"},
};

static const struct ef_win_col users_cols[] = {
    {"name", EF_WCOL_STR, "the account's name (may be renamed or localized)"},
    {"rid", EF_WCOL_INT, "its relative id (500: Administrator, 501: Guest)"},
    {"sid", EF_WCOL_STR, "its SID"},
    {"disabled", EF_WCOL_BOOL, "UF_ACCOUNTDISABLE is set"},
};

static const struct ef_win_col members_cols[] = {
    {"group_sid", EF_WCOL_STR, "the group's well-known SID (S-1-5-32-544: Administrators)"},
    {"group_name", EF_WCOL_STR, "the group's name in the machine's language"},
    {"sid", EF_WCOL_STR, "the member's SID"},
    {"name", EF_WCOL_STR, "DOMAIN\\name of the member"},
    {"sid_usage", EF_WCOL_STR, "user, group, alias, well-known, deleted or unknown"},
};

static const struct ef_win_col audit_cols[] = {
    {"guid", EF_WCOL_STR, "the subcategory's GUID, lower case, no braces"},
    {"success", EF_WCOL_BOOL, "POLICY_AUDIT_EVENT_SUCCESS is set"},
    {"failure", EF_WCOL_BOOL, "POLICY_AUDIT_EVENT_FAILURE is set"},
};

static const struct ef_win_col channel_cols[] = {
    {"channel", EF_WCOL_STR, "Security, Application or System"},
    {"enabled", EF_WCOL_BOOL, "EvtChannelConfigEnabled"},
    {"max_size", EF_WCOL_INT, "EvtChannelLoggingConfigMaxSize, bytes"},
    {"retention", EF_WCOL_BOOL,
     "EvtChannelLoggingConfigRetention (true: full log is not overwritten)"},
    {"auto_backup", EF_WCOL_BOOL, "EvtChannelLoggingConfigAutoBackup"},
    {"oldest_event", EF_WCOL_TIME,
     "TimeCreated of the first event read in EvtQueryForwardDirection (null: empty)"},
};

static const struct ef_win_col wu_history_cols[] = {
    {"date", EF_WCOL_TIME, "IUpdateHistoryEntry::Date"},
    {"operation", EF_WCOL_INT, "1 installation, 2 uninstallation"},
    {"result_code", EF_WCOL_INT, "2 succeeded, 3 succeeded with errors, 4 failed, 5 aborted"},
    {"title", EF_WCOL_STR, "the update's title (localized: for evidence only)"},
    {"kb", EF_WCOL_STR, "KB number from the title, or empty"},
    {"categories", EF_WCOL_STRLIST, "IUpdateHistoryEntry2::Categories CategoryIDs, lower case"},
};

static const struct ef_win_col wu_pending_cols[] = {
    {"title", EF_WCOL_STR, "the update's title (for evidence only)"},
    {"kb", EF_WCOL_STR, "KBArticleIDs joined by ','"},
    {"msrc_severity", EF_WCOL_STR, "Critical, Important, Moderate, Low or empty"},
    {"categories", EF_WCOL_STRLIST, "Categories' CategoryIDs, lower case"},
    {"last_deployment_change", EF_WCOL_TIME, "IUpdate::LastDeploymentChangeTime"},
};

static const struct ef_win_col au_cols[] = {
    {"last_search_success", EF_WCOL_TIME,
     "IAutomaticUpdatesResults::LastSearchSuccessDate (null: never)"},
    {"last_install_success", EF_WCOL_TIME,
     "IAutomaticUpdatesResults::LastInstallationSuccessDate (null: never)"},
    {"service_enabled", EF_WCOL_BOOL, "IAutomaticUpdates::ServiceEnabled"},
};

static const struct ef_win_col services_cols[] = {
    {"name", EF_WCOL_STR, "the service's key name (WinDefend, wbengine)"},
    {"display_name", EF_WCOL_STR, "its display name (localized: evidence only)"},
    {"state", EF_WCOL_STR, "running, stopped, start_pending, stop_pending, paused, other"},
    {"start_type", EF_WCOL_STR, "boot, system, auto, delayed-auto, manual or disabled"},
};

static const struct ef_win_col bl_prot_cols[] = {
    {"device_id", EF_WCOL_STR, "Win32_EncryptableVolume.DeviceID of the volume"},
    {"drive_letter", EF_WCOL_STR, "its DriveLetter (\"C:\"), or empty"},
    {"type", EF_WCOL_INT,
     "GetKeyProtectorType: 1 TPM, 2 external key, 3 numerical password, 4 TPM+PIN, 5 "
     "TPM+startup key, 6 TPM+PIN+startup key, 8 passphrase"},
};

static const struct ef_win_col wsc_cols[] = {
    {"name", EF_WCOL_STR, "IWscProduct::get_ProductName"},
    {"state", EF_WCOL_STR, "on, off, snoozed or expired (IWscProduct::get_ProductState)"},
    {"signature_up_to_date", EF_WCOL_BOOL, "get_SignatureStatus is UP_TO_DATE"},
};

static const struct ef_win_col firmware_cols[] = {
    {"type", EF_WCOL_STR, "uefi, bios or unknown (GetFirmwareType)"},
};

static const struct ef_win_col events_cols[] = {
    {"channel", EF_WCOL_STR, "the channel queried"},
    {"provider", EF_WCOL_STR, "the provider name"},
    {"event_id", EF_WCOL_INT, "the event id"},
    {"time", EF_WCOL_TIME, "TimeCreated of the newest such event since the last boot"},
};

const struct ef_win_api_table ef_win_api_tables[] = {
    T("api:Token", "GetTokenInformation(TokenElevation, TokenUser)",
      "The privilege the agent runs with.", token_cols),
    T("api:NetGetJoinInformation", "NetGetJoinInformation (netapi32)",
      "Whether the machine is joined to a domain.", join_cols),
    T("api:NetUserModalsGet", "NetUserModalsGet levels 0 and 3 (netapi32)",
      "The local password and lockout policy: one row.", modals_cols),
    T("api:SecurityPolicy", "secedit /export /areas SECURITYPOLICY, [System Access]",
      "The local security policy's keys that no API exposes: one row.", secpol_cols),
    T("api:LocalUsers", "NetUserEnum level 20 (netapi32), SIDs by LookupAccountNameW",
      "Every local account.", users_cols),
    T("api:LocalAdministrators", "NetLocalGroupGetMembers level 2 on S-1-5-32-544 (netapi32)",
      "The members of the local Administrators group, found by SID.", members_cols),
    T("api:AuditPolicy", "AuditEnumerateSubCategories + AuditQuerySystemPolicy (advapi32)",
      "The effective audit policy of every subcategory, by GUID.", audit_cols),
    T("api:EventLogChannels",
      "EvtOpenChannelConfig + EvtGetChannelConfigProperty, EvtQuery forward (wevtapi)",
      "Size, retention and oldest event of the Security, Application and System logs.",
      channel_cols),
    T("api:WindowsUpdateHistory", "IUpdateSearcher::QueryHistory (Windows Update Agent)",
      "The update history, newest first (at most 500 entries).", wu_history_cols),
    T("api:WindowsUpdatePending",
      "IUpdateSearcher::Search offline: IsInstalled=0 and IsHidden=0 and Type='Software'",
      "Updates known to the local cache and not installed.", wu_pending_cols),
    T("api:AutomaticUpdates", "IAutomaticUpdates2::get_Results (Windows Update Agent)",
      "When Automatic Updates last searched and installed successfully: one row.", au_cols),
    T("api:Services", "EnumServicesStatusExW + QueryServiceConfigW (service control manager)",
      "Every Win32 service with its state and start type.", services_cols),
    T("api:BitLockerKeyProtectors",
      "Win32_EncryptableVolume GetKeyProtectors + GetKeyProtectorType (WMI method)",
      "The key protectors of every encryptable volume.", bl_prot_cols),
    T("api:SecurityCenterAntivirus", "IWSCProductList (wscapi), WSC_SECURITY_PROVIDER_ANTIVIRUS",
      "Anti-virus products registered with Windows Security Center (workstations only).", wsc_cols),
    T("api:Firmware", "GetFirmwareType (kernel32)", "UEFI or legacy BIOS: one row.", firmware_cols),
    T("api:BootEvents", "EvtQuery on System: Wininit event 12 since the last boot",
      "Events since the last boot that prove a state (LSA started as a protected process).",
      events_cols),
};

const size_t ef_win_api_tables_n = EF_ARRAY_LEN(ef_win_api_tables);

const struct ef_win_api_table *ef_win_api_find(const char *name)
{
    for (size_t i = 0; i < ef_win_api_tables_n; i++)
        if (strcmp(ef_win_api_tables[i].name, name) == 0)
            return &ef_win_api_tables[i];
    return NULL;
}
