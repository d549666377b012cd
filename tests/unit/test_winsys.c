/* SPDX-License-Identifier: EUPL-1.2 */
/* The recorded Windows machine (agent/platform/winsys_recorded.c, winsys.c): rows of WMI
 * classes and declared API tables, the statuses a live read would have had, one read per
 * table (the cache), the row readers (numbers from CIM uint64 strings, CIM datetimes with
 * their offsets), and every kind of bad recording refused with what is wrong. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "platform/winsys.h"

static char dir[] = "/tmp/efterlev-test-winsys-XXXXXX";

static const char *write_rec(const char *name, const char *text)
{
    static char p[512];
    snprintf(p, sizeof(p), "%s/%s", dir, name);
    FILE *f = fopen(p, "wb");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    return p;
}

static const char good[] =
    "{\"efterlev_windows_recording\": 1, \"machine\": \"PC-KOMMUN-0042\",\n"
    " \"recorded_at\": \"2026-12-01T08:00:00Z\",\n"
    " \"tables\": {\n"
    "  \"wmi:root\\\\CIMV2\\\\Security\\\\MicrosoftTpm:Win32_Tpm\": [\n"
    "    {\"SpecVersion\": \"2.0, 0, 1.38\", \"IsEnabled_InitialValue\": true}],\n"
    "  \"wmi:root\\\\CIMV2:Win32_OperatingSystem\": [\n"
    "    {\"SystemDrive\": \"C:\", \"TotalVisibleMemorySize\": \"16651692\",\n"
    "     \"LastBootUpTime\": \"20261201071500.500000+060\", \"ProductType\": 1}],\n"
    "  \"api:NetUserModalsGet\": [{\"min_passwd_len\": 14, \"lockout_threshold\": 5,\n"
    "     \"max_passwd_age\": null, \"_why\": \"no maximum\"}],\n"
    "  \"api:WindowsUpdateHistory\": [{\"date\": \"2026-11-12T03:00:00Z\", \"operation\": 1,\n"
    "     \"categories\": [\"0fa1201d-4330-4fa8-8ae9-b877473b6441\"]}],\n"
    "  \"api:AuditPolicy\": {\"status\": \"denied\", \"why\": \"access denied: needs "
    "Administrator\"},\n"
    "  \"wmi:root\\\\Microsoft\\\\Windows\\\\Defender:MSFT_MpComputerStatus\":\n"
    "    {\"status\": \"absent\", \"why\": \"invalid namespace\"},\n"
    "  \"api:Services\": {\"status\": \"error\", \"why\": \"OpenSCManagerW: 5\"}\n"
    " }}\n";

static void test_rows_and_readers(void **state)
{
    char err[512], why[512];
    json_t *rows;
    long long n;
    int b;
    time_t t;
    (void)state;

    struct ef_win *w = ef_win_open_recorded(write_rec("good.json", good), err, sizeof(err));
    assert_non_null(w);
    assert_false(ef_win_is_live(w));
    assert_non_null(strstr(ef_win_source(w), "recording "));

    /* namespace and class compare case-insensitively */
    assert_int_equal(
        ef_win_wmi(w, "ROOT\\cimv2\\security\\microsofttpm", "win32_tpm", &rows, why, sizeof(why)),
        EF_WIN_OK);
    assert_int_equal(json_array_size(rows), 1);
    const json_t *row = json_array_get(rows, 0);
    assert_string_equal(ef_win_str(row, "SpecVersion"), "2.0, 0, 1.38");
    assert_int_equal(ef_win_bool(row, "IsEnabled_InitialValue", &b), 0);
    assert_int_equal(b, 1);
    assert_int_equal(ef_win_bool(row, "IsActivated_InitialValue", &b), -1); /* absent */

    assert_int_equal(
        ef_win_table(w, "wmi:root\\CIMV2:Win32_OperatingSystem", &rows, why, sizeof(why)),
        EF_WIN_OK);
    row = json_array_get(rows, 0);
    /* CIM uint64 arrives as a string */
    assert_int_equal(ef_win_int(row, "TotalVisibleMemorySize", &n), 0);
    assert_int_equal(n, 16651692);
    assert_int_equal(ef_win_int(row, "SystemDrive", &n), -1);
    /* CIM datetime: 07:15:00.5 at UTC+60 minutes is 06:15:00 UTC */
    assert_int_equal(ef_win_time(row, "LastBootUpTime", &t), 0);
    assert_int_equal((long long)t, 1796105700LL);
    char text[64];
    ef_win_text(row, "ProductType", text, sizeof(text));
    assert_string_equal(text, "1");
    ef_win_text(row, "SystemDrive", text, sizeof(text));
    assert_string_equal(text, "C:");
    ef_win_text(row, "Nope", text, sizeof(text));
    assert_string_equal(text, "absent");

    assert_int_equal(ef_win_table(w, "api:NetUserModalsGet", &rows, why, sizeof(why)), EF_WIN_OK);
    row = json_array_get(rows, 0);
    assert_int_equal(ef_win_int(row, "min_passwd_len", &n), 0);
    assert_int_equal(n, 14);
    assert_int_equal(ef_win_int(row, "max_passwd_age", &n), -1); /* null */
    assert_string_equal(ef_win_str(row, EF_WIN_ROW_WHY), "no maximum");

    assert_int_equal(ef_win_table(w, "api:WindowsUpdateHistory", &rows, why, sizeof(why)),
                     EF_WIN_OK);
    assert_int_equal(ef_win_time(json_array_get(rows, 0), "date", &t), 0);
    assert_int_equal((long long)t, 1794452400LL); /* 2026-11-12T03:00:00Z */
    ef_win_free(w);
}

