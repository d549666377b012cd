/* SPDX-License-Identifier: EUPL-1.2 */
/* winsys.h's live source on Windows: opening and freeing it, COM for the calling thread, and
 * a table read by its name: "wmi:NS:CLASS" through WMI (winsys_wmi_win32.c), "api:NAME"
 * through the reader of the table below, whose rows are then held to their declaration in
 * winsys_tables.c (a mismatch is an error, never rows a probe would misread). */
#include "winsys_win32.h"

#include "efterlev/os.h"
#include "efterlev/os_win32.h"
#include "efterlev/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    const char *name;
    live_reader read;
} readers[] = {
    {"api:Token", live_token},
    {"api:NetGetJoinInformation", live_join},
    {"api:NetUserModalsGet", live_modals},
    {"api:SecurityPolicy", live_secpol},
    {"api:LocalUsers", live_users},
    {"api:LocalAdministrators", live_admins},
    {"api:AuditPolicy", live_audit},
    {"api:EventLogChannels", live_channels},
    {"api:WindowsUpdateHistory", live_wu_history},
    {"api:WindowsUpdatePending", live_wu_pending},
    {"api:AutomaticUpdates", live_au},
    {"api:Services", live_services},
    {"api:BitLockerKeyProtectors", live_bitlocker_protectors},
    {"api:SecurityCenterAntivirus", live_wsc},
    {"api:Firmware", live_firmware},
    {"api:BootEvents", live_boot_events},
};

ef_win_status live_com(struct live *lv, char *why, size_t whylen)
{
    static LONG security_done;

    if (!lv->com_ready) {
        HRESULT hr = CoInitializeEx(NULL, COINIT_MULTITHREADED);
        if (SUCCEEDED(hr)) {
            lv->com_owned = 1; /* S_OK or S_FALSE: each needs its CoUninitialize */
        } else if (hr != RPC_E_CHANGED_MODE) {
            /* RPC_E_CHANGED_MODE: the thread already has COM (an apartment); use it */
            snprintf(why, whylen, "CoInitializeEx: HRESULT 0x%08lx", (unsigned long)hr);
            return EF_WIN_ERROR;
        }
        lv->com_ready = 1;
    }
    if (InterlockedCompareExchange(&security_done, 1, 0) == 0) {
        HRESULT hr = CoInitializeSecurity(NULL, -1, NULL, NULL, RPC_C_AUTHN_LEVEL_DEFAULT,
                                          RPC_C_IMP_LEVEL_IMPERSONATE, NULL, EOAC_NONE, NULL);
        if (FAILED(hr) && hr != RPC_E_TOO_LATE) {
            snprintf(why, whylen, "CoInitializeSecurity: HRESULT 0x%08lx", (unsigned long)hr);
            return EF_WIN_ERROR;
        }
    }
    return EF_WIN_OK;
}

ef_win_status live_hr(HRESULT hr, const char *what, char *why, size_t whylen)
{
    switch ((unsigned long)hr) {
    case (unsigned long)WBEM_E_ACCESS_DENIED:
    case (unsigned long)E_ACCESSDENIED:
        snprintf(why, whylen, "%s: access denied: needs Administrator", what);
        return EF_WIN_DENIED;
    case (unsigned long)WBEM_E_INVALID_NAMESPACE:
        snprintf(why, whylen, "%s: no such WMI namespace on this machine (0x%08lx)", what,
                 (unsigned long)hr);
        return EF_WIN_ABSENT;
    case (unsigned long)WBEM_E_INVALID_CLASS:
        snprintf(why, whylen, "%s: no such WMI class on this machine (0x%08lx)", what,
                 (unsigned long)hr);
        return EF_WIN_ABSENT;
    case (unsigned long)WBEM_E_NOT_FOUND:
        snprintf(why, whylen, "%s: not found on this machine (0x%08lx)", what, (unsigned long)hr);
        return EF_WIN_ABSENT;
    default:
        snprintf(why, whylen, "%s: HRESULT 0x%08lx", what, (unsigned long)hr);
        return EF_WIN_ERROR;
    }
}

