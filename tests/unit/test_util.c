/* SPDX-License-Identifier: EUPL-1.2 */
/* Base64, time, paths, UTF-8 and atomic files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_os.h"
#include "efterlev/b64.h"
#include "efterlev/util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void test_b64(void **state)
{
    (void)state;
    char *e = ef_b64_encode("efterlevnad", 11);
    assert_string_equal(e, "ZWZ0ZXJsZXZuYWQ=");
    unsigned char out[32];
    assert_int_equal(ef_b64_decode(e, out, sizeof(out)), 11);
    assert_memory_equal(out, "efterlevnad", 11);
    free(e);
    assert_int_equal(ef_b64_decode("ZWZ0", out, 2), -1);  /* does not fit */
    assert_int_equal(ef_b64_decode("ZWZ", out, 32), -1);  /* not a multiple of 4 */
    assert_int_equal(ef_b64_decode("Z=Z0", out, 32), -1); /* padding inside */
    assert_int_equal(ef_b64_decode("ZW!0", out, 32), -1); /* not the alphabet */
}

static void test_rfc3339(void **state)
{
    (void)state;
    time_t t;
    assert_int_equal(ef_parse_rfc3339("2026-11-23T04:44:37Z", &t), 0);
    assert_int_equal((long long)t, 1795409077LL);
    assert_int_equal(ef_parse_rfc3339("2026-11-23T05:44:37+01:00", &t), 0);
    assert_int_equal((long long)t, 1795409077LL);
    assert_int_equal(ef_parse_rfc3339("2026-11-23T04:44:37.123Z", &t), 0);
    assert_int_equal(ef_parse_rfc3339("2026-11-23 04:44:37Z", &t), -1);
    assert_int_equal(ef_parse_rfc3339("2026-11-23T04:44:37", &t), -1);
    assert_int_equal(ef_parse_rfc3339("yesterday", &t), -1);
    char buf[32];
    ef_time_rfc3339(1795409077, buf);
    assert_string_equal(buf, "2026-11-23T04:44:37Z");
}

static void test_path_join(void **state)
{
    (void)state;
    char out[64];
    assert_int_equal(ef_path_join(out, sizeof(out), "/", "/etc/passwd"), 0);
    assert_string_equal(out, "/etc/passwd");
    assert_int_equal(ef_path_join(out, sizeof(out), "/fx/", "/etc/passwd"), 0);
    assert_string_equal(out, "/fx/etc/passwd");
    assert_int_equal(ef_path_join(out, 8, "/fixture", "/etc/passwd"), -1);
}

static void test_utf8(void **state)
{
    (void)state;
    const char *ok = "Socialförvaltningen Äldreomsorgen";
    assert_true(ef_utf8_valid(ok, strlen(ok)));
    assert_false(ef_utf8_valid("\xc3", 1));         /* truncated */
    assert_false(ef_utf8_valid("\xc0\xaf", 2));     /* overlong */
    assert_false(ef_utf8_valid("\xed\xa0\x80", 3)); /* surrogate */
    assert_false(ef_utf8_valid("a\0b", 3));         /* NUL */
}

static void test_atomic_write(void **state)
{
    (void)state;
    char dir[256], path[300], err[512];
    assert_int_equal(t_tmpdir(dir, sizeof(dir), "test-util"), 0);
    snprintf(path, sizeof(path), "%s/f", dir);
    assert_int_equal(ef_write_file_atomic(path, "old", 3, 0600, err, sizeof(err)), 0);
    assert_int_equal(ef_write_file_atomic(path, "new!", 4, 0640, err, sizeof(err)), 0);
    char *text;
    size_t len;
    assert_int_equal(ef_read_file(path, 100, &text, &len), 0);
    assert_int_equal(len, 4);
    assert_string_equal(text, "new!");
    free(text);
#ifndef _WIN32 /* Windows: the file's DACL, tested with keys (test_sign) */
    struct stat st;
    stat(path, &st);
    assert_int_equal(st.st_mode & 0777, 0640);
#endif
    assert_int_equal(ef_read_file(path, 3, &text, &len), -EFBIG);
    char bad[320];
    snprintf(bad, sizeof(bad), "%s/missing/f", dir);
    assert_int_equal(ef_write_file_atomic(bad, "x", 1, 0600, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "missing"));
    assert_int_equal(t_rmtree(dir), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_b64),          cmocka_unit_test(test_rfc3339),
        cmocka_unit_test(test_path_join),    cmocka_unit_test(test_utf8),
        cmocka_unit_test(test_atomic_write),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
