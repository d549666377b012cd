/* SPDX-License-Identifier: EUPL-1.2 */
/* The shared query parameters of the HTTP API (http/query.c): one parser, so a parameter is
 * accepted and refused alike on every route; and the result codes' names (rc.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <string.h>

#include "aggregate.h"
#include "answer.h"
#include "csv.h"
#include "http/routes.h"
#include "store/rc.h"

/* The decoded pairs of the last parse (q's strings point into them). */
static struct evkeyvalq kv = {NULL, &kv.tqh_first};

/* Parse qs for accepts as who; returns the status (0 when accepted). */
static int parse(const char *qs, unsigned accepts, const struct ef_caller *who, struct ef_query *q,
                 char *err, size_t errlen)
{
    struct ef_answer ans = {0};
    int status;

    evhttp_clear_headers(&kv);
    if (ef_query_parse(qs, accepts, who, &kv, q, &ans) == 0)
        status = 0;
    else {
        const char *why = json_string_value(json_object_get(ans.body, "error"));

        status = ans.status;
        snprintf(err, errlen, "%s", why != NULL ? why : "(none)");
    }
    ef_answer_clear(&ans);
    return status;
}

static void test_hosts_alike(void **state)
{
    struct ef_query q;
    char e1[256] = "", e2[256] = "";

    (void)state;
    assert_int_equal(parse("hosts=stale", EF_Q_HOSTS, NULL, &q, e1, sizeof(e1)), 0);
    assert_int_equal(q.hosts, EF_HOSTS_STALE);
    assert_int_equal(parse("hosts=none", EF_Q_HOSTS | EF_Q_DEPARTMENT, NULL, &q, e1, sizeof(e1)),
                     0);
    assert_int_equal(q.hosts, EF_HOSTS_NONE);
    /* The same refusal whatever else the route takes. */
    assert_int_equal(parse("hosts=bad", EF_Q_HOSTS, NULL, &q, e1, sizeof(e1)), 400);
    assert_int_equal(
        parse("hosts=bad&x=1", EF_Q_HOSTS | EF_Q_SINCE_UNTIL, NULL, &q, e2, sizeof(e2)), 400);
    assert_string_equal(e1, e2);
    assert_string_equal(e1, "hosts must be all, stale or none");
    /* A route that does not take it ignores it. */
    assert_int_equal(parse("hosts=bad", EF_Q_DEPARTMENT, NULL, &q, e1, sizeof(e1)), 0);
}

static void test_since_until_department(void **state)
{
    struct ef_query q;
    struct ef_caller who = {.via = EF_VIA_TOKEN, .dept = "Kultur"};
    char err[256];

    (void)state;
    assert_int_equal(
        parse("since=2026-01-01&until=2026-01-31", EF_Q_SINCE_UNTIL, NULL, &q, err, sizeof(err)),
        0);
    assert_string_equal(q.since_day, "2026-01-01");
    assert_string_equal(q.until_day, "2026-01-31");
    assert_int_equal(q.until - q.since, 31 * 86400); /* the whole last day */
    assert_int_equal(parse("until=2026-13-01", EF_Q_SINCE_UNTIL, NULL, &q, err, sizeof(err)), 400);
    /* A department caller: its own department by default, another one refused. */
    assert_int_equal(parse("", EF_Q_DEPARTMENT, &who, &q, err, sizeof(err)), 0);
    assert_string_equal(q.department, "Kultur");
    assert_int_equal(parse("department=Skola", EF_Q_DEPARTMENT, &who, &q, err, sizeof(err)), 403);
    assert_int_equal(parse("department=Skola", EF_Q_DEPARTMENT, NULL, &q, err, sizeof(err)), 0);
    assert_string_equal(q.department, "Skola");
    /* Defaults and the other shared parameters. */
    assert_int_equal(parse("", EF_Q_DIALECT | EF_Q_LANG, NULL, &q, err, sizeof(err)), 0);
    assert_ptr_equal(q.dialect, &ef_csv_rfc4180);
    assert_string_equal(q.lang, "sv");
    assert_int_equal(parse("", EF_Q_FORMAT, NULL, &q, err, sizeof(err)), 400);
    assert_int_equal(parse("format=xml", EF_Q_FORMAT, NULL, &q, err, sizeof(err)), 400);
    assert_int_equal(parse("csv_dialect=excel-sv", EF_Q_DIALECT, NULL, &q, err, sizeof(err)), 0);
    assert_ptr_equal(q.dialect, &ef_csv_excel_sv);
    assert_int_equal(parse("control=9.99x", EF_Q_CONTROL, NULL, &q, err, sizeof(err)), 400);
    assert_int_equal(parse("numbering=2013", EF_Q_NUMBERING, NULL, &q, err, sizeof(err)), 0);
    assert_true(q.n2013);
}

static void test_rc_names(void **state)
{
    (void)state;
    assert_string_equal(ef_rc_str(EF_OK), "ok");
    assert_string_equal(ef_rc_str(EF_ERR), "error");
    assert_string_equal(ef_rc_str(EF_NOTFOUND), "not found");
    assert_string_equal(ef_rc_str(EF_BUSY), "busy");
    assert_string_equal(ef_rc_str(42), "unknown result");
    /* The store's codes are the same values. */
    assert_int_equal(EF_OK, EF_OK);
    assert_int_equal(EF_ERR, EF_ERR);
    assert_int_equal(EF_NOTFOUND, EF_NOTFOUND);
    assert_int_equal(EF_EXISTS, EF_EXISTS);
    assert_int_equal(EF_BUSY, EF_BUSY);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hosts_alike),
        cmocka_unit_test(test_since_until_department),
        cmocka_unit_test(test_rc_names),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);

    evhttp_clear_headers(&kv);
    return rc;
}