static void test_statuses(void **state)
{
    char err[512], why[512];
    json_t *rows = (json_t *)1;
    (void)state;

    struct ef_win *w = ef_win_open_recorded(write_rec("good.json", good), err, sizeof(err));
    assert_non_null(w);
    assert_int_equal(ef_win_table(w, "api:AuditPolicy", &rows, why, sizeof(why)), EF_WIN_DENIED);
    assert_null(rows);
    assert_string_equal(why, "access denied: needs Administrator");
    assert_int_equal(ef_win_wmi(w, "root\\Microsoft\\Windows\\Defender", "MSFT_MpComputerStatus",
                                &rows, why, sizeof(why)),
                     EF_WIN_ABSENT);
    assert_string_equal(why, "invalid namespace");
    assert_int_equal(ef_win_table(w, "api:Services", &rows, why, sizeof(why)), EF_WIN_ERROR);
    assert_string_equal(why, "OpenSCManagerW: 5");
    /* a declared table the recording does not hold: an error naming the file */
    assert_int_equal(ef_win_table(w, "api:Firmware", &rows, why, sizeof(why)), EF_WIN_ERROR);
    assert_non_null(strstr(why, "api:Firmware is not in the recording"));
    /* asked twice: the same answer (from the cache) */
    assert_int_equal(ef_win_table(w, "api:Firmware", &rows, why, sizeof(why)), EF_WIN_ERROR);
    assert_non_null(strstr(why, "api:Firmware is not in the recording"));
    /* malformed names and undeclared api tables */
    assert_int_equal(ef_win_table(w, "api:NoSuchApi", &rows, why, sizeof(why)), EF_WIN_ERROR);
    assert_non_null(strstr(why, "not a known api table"));
    assert_int_equal(ef_win_wmi(w, "root\\CIMV2", "Win32_Tpm WHERE 1=1", &rows, why, sizeof(why)),
                     EF_WIN_ERROR);
    assert_non_null(strstr(why, "letters, digits"));
    assert_int_equal(ef_win_wmi(w, "cimv2", "Win32_Tpm", &rows, why, sizeof(why)), EF_WIN_ERROR);
    ef_win_free(w);
}

