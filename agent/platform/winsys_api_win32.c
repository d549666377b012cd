/* SPDX-License-Identifier: EUPL-1.2 */
/* winsys.h's api tables read through Win32: the agent's token, the domain join, the local
 * password and lockout policy, local accounts and Administrators (netapi32), the audit
 * policy (advapi32), services (the service control manager) and the firmware type. Each
 * fills exactly the columns winsys_tables.c declares. The audit functions and
 * GetFirmwareType are looked up at run time: a system without them (an old Windows, Wine)
 * still runs the agent, and says which function it lacks. */
#include "winsys_win32.h"

#include <lm.h>
#include <ntsecapi.h>
#include <sddl.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A SID as "S-1-5-...", or JSON null. */
static json_t *sid_json(PSID sid)
{
    wchar_t *s = NULL;
    if (sid == NULL || !ConvertSidToStringSidW(sid, &s))
        return json_null();
    json_t *j = live_wstr(s);
    LocalFree(s);
    return j;
}

/* ---- api:Token ---- */

ef_win_status live_token(struct live *lv, json_t *rows, char *why, size_t whylen)
{
    HANDLE tok;
    (void)lv;
    if (!OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &tok))
        return live_err(GetLastError(), "OpenProcessToken", why, whylen);
    TOKEN_ELEVATION el = {0};
    DWORD n = 0;
    union {
        TOKEN_USER user;
        unsigned char buf[sizeof(TOKEN_USER) + SECURITY_MAX_SID_SIZE];
    } u;
    json_t *row = json_object();
    if (row != NULL) {
        json_object_set_new(row, "elevated",
                            GetTokenInformation(tok, TokenElevation, &el, sizeof(el), &n)
                                ? json_boolean(el.TokenIsElevated != 0)
                                : json_null());
        json_object_set_new(row, "user_sid",
                            GetTokenInformation(tok, TokenUser, u.buf, sizeof(u.buf), &n)
                                ? sid_json(u.user.User.Sid)
                                : json_null());
    }
    CloseHandle(tok);
    return live_append(rows, row, why, whylen) == 0 ? EF_WIN_OK : EF_WIN_ERROR;
}

/* ---- api:NetGetJoinInformation ---- */

ef_win_status live_join(struct live *lv, json_t *rows, char *why, size_t whylen)
{
    LPWSTR name = NULL;
    NETSETUP_JOIN_STATUS js;
    (void)lv;
    NET_API_STATUS rc = NetGetJoinInformation(NULL, &name, &js);
    if (rc != NERR_Success)
        return live_err(rc, "NetGetJoinInformation", why, whylen);
    const char *status = js == NetSetupUnjoined        ? "unjoined"
                         : js == NetSetupWorkgroupName ? "workgroup"
                         : js == NetSetupDomainName    ? "domain"
                                                       : "unknown";
    json_t *row = json_pack("{s:s, s:o}", "status", status, "name", live_wstr(name));
    NetApiBufferFree(name);
    return live_append(rows, row, why, whylen) == 0 ? EF_WIN_OK : EF_WIN_ERROR;
}

/* ---- api:NetUserModalsGet ---- */

/* A time in seconds; TIMEQ_FOREVER is -1 (never). */
static json_int_t seconds(DWORD v)
{
    return v == TIMEQ_FOREVER ? -1 : (json_int_t)v;
}