ef_win_status live_err(DWORD err, const char *what, char *why, size_t whylen)
{
    if (err == ERROR_ACCESS_DENIED || err == ERROR_PRIVILEGE_NOT_HELD) {
        snprintf(why, whylen, "%s: access denied: needs Administrator", what);
        return EF_WIN_DENIED;
    }
    snprintf(why, whylen, "%s: error %lu", what, (unsigned long)err);
    return EF_WIN_ERROR;
}

json_t *live_wstr(const wchar_t *w)
{
    if (w == NULL)
        return json_null();
    char *s = ef_win_utf8(w);
    json_t *j = s != NULL ? json_string(s) : NULL;
    free(s);
    return j;
}

json_t *live_filetime(const FILETIME *ft)
{
    /* 100 ns intervals since 1601-01-01 UTC; 11644473600 s to 1970 */
    unsigned long long t = ((unsigned long long)ft->dwHighDateTime << 32) | ft->dwLowDateTime;
    if (t < 116444736000000000ULL)
        return json_null();
    char out[32];
    ef_time_rfc3339((time_t)((t - 116444736000000000ULL) / 10000000ULL), out);
    return json_string(out);
}

json_t *live_systemtime(const SYSTEMTIME *st)
{
    FILETIME ft;
    if (!SystemTimeToFileTime(st, &ft))
        return json_null();
    return live_filetime(&ft);
}

json_t *live_date(DATE d)
{
    SYSTEMTIME st;
    if (d == 0 || !VariantTimeToSystemTime(d, &st))
        return json_null();
    return live_systemtime(&st);
}

int live_append(json_t *rows, json_t *row, char *why, size_t whylen)
{
    if (row == NULL) {
        snprintf(why, whylen, "out of memory");
        return -1;
    }
    if (json_array_size(rows) >= EF_WIN_ROWS_MAX) {
        json_decref(row);
        snprintf(why, whylen, "more than %d rows", EF_WIN_ROWS_MAX);
        return -1;
    }
    if (json_array_append_new(rows, row) != 0) {
        snprintf(why, whylen, "out of memory");
        return -1;
    }
    return 0;
}

static ef_win_status live_read(struct ef_win *w, const char *name, const char *ns, const char *cls,
                               json_t **rows, char *why, size_t whylen)
{
    struct live *lv = w->impl;

    if (ns[0] != '\0')
        return live_wmi_query(lv, ns, cls, rows, why, whylen);
    for (size_t i = 0; i < EF_ARRAY_LEN(readers); i++) {
        if (strcmp(readers[i].name, name) != 0)
            continue;
        json_t *got = json_array();
        if (got == NULL) {
            snprintf(why, whylen, "out of memory");
            return EF_WIN_ERROR;
        }
        char msg[512] = "";
        ef_win_status st = readers[i].read(lv, got, msg, sizeof(msg));
        if (st == EF_WIN_OK && ef_win_rows_check(ef_win_api_find(name), got, msg, sizeof(msg)) != 0)
            st = EF_WIN_ERROR;
        if (st != EF_WIN_OK) {
            json_decref(got);
            /* the readers name their API; the table is named here once */
            if (strncmp(msg, name, strlen(name)) == 0)
                snprintf(why, whylen, "%s", msg);
            else
                snprintf(why, whylen, "%s: %s", name, msg);
            return st;
        }
        *rows = got;
        return EF_WIN_OK;
    }
    snprintf(why, whylen, "%s: not read on this system", name);
    return EF_WIN_ERROR;
}

static void live_free(struct ef_win *w)
{
    struct live *lv = w->impl;
    if (lv != NULL) {
        live_wmi_close(lv);
        if (lv->com_owned)
            CoUninitialize();
        free(lv);
    }
    free(w);
}

static const struct ef_win_ops live_ops = {live_read, live_free};

struct ef_win *ef_win_open_live(char *err, size_t errlen)
{
    struct live *lv = calloc(1, sizeof(*lv));
    struct ef_win *w = lv != NULL ? ef_win_new(&live_ops, 1, lv) : NULL;
    if (w == NULL) {
        free(lv);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    snprintf(w->source, sizeof(w->source), "live system");
    return w;
}
