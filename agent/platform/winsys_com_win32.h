/* SPDX-License-Identifier: EUPL-1.2 */
/* The few COM interfaces winsys_wua_win32.c calls that mingw-w64's headers lack, declared
 * from Microsoft's documentation, only as far as they are called (a vtable's prefix):
 *   wuapi.h: IUpdateHistoryEntry2 (get_Categories), IAutomaticUpdates2 (get_Results),
 *     IAutomaticUpdatesResults (get_LastSearchSuccessDate, get_LastInstallationSuccessDate):
 *     learn.microsoft.com/windows/win32/api/wuapi/ and [MS-UAMG] (their IIDs);
 *   iwscapi.h: IWSCProductList (Initialize, get_Count, get_Item), IWscProduct
 *     (get_ProductName, get_ProductState, get_SignatureStatus), the WSCProductList class,
 *     and wscapi.h's WSC_SECURITY_PROVIDER_ANTIVIRUS and the state and signature values:
 *     learn.microsoft.com/windows/win32/api/iwscapi/ and .../api/wscapi/.
 * Each interface is the documented one's methods in its documented order after its base
 * interface's. */
#ifndef EFTERLEV_AGENT_PLATFORM_WINSYS_COM_WIN32_H
#define EFTERLEV_AGENT_PLATFORM_WINSYS_COM_WIN32_H

#include <windows.h>

#include <oaidl.h>
#include <wuapi.h>

/* ---- Windows Update Agent ---- */

/* The classes and interfaces wuapi.h declares but no mingw-w64 library defines (the values
 * of wuapi.h's own DEFINE_GUIDs). */
static const CLSID ef_CLSID_UpdateSession = {
    0x4cb43d7f, 0x7eee, 0x4906, {0x86, 0x98, 0x60, 0xda, 0x1c, 0x38, 0xf2, 0xfe}};
static const IID ef_IID_IUpdateSession = {
    0x816858a4, 0x260d, 0x4260, {0x93, 0x3a, 0x25, 0x85, 0xf1, 0xab, 0xc7, 0x6b}};
static const CLSID ef_CLSID_AutomaticUpdates = {
    0xbfe18e9c, 0x6d87, 0x4450, {0xb3, 0x7c, 0xe0, 0x2f, 0x0b, 0x37, 0x38, 0x03}};
static const IID ef_IID_IAutomaticUpdates = {
    0x673425bf, 0xc082, 0x4c7c, {0xbd, 0xfd, 0x56, 0x94, 0x64, 0xb8, 0xe0, 0xce}};

/* {C2BFB780-4539-4132-AB8C-0A8772013AB6} */
static const IID ef_IID_IUpdateHistoryEntry2 = {
    0xc2bfb780, 0x4539, 0x4132, {0xab, 0x8c, 0x0a, 0x87, 0x72, 0x01, 0x3a, 0xb6}};
typedef struct ef_IUpdateHistoryEntry2 ef_IUpdateHistoryEntry2;
typedef struct {
    IUpdateHistoryEntryVtbl base;
    HRESULT(STDMETHODCALLTYPE *get_Categories)
    (ef_IUpdateHistoryEntry2 *This, ICategoryCollection **retval);
} ef_IUpdateHistoryEntry2Vtbl;
struct ef_IUpdateHistoryEntry2 {
    const ef_IUpdateHistoryEntry2Vtbl *lpVtbl;
};

/* {E7A4D634-7942-4DD9-A111-82228BA33901} */
typedef struct ef_IAutomaticUpdatesResults ef_IAutomaticUpdatesResults;
typedef struct {
    IDispatchVtbl base;
    HRESULT(STDMETHODCALLTYPE *get_LastSearchSuccessDate)
    (ef_IAutomaticUpdatesResults *This, VARIANT *retval);
    HRESULT(STDMETHODCALLTYPE *get_LastInstallationSuccessDate)
    (ef_IAutomaticUpdatesResults *This, VARIANT *retval);
} ef_IAutomaticUpdatesResultsVtbl;
struct ef_IAutomaticUpdatesResults {
    const ef_IAutomaticUpdatesResultsVtbl *lpVtbl;
};

/* {4A2F5C31-CFD9-410E-B7FB-29A653973A0F} */
static const IID ef_IID_IAutomaticUpdates2 = {
    0x4a2f5c31, 0xcfd9, 0x410e, {0xb7, 0xfb, 0x29, 0xa6, 0x53, 0x97, 0x3a, 0x0f}};
typedef struct ef_IAutomaticUpdates2 ef_IAutomaticUpdates2;
typedef struct {
    IAutomaticUpdatesVtbl base;
    HRESULT(STDMETHODCALLTYPE *get_Results)
    (ef_IAutomaticUpdates2 *This, ef_IAutomaticUpdatesResults **retval);
} ef_IAutomaticUpdates2Vtbl;
struct ef_IAutomaticUpdates2 {
    const ef_IAutomaticUpdates2Vtbl *lpVtbl;
};

/* ---- Windows Security Center ---- */

#define EF_WSC_SECURITY_PROVIDER_ANTIVIRUS 0x4
#define EF_WSC_SECURITY_PRODUCT_STATE_ON 0
#define EF_WSC_SECURITY_PRODUCT_STATE_OFF 1
#define EF_WSC_SECURITY_PRODUCT_STATE_SNOOZED 2
#define EF_WSC_SECURITY_PRODUCT_STATE_EXPIRED 3
#define EF_WSC_SECURITY_PRODUCT_UP_TO_DATE 1

/* CLSID_WSCProductList {17072F7B-9ABE-4A74-A261-1EB76B55107A} */
static const CLSID ef_CLSID_WSCProductList = {
    0x17072f7b, 0x9abe, 0x4a74, {0xa2, 0x61, 0x1e, 0xb7, 0x6b, 0x55, 0x10, 0x7a}};
/* {722A338C-6E8E-4E72-AC27-1417FB0C81C2} */
static const IID ef_IID_IWSCProductList = {
    0x722a338c, 0x6e8e, 0x4e72, {0xac, 0x27, 0x14, 0x17, 0xfb, 0x0c, 0x81, 0xc2}};

typedef struct ef_IWscProduct ef_IWscProduct;
typedef struct {
    IDispatchVtbl base;
    HRESULT(STDMETHODCALLTYPE *get_ProductName)(ef_IWscProduct *This, BSTR *pVal);
    HRESULT(STDMETHODCALLTYPE *get_ProductState)(ef_IWscProduct *This, int *pVal);
    HRESULT(STDMETHODCALLTYPE *get_SignatureStatus)(ef_IWscProduct *This, int *pVal);
} ef_IWscProductVtbl;
struct ef_IWscProduct {
    const ef_IWscProductVtbl *lpVtbl;
};

typedef struct ef_IWSCProductList ef_IWSCProductList;
typedef struct {
    IDispatchVtbl base;
    HRESULT(STDMETHODCALLTYPE *Initialize)(ef_IWSCProductList *This, ULONG provider);
    HRESULT(STDMETHODCALLTYPE *get_Count)(ef_IWSCProductList *This, LONG *pVal);
    HRESULT(STDMETHODCALLTYPE *get_Item)
    (ef_IWSCProductList *This, ULONG index, ef_IWscProduct **pVal);
} ef_IWSCProductListVtbl;
struct ef_IWSCProductList {
    const ef_IWSCProductListVtbl *lpVtbl;
};

#endif
