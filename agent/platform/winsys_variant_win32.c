/* SPDX-License-Identifier: EUPL-1.2 */
/* A COM VARIANT (a WMI property, a Windows Update value) as JSON, as winsys.h promises WMI
 * rows: strings, numbers, booleans, null, lists; CIM uint64 and datetime stay the strings
 * WMI gives (VT_BSTR). Unit-tested under Wine (tests/unit/test_winsys_variant.c). */
#include "winsys_win32.h"

#include "efterlev/os_win32.h"

#include <limits.h>
#include <stdlib.h>

#define ARRAY_MAX 65536 /* elements of one property's list */

/* One scalar of type vt at p (a VARIANT's value or a SAFEARRAY element). */
static json_t *scalar(VARTYPE vt, const void *p, long cimtype)
{
    switch (vt) {
    case VT_BSTR: {
        BSTR b = *(BSTR const *)p;
        if (b == NULL)
            return json_string("");
        char *s = ef_win_utf8(b);
        json_t *j = s != NULL ? json_string(s) : NULL;
        free(s);
        return j;
    }
    case VT_BOOL:
        return json_boolean(*(const VARIANT_BOOL *)p != VARIANT_FALSE);
    case VT_I1:
        return json_integer(*(const signed char *)p);
    case VT_UI1:
        return json_integer(*(const unsigned char *)p);
    case VT_I2:
        /* WMI gives CIM uint16 as VT_I4 and sint8 as VT_I2 */
        return json_integer(*(const short *)p);
    case VT_UI2:
        return json_integer(*(const unsigned short *)p);
    case VT_I4:
    case VT_INT: {
        long v = *(const long *)p;
        /* WMI gives CIM uint32, uint16 and sint16 as VT_I4: the value is what the CIM type
         * holds (read uint32 unsigned; Wine's WMI leaves garbage above a uint16[]
         * element's 16 bits) */
        switch (cimtype) {
        case CIM_UINT32:
            return json_integer((json_int_t)(unsigned long)v);
        case CIM_UINT16:
            return json_integer((unsigned short)v);
        case CIM_SINT16:
            return json_integer((short)v);
        case CIM_UINT8:
            return json_integer((unsigned char)v);
        default:
            return json_integer(v);
        }
    }
    case VT_UI4:
    case VT_UINT:
        return json_integer(*(const unsigned long *)p);
    case VT_I8:
        return json_integer(*(const long long *)p);
    case VT_UI8: {
        unsigned long long v = *(const unsigned long long *)p;
        return v > (unsigned long long)LLONG_MAX ? NULL : json_integer((json_int_t)v);
    }
    case VT_R4:
        return json_real(*(const float *)p);
    case VT_R8:
        return json_real(*(const double *)p);
    case VT_DATE:
        return live_date(*(const DATE *)p);
    default:
        return NULL;
    }
}

/* The size of one element of type vt in a SAFEARRAY (0: not a type read here). */
static size_t elem_size(VARTYPE vt)
{
    switch (vt) {
    case VT_I1:
    case VT_UI1:
        return 1;
    case VT_I2:
    case VT_UI2:
    case VT_BOOL:
        return 2;
    case VT_I4:
    case VT_UI4:
    case VT_INT:
    case VT_UINT:
    case VT_R4:
        return 4;
    case VT_I8:
    case VT_UI8:
    case VT_R8:
    case VT_DATE:
        return 8;
    case VT_BSTR:
        return sizeof(BSTR);
    default:
        return 0;
    }
}

static int array_json(const VARIANT *v, long cimtype, json_t **out)
{
    SAFEARRAY *sa = V_ARRAY(v);
    VARTYPE vt = (VARTYPE)(V_VT(v) & ~VT_ARRAY), own;
    LONG lo, hi;

    if (sa == NULL) {
        *out = json_null();
        return 0;
    }
    if (SafeArrayGetDim(sa) != 1 || FAILED(SafeArrayGetLBound(sa, 1, &lo)) ||
        FAILED(SafeArrayGetUBound(sa, 1, &hi)) || (long long)hi - lo + 1 > ARRAY_MAX)
        return -1;
    /* The array's own element type and size decide how an element is read (Wine's WMI
     * gives a CIM uint16[] as VT_ARRAY|VT_I4 holding 2-byte elements). */
    size_t size = SafeArrayGetElemsize(sa);
    if (SUCCEEDED(SafeArrayGetVartype(sa, &own)) && own != VT_EMPTY)
        vt = own;
    if (vt != VT_BSTR && vt != VT_DATE && vt != VT_R4 && vt != VT_R8 && vt != VT_BOOL) {
        static const VARTYPE by_size[9] = {0, VT_UI1, VT_UI2, 0, VT_I4, 0, 0, 0, VT_I8};
        if (size == 0 || size > 8 || by_size[size] == 0)
            return -1;
        if (elem_size(vt) != size)
            vt = size == 2 && cimtype == CIM_SINT16 ? VT_I2 : by_size[size];
    } else if (elem_size(vt) != size) {
        return -1;
    }
    json_t *arr = json_array();
    void *data = NULL;
    if (arr == NULL || FAILED(SafeArrayAccessData(sa, &data))) {
        json_decref(arr);
        return -1;
    }
    int rc = 0;
    for (LONG i = 0; rc == 0 && i <= hi - lo; i++) {
        json_t *e = scalar(vt, (const char *)data + (size_t)i * size, cimtype);
        if (e == NULL || json_array_append_new(arr, e) != 0)
            rc = -1;
    }
    SafeArrayUnaccessData(sa);
    if (rc != 0) {
        json_decref(arr);
        return -1;
    }
    *out = arr;
    return 0;
}

int ef_win_variant_json(const VARIANT *v, long cimtype, json_t **out)
{
    *out = NULL;
    VARTYPE vt = V_VT(v);
    if (vt == VT_NULL || vt == VT_EMPTY) {
        *out = json_null();
        return 0;
    }
    if (vt & VT_BYREF)
        return -1;
    if (vt & VT_ARRAY)
        return array_json(v, cimtype & ~CIM_FLAG_ARRAY, out);
    /* the scalar's value lives in the VARIANT's union: hand scalar() its address */
    const void *p;
    switch (vt) {
    case VT_BSTR:
        p = &V_BSTR(v);
        break;
    case VT_BOOL:
        p = &V_BOOL(v);
        break;
    case VT_I1:
        p = &V_I1(v);
        break;
    case VT_UI1:
        p = &V_UI1(v);
        break;
    case VT_I2:
        p = &V_I2(v);
        break;
    case VT_UI2:
        p = &V_UI2(v);
        break;
    case VT_I4:
        p = &V_I4(v);
        break;
    case VT_INT:
        p = &V_INT(v);
        break;
    case VT_UI4:
        p = &V_UI4(v);
        break;
    case VT_UINT:
        p = &V_UINT(v);
        break;
    case VT_I8:
        p = &V_I8(v);
        break;
    case VT_UI8:
        p = &V_UI8(v);
        break;
    case VT_R4:
        p = &V_R4(v);
        break;
    case VT_R8:
        p = &V_R8(v);
        break;
    case VT_DATE:
        p = &V_DATE(v);
        break;
    default:
        return -1;
    }
    *out = scalar(vt, p, cimtype);
    return *out != NULL ? 0 : -1;
}
