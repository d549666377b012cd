/* SPDX-License-Identifier: EUPL-1.2 */
/* The per-agent ingest budget (collector/budget.c): window arithmetic, Retry-After, the
 * table's bound and eviction, thread safety; and ef_ingest_check charging it only for
 * reports whose signature verified. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "budget.h"
#include "efterlev/sign.h"
#include "ingest_job.h"

#define T0 ((time_t)1767225600) /* 2026-01-01T00:00:00Z */

static enum ef_budget_verdict charge(struct ef_budget *b, const char *id, size_t bytes, time_t now,
                                     long *wait, int *first)
{
    long w;
    int f;
    enum ef_budget_verdict v = ef_budget_charge(b, id, bytes, now, &w, &f);

    if (wait != NULL)
        *wait = w;
    if (first != NULL)
        *first = f;
    if (v == EF_BUDGET_OK)
        assert_int_equal(w, 0);
    else
        assert_true(w >= 1);
    return v;
}

static void test_new_refuses_nonsense(void **state)
{
    (void)state;
    assert_null(ef_budget_new(0, 1000, 10));
    assert_null(ef_budget_new(10, 0, 10));
    assert_null(ef_budget_new(10, 1000, 0));
}

/* reports_per_hour: counted in an hour from the first report; Retry-After is the time left
 * of that hour; a refused report is not counted; the next hour starts afresh. */
static void test_reports_window(void **state)
{
    struct ef_budget *b = ef_budget_new(3, 1 << 30, 16);
    long wait;
    int first;

    (void)state;
    assert_non_null(b);
    assert_int_equal(charge(b, "ag-a", 100, T0, NULL, NULL), EF_BUDGET_OK);
    assert_int_equal(charge(b, "ag-a", 100, T0, NULL, NULL), EF_BUDGET_OK);
    assert_int_equal(charge(b, "ag-a", 100, T0 + 1500, NULL, NULL), EF_BUDGET_OK);
    assert_int_equal(charge(b, "ag-a", 100, T0 + 2000, &wait, &first), EF_BUDGET_REPORTS);
    assert_int_equal(wait, 3600 - 2000);
    assert_int_equal(first, 1);
    assert_int_equal(charge(b, "ag-a", 100, T0 + 3599, &wait, &first), EF_BUDGET_REPORTS);
    assert_int_equal(wait, 1);
    assert_int_equal(first, 0); /* logged once a window */
    /* The hour ended: a new one, with all 3 again (the refused ones were not counted). */
    for (int i = 0; i < 3; i++)
        assert_int_equal(charge(b, "ag-a", 100, T0 + 3600 + i, NULL, NULL), EF_BUDGET_OK);
    assert_int_equal(charge(b, "ag-a", 100, T0 + 3610, &wait, &first), EF_BUDGET_REPORTS);
    assert_int_equal(wait, 3600 - 10);
    assert_int_equal(first, 1); /* a new window logs again */
    /* Another agent has its own budget. */
    assert_int_equal(charge(b, "ag-b", 100, T0 + 3610, NULL, NULL), EF_BUDGET_OK);
    /* The clock stepped back before the window's start: a new window. */
    assert_int_equal(charge(b, "ag-a", 100, T0 + 100, NULL, NULL), EF_BUDGET_OK);
    ef_budget_free(b);
}

/* bytes_per_day: the report that would pass the day's bytes is refused (and not counted)
 * until the day that began with the first report ends. */
static void test_bytes_window(void **state)
{
    struct ef_budget *b = ef_budget_new(1000, 1000, 16);
    long wait;
    int first;

    (void)state;
    assert_non_null(b);
    assert_int_equal(charge(b, "ag-a", 600, T0, NULL, NULL), EF_BUDGET_OK);
    assert_int_equal(charge(b, "ag-a", 401, T0 + 10, &wait, &first), EF_BUDGET_BYTES);
    assert_int_equal(wait, 86400 - 10);
    assert_int_equal(first, 1);
    assert_int_equal(charge(b, "ag-a", 400, T0 + 7200, NULL, NULL), EF_BUDGET_OK); /* exactly */
    assert_int_equal(charge(b, "ag-a", 1, T0 + 80000, &wait, &first), EF_BUDGET_BYTES);
    assert_int_equal(wait, 6400);
    assert_int_equal(first, 0);
    assert_int_equal(charge(b, "ag-a", 1000, T0 + 86400, NULL, NULL), EF_BUDGET_OK);
    ef_budget_free(b);
}