ef_win_status live_modals(struct live *lv, json_t *rows, char *why, size_t whylen)
{
    USER_MODALS_INFO_0 *m0 = NULL;
    USER_MODALS_INFO_3 *m3 = NULL;
    (void)lv;
    NET_API_STATUS rc = NetUserModalsGet(NULL, 0, (LPBYTE *)&m0);
    if (rc != NERR_Success)
        return live_err(rc, "NetUserModalsGet level 0", why, whylen);
    json_t *row =
        json_pack("{s:I, s:I, s:I, s:I}", "min_passwd_len", (json_int_t)m0->usrmod0_min_passwd_len,
                  "max_passwd_age", seconds(m0->usrmod0_max_passwd_age), "min_passwd_age",
                  seconds(m0->usrmod0_min_passwd_age), "password_hist_len",
                  (json_int_t)m0->usrmod0_password_hist_len);
    NetApiBufferFree(m0);
    rc = NetUserModalsGet(NULL, 3, (LPBYTE *)&m3);
    if (rc == NERR_Success && row != NULL) {
        json_object_set_new(row, "lockout_threshold", json_integer(m3->usrmod3_lockout_threshold));
        json_object_set_new(row, "lockout_duration",
                            json_integer(seconds(m3->usrmod3_lockout_duration)));
        json_object_set_new(row, "lockout_observation_window",
                            json_integer(seconds(m3->usrmod3_lockout_observation_window)));
    } else if (row != NULL) {
        char w[200];
        live_err(rc, "NetUserModalsGet level 3", w, sizeof(w));
        json_object_set_new(row, "lockout_threshold", json_null());
        json_object_set_new(row, "lockout_duration", json_null());
        json_object_set_new(row, "lockout_observation_window", json_null());
        json_object_set_new(row, EF_WIN_ROW_WHY, json_string(w));
    }
    if (m3 != NULL)
        NetApiBufferFree(m3);
    return live_append(rows, row, why, whylen) == 0 ? EF_WIN_OK : EF_WIN_ERROR;
}

/* ---- api:LocalUsers ---- */

/* The SID of the local account name, looked up as COMPUTER\name (never a domain account of
 * the same name). */
static json_t *local_sid(const wchar_t *computer, const wchar_t *name)
{
    wchar_t full[2 * 260], dom[260];
    unsigned char sid[SECURITY_MAX_SID_SIZE];
    DWORD sidlen = sizeof(sid), domlen = sizeof(dom) / sizeof(dom[0]);
    SID_NAME_USE use;
    if (snwprintf(full, sizeof(full) / sizeof(full[0]), L"%ls\\%ls", computer, name) < 0 ||
        !LookupAccountNameW(NULL, full, sid, &sidlen, dom, &domlen, &use))
        return json_null();
    return sid_json(sid);
}

ef_win_status live_users(struct live *lv, json_t *rows, char *why, size_t whylen)
{
    wchar_t computer[MAX_COMPUTERNAME_LENGTH + 1];
    DWORD clen = sizeof(computer) / sizeof(computer[0]), resume = 0;
    NET_API_STATUS rc;
    (void)lv;
    if (!GetComputerNameW(computer, &clen))
        return live_err(GetLastError(), "GetComputerNameW", why, whylen);
    do {
        USER_INFO_20 *ui = NULL;
        DWORD read = 0, total = 0;
        rc = NetUserEnum(NULL, 20, FILTER_NORMAL_ACCOUNT, (LPBYTE *)&ui, MAX_PREFERRED_LENGTH,
                         &read, &total, &resume);
        if (rc != NERR_Success && rc != ERROR_MORE_DATA) {
            if (ui != NULL)
                NetApiBufferFree(ui);
            return live_err(rc, "NetUserEnum level 20", why, whylen);
        }
        for (DWORD i = 0; i < read; i++) {
            json_t *sid = local_sid(computer, ui[i].usri20_name);
            json_t *row = json_pack("{s:o, s:I, s:o, s:b}", "name", live_wstr(ui[i].usri20_name),
                                    "rid", (json_int_t)ui[i].usri20_user_id, "sid", sid, "disabled",
                                    (ui[i].usri20_flags & UF_ACCOUNTDISABLE) != 0);
            if (row != NULL && json_is_null(sid))
                json_object_set_new(row, EF_WIN_ROW_WHY,
                                    json_string("LookupAccountNameW found no SID"));
            if (live_append(rows, row, why, whylen) != 0) {
                NetApiBufferFree(ui);
                return EF_WIN_ERROR;
            }
        }
        if (ui != NULL)
            NetApiBufferFree(ui);
    } while (rc == ERROR_MORE_DATA);
    return EF_WIN_OK;
}

/* ---- api:LocalAdministrators ---- */

static const char *sid_usage(SID_NAME_USE u)
{
    switch (u) {
    case SidTypeUser:
        return "user";
    case SidTypeGroup:
        return "group";
    case SidTypeAlias:
        return "alias";
    case SidTypeWellKnownGroup:
        return "well-known";
    case SidTypeDeletedAccount:
        return "deleted";
    default:
        return "unknown";
    }
}

