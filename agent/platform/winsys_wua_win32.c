/* SPDX-License-Identifier: EUPL-1.2 */
/* winsys.h's Windows Update tables through the Windows Update Agent API, offline (the
 * searcher's Online is false: the local cache, never a download), and the anti-virus
 * products Windows Security Center knows (wscapi, workstations only):
 * api:WindowsUpdateHistory, api:WindowsUpdatePending, api:AutomaticUpdates,
 * api:SecurityCenterAntivirus. */
#include "winsys_win32.h"

#include "winsys_com_win32.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HISTORY_MAX 500

#define RELEASE(p)                                                                                 \
    do {                                                                                           \
        if ((p) != NULL)                                                                           \
            (p)->lpVtbl->Release(p);                                                               \
    } while (0)

/* An IUpdateSearcher of a new session, offline. */
static ef_win_status searcher(struct live *lv, IUpdateSearcher **out, char *why, size_t whylen)
{
    IUpdateSession *session = NULL;
    ef_win_status st = live_com(lv, why, whylen);
    *out = NULL;
    if (st != EF_WIN_OK)
        return st;
    HRESULT hr = CoCreateInstance(&ef_CLSID_UpdateSession, NULL, CLSCTX_INPROC_SERVER,
                                  &ef_IID_IUpdateSession, (void **)&session);
    if (FAILED(hr))
        return live_hr(hr, "CoCreateInstance(UpdateSession)", why, whylen);
    hr = session->lpVtbl->CreateUpdateSearcher(session, out);
    session->lpVtbl->Release(session);
    if (FAILED(hr)) {
        *out = NULL;
        return live_hr(hr, "IUpdateSession::CreateUpdateSearcher", why, whylen);
    }
    hr = (*out)->lpVtbl->put_Online(*out, VARIANT_FALSE);
    if (FAILED(hr)) {
        RELEASE(*out);
        *out = NULL;
        return live_hr(hr, "IUpdateSearcher::put_Online(false)", why, whylen);
    }
    return EF_WIN_OK;
}

/* A BSTR as JSON (an empty string for NULL), freed. */
static json_t *bstr_json(BSTR b)
{
    json_t *j = b != NULL ? live_wstr(b) : json_string("");
    SysFreeString(b);
    return j;
}

/* The CategoryIDs of a collection, lower case; NULL when unreadable. */
static json_t *category_ids(ICategoryCollection *cats)
{
    LONG n = 0;
    json_t *arr = json_array();
    if (arr == NULL || FAILED(cats->lpVtbl->get_Count(cats, &n)) || n < 0 || n > 1000) {
        json_decref(arr);
        return NULL;
    }
    for (LONG i = 0; i < n; i++) {
        ICategory *c = NULL;
        BSTR id = NULL;
        if (FAILED(cats->lpVtbl->get_Item(cats, i, &c)))
            continue;
        if (SUCCEEDED(c->lpVtbl->get_CategoryID(c, &id)) && id != NULL) {
            json_t *s = bstr_json(id);
            const char *v = json_string_value(s);
            if (v != NULL) {
                char *lc = strdup(v);
                for (char *p = lc; p && *p; p++)
                    *p = (char)tolower((unsigned char)*p);
                if (lc != NULL)
                    json_array_append_new(arr, json_string(lc));
                free(lc);
            }
            json_decref(s);
        }
        c->lpVtbl->Release(c);
    }
    return arr;
}

/* "KB5031455" in a title: the first "KB" and its digits, or "". */
static json_t *kb_of(const char *title)
{
    for (const char *p = title; p && *p; p++) {
        if (p[0] == 'K' && p[1] == 'B' && isdigit((unsigned char)p[2])) {
            size_t n = 2;
            while (isdigit((unsigned char)p[n]) && n < 20)
                n++;
            return json_stringn(p, n);
        }
    }
    return json_string("");
}

/* ---- api:WindowsUpdateHistory ---- */

