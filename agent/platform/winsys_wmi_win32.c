/* SPDX-License-Identifier: EUPL-1.2 */
/* WMI over COM for winsys.h's live source: one IWbemServices connection per namespace, kept
 * for the source's life, and SELECT * FROM a class, forward-only, each object's properties
 * by name (winsys_variant_win32.c). Also api:BitLockerKeyProtectors, which calls a WMI
 * method (Win32_EncryptableVolume GetKeyProtectors, GetKeyProtectorType) per volume. */
#include "winsys_win32.h"

#include "efterlev/os_win32.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

ef_win_status live_wmi_ns(struct live *lv, const char *ns, IWbemServices **svc, char *why,
                          size_t whylen)
{
    char key[EF_WIN_TABLE_NAME_MAX + 1];
    ef_win_status st;

    *svc = NULL;
    snprintf(key, sizeof(key), "%s", ns);
    for (char *s = key; *s; s++)
        *s = (char)tolower((unsigned char)*s);
    for (size_t i = 0; i < lv->nns; i++)
        if (strcmp(lv->ns[i].name, key) == 0) {
            *svc = lv->ns[i].svc;
            return EF_WIN_OK;
        }
    if (lv->nns == LIVE_NS_MAX) {
        snprintf(why, whylen, "more than %d WMI namespaces", LIVE_NS_MAX);
        return EF_WIN_ERROR;
    }
    if ((st = live_com(lv, why, whylen)) != EF_WIN_OK)
        return st;
    HRESULT hr;
    if (lv->locator == NULL) {
        hr = CoCreateInstance(&CLSID_WbemLocator, NULL, CLSCTX_INPROC_SERVER, &IID_IWbemLocator,
                              (void **)&lv->locator);
        if (FAILED(hr)) {
            lv->locator = NULL;
            return live_hr(hr, "WMI (CoCreateInstance WbemLocator)", why, whylen);
        }
    }
    wchar_t *wns = ef_win_utf16(ns);
    BSTR bns = wns != NULL ? SysAllocString(wns) : NULL;
    free(wns);
    if (bns == NULL) {
        snprintf(why, whylen, "out of memory");
        return EF_WIN_ERROR;
    }
    IWbemServices *s = NULL;
    hr = lv->locator->lpVtbl->ConnectServer(lv->locator, bns, NULL, NULL, NULL, 0, NULL, NULL, &s);
    SysFreeString(bns);
    if (FAILED(hr)) {
        char what[EF_WIN_TABLE_NAME_MAX + 40];
        snprintf(what, sizeof(what), "WMI namespace %s", ns);
        return live_hr(hr, what, why, whylen);
    }
    hr = CoSetProxyBlanket((IUnknown *)s, RPC_C_AUTHN_WINNT, RPC_C_AUTHZ_NONE, NULL,
                           RPC_C_AUTHN_LEVEL_CALL, RPC_C_IMP_LEVEL_IMPERSONATE, NULL, EOAC_NONE);
    if (FAILED(hr)) {
        s->lpVtbl->Release(s);
        return live_hr(hr, "CoSetProxyBlanket", why, whylen);
    }
    snprintf(lv->ns[lv->nns].name, sizeof(lv->ns[lv->nns].name), "%s", key);
    lv->ns[lv->nns++].svc = s;
    *svc = s;
    return EF_WIN_OK;
}

void live_wmi_close(struct live *lv)
{
    for (size_t i = 0; i < lv->nns; i++)
        lv->ns[i].svc->lpVtbl->Release(lv->ns[i].svc);
    lv->nns = 0;
    if (lv->locator != NULL)
        lv->locator->lpVtbl->Release(lv->locator);
    lv->locator = NULL;
}

json_t *live_wmi_object(IWbemClassObject *obj)
{
    json_t *row = json_object();
    if (row == NULL || FAILED(obj->lpVtbl->BeginEnumeration(obj, WBEM_FLAG_NONSYSTEM_ONLY))) {
        json_decref(row);
        return NULL;
    }
    BSTR name;
    VARIANT v;
    CIMTYPE type;
    while (obj->lpVtbl->Next(obj, 0, &name, &v, &type, NULL) == WBEM_S_NO_ERROR) {
        json_t *j;
        char *k = ef_win_utf8(name);
        /* a property that is no value JSON has (an embedded object) is left out */
        if (k != NULL && ef_win_variant_json(&v, type, &j) == 0)
            json_object_set_new(row, k, j);
        free(k);
        SysFreeString(name);
        VariantClear(&v);
    }
    obj->lpVtbl->EndEnumeration(obj);
    return row;
}

