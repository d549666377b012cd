/* SPDX-License-Identifier: EUPL-1.2 */
/* What the collector writes for people and spreadsheets: CSV cells that would start a
 * formula are neutralised (both dialects), and text for a terminal has its control
 * characters escaped while UTF-8 stays intact. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "text_safe.h"

/* One record of cells written with d, as text. */
static char *record(const struct ef_csv_dialect *d, const char *const *cells, size_t n, int64_t num)
{
    char *buf = NULL;
    size_t len = 0, i;
    FILE *f = open_memstream(&buf, &len);

    assert_non_null(f);
    for (i = 0; i < n; i++)
        ef_csv_str(d, f, cells[i], 0);
    ef_csv_int(d, f, num, 1);
    fclose(f);
    return buf;
}

static void test_csv_formula_rfc4180(void **state)
{
    static const char *const cells[] = {
        "=HYPERLINK(\"http://x\")", "+1", "-2+3", "@SUM(A1)", "\tcmd", "\r=1", "web-01", "", "a=b"};
    char *r = record(&ef_csv_rfc4180, cells, 9, -5);

    (void)state;
    assert_string_equal(r, "\"'=HYPERLINK(\"\"http://x\"\")\",'+1,'-2+3,'@SUM(A1),'\tcmd,"
                           "\"'\r=1\",web-01,,a=b,-5\r\n");
    free(r);
}

static void test_csv_formula_excel_sv(void **state)
{
    static const char *const cells[] = {"=1;2", "-x", "Socialförvaltningen"};
    char *r = record(&ef_csv_excel_sv, cells, 3, -12);

    (void)state;
    assert_string_equal(r, "\"'=1;2\";'-x;Socialförvaltningen;-12\r\n");
    free(r);
}

static void test_csv_is_formula(void **state)
{
    (void)state;
    assert_true(ef_csv_is_formula("=a"));
    assert_true(ef_csv_is_formula("+"));
    assert_true(ef_csv_is_formula("-"));
    assert_true(ef_csv_is_formula("@"));
    assert_true(ef_csv_is_formula("\t"));
    assert_true(ef_csv_is_formula("\r"));
    assert_false(ef_csv_is_formula(""));
    assert_false(ef_csv_is_formula(" =a"));
    assert_false(ef_csv_is_formula("62.5"));
}

static void test_text_safe(void **state)
{
    char out[64], *buf = NULL;
    size_t len = 0;
    FILE *f;

    (void)state;
    assert_string_equal(ef_text_safe("Kultur och fritid – Åre", out, sizeof(out)),
                        "Kultur och fritid – Åre");
    assert_string_equal(ef_text_safe("web\x1b]0;pwned\x07-01", out, sizeof(out)),
                        "web\\x1b]0;pwned\\x07-01");
    assert_string_equal(ef_text_safe("a\r\nb\x7f", out, sizeof(out)), "a\\x0d\\x0ab\\x7f");
    /* C1 CSI (U+009B), a right-to-left override (U+202E), broken UTF-8. */
    assert_string_equal(ef_text_safe("x\xc2\x9b"
                                     "2Jy",
                                     out, sizeof(out)),
                        "x\\xc2\\x9b2Jy");
    assert_string_equal(ef_text_safe("\xe2\x80\xae"
                                     "gpj.exe",
                                     out, sizeof(out)),
                        "\\xe2\\x80\\xaegpj.exe");
    assert_string_equal(ef_text_safe("\xc3(\xff", out, sizeof(out)), "\\xc3(\\xff");
    /* Cut at a character boundary, never inside an escape or a letter. */
    assert_string_equal(ef_text_safe("ååå", out, 6), "åå");
    assert_string_equal(ef_text_safe("a\x01", out, 5), "a");

    f = open_memstream(&buf, &len);
    assert_non_null(f);
    ef_text_safe_fputs("ö\x1b[31m", f);
    fclose(f);
    assert_string_equal(buf, "ö\\x1b[31m");
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_csv_formula_rfc4180),
        cmocka_unit_test(test_csv_formula_excel_sv),
        cmocka_unit_test(test_csv_is_formula),
        cmocka_unit_test(test_text_safe),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
