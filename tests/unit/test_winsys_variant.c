/* SPDX-License-Identifier: EUPL-1.2 */
/* Windows only (tests/unit/windows.cmake, run under Wine): a COM VARIANT as JSON, as the live
 * WMI source turns every property into a row's value (agent/platform/winsys_variant_win32.c):
 * BSTR, I4 (and a CIM uint32 in an I4), BOOL, NULL, a SAFEARRAY of BSTR and one of I4
 * holding CIM uint16, a DATE; an embedded object is refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "platform/winsys_win32.h"

#include <stdlib.h>
#include <string.h>

/* v as compact JSON text (the conversion must succeed). */
static char *as_text(const VARIANT *v, long cimtype)
{
    json_t *j = NULL;
    assert_int_equal(ef_win_variant_json(v, cimtype, &j), 0);
    assert_non_null(j);
    char *s = json_dumps(j, JSON_ENCODE_ANY | JSON_COMPACT);
    json_decref(j);
    assert_non_null(s);
    return s;
}

static void expect(const VARIANT *v, long cimtype, const char *want)
{
    char *s = as_text(v, cimtype);
    assert_string_equal(s, want);
    free(s);
}

static void test_bstr(void **state)
{
    (void)state;
    VARIANT v;
    VariantInit(&v);
    V_VT(&v) = VT_BSTR;
    V_BSTR(&v) = SysAllocString(L"C:\\ \u00e5\u00e4\u00f6 \"x\"");
    expect(&v, CIM_STRING, "\"C:\\\\ \u00e5\u00e4\u00f6 \\\"x\\\"\"");
    VariantClear(&v);
    /* CIM uint64 and datetime arrive as strings and stay strings */
    V_VT(&v) = VT_BSTR;
    V_BSTR(&v) = SysAllocString(L"18446744073709551615");
    expect(&v, CIM_UINT64, "\"18446744073709551615\"");
    VariantClear(&v);
}

static void test_i4_bool_null(void **state)
{
    (void)state;
    VARIANT v;
    VariantInit(&v);
    V_VT(&v) = VT_I4;
    V_I4(&v) = -7;
    expect(&v, CIM_SINT32, "-7");
    V_I4(&v) = -1; /* 0xffffffff: a CIM uint32 is read unsigned */
    expect(&v, CIM_UINT32, "4294967295");
    V_VT(&v) = VT_BOOL;
    V_BOOL(&v) = VARIANT_TRUE;
    expect(&v, CIM_BOOLEAN, "true");
    V_BOOL(&v) = VARIANT_FALSE;
    expect(&v, CIM_BOOLEAN, "false");
    V_VT(&v) = VT_NULL;
    expect(&v, CIM_STRING, "null");
    V_VT(&v) = VT_EMPTY;
    expect(&v, 0, "null");
}

static void test_array_bstr(void **state)
{
    (void)state;
    SAFEARRAY *sa = SafeArrayCreateVector(VT_BSTR, 0, 3);
    assert_non_null(sa);
    const wchar_t *items[] = {L"a", L"", L"KB5031455"};
    for (LONG i = 0; i < 3; i++) {
        BSTR b = SysAllocString(items[i]);
        assert_true(SUCCEEDED(SafeArrayPutElement(sa, &i, b)));
        SysFreeString(b); /* SafeArrayPutElement copies a BSTR */
    }
    VARIANT v;
    VariantInit(&v);
    V_VT(&v) = VT_ARRAY | VT_BSTR;
    V_ARRAY(&v) = sa;
    expect(&v, CIM_STRING | CIM_FLAG_ARRAY, "[\"a\",\"\",\"KB5031455\"]");
    VariantClear(&v);
}

static void test_array_uint16(void **state)
{
    (void)state;
    /* WMI gives a CIM uint16[] (Win32_SystemEnclosure.ChassisTypes) as VT_ARRAY|VT_I4; only
     * the low 16 bits are the value */
    SAFEARRAY *sa = SafeArrayCreateVector(VT_I4, 0, 2);
    assert_non_null(sa);
    LONG vals[] = {9, 0x01430002};
    for (LONG i = 0; i < 2; i++)
        assert_true(SUCCEEDED(SafeArrayPutElement(sa, &i, &vals[i])));
    VARIANT v;
    VariantInit(&v);
    V_VT(&v) = VT_ARRAY | VT_I4;
    V_ARRAY(&v) = sa;
    expect(&v, CIM_UINT16 | CIM_FLAG_ARRAY, "[9,2]");
    expect(&v, CIM_SINT32 | CIM_FLAG_ARRAY, "[9,21168130]");
    VariantClear(&v);
}

static void test_date_and_refused(void **state)
{
    (void)state;
    VARIANT v;
    VariantInit(&v);
    SYSTEMTIME st = {.wYear = 2026, .wMonth = 11, .wDay = 3, .wHour = 2, .wMinute = 14};
    V_VT(&v) = VT_DATE;
    assert_true(SystemTimeToVariantTime(&st, &V_DATE(&v)));
    expect(&v, 0, "\"2026-11-03T02:14:00Z\"");
    /* an embedded object has no JSON value: refused, nothing returned */
    V_VT(&v) = VT_UNKNOWN;
    V_UNKNOWN(&v) = NULL;
    json_t *j = (json_t *)1;
    assert_int_equal(ef_win_variant_json(&v, CIM_OBJECT, &j), -1);
    assert_null(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bstr),
        cmocka_unit_test(test_i4_bool_null),
        cmocka_unit_test(test_array_bstr),
        cmocka_unit_test(test_array_uint16),
        cmocka_unit_test(test_date_and_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