ef_win_status live_wmi_query(struct live *lv, const char *ns, const char *cls, json_t **rows,
                             char *why, size_t whylen)
{
    IWbemServices *svc;
    char what[2 * EF_WIN_TABLE_NAME_MAX + 8];
    ef_win_status st;

    snprintf(what, sizeof(what), "%s in %s", cls, ns);
    char sub[512];
    if ((st = live_wmi_ns(lv, ns, &svc, sub, sizeof(sub))) != EF_WIN_OK) {
        snprintf(why, whylen, "%s: %s", what, sub);
        return st;
    }
    wchar_t q[EF_WIN_TABLE_NAME_MAX + 32];
    snwprintf(q, sizeof(q) / sizeof(q[0]), L"SELECT * FROM %hs", cls);
    BSTR lang = SysAllocString(L"WQL"), query = SysAllocString(q);
    IEnumWbemClassObject *en = NULL;
    HRESULT hr = lang && query
                     ? svc->lpVtbl->ExecQuery(svc, lang, query,
                                              WBEM_FLAG_FORWARD_ONLY | WBEM_FLAG_RETURN_IMMEDIATELY,
                                              NULL, &en)
                     : E_OUTOFMEMORY;
    SysFreeString(lang);
    SysFreeString(query);
    if (FAILED(hr))
        return live_hr(hr, what, why, whylen);
    json_t *arr = json_array();
    st = arr != NULL ? EF_WIN_OK : EF_WIN_ERROR;
    if (arr == NULL)
        snprintf(why, whylen, "%s: out of memory", what);
    while (st == EF_WIN_OK) {
        IWbemClassObject *obj = NULL;
        ULONG got = 0;
        hr = en->lpVtbl->Next(en, WBEM_INFINITE, 1, &obj, &got);
        if (FAILED(hr)) {
            st = live_hr(hr, what, why, whylen);
            break;
        }
        if (got == 0)
            break;
        json_t *row = live_wmi_object(obj);
        obj->lpVtbl->Release(obj);
        if (live_append(arr, row, sub, sizeof(sub)) != 0) {
            snprintf(why, whylen, "%s: %s", what, sub);
            st = EF_WIN_ERROR;
        }
    }
    en->lpVtbl->Release(en);
    if (st != EF_WIN_OK) {
        json_decref(arr);
        return st;
    }
    *rows = arr;
    return EF_WIN_OK;
}

/* ---- api:BitLockerKeyProtectors ---- */

#define BL_NS "root\\CIMV2\\Security\\MicrosoftVolumeEncryption"

/* Call method of the object at path; its out-parameters object in *out. */
static HRESULT exec_method(IWbemServices *svc, BSTR path, const wchar_t *method,
                           IWbemClassObject *in, IWbemClassObject **out)
{
    BSTR m = SysAllocString(method);
    if (m == NULL)
        return E_OUTOFMEMORY;
    HRESULT hr = svc->lpVtbl->ExecMethod(svc, path, m, 0, NULL, in, out, NULL);
    SysFreeString(m);
    return hr;
}

/* The in-parameters of Win32_EncryptableVolume.GetKeyProtectorType with VolumeKeyProtectorID
 * set to id. */
static HRESULT type_params(IWbemServices *svc, BSTR id, IWbemClassObject **in)
{
    IWbemClassObject *cls = NULL, *def = NULL;
    BSTR cn = SysAllocString(L"Win32_EncryptableVolume");
    HRESULT hr = cn ? svc->lpVtbl->GetObject(svc, cn, 0, NULL, &cls, NULL) : E_OUTOFMEMORY;
    SysFreeString(cn);
    if (SUCCEEDED(hr))
        hr = cls->lpVtbl->GetMethod(cls, L"GetKeyProtectorType", 0, &def, NULL);
    if (SUCCEEDED(hr))
        hr = def->lpVtbl->SpawnInstance(def, 0, in);
    if (SUCCEEDED(hr)) {
        VARIANT v;
        VariantInit(&v);
        V_VT(&v) = VT_BSTR;
        V_BSTR(&v) = id;
        hr = (*in)->lpVtbl->Put(*in, L"VolumeKeyProtectorID", 0, &v, 0);
        if (FAILED(hr)) {
            (*in)->lpVtbl->Release(*in);
            *in = NULL;
        }
    }
    if (def != NULL)
        def->lpVtbl->Release(def);
    if (cls != NULL)
        cls->lpVtbl->Release(cls);
    return hr;
}

/* A method's ReturnValue (a WMI method reports failure there, not in its HRESULT). */
static long return_value(IWbemClassObject *out)
{
    VARIANT v;
    long rv = -1;
    if (out != NULL && SUCCEEDED(out->lpVtbl->Get(out, L"ReturnValue", 0, &v, NULL, NULL))) {
        if (V_VT(&v) == VT_I4)
            rv = V_I4(&v);
        VariantClear(&v);
    }
    return rv;
}

