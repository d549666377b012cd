/* SPDX-License-Identifier: EUPL-1.2 */
/* winsys.h's live source on Windows, shared by its files (private to agent/platform):
 * winsys_win32.c opens it and dispatches a table by name, winsys_wmi_win32.c reads WMI,
 * winsys_api_win32.c the Win32 API tables, winsys_secedit_win32.c the security policy,
 * winsys_evt_win32.c the event log, winsys_wua_win32.c Windows Update and Security Center,
 * winsys_variant_win32.c turns a COM VARIANT into JSON. */
#ifndef EFTERLEV_AGENT_PLATFORM_WINSYS_WIN32_H
#define EFTERLEV_AGENT_PLATFORM_WINSYS_WIN32_H

#include "winsys_impl.h"

#include <windows.h>

#include <oaidl.h>
#include <wbemcli.h>

#define LIVE_NS_MAX 16 /* WMI namespaces connected at once (one connection each) */

struct live_ns {
    char name[EF_WIN_TABLE_NAME_MAX + 1]; /* lower case */
    IWbemServices *svc;
};

struct live {
    int com_owned; /* CoInitializeEx succeeded here: CoUninitialize in ef_win_free */
    int com_ready; /* COM is usable in this thread (ours or the caller's) */
    HRESULT com_hr;
    IWbemLocator *locator;
    struct live_ns ns[LIVE_NS_MAX];
    size_t nns;
};

/* An api table's reader: appends rows (objects with the declared columns) to rows. */
typedef ef_win_status (*live_reader)(struct live *lv, json_t *rows, char *why, size_t whylen);

/* COM for this thread (first use), with the process's security once. EF_WIN_OK or
 * EF_WIN_ERROR with why. */
ef_win_status live_com(struct live *lv, char *why, size_t whylen);

/* An HRESULT as a status: access denied -> EF_WIN_DENIED "access denied: needs
 * Administrator", an invalid namespace or class or not found -> EF_WIN_ABSENT, anything
 * else EF_WIN_ERROR; why is "WHAT: ..." with the HRESULT in hex. */
ef_win_status live_hr(HRESULT hr, const char *what, char *why, size_t whylen);
/* The same for a Win32 error code (GetLastError, NET_API_STATUS). */
ef_win_status live_err(DWORD err, const char *what, char *why, size_t whylen);

/* UTF-16 as a JSON string (null for NULL; NULL only when out of memory). */
json_t *live_wstr(const wchar_t *w);
/* Times as RFC 3339 UTC strings, or JSON null when not a valid time. */
json_t *live_filetime(const FILETIME *ft);
json_t *live_systemtime(const SYSTEMTIME *st); /* UTC */
json_t *live_date(DATE d);                     /* an automation DATE in UTC */
/* Append row to rows (stealing it); -1 when out of memory or past EF_WIN_ROWS_MAX. */
int live_append(json_t *rows, json_t *row, char *why, size_t whylen);

/* ---- WMI (winsys_wmi_win32.c) ---- */

/* The connection to namespace ns, made on first use (IWbemLocator::ConnectServer,
 * CoSetProxyBlanket) and kept until ef_win_free. */
ef_win_status live_wmi_ns(struct live *lv, const char *ns, IWbemServices **svc, char *why,
                          size_t whylen);
/* SELECT * FROM cls in ns: an array of objects, the class's properties by name. */
ef_win_status live_wmi_query(struct live *lv, const char *ns, const char *cls, json_t **rows,
                             char *why, size_t whylen);
/* One WMI object's properties (not the system ones) as a JSON object. */
json_t *live_wmi_object(IWbemClassObject *obj);
void live_wmi_close(struct live *lv);

ef_win_status live_bitlocker_protectors(struct live *lv, json_t *rows, char *why, size_t whylen);

/* ---- a VARIANT as JSON (winsys_variant_win32.c) ---- */

/* v as JSON: VT_BSTR a string, integers a number (cimtype CIM_UINT32 read unsigned from a
 * VT_I4, as WMI gives it; 0 when not known), VT_BOOL a boolean, VT_NULL and VT_EMPTY null,
 * VT_DATE an RFC 3339 string, a one-dimensional SAFEARRAY of these a list. -1 (and *out
 * NULL) for anything else (objects, nested arrays) or when out of memory. */
int ef_win_variant_json(const VARIANT *v, long cimtype, json_t **out);

/* ---- the api tables ---- */

ef_win_status live_token(struct live *lv, json_t *rows, char *why, size_t whylen);
ef_win_status live_join(struct live *lv, json_t *rows, char *why, size_t whylen);
ef_win_status live_modals(struct live *lv, json_t *rows, char *why, size_t whylen);
ef_win_status live_users(struct live *lv, json_t *rows, char *why, size_t whylen);
ef_win_status live_admins(struct live *lv, json_t *rows, char *why, size_t whylen);
ef_win_status live_audit(struct live *lv, json_t *rows, char *why, size_t whylen);
ef_win_status live_services(struct live *lv, json_t *rows, char *why, size_t whylen);
ef_win_status live_firmware(struct live *lv, json_t *rows, char *why, size_t whylen);
ef_win_status live_secpol(struct live *lv, json_t *rows, char *why, size_t whylen);
ef_win_status live_channels(struct live *lv, json_t *rows, char *why, size_t whylen);
ef_win_status live_boot_events(struct live *lv, json_t *rows, char *why, size_t whylen);
ef_win_status live_wu_history(struct live *lv, json_t *rows, char *why, size_t whylen);
ef_win_status live_wu_pending(struct live *lv, json_t *rows, char *why, size_t whylen);
ef_win_status live_au(struct live *lv, json_t *rows, char *why, size_t whylen);
ef_win_status live_wsc(struct live *lv, json_t *rows, char *why, size_t whylen);

#endif