static json_t *history_row(IUpdateHistoryEntry *e)
{
    UpdateOperation op = 0;
    OperationResultCode rc = 0;
    DATE d = 0;
    BSTR title = NULL;
    json_t *row = json_object();
    if (row == NULL)
        return NULL;
    json_object_set_new(row, "operation",
                        SUCCEEDED(e->lpVtbl->get_Operation(e, &op)) ? json_integer(op)
                                                                    : json_null());
    json_object_set_new(row, "result_code",
                        SUCCEEDED(e->lpVtbl->get_ResultCode(e, &rc)) ? json_integer(rc)
                                                                     : json_null());
    json_object_set_new(row, "date",
                        SUCCEEDED(e->lpVtbl->get_Date(e, &d)) ? live_date(d) : json_null());
    json_t *t = SUCCEEDED(e->lpVtbl->get_Title(e, &title)) ? bstr_json(title) : json_null();
    json_object_set_new(row, "kb", json_is_string(t) ? kb_of(json_string_value(t)) : json_null());
    json_object_set_new(row, "title", t);
    ef_IUpdateHistoryEntry2 *e2 = NULL;
    ICategoryCollection *cats = NULL;
    json_t *ids = NULL;
    if (SUCCEEDED(e->lpVtbl->QueryInterface(e, &ef_IID_IUpdateHistoryEntry2, (void **)&e2))) {
        if (SUCCEEDED(e2->lpVtbl->get_Categories(e2, &cats)) && cats != NULL) {
            ids = category_ids(cats);
            cats->lpVtbl->Release(cats);
        }
        e2->lpVtbl->base.Release((IUpdateHistoryEntry *)e2);
    }
    json_object_set_new(row, "categories", ids != NULL ? ids : json_null());
    if (ids == NULL)
        json_object_set_new(row, EF_WIN_ROW_WHY,
                            json_string("IUpdateHistoryEntry2::get_Categories failed"));
    return row;
}

ef_win_status live_wu_history(struct live *lv, json_t *rows, char *why, size_t whylen)
{
    IUpdateSearcher *s;
    ef_win_status st = searcher(lv, &s, why, whylen);
    if (st != EF_WIN_OK)
        return st;
    LONG total = 0;
    IUpdateHistoryEntryCollection *h = NULL;
    HRESULT hr = s->lpVtbl->GetTotalHistoryCount(s, &total);
    if (SUCCEEDED(hr) && total > 0)
        hr = s->lpVtbl->QueryHistory(s, 0, total < HISTORY_MAX ? total : HISTORY_MAX, &h);
    s->lpVtbl->Release(s);
    if (FAILED(hr))
        return live_hr(hr, "IUpdateSearcher::QueryHistory", why, whylen);
    LONG n = 0;
    if (h != NULL && FAILED(h->lpVtbl->get_Count(h, &n)))
        n = 0;
    for (LONG i = 0; st == EF_WIN_OK && i < n && i < HISTORY_MAX; i++) {
        IUpdateHistoryEntry *e = NULL;
        if (FAILED(h->lpVtbl->get_Item(h, i, &e)))
            continue;
        if (live_append(rows, history_row(e), why, whylen) != 0)
            st = EF_WIN_ERROR;
        e->lpVtbl->Release(e);
    }
    RELEASE(h);
    return st;
}

/* ---- api:WindowsUpdatePending ---- */

/* KBArticleIDs joined by ','. */
static json_t *kb_ids(IUpdate *u)
{
    IStringCollection *c = NULL;
    LONG n = 0;
    char buf[512] = "";
    size_t len = 0;
    if (FAILED(u->lpVtbl->get_KBArticleIDs(u, &c)) || c == NULL)
        return json_null();
    if (FAILED(c->lpVtbl->get_Count(c, &n)))
        n = 0;
    for (LONG i = 0; i < n && i < 32; i++) {
        BSTR b = NULL;
        if (FAILED(c->lpVtbl->get_Item(c, i, &b)))
            continue;
        json_t *s = bstr_json(b);
        const char *v = json_string_value(s);
        if (v != NULL && len + strlen(v) + 2 < sizeof(buf))
            len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%s", len ? "," : "", v);
        json_decref(s);
    }
    c->lpVtbl->Release(c);
    return json_string(buf);
}

