/* SPDX-License-Identifier: EUPL-1.2 */
/* The bounded buffer (buf.h) and the array-growth helper (array.h), worked by hand. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "efterlev/array.h"
#include "efterlev/buf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static char tens[] = "0123456789";

/* 20 appends of 10 bytes: 64 bytes first, then doubled whenever content + NUL outgrows it. */
static void test_growth_across_reallocations(void **state)
{
    (void)state;
    struct ef_buf b;
    ef_buf_init(&b, 1000);
    assert_string_equal(ef_buf_str(&b), "");
    assert_int_equal(b.cap, 0);
    for (int i = 1; i <= 20; i++) {
        assert_int_equal(ef_buf_add(&b, tens, 10), 0);
        /* 10i bytes + NUL: <= 64 up to i=6, <= 128 up to i=12, then 256 */
        assert_int_equal(b.cap, i <= 6 ? 64 : i <= 12 ? 128 : 256);
        assert_int_equal(ef_buf_len(&b), 10 * i);
        assert_int_equal(strlen(ef_buf_str(&b)), 10 * i); /* NUL-terminated throughout */
    }
    for (int i = 0; i < 20; i++)
        assert_memory_equal(ef_buf_str(&b) + 10 * i, tens, 10);
    ef_buf_free(&b);
    assert_null(b.data);
}

static void test_exact_maximum(void **state)
{
    (void)state;
    struct ef_buf b;
    char big[101];
    memset(big, 'x', sizeof(big));
    ef_buf_init(&b, 100);
    assert_int_equal(ef_buf_add(&b, big, 60), 0);
    assert_int_equal(ef_buf_add(&b, big, 40), 0); /* exactly 100: fits */
    assert_int_equal(ef_buf_len(&b), 100);
    assert_int_equal(b.cap, 101); /* doubling to 128 is capped at max + NUL */
    assert_int_equal(ef_buf_add(&b, "", 0), 0);
    assert_int_equal(ef_buf_add(&b, "y", 1), -EFBIG); /* the 101st byte */
    assert_int_equal(ef_buf_len(&b), 100);
    assert_int_equal(strlen(ef_buf_str(&b)), 100);
    ef_buf_free(&b);
}

static void test_one_byte_over_the_maximum(void **state)
{
    (void)state;
    struct ef_buf b;
    char big[101];
    memset(big, 'x', sizeof(big));
    ef_buf_init(&b, 100);
    assert_int_equal(ef_buf_add(&b, big, 101), -EFBIG);
    assert_int_equal(ef_buf_len(&b), 0);
    assert_string_equal(ef_buf_str(&b), "");
    assert_null(b.data); /* nothing was allocated for it */
    ef_buf_free(&b);
}

static void test_sticky_error_after_failure(void **state)
{
    (void)state;
    struct ef_buf b;
    ef_buf_init(&b, 10);
    assert_int_equal(ef_buf_add_str(&b, "abcdefgh"), 0);
    assert_int_equal(ef_buf_add_str(&b, "ijk"), -EFBIG); /* 11 > 10 */
    /* Each of these would fit (9 or 10 bytes), but the error sticks. */
    assert_int_equal(ef_buf_add_str(&b, "i"), -EFBIG);
    assert_int_equal(ef_buf_printf(&b, "%d", 9), -EFBIG);
    assert_int_equal(ef_buf_add(&b, "", 0), -EFBIG);
    assert_int_equal(ef_buf_reserve(&b, 1), -EFBIG);
    assert_int_equal(ef_buf_error(&b), -EFBIG);
    assert_string_equal(ef_buf_str(&b), "abcdefgh"); /* the content before the failure */
    assert_null(ef_buf_take(&b));                    /* an errored buffer gives nothing */
    assert_null(b.data);
}