ef_win_status live_admins(struct live *lv, json_t *rows, char *why, size_t whylen)
{
    unsigned char sid[SECURITY_MAX_SID_SIZE];
    DWORD sidlen = sizeof(sid);
    wchar_t name[256], dom[256];
    DWORD nlen = sizeof(name) / sizeof(name[0]), dlen = sizeof(dom) / sizeof(dom[0]);
    SID_NAME_USE use;
    (void)lv;
    if (!CreateWellKnownSid(WinBuiltinAdministratorsSid, NULL, sid, &sidlen))
        return live_err(GetLastError(), "CreateWellKnownSid(S-1-5-32-544)", why, whylen);
    if (!LookupAccountSidW(NULL, sid, name, &nlen, dom, &dlen, &use))
        return live_err(GetLastError(), "LookupAccountSidW(S-1-5-32-544)", why, whylen);
    DWORD_PTR resume = 0;
    NET_API_STATUS rc;
    do {
        LOCALGROUP_MEMBERS_INFO_2 *m = NULL;
        DWORD read = 0, total = 0;
        rc = NetLocalGroupGetMembers(NULL, name, 2, (LPBYTE *)&m, MAX_PREFERRED_LENGTH, &read,
                                     &total, &resume);
        if (rc != NERR_Success && rc != ERROR_MORE_DATA) {
            if (m != NULL)
                NetApiBufferFree(m);
            return live_err(rc, "NetLocalGroupGetMembers level 2 on S-1-5-32-544", why, whylen);
        }
        for (DWORD i = 0; i < read; i++) {
            json_t *row = json_pack("{s:s, s:o, s:o, s:o, s:s}", "group_sid", "S-1-5-32-544",
                                    "group_name", live_wstr(name), "sid", sid_json(m[i].lgrmi2_sid),
                                    "name", live_wstr(m[i].lgrmi2_domainandname), "sid_usage",
                                    sid_usage(m[i].lgrmi2_sidusage));
            if (live_append(rows, row, why, whylen) != 0) {
                NetApiBufferFree(m);
                return EF_WIN_ERROR;
            }
        }
        if (m != NULL)
            NetApiBufferFree(m);
    } while (rc == ERROR_MORE_DATA);
    return EF_WIN_OK;
}

/* ---- api:AuditPolicy ---- */

typedef BOOLEAN(WINAPI *enum_cats_fn)(GUID **, PULONG);
typedef BOOLEAN(WINAPI *enum_subs_fn)(const GUID *, BOOLEAN, GUID **, PULONG);
typedef BOOLEAN(WINAPI *query_fn)(const GUID *, ULONG, PAUDIT_POLICY_INFORMATION *);
typedef VOID(WINAPI *audit_free_fn)(PVOID);

/* SeSecurityPrivilege, which AuditQuerySystemPolicy needs, enabled in the process token if
 * the token holds it (an elevated administrator's does, disabled). */
static void enable_security_privilege(void)
{
    HANDLE tok;
    TOKEN_PRIVILEGES tp = {.PrivilegeCount = 1};
    if (!OpenProcessToken(GetCurrentProcess(), TOKEN_ADJUST_PRIVILEGES | TOKEN_QUERY, &tok))
        return;
    if (LookupPrivilegeValueW(NULL, L"SeSecurityPrivilege", &tp.Privileges[0].Luid)) {
        tp.Privileges[0].Attributes = SE_PRIVILEGE_ENABLED;
        AdjustTokenPrivileges(tok, FALSE, &tp, sizeof(tp), NULL, NULL);
    }
    CloseHandle(tok);
}

static void guid_text(const GUID *g, char out[37])
{
    snprintf(out, 37, "%08lx-%04x-%04x-%02x%02x-%02x%02x%02x%02x%02x%02x", (unsigned long)g->Data1,
             g->Data2, g->Data3, g->Data4[0], g->Data4[1], g->Data4[2], g->Data4[3], g->Data4[4],
             g->Data4[5], g->Data4[6], g->Data4[7]);
}