static json_t *pending_row(IUpdate *u)
{
    BSTR title = NULL, sev = NULL;
    DATE d = 0;
    ICategoryCollection *cats = NULL;
    json_t *row = json_object();
    if (row == NULL)
        return NULL;
    json_object_set_new(
        row, "title", SUCCEEDED(u->lpVtbl->get_Title(u, &title)) ? bstr_json(title) : json_null());
    json_object_set_new(row, "kb", kb_ids(u));
    json_object_set_new(row, "msrc_severity",
                        SUCCEEDED(u->lpVtbl->get_MsrcSeverity(u, &sev)) ? bstr_json(sev)
                                                                        : json_null());
    json_t *ids = NULL;
    if (SUCCEEDED(u->lpVtbl->get_Categories(u, &cats)) && cats != NULL) {
        ids = category_ids(cats);
        cats->lpVtbl->Release(cats);
    }
    json_object_set_new(row, "categories", ids != NULL ? ids : json_null());
    json_object_set_new(row, "last_deployment_change",
                        SUCCEEDED(u->lpVtbl->get_LastDeploymentChangeTime(u, &d)) ? live_date(d)
                                                                                  : json_null());
    return row;
}

ef_win_status live_wu_pending(struct live *lv, json_t *rows, char *why, size_t whylen)
{
    IUpdateSearcher *s;
    ef_win_status st = searcher(lv, &s, why, whylen);
    if (st != EF_WIN_OK)
        return st;
    BSTR crit = SysAllocString(L"IsInstalled=0 and IsHidden=0 and Type='Software'");
    ISearchResult *res = NULL;
    IUpdateCollection *ups = NULL;
    HRESULT hr = crit ? s->lpVtbl->Search(s, crit, &res) : E_OUTOFMEMORY;
    SysFreeString(crit);
    s->lpVtbl->Release(s);
    if (SUCCEEDED(hr))
        hr = res->lpVtbl->get_Updates(res, &ups);
    RELEASE(res);
    if (FAILED(hr))
        return live_hr(hr, "IUpdateSearcher::Search (offline)", why, whylen);
    LONG n = 0;
    if (ups == NULL || FAILED(ups->lpVtbl->get_Count(ups, &n)))
        n = 0;
    for (LONG i = 0; st == EF_WIN_OK && i < n; i++) {
        IUpdate *u = NULL;
        if (FAILED(ups->lpVtbl->get_Item(ups, i, &u)))
            continue;
        if (live_append(rows, pending_row(u), why, whylen) != 0)
            st = EF_WIN_ERROR;
        u->lpVtbl->Release(u);
    }
    RELEASE(ups);
    return st;
}

/* ---- api:AutomaticUpdates ---- */

/* A VARIANT date (VT_DATE) as a time; VT_EMPTY (never) as null. */
static json_t *variant_date(VARIANT *v)
{
    json_t *j = V_VT(v) == VT_DATE ? live_date(V_DATE(v)) : json_null();
    VariantClear(v);
    return j;
}

ef_win_status live_au(struct live *lv, json_t *rows, char *why, size_t whylen)
{
    IAutomaticUpdates *au = NULL;
    ef_win_status st = live_com(lv, why, whylen);
    if (st != EF_WIN_OK)
        return st;
    HRESULT hr = CoCreateInstance(&ef_CLSID_AutomaticUpdates, NULL, CLSCTX_INPROC_SERVER,
                                  &ef_IID_IAutomaticUpdates, (void **)&au);
    if (FAILED(hr))
        return live_hr(hr, "CoCreateInstance(AutomaticUpdates)", why, whylen);
    VARIANT_BOOL on = VARIANT_FALSE;
    hr = au->lpVtbl->get_ServiceEnabled(au, &on);
    if (FAILED(hr)) {
        au->lpVtbl->Release(au);
        return live_hr(hr, "IAutomaticUpdates::get_ServiceEnabled", why, whylen);
    }
    json_t *row = json_object();
    if (row != NULL) {
        json_object_set_new(row, "service_enabled", json_boolean(on != VARIANT_FALSE));
        json_object_set_new(row, "last_search_success", json_null());
        json_object_set_new(row, "last_install_success", json_null());
    }
    ef_IAutomaticUpdates2 *au2 = NULL;
    ef_IAutomaticUpdatesResults *r = NULL;
    hr = au->lpVtbl->QueryInterface(au, &ef_IID_IAutomaticUpdates2, (void **)&au2);
    if (SUCCEEDED(hr)) {
        hr = au2->lpVtbl->get_Results(au2, &r);
        au2->lpVtbl->base.Release((IAutomaticUpdates *)au2);
    }
    if (SUCCEEDED(hr) && r != NULL && row != NULL) {
        VARIANT v;
        VariantInit(&v);
        if (SUCCEEDED(r->lpVtbl->get_LastSearchSuccessDate(r, &v)))
            json_object_set_new(row, "last_search_success", variant_date(&v));
        VariantInit(&v);
        if (SUCCEEDED(r->lpVtbl->get_LastInstallationSuccessDate(r, &v)))
            json_object_set_new(row, "last_install_success", variant_date(&v));
    } else if (row != NULL) {
        char w[200];
        live_hr(hr, "IAutomaticUpdates2::get_Results", w, sizeof(w));
        json_object_set_new(row, EF_WIN_ROW_WHY, json_string(w));
    }
    if (r != NULL)
        r->lpVtbl->base.Release((IDispatch *)r);
    au->lpVtbl->Release(au);
    return live_append(rows, row, why, whylen) == 0 ? EF_WIN_OK : EF_WIN_ERROR;
}