static void test_printf_long_strings(void **state)
{
    (void)state;
    struct ef_buf b;
    char a300[301], z5000[5001];
    memset(a300, 'a', 300);
    a300[300] = '\0';
    memset(z5000, 'z', 5000);
    z5000[5000] = '\0';
    ef_buf_init(&b, 10000);

    /* Empty buffer: measured, allocated as asked (303 + NUL), printed again. */
    assert_int_equal(ef_buf_printf(&b, "%s-%d", a300, 42), 0);
    assert_int_equal(ef_buf_len(&b), 303);
    assert_int_equal(b.cap, 304);
    assert_memory_equal(ef_buf_str(&b), a300, 300);
    assert_string_equal(ef_buf_str(&b) + 300, "-42");
    /* No room left: the truncated first print is undone, the buffer doubled to 608. */
    assert_int_equal(ef_buf_printf(&b, "%05d", 7), 0);
    assert_int_equal(b.cap, 608);
    assert_string_equal(ef_buf_str(&b) + 300, "-4200007");
    /* Longer than the room: doubled four times, 608 -> 9728 (>= 308 + 5002 + NUL). */
    assert_int_equal(ef_buf_printf(&b, "[%s]", z5000), 0);
    assert_int_equal(ef_buf_len(&b), 308 + 5002);
    assert_int_equal(b.cap, 9728);
    assert_memory_equal(ef_buf_str(&b) + 300, "-4200007[", 9);
    assert_memory_equal(ef_buf_str(&b) + 309, z5000, 5000);
    assert_string_equal(ef_buf_str(&b) + 5309, "]");
    /* Fits in the room there is (9728 - 5311 = 4417 bytes free): printed once. */
    assert_int_equal(ef_buf_printf(&b, "%s", a300), 0);
    assert_int_equal(b.cap, 9728);
    assert_int_equal(ef_buf_len(&b), 5610);
    /* Over the maximum (5610 + 5000 > 10000): refused after a truncated print into the
     * room; the content is as it was, NUL and all. */
    assert_int_equal(ef_buf_printf(&b, "%s", z5000), -EFBIG);
    assert_int_equal(ef_buf_len(&b), 5610);
    assert_int_equal(strlen(ef_buf_str(&b)), 5610);
    ef_buf_free(&b);
}

static void test_reset_clears_error(void **state)
{
    (void)state;
    struct ef_buf b;
    ef_buf_init(&b, 4);
    assert_int_equal(ef_buf_add_str(&b, "abcde"), -EFBIG);
    assert_int_equal(ef_buf_add_str(&b, "ab"), -EFBIG);
    ef_buf_reset(&b);
    assert_int_equal(ef_buf_error(&b), 0);
    assert_int_equal(ef_buf_add_str(&b, "abcd"), 0);
    size_t cap = b.cap;
    ef_buf_reset(&b); /* empty, memory kept */
    assert_string_equal(ef_buf_str(&b), "");
    assert_int_equal(b.cap, cap);
    assert_int_equal(ef_buf_add_str(&b, "wxyz"), 0);
    char *s = ef_buf_take(&b);
    assert_string_equal(s, "wxyz");
    free(s);
    assert_null(b.data);
    assert_int_equal(ef_buf_len(&b), 0);
    s = ef_buf_take(&b); /* nothing appended: an empty string, still the caller's */
    assert_string_equal(s, "");
    free(s);
}

/* read(2)-style filling, and a buffer consumed from the front. */
static void test_reserve_commit_consume(void **state)
{
    (void)state;
    struct ef_buf b;
    ef_buf_init(&b, 100);
    assert_int_equal(ef_buf_room(&b), 0);
    assert_int_equal(ef_buf_reserve(&b, 5), 0);
    assert_int_equal(ef_buf_room(&b), 63);
    memcpy(b.data, "hello world", 11);
    assert_int_equal(ef_buf_commit(&b, 11), 0);
    assert_string_equal(ef_buf_str(&b), "hello world");
    assert_int_equal(ef_buf_commit(&b, 53), -EINVAL); /* more than the room */
    assert_int_equal(ef_buf_error(&b), 0);            /* a caller's mistake, not sticky */
    ef_buf_consume(&b, 6);
    assert_string_equal(ef_buf_str(&b), "world");
    ef_buf_consume(&b, 99);
    assert_string_equal(ef_buf_str(&b), "");
    assert_int_equal(ef_buf_reserve(&b, 101), -EFBIG);
    ef_buf_free(&b);
}

/* first 4, max 10: capacities 4, 8, then 10 (capped), then no more. */
static void test_array_grow(void **state)
{
    (void)state;
    int *v = NULL, *g;
    size_t cap = 0, n;
    for (n = 0; n < 10; n++) {
        g = ef_array_grow(v, n, &cap, sizeof(*v), 4, 10);
        assert_non_null(g);
        v = g;
        v[n] = (int)n;
        assert_int_equal(cap, n < 4 ? 4 : n < 8 ? 8 : 10);
    }
    errno = 0;
    assert_null(ef_array_grow(v, n, &cap, sizeof(*v), 4, 10));
    assert_int_equal(errno, E2BIG);
    assert_int_equal(cap, 10);
    for (n = 0; n < 10; n++) /* untouched by the refusal */
        assert_int_equal(v[n], (int)n);
    free(v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_growth_across_reallocations),
        cmocka_unit_test(test_exact_maximum),
        cmocka_unit_test(test_one_byte_over_the_maximum),
        cmocka_unit_test(test_sticky_error_after_failure),
        cmocka_unit_test(test_printf_long_strings),
        cmocka_unit_test(test_reset_clears_error),
        cmocka_unit_test(test_reserve_commit_consume),
        cmocka_unit_test(test_array_grow),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