/* Both spent: Retry-After is the later end, when there is room for either. */
static void test_both_spent(void **state)
{
    struct ef_budget *b = ef_budget_new(1, 500, 16);
    long wait;

    (void)state;
    assert_non_null(b);
    assert_int_equal(charge(b, "ag-a", 500, T0, NULL, NULL), EF_BUDGET_OK);
    assert_int_equal(charge(b, "ag-a", 1, T0 + 60, &wait, NULL), EF_BUDGET_BYTES);
    assert_int_equal(wait, 86400 - 60);
    /* Only the hour spent (an empty report fits the bytes): the hour's end. */
    assert_int_equal(charge(b, "ag-a", 0, T0 + 60, &wait, NULL), EF_BUDGET_REPORTS);
    assert_int_equal(wait, 3600 - 60);
    ef_budget_free(b);
}

/* The table holds at most max_agents; when full the agent charged least recently is
 * forgotten (starts afresh) and every other keeps its count. */
static void test_bound_and_eviction(void **state)
{
    struct ef_budget *b = ef_budget_new(1, 1 << 30, 3);
    char id[32];

    (void)state;
    assert_non_null(b);
    assert_int_equal(charge(b, "ag-a", 1, T0, NULL, NULL), EF_BUDGET_OK);
    assert_int_equal(charge(b, "ag-b", 1, T0 + 1, NULL, NULL), EF_BUDGET_OK);
    assert_int_equal(charge(b, "ag-c", 1, T0 + 2, NULL, NULL), EF_BUDGET_OK);
    assert_int_equal(charge(b, "ag-a", 1, T0 + 3, NULL, NULL), EF_BUDGET_REPORTS); /* a: recent */
    assert_int_equal(ef_budget_agents(b), 3);
    /* d takes b's place (b was charged least recently). */
    assert_int_equal(charge(b, "ag-d", 1, T0 + 4, NULL, NULL), EF_BUDGET_OK);
    assert_int_equal(ef_budget_agents(b), 3);
    assert_int_equal(charge(b, "ag-a", 1, T0 + 5, NULL, NULL), EF_BUDGET_REPORTS);
    assert_int_equal(charge(b, "ag-d", 1, T0 + 6, NULL, NULL), EF_BUDGET_REPORTS);
    /* b was forgotten: it starts afresh (and c, now least recent, leaves). */
    assert_int_equal(charge(b, "ag-b", 1, T0 + 7, NULL, NULL), EF_BUDGET_OK);
    assert_int_equal(charge(b, "ag-a", 1, T0 + 8, NULL, NULL), EF_BUDGET_REPORTS);
    assert_int_equal(charge(b, "ag-c", 1, T0 + 9, NULL, NULL), EF_BUDGET_OK);
    /* Many agents: the table never holds more than its bound. */
    for (int i = 0; i < 1000; i++) {
        snprintf(id, sizeof(id), "ag-%d", i);
        assert_int_equal(charge(b, id, 1, T0 + 10, NULL, NULL), EF_BUDGET_OK);
        assert_true(ef_budget_agents(b) <= 3);
    }
    /* An id longer than any agent's is refused, not stored. */
    char longid[EF_ID_MAX + 2];

    memset(longid, 'x', sizeof(longid) - 1);
    longid[sizeof(longid) - 1] = '\0';
    assert_int_equal(charge(b, longid, 1, T0 + 11, NULL, NULL), EF_BUDGET_REPORTS);
    ef_budget_free(b);
}

/* Worker threads charge concurrently: exactly the budget passes. */
struct racer {
    struct ef_budget *b;
    int ok;
};