/* ---- api:SecurityCenterAntivirus ---- */

static const char *product_state(int s)
{
    switch (s) {
    case EF_WSC_SECURITY_PRODUCT_STATE_ON:
        return "on";
    case EF_WSC_SECURITY_PRODUCT_STATE_OFF:
        return "off";
    case EF_WSC_SECURITY_PRODUCT_STATE_SNOOZED:
        return "snoozed";
    case EF_WSC_SECURITY_PRODUCT_STATE_EXPIRED:
        return "expired";
    default:
        return NULL;
    }
}

ef_win_status live_wsc(struct live *lv, json_t *rows, char *why, size_t whylen)
{
    ef_IWSCProductList *list = NULL;
    ef_win_status st = live_com(lv, why, whylen);
    if (st != EF_WIN_OK)
        return st;
    HRESULT hr = CoCreateInstance(&ef_CLSID_WSCProductList, NULL, CLSCTX_INPROC_SERVER,
                                  &ef_IID_IWSCProductList, (void **)&list);
    if (hr == REGDB_E_CLASSNOTREG || hr == HRESULT_FROM_WIN32(ERROR_MOD_NOT_FOUND)) {
        /* no Security Center: Windows Server, or a system without wscapi */
        snprintf(why, whylen,
                 "Windows Security Center is not on this machine (WSCProductList not "
                 "registered, 0x%08lx; Windows Server has none)",
                 (unsigned long)hr);
        return EF_WIN_ABSENT;
    }
    if (FAILED(hr))
        return live_hr(hr, "CoCreateInstance(WSCProductList)", why, whylen);
    LONG n = 0;
    hr = list->lpVtbl->Initialize(list, EF_WSC_SECURITY_PROVIDER_ANTIVIRUS);
    if (SUCCEEDED(hr))
        hr = list->lpVtbl->get_Count(list, &n);
    if (FAILED(hr)) {
        list->lpVtbl->base.Release((IDispatch *)list);
        return live_hr(hr, "IWSCProductList (WSC_SECURITY_PROVIDER_ANTIVIRUS)", why, whylen);
    }
    for (LONG i = 0; st == EF_WIN_OK && i < n && i < 64; i++) {
        ef_IWscProduct *p = NULL;
        if (FAILED(list->lpVtbl->get_Item(list, (ULONG)i, &p)) || p == NULL)
            continue;
        BSTR name = NULL;
        int state = -1, sig = -1;
        json_t *row = json_object();
        if (row != NULL) {
            json_object_set_new(row, "name",
                                SUCCEEDED(p->lpVtbl->get_ProductName(p, &name)) ? bstr_json(name)
                                                                                : json_null());
            const char *sn =
                SUCCEEDED(p->lpVtbl->get_ProductState(p, &state)) ? product_state(state) : NULL;
            json_object_set_new(row, "state", sn ? json_string(sn) : json_null());
            json_object_set_new(row, "signature_up_to_date",
                                SUCCEEDED(p->lpVtbl->get_SignatureStatus(p, &sig))
                                    ? json_boolean(sig == EF_WSC_SECURITY_PRODUCT_UP_TO_DATE)
                                    : json_null());
        }
        p->lpVtbl->base.Release((IDispatch *)p);
        if (live_append(rows, row, why, whylen) != 0)
            st = EF_WIN_ERROR;
    }
    list->lpVtbl->base.Release((IDispatch *)list);
    return st;
}