ef_win_status live_audit(struct live *lv, json_t *rows, char *why, size_t whylen)
{
    (void)lv;
    HMODULE adv = GetModuleHandleW(L"advapi32.dll");
    enum_cats_fn cats_fn =
        adv ? (enum_cats_fn)(void (*)(void))GetProcAddress(adv, "AuditEnumerateCategories") : NULL;
    enum_subs_fn subs_fn =
        adv ? (enum_subs_fn)(void (*)(void))GetProcAddress(adv, "AuditEnumerateSubCategories")
            : NULL;
    query_fn q_fn =
        adv ? (query_fn)(void (*)(void))GetProcAddress(adv, "AuditQuerySystemPolicy") : NULL;
    audit_free_fn free_fn =
        adv ? (audit_free_fn)(void (*)(void))GetProcAddress(adv, "AuditFree") : NULL;
    if (!cats_fn || !subs_fn || !q_fn || !free_fn) {
        snprintf(why, whylen,
                 "advapi32 lacks AuditEnumerateCategories, AuditEnumerateSubCategories, "
                 "AuditQuerySystemPolicy or AuditFree on this system");
        return EF_WIN_ERROR;
    }
    enable_security_privilege();
    GUID *cats = NULL;
    ULONG ncats = 0;
    if (!cats_fn(&cats, &ncats))
        return live_err(GetLastError(), "AuditEnumerateCategories", why, whylen);
    ef_win_status st = EF_WIN_OK;
    for (ULONG c = 0; st == EF_WIN_OK && c < ncats; c++) {
        GUID *subs = NULL;
        ULONG nsubs = 0;
        PAUDIT_POLICY_INFORMATION pol = NULL;
        if (!subs_fn(&cats[c], FALSE, &subs, &nsubs)) {
            st = live_err(GetLastError(), "AuditEnumerateSubCategories", why, whylen);
            break;
        }
        if (nsubs > 0 && !q_fn(subs, nsubs, &pol)) {
            st = live_err(GetLastError(), "AuditQuerySystemPolicy", why, whylen);
            free_fn(subs);
            break;
        }
        for (ULONG i = 0; st == EF_WIN_OK && i < nsubs; i++) {
            char g[37];
            guid_text(&pol[i].AuditSubCategoryGuid, g);
            ULONG a = pol[i].AuditingInformation;
            if (live_append(rows,
                            json_pack("{s:s, s:b, s:b}", "guid", g, "success",
                                      (a & POLICY_AUDIT_EVENT_SUCCESS) != 0, "failure",
                                      (a & POLICY_AUDIT_EVENT_FAILURE) != 0),
                            why, whylen) != 0)
                st = EF_WIN_ERROR;
        }
        if (pol != NULL)
            free_fn(pol);
        free_fn(subs);
    }
    free_fn(cats);
    return st;
}

/* ---- api:Services ---- */

static const char *state_name(DWORD s)
{
    switch (s) {
    case SERVICE_RUNNING:
        return "running";
    case SERVICE_STOPPED:
        return "stopped";
    case SERVICE_START_PENDING:
        return "start_pending";
    case SERVICE_STOP_PENDING:
        return "stop_pending";
    case SERVICE_PAUSED:
        return "paused";
    default:
        return "other";
    }
}

/* The start type of the service name: boot, system, auto, delayed-auto, manual, disabled;
 * NULL with why when its configuration cannot be read. */
static const char *start_type(SC_HANDLE scm, const wchar_t *name, char *why, size_t whylen)
{
    SC_HANDLE s = OpenServiceW(scm, name, SERVICE_QUERY_CONFIG);
    const char *t = NULL;
    if (s == NULL) {
        snprintf(why, whylen, "OpenServiceW: error %lu", (unsigned long)GetLastError());
        return NULL;
    }
    DWORD need = 0;
    QUERY_SERVICE_CONFIGW *cfg = NULL;
    if (!QueryServiceConfigW(s, NULL, 0, &need) && GetLastError() == ERROR_INSUFFICIENT_BUFFER &&
        need <= 65536 && (cfg = malloc(need)) != NULL && QueryServiceConfigW(s, cfg, need, &need)) {
        switch (cfg->dwStartType) {
        case SERVICE_BOOT_START:
            t = "boot";
            break;
        case SERVICE_SYSTEM_START:
            t = "system";
            break;
        case SERVICE_AUTO_START: {
            SERVICE_DELAYED_AUTO_START_INFO d = {0};
            t = QueryServiceConfig2W(s, SERVICE_CONFIG_DELAYED_AUTO_START_INFO, (LPBYTE)&d,
                                     sizeof(d), &need) &&
                        d.fDelayedAutostart
                    ? "delayed-auto"
                    : "auto";
            break;
        }
        case SERVICE_DEMAND_START:
            t = "manual";
            break;
        case SERVICE_DISABLED:
            t = "disabled";
            break;
        default:
            snprintf(why, whylen, "QueryServiceConfigW: start type %lu",
                     (unsigned long)cfg->dwStartType);
        }
    } else {
        snprintf(why, whylen, "QueryServiceConfigW: error %lu", (unsigned long)GetLastError());
    }
    free(cfg);
    CloseServiceHandle(s);
    return t;
}