static void *race(void *arg)
{
    struct racer *r = arg;
    long wait;
    int first;

    for (int i = 0; i < 500; i++)
        if (ef_budget_charge(r->b, i % 2 ? "ag-odd" : "ag-even", 10, T0, &wait, &first) ==
            EF_BUDGET_OK)
            r->ok++;
    return NULL;
}

static void test_threads(void **state)
{
    struct ef_budget *b = ef_budget_new(100, 1 << 30, 16);
    struct racer r[4];
    pthread_t t[4];
    int total = 0;

    (void)state;
    assert_non_null(b);
    for (int i = 0; i < 4; i++) {
        r[i] = (struct racer){.b = b};
        assert_int_equal(pthread_create(&t[i], NULL, race, &r[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        total += r[i].ok;
    }
    assert_int_equal(total, 200); /* 100 for each of the two agents */
    ef_budget_free(b);
}

/* ---- ef_ingest_check: only a verified signature spends the budget ---- */

static EVP_PKEY *agent_key, *other_key;

static int keys_setup(void **state)
{
    (void)state;
    agent_key = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    other_key = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    return agent_key == NULL || other_key == NULL ? -1 : 0;
}

static int keys_teardown(void **state)
{
    (void)state;
    EVP_PKEY_free(agent_key);
    EVP_PKEY_free(other_key);
    return 0;
}

/* Runs ef_ingest_check for body signed by signer, as agent ag-a (whose key is agent_key).
 * Returns the status it answered, 0 when the job went on to the store stage; *wait is the
 * answer's Retry-After. */
static int check(struct ef_budget *b, EVP_PKEY *signer, int key_cached, long *wait)
{
    static const char body[] = "{\"not\": \"a report\"}";
    struct ef_job *j = ef_job_new(EF_JOB_REPORT);
    char *sig = ef_sign_header(signer, body, sizeof(body) - 1);
    int status;

    assert_non_null(j);
    assert_non_null(sig);
    assert_non_null(j->body = malloc(sizeof(body)));
    memcpy(j->body, body, sizeof(body));
    j->len = sizeof(body) - 1;
    j->now = T0;
    j->budget = b;
    j->key_cached = key_cached;
    snprintf(j->agent_id, sizeof(j->agent_id), "ag-a");
    snprintf(j->sig_hdr, sizeof(j->sig_hdr), "%s", sig);
    assert_int_equal(ef_key_public_raw(agent_key, j->key), 0);
    status = ef_ingest_check(j) ? 0 : j->ans.status;
    *wait = j->ans.retry_after;
    free(sig);
    ef_job_free(j);
    return status;
}

static void test_check_charges_verified_only(void **state)
{
    struct ef_budget *b = ef_budget_new(2, 1 << 30, 16);
    long wait;

    (void)state;
    assert_non_null(b);
    /* Forged uploads for ag-a (someone else's key): 401, or on to the store stage with a
     * possibly stale cached key; neither spends ag-a's budget. */
    for (int i = 0; i < 10; i++) {
        assert_int_equal(check(b, other_key, 0, &wait), 401);
        assert_int_equal(check(b, other_key, 1, &wait), 0);
    }
    /* ag-a's own two (the body is no report: 400, after the budget) ... */
    assert_int_equal(check(b, agent_key, 0, &wait), 400);
    assert_int_equal(wait, 0);
    assert_int_equal(check(b, agent_key, 0, &wait), 400);
    /* ... then the budget is spent: 429 with Retry-After, before the body is parsed. */
    assert_int_equal(check(b, agent_key, 0, &wait), 429);
    assert_int_equal(wait, 3600);
    /* Without a budget (ef_ingest, the unit tests' path) nothing is counted. */
    assert_int_equal(check(NULL, agent_key, 0, &wait), 400);
    ef_budget_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_new_refuses_nonsense),
        cmocka_unit_test(test_reports_window),
        cmocka_unit_test(test_bytes_window),
        cmocka_unit_test(test_both_spent),
        cmocka_unit_test(test_bound_and_eviction),
        cmocka_unit_test(test_threads),
        cmocka_unit_test_setup_teardown(test_check_charges_verified_only, keys_setup,
                                        keys_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