/* Each bad recording is refused, and the message says what is wrong. */
static void test_refused(void **state)
{
    static const struct {
        const char *json, *expect;
    } cases[] = {
        {"{\"tables\": {}}", "not an efterlev Windows recording"},
        {"{\"efterlev_windows_recording\": 2, \"tables\": {}}", "not an efterlev Windows"},
        {"{\"efterlev_windows_recording\": 1, \"tables\": []}", "not an efterlev Windows"},
        {"{\"efterlev_windows_recording\": 1, \"tables\": {", "good.json:1"},
        {"{\"efterlev_windows_recording\": 1, \"tables\": {\"api:Bogus\": []}}",
         "not a known api table"},
        {"{\"efterlev_windows_recording\": 1, \"tables\": {\"wmi:CIMV2:Win32_Tpm\": []}}",
         "wmi:root\\NAMESPACE:CLASS"},
        {"{\"efterlev_windows_recording\": 1, \"tables\": {\"api:NetUserModalsGet\": "
         "[{\"min_passwd_len\": \"14\"}]}}",
         "api:NetUserModalsGet row 1: min_passwd_len must be an integer"},
        {"{\"efterlev_windows_recording\": 1, \"tables\": {\"api:NetUserModalsGet\": "
         "[{\"minimum\": 14}]}}",
         "no column 'minimum'"},
        {"{\"efterlev_windows_recording\": 1, \"tables\": {\"api:WindowsUpdateHistory\": "
         "[{\"date\": \"12/11/2026\"}]}}",
         "date must be an RFC 3339 time"},
        {"{\"efterlev_windows_recording\": 1, \"tables\": {\"api:WindowsUpdateHistory\": "
         "[{\"categories\": [1]}]}}",
         "categories must be a list of strings"},
        {"{\"efterlev_windows_recording\": 1, \"tables\": {\"api:Services\": "
         "{\"status\": \"broken\", \"why\": \"x\"}}}",
         "\"denied\"|\"absent\""},
        {"{\"efterlev_windows_recording\": 1, \"tables\": {\"wmi:root\\\\CIMV2:Win32_Tpm\": "
         "[1]}}",
         "row 1: not an object"},
        {"{\"efterlev_windows_recording\": 1, \"tables\": {\"wmi:root\\\\CIMV2:Win32_Tpm\": [],"
         " \"wmi:ROOT\\\\cimv2:win32_tpm\": []}}",
         "twice"},
        {"{\"efterlev_windows_recording\": 1, \"tables\": {\"api:Token\": [], \"api:Token\": "
         "[]}}",
         "duplicate"},
    };
    char err[512];
    (void)state;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        err[0] = '\0';
        struct ef_win *w =
            ef_win_open_recorded(write_rec("good.json", cases[i].json), err, sizeof(err));
        if (w != NULL || strstr(err, cases[i].expect) == NULL)
            fail_msg("case %zu: expected an error with '%s', got '%s'", i, cases[i].expect, err);
    }
    assert_null(ef_win_open_recorded("/nonexistent/rec.json", err, sizeof(err)));
    assert_non_null(strstr(err, "/nonexistent/rec.json"));
}

/* The declarations are the contract: every api table is named api:*, unique, with columns. */
static void test_declarations(void **state)
{
    (void)state;
    for (size_t i = 0; i < ef_win_api_tables_n; i++) {
        const struct ef_win_api_table *t = &ef_win_api_tables[i];
        assert_int_equal(strncmp(t->name, "api:", 4), 0);
        assert_ptr_equal(ef_win_api_find(t->name), t);
        assert_true(t->ncols > 0);
        for (size_t c = 0; c < t->ncols; c++)
            for (size_t d = c + 1; d < t->ncols; d++)
                assert_string_not_equal(t->cols[c].name, t->cols[d].name);
    }
}

/* docs/windows-recording.md lists every api table, under its own heading, with every column. */
static void test_documented(void **state)
{
    char path[600], head[128];
    (void)state;
    snprintf(path, sizeof(path), "%s/docs/windows-recording.md", EF_SOURCE_DIR);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    static char doc[65536];
    size_t n = fread(doc, 1, sizeof(doc) - 1, f);
    fclose(f);
    doc[n] = '\0';
    for (size_t i = 0; i < ef_win_api_tables_n; i++) {
        const struct ef_win_api_table *t = &ef_win_api_tables[i];
        snprintf(head, sizeof(head), "\n### %s\n", t->name);
        const char *sec = strstr(doc, head);
        if (sec == NULL)
            fail_msg("docs/windows-recording.md has no section '### %s'", t->name);
        const char *end = strstr(sec + 1, "\n### ");
        size_t len = end ? (size_t)(end - sec) : strlen(sec);
        for (size_t c = 0; c < t->ncols; c++) {
            char col[80];
            snprintf(col, sizeof(col), "`%s`", t->cols[c].name);
            const char *hit = strstr(sec, col);
            if (hit == NULL || (size_t)(hit - sec) > len)
                fail_msg("docs/windows-recording.md: %s does not document %s", t->name, col);
        }
    }
}

static void test_no_live_here(void **state)
{
    char err[256];
    (void)state;
#ifndef _WIN32
    assert_null(ef_win_open_live(err, sizeof(err)));
    assert_non_null(strstr(err, "--recording"));
#else
    (void)err;
#endif
}

static int setup(void **state)
{
    (void)state;
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    char p[600];
    (void)state;
    snprintf(p, sizeof(p), "%s/good.json", dir);
    unlink(p);
    return rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rows_and_readers), cmocka_unit_test(test_statuses),
        cmocka_unit_test(test_refused),          cmocka_unit_test(test_declarations),
        cmocka_unit_test(test_documented),       cmocka_unit_test(test_no_live_here),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