ef_win_status live_services(struct live *lv, json_t *rows, char *why, size_t whylen)
{
    (void)lv;
    SC_HANDLE scm = OpenSCManagerW(NULL, NULL, SC_MANAGER_CONNECT | SC_MANAGER_ENUMERATE_SERVICE);
    if (scm == NULL)
        return live_err(GetLastError(), "OpenSCManagerW", why, whylen);
    DWORD size = 64 * 1024, need = 0, count = 0, resume = 0;
    unsigned char *buf = malloc(size);
    ef_win_status st = EF_WIN_OK;
    BOOL more = TRUE;
    while (st == EF_WIN_OK && buf != NULL && more) {
        BOOL ok = EnumServicesStatusExW(scm, SC_ENUM_PROCESS_INFO, SERVICE_WIN32, SERVICE_STATE_ALL,
                                        buf, size, &need, &count, &resume, NULL);
        DWORD err = ok ? 0 : GetLastError();
        if (!ok && err != ERROR_MORE_DATA) {
            st = live_err(err, "EnumServicesStatusExW", why, whylen);
            break;
        }
        more = !ok;
        if (more && count == 0) {
            /* the buffer holds not even one entry: grow it once, bounded */
            if (need > 4u << 20) {
                snprintf(why, whylen, "EnumServicesStatusExW: needs %lu bytes",
                         (unsigned long)need);
                st = EF_WIN_ERROR;
                break;
            }
            unsigned char *nb = realloc(buf, need);
            if (nb == NULL) {
                snprintf(why, whylen, "out of memory");
                st = EF_WIN_ERROR;
                break;
            }
            buf = nb;
            size = need;
            continue;
        }
        ENUM_SERVICE_STATUS_PROCESSW *e = (ENUM_SERVICE_STATUS_PROCESSW *)buf;
        for (DWORD i = 0; st == EF_WIN_OK && i < count; i++) {
            char w[200] = "";
            const char *t = start_type(scm, e[i].lpServiceName, w, sizeof(w));
            json_t *row =
                json_pack("{s:o, s:o, s:s, s:s?}", "name", live_wstr(e[i].lpServiceName),
                          "display_name", live_wstr(e[i].lpDisplayName), "state",
                          state_name(e[i].ServiceStatusProcess.dwCurrentState), "start_type", t);
            if (row != NULL && t == NULL)
                json_object_set_new(row, EF_WIN_ROW_WHY, json_string(w));
            if (live_append(rows, row, why, whylen) != 0)
                st = EF_WIN_ERROR;
        }
    }
    if (buf == NULL && st == EF_WIN_OK) {
        snprintf(why, whylen, "out of memory");
        st = EF_WIN_ERROR;
    }
    free(buf);
    CloseServiceHandle(scm);
    return st;
}

/* ---- api:Firmware ---- */

typedef BOOL(WINAPI *firmware_fn)(PFIRMWARE_TYPE);

ef_win_status live_firmware(struct live *lv, json_t *rows, char *why, size_t whylen)
{
    (void)lv;
    HMODULE k = GetModuleHandleW(L"kernel32.dll");
    firmware_fn fn = k ? (firmware_fn)(void (*)(void))GetProcAddress(k, "GetFirmwareType") : NULL;
    FIRMWARE_TYPE t = FirmwareTypeUnknown;
    if (fn == NULL) {
        snprintf(why, whylen, "kernel32 has no GetFirmwareType on this system");
        return EF_WIN_ERROR;
    }
    if (!fn(&t))
        return live_err(GetLastError(), "GetFirmwareType", why, whylen);
    const char *s = t == FirmwareTypeUefi ? "uefi" : t == FirmwareTypeBios ? "bios" : "unknown";
    return live_append(rows, json_pack("{s:s}", "type", s), why, whylen) == 0 ? EF_WIN_OK
                                                                              : EF_WIN_ERROR;
}