/* The protectors of one volume (obj, a Win32_EncryptableVolume) appended to rows. */
static ef_win_status volume_protectors(IWbemServices *svc, IWbemClassObject *obj, json_t *rows,
                                       char *why, size_t whylen)
{
    VARIANT path, dev, letter, ids;
    IWbemClassObject *out = NULL;
    ef_win_status st = EF_WIN_OK;

    VariantInit(&path);
    VariantInit(&dev);
    VariantInit(&letter);
    VariantInit(&ids);
    if (FAILED(obj->lpVtbl->Get(obj, L"__PATH", 0, &path, NULL, NULL)) || V_VT(&path) != VT_BSTR) {
        snprintf(why, whylen, "Win32_EncryptableVolume: an object without __PATH");
        st = EF_WIN_ERROR;
        goto done;
    }
    obj->lpVtbl->Get(obj, L"DeviceID", 0, &dev, NULL, NULL);
    obj->lpVtbl->Get(obj, L"DriveLetter", 0, &letter, NULL, NULL);
    HRESULT hr = exec_method(svc, V_BSTR(&path), L"GetKeyProtectors", NULL, &out);
    if (FAILED(hr)) {
        st = live_hr(hr, "Win32_EncryptableVolume.GetKeyProtectors", why, whylen);
        goto done;
    }
    long rv = return_value(out);
    if (rv != 0 || FAILED(out->lpVtbl->Get(out, L"VolumeKeyProtectorID", 0, &ids, NULL, NULL))) {
        st = live_hr(rv == 0 ? E_FAIL : (HRESULT)rv, "Win32_EncryptableVolume.GetKeyProtectors",
                     why, whylen);
        goto done;
    }
    if (V_VT(&ids) != (VT_ARRAY | VT_BSTR) || V_ARRAY(&ids) == NULL)
        goto done; /* no protectors */
    SAFEARRAY *sa = V_ARRAY(&ids);
    LONG lo, hi;
    if (FAILED(SafeArrayGetLBound(sa, 1, &lo)) || FAILED(SafeArrayGetUBound(sa, 1, &hi)))
        goto done;
    for (LONG i = lo; st == EF_WIN_OK && i <= hi; i++) {
        BSTR id = NULL;
        IWbemClassObject *in = NULL, *tout = NULL;
        if (FAILED(SafeArrayGetElement(sa, &i, &id)))
            continue;
        json_t *row = json_pack(
            "{s:o, s:o, s:n}", "device_id",
            V_VT(&dev) == VT_BSTR ? live_wstr(V_BSTR(&dev)) : json_null(), "drive_letter",
            V_VT(&letter) == VT_BSTR ? live_wstr(V_BSTR(&letter)) : json_string(""), "type");
        hr = type_params(svc, id, &in);
        if (SUCCEEDED(hr))
            hr = exec_method(svc, V_BSTR(&path), L"GetKeyProtectorType", in, &tout);
        VARIANT t;
        VariantInit(&t);
        if (SUCCEEDED(hr) && return_value(tout) == 0 &&
            SUCCEEDED(tout->lpVtbl->Get(tout, L"KeyProtectorType", 0, &t, NULL, NULL)) &&
            (V_VT(&t) == VT_I4 || V_VT(&t) == VT_UI4))
            json_object_set_new(row, "type", json_integer(V_I4(&t)));
        else if (row != NULL)
            json_object_set_new(row, EF_WIN_ROW_WHY,
                                json_string("GetKeyProtectorType failed for this protector"));
        VariantClear(&t);
        if (tout != NULL)
            tout->lpVtbl->Release(tout);
        if (in != NULL)
            in->lpVtbl->Release(in);
        SysFreeString(id);
        if (live_append(rows, row, why, whylen) != 0)
            st = EF_WIN_ERROR;
    }
done:
    if (out != NULL)
        out->lpVtbl->Release(out);
    VariantClear(&path);
    VariantClear(&dev);
    VariantClear(&letter);
    VariantClear(&ids);
    return st;
}

ef_win_status live_bitlocker_protectors(struct live *lv, json_t *rows, char *why, size_t whylen)
{
    IWbemServices *svc;
    char sub[512];
    ef_win_status st = live_wmi_ns(lv, BL_NS, &svc, sub, sizeof(sub));
    if (st != EF_WIN_OK) {
        snprintf(why, whylen, "Win32_EncryptableVolume in %s: %s", BL_NS, sub);
        return st;
    }
    BSTR lang = SysAllocString(L"WQL"),
         query = SysAllocString(L"SELECT * FROM Win32_EncryptableVolume");
    IEnumWbemClassObject *en = NULL;
    HRESULT hr = lang && query
                     ? svc->lpVtbl->ExecQuery(svc, lang, query,
                                              WBEM_FLAG_FORWARD_ONLY | WBEM_FLAG_RETURN_IMMEDIATELY,
                                              NULL, &en)
                     : E_OUTOFMEMORY;
    SysFreeString(lang);
    SysFreeString(query);
    if (FAILED(hr))
        return live_hr(hr, "Win32_EncryptableVolume in " BL_NS, why, whylen);
    while (st == EF_WIN_OK) {
        IWbemClassObject *obj = NULL;
        ULONG got = 0;
        hr = en->lpVtbl->Next(en, WBEM_INFINITE, 1, &obj, &got);
        if (FAILED(hr)) {
            st = live_hr(hr, "Win32_EncryptableVolume in " BL_NS, why, whylen);
            break;
        }
        if (got == 0)
            break;
        st = volume_protectors(svc, obj, rows, why, whylen);
        obj->lpVtbl->Release(obj);
    }
    en->lpVtbl->Release(en);
    return st;
}
