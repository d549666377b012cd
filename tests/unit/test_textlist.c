/* SPDX-License-Identifier: EUPL-1.2 */
/* Bounded evidence text: appending and "a, b, c and N more" lists, against outputs worked
 * out by hand. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "efterlev/textlist.h"

#include <string.h>

static void test_list_short(void **state)
{
    (void)state;
    char buf[128];
    struct ef_textlist l;

    ef_textlist_init(&l, buf, sizeof(buf), ", ", 5);
    assert_string_equal(ef_textlist_end(&l), "");
    ef_textlist_init(&l, buf, sizeof(buf), ", ", 5);
    ef_textlist_add(&l, "a");
    ef_textlist_add(&l, "b");
    ef_textlist_addf(&l, "%s %d", "c", 3);
    assert_string_equal(ef_textlist_end(&l), "a, b, c 3");
    assert_int_equal(l.n, 3);
    assert_int_equal(l.shown, 3);
}

static void test_list_more(void **state)
{
    (void)state;
    char buf[128];
    struct ef_textlist l;
    const char *items[] = {"a", "b", "c", "d", "e", "f", "g"};

    ef_textlist_init(&l, buf, sizeof(buf), ", ", 5);
    for (size_t i = 0; i < 7; i++)
        ef_textlist_add(&l, items[i]);
    assert_string_equal(ef_textlist_end(&l), "a, b, c, d, e and 2 more");

    /* exactly show_max: no tail */
    ef_textlist_init(&l, buf, sizeof(buf), "; ", 2);
    ef_textlist_add(&l, "x line 1");
    ef_textlist_add(&l, "y line 2");
    assert_string_equal(ef_textlist_end(&l), "x line 1; y line 2");

    /* one shown, the rest counted */
    ef_textlist_init(&l, buf, sizeof(buf), ", ", 1);
    for (int i = 0; i < 1001; i++)
        ef_textlist_add(&l, "skipped symbolic link /etc/x");
    assert_string_equal(ef_textlist_end(&l), "skipped symbolic link /etc/x and 1000 more");
}

static void test_list_truncated(void **state)
{
    (void)state;
    char buf[64];
    struct ef_textlist l;

    /* Items may use 64 - 30 = 34 bytes with the NUL: "alpha, bravo, charlie, delta" is 28;
     * ", echo" would make 34, which leaves no NUL: echo and everything after it are counted. */
    ef_textlist_init(&l, buf, sizeof(buf), ", ", 10);
    ef_textlist_add(&l, "alpha");
    ef_textlist_add(&l, "bravo");
    ef_textlist_add(&l, "charlie");
    ef_textlist_add(&l, "delta");
    ef_textlist_add(&l, "echo");
    ef_textlist_add(&l, "f"); /* would fit, but is never shown after one that did not */
    assert_string_equal(ef_textlist_end(&l), "alpha, bravo, charlie, delta and 2 more");
    assert_int_equal(l.shown, 4);

    /* A first item too long is cut (40 bytes: items get 20, so 19 characters). */
    char small[40];
    ef_textlist_init(&l, small, sizeof(small), ", ", 5);
    ef_textlist_add(&l, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
    ef_textlist_add(&l, "y");
    assert_string_equal(ef_textlist_end(&l), "xxxxxxxxxxxxxxxxxxx and 1 more");
    assert_true(strlen(small) < sizeof(small));

    /* Never a split UTF-8 sequence: 8 bytes, items get 4 with the NUL, so one "å" (2 bytes). */
    char tiny[8];
    ef_textlist_init(&l, tiny, sizeof(tiny), ", ", 5);
    ef_textlist_add(&l, "\xc3\xa5\xc3\xa5\xc3\xa5");
    assert_string_equal(ef_textlist_end(&l), "\xc3\xa5");

    /* The tail is cut rather than overrun a buffer too small for it. */
    char eight[8];
    ef_textlist_init(&l, eight, sizeof(eight), ", ", 1);
    ef_textlist_add(&l, "ab");
    ef_textlist_add(&l, "cd");
    assert_string_equal(ef_textlist_end(&l), "ab and ");
}

static void test_list_sanitised(void **state)
{
    (void)state;
    char buf[64];
    struct ef_textlist l;

    ef_textlist_init(&l, buf, sizeof(buf), ", ", 5);
    ef_textlist_add(&l, "a\tb\x01");
    ef_textlist_add(&l, "\xff"
                        "c");
    assert_string_equal(ef_textlist_end(&l), "a b?, ?c");
}

static void test_evidence_add(void **state)
{
    (void)state;
    char ev[16] = "";

    ef_evidence_add(ev, sizeof(ev), "one");
    ef_evidence_add(ev, sizeof(ev), "");
    ef_evidence_add(ev, sizeof(ev), NULL);
    assert_string_equal(ev, "one");
    ef_evidence_add(ev, sizeof(ev), "two");
    assert_string_equal(ev, "one; two");
    ef_evidence_add(ev, sizeof(ev), "three");
    assert_string_equal(ev, "one; two; three"); /* 15 bytes: full */
    ef_evidence_add(ev, sizeof(ev), "four");
    assert_string_equal(ev, "one; two; three");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_list_short),     cmocka_unit_test(test_list_more),
        cmocka_unit_test(test_list_truncated), cmocka_unit_test(test_list_sanitised),
        cmocka_unit_test(test_evidence_add),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
