/* SPDX-License-Identifier: EUPL-1.2 */
/* Counter deltas at ingest (docs/collector-internals.md, "Counters"): a report writes only
 * the latest results that changed and moves the counters by the difference. After every
 * step of a sequence (statuses flipping, evidence, controls and severity changing, checks
 * appearing and disappearing, acceptances added, matched, expiring and revoked, agents
 * going stale and fresh again, the clock going back, a re-enrollment into another
 * department, an empty report) every counter is compared with a recomputation from the
 * latest results, and "since" and the history (a change log) with what they must be. Runs
 * against SQLite and, as unit.test_collector_counters.pg, PostgreSQL (test_db.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "efterlev/report.h"
#include "efterlev/sign.h"
#include "now.h"
#include "store/store.h"
#include "test_db.h"

#define DAY 86400
#define STALE 7

struct fx {
    char dir[64];
    char db[128];
    struct ef_store *s;
    int64_t d1, d2;
    time_t t0;
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    char err[256], url[512];

    assert_non_null(f);
    snprintf(f->dir, sizeof(f->dir), "/tmp/ef-coll-ctr.XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->db, sizeof(f->db), "%s/efterlev.db", f->dir);
    test_db_url(f->db, url, sizeof(url));
    test_db_reset();
    f->s = ef_store_open(url, 1, err, sizeof(err));
    if (f->s == NULL)
        fail_msg("open: %s", err);
    f->t0 = time(NULL) - 30 * DAY;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    char p[160];

    ef_store_close(f->s);
    unlink(f->db);
    snprintf(p, sizeof(p), "%s-wal", f->db);
    unlink(p);
    snprintf(p, sizeof(p), "%s-shm", f->db);
    unlink(p);
    rmdir(f->dir);
    free(f);
    return 0;
}

static int64_t q(struct fx *f, const char *sql)
{
    int64_t n = test_db_int(f->db, sql);

    if (n < 0)
        fail_msg("query failed: %s", sql);
    return n;
}

#define CNT(cond) "SUM(CASE WHEN " cond " THEN 1 ELSE 0 END)"

/* Every counter equals a recomputation from the latest results; counted = 1 exactly for
 * the agents fresh at the last sweep time `at`; accepted_by exactly where an active
 * acceptance matches a failure. */
static void verify(struct fx *f, time_t at, const char *step)
{
    char sql[512];
    int64_t n;

    n = q(f, "SELECT count(*) FROM agents a WHERE "
             "a.n_pass <> (SELECT count(*) FROM latest_results r WHERE r.agent_id = a.agent_id "
             "AND r.status = 'pass') OR "
             "a.n_fail <> (SELECT count(*) FROM latest_results r WHERE r.agent_id = a.agent_id "
             "AND r.status = 'fail' AND r.accepted_by IS NULL) OR "
             "a.n_na <> (SELECT count(*) FROM latest_results r WHERE r.agent_id = a.agent_id "
             "AND r.status = 'na') OR "
             "a.n_unknown <> (SELECT count(*) FROM latest_results r WHERE r.agent_id = "
             "a.agent_id AND r.status = 'unknown') OR "
             "a.n_error <> (SELECT count(*) FROM latest_results r WHERE r.agent_id = a.agent_id "
             "AND r.status = 'error') OR "
             "a.n_accepted <> (SELECT count(*) FROM latest_results r WHERE r.agent_id = "
             "a.agent_id AND r.accepted_by IS NOT NULL)");
    if (n != 0)
        fail_msg("%s: %lld agents' own counts differ", step, (long long)n);

    n = q(f, "SELECT count(*) FROM dept_counts c WHERE "
             "c.hosts <> (SELECT count(*) FROM agents a WHERE a.department_id = c.department_id) "
             "OR c.fresh_hosts <> (SELECT count(*) FROM agents a WHERE a.department_id = "
             "c.department_id AND a.counted = 1) "
             "OR (c.pass, c.fail, c.na, c.unknown, c.error, c.accepted) <> "
             "(SELECT COALESCE(SUM(n_pass), 0), COALESCE(SUM(n_fail), 0), "
             "COALESCE(SUM(n_na), 0), COALESCE(SUM(n_unknown), 0), COALESCE(SUM(n_error), 0), "
             "COALESCE(SUM(n_accepted), 0) FROM agents a WHERE a.department_id = "
             "c.department_id AND a.counted = 1)");
    if (n != 0)
        fail_msg("%s: %lld department counters differ", step, (long long)n);

#define WANT                                                                                                                           \
    "SELECT a.department_id, r.check_id, r.controls, " CNT("r.status = 'pass'") ", " CNT(                                              \
        "r."                                                                                                                           \
        "status "                                                                                                                      \
        "= "                                                                                                                           \
        "'fail' "                                                                                                                      \
        "AND "                                                                                                                         \
        "r."                                                                                                                           \
        "accepte"                                                                                                                      \
        "d_by "                                                                                                                        \
        "IS "                                                                                                                          \
        "NULL") ", " CNT("r.status = 'na'") ", " CNT("r.status = 'unknown'") ", " CNT("r.status "                                      \
                                                                                      "= 'error'") ", " CNT("r.accepted_by IS NOT "    \
                                                                                                            "NULL") " FROM "           \
                                                                                                                    "latest_results "  \
                                                                                                                    "r JOIN agents a " \
                                                                                                                    "ON a.agent_id = " \
                                                                                                                    "r.agent_id "      \
                                                                                                                    "WHERE a.counted " \
                                                                                                                    "= 1 GROUP BY "    \
                                                                                                                    "a.department_id," \
                                                                                                                    " "                \
                                                                                                                    "r.check_id, "     \
                                                                                                                    "r.controls"
#define HAVE                                                                                       \
    "SELECT department_id, check_id, controls, pass, fail, na, unknown, error, accepted FROM "     \
    "dept_check_counts WHERE pass <> 0 OR fail <> 0 OR na <> 0 OR unknown <> 0 OR error <> 0 "     \
    "OR accepted <> 0"
    n = q(f, "SELECT count(*) FROM (" WANT " EXCEPT " HAVE ") x");
    n += q(f, "SELECT count(*) FROM (" HAVE " EXCEPT " WANT ") x");
    if (n != 0)
        fail_msg("%s: %lld check counter rows differ", step, (long long)n);
    n = q(f, "SELECT count(*) FROM dept_check_counts WHERE pass < 0 OR fail < 0 OR na < 0 "
             "OR unknown < 0 OR error < 0 OR accepted < 0");
    if (n != 0)
        fail_msg("%s: %lld negative check counters", step, (long long)n);

    snprintf(sql, sizeof(sql),
             "SELECT count(*) FROM agents WHERE counted <> CASE WHEN last_seen > 0 AND "
             "last_seen >= %lld THEN 1 ELSE 0 END",
             (long long)at - STALE * DAY);
    if ((n = q(f, sql)) != 0)
        fail_msg("%s: %lld agents counted wrongly", step, (long long)n);

    /* accepted_by: the preferred active acceptance (host's own first, then the longest). */
    n = q(f, "SELECT count(*) FROM latest_results r JOIN agents a ON a.agent_id = r.agent_id "
             "WHERE COALESCE(r.accepted_by, 0) <> COALESCE(CASE WHEN r.status = 'fail' THEN "
             "(SELECT c.id FROM acceptances c WHERE c.department_id = a.department_id "
             "AND c.check_id = r.check_id AND c.state = 0 AND (c.agent_id = '' OR "
             "c.agent_id = r.agent_id) ORDER BY c.agent_id = '', c.until DESC, c.id LIMIT 1) "
             "END, 0)");
    if (n != 0)
        fail_msg("%s: %lld results with a wrong acceptance", step, (long long)n);
}

static void enroll(struct fx *f, const char *id, int64_t dept)
{
    unsigned char pub[EF_ED25519_PUB_LEN] = {0};
    struct ef_enrollment e = {.machine_id = id,
                              .hostname = id,
                              .department_id = dept,
                              .public_key = pub,
                              .new_agent_id = id,
                              .now = ef_coll_now()};
    struct ef_agent out;

    pub[0] = (unsigned char)id[strlen(id) - 1];
    assert_int_equal(f->s->ops->agent_enroll(f->s, &e, &out), EF_OK);
    assert_string_equal(out.agent_id, id);
}

/* Store a report given as "check:S[/evidence][@controls][!severity] ..." with S one of
 * p f n u e; severity h or l (else medium); controls "8.9" unless given. */
static int report_rc(struct fx *f, const char *agent, uint64_t seq, time_t at, const char *spec)
{
    static const unsigned char sig[EF_ED25519_SIG_LEN];
    struct ef_report r;
    struct ef_report_record rec = {0};
    char buf[1024], *tok, *save = NULL, *p;

    ef_report_init(&r);
    snprintf(r.agent_id, sizeof(r.agent_id), "%s", agent);
    r.seq = seq;
    snprintf(r.generated_at, sizeof(r.generated_at), "2026-01-01T00:00:00Z");
    snprintf(r.host.hostname, sizeof(r.host.hostname), "%s", agent);
    snprintf(buf, sizeof(buf), "%s", spec);
    for (tok = strtok_r(buf, " ", &save); tok != NULL; tok = strtok_r(NULL, " ", &save)) {
        struct ef_result *res = ef_report_add(&r);
        char *colon = strchr(tok, ':'), *ctl;

        assert_non_null(res);
        assert_non_null(colon);
        *colon = '\0';
        snprintf(res->check, sizeof(res->check), "%s", tok);
        p = colon + 1;
        res->status = *p == 'p'   ? EF_PASS
                      : *p == 'f' ? EF_FAIL
                      : *p == 'n' ? EF_NA
                      : *p == 'u' ? EF_UNKNOWN
                                  : EF_ERROR;
        res->severity = strstr(p, "!h")   ? EF_SEV_HIGH
                        : strstr(p, "!l") ? EF_SEV_LOW
                                          : EF_SEV_MEDIUM;
        if ((ctl = strchr(p, '!')) != NULL)
            *ctl = '\0';
        if ((ctl = strchr(p, '@')) != NULL) {
            char *c, *cs = NULL;

            *ctl++ = '\0';
            for (c = strtok_r(ctl, ",", &cs); c != NULL; c = strtok_r(NULL, ",", &cs))
                snprintf(res->controls[res->ncontrols++], sizeof(res->controls[0]), "%s", c);
        } else {
            snprintf(res->controls[0], sizeof(res->controls[0]), "8.9");
            res->ncontrols = 1;
        }
        snprintf(res->evidence, sizeof(res->evidence), "%s",
                 strchr(p, '/') ? strchr(p, '/') + 1 : "ok");
        res->level = EF_LEVEL_BASIC;
    }
    rec.agent_id = agent;
    rec.body = "{}";
    rec.body_len = 2;
    rec.signature = sig;
    rec.sha256 = "0000000000000000000000000000000000000000000000000000000000000000";
    rec.received_at = at;
    rec.report = &r;
    int rc = f->s->ops->report_store(f->s, &rec);
    ef_report_free(&r);
    return rc;
}

static void report(struct fx *f, const char *agent, uint64_t seq, time_t at, const char *spec)
{
    assert_int_equal(report_rc(f, agent, seq, at, spec), EF_OK);
}

static void sweep(struct fx *f, time_t at)
{
    assert_int_equal(f->s->ops->sweep(f->s, at, STALE), EF_OK);
}

static int64_t since_of(struct fx *f, const char *agent, const char *check)
{
    char sql[256];

    snprintf(sql, sizeof(sql),
             "SELECT since FROM latest_results WHERE agent_id = '%s' AND check_id = '%s'", agent,
             check);
    return q(f, sql);
}

static int64_t history(struct fx *f)
{
    return q(f, "SELECT count(*) FROM results_history");
}

static int64_t accept(struct fx *f, int64_t dept, const char *check, const char *agent, time_t now,
                      time_t until)
{
    struct ef_acceptance a;

    memset(&a, 0, sizeof(a));
    a.department_id = dept;
    snprintf(a.check, sizeof(a.check), "%s", check);
    snprintf(a.agent_id, sizeof(a.agent_id), "%s", agent);
    snprintf(a.reason, sizeof(a.reason), "test");
    snprintf(a.by, sizeof(a.by), "tester");
    a.until = until;
    assert_int_equal(f->s->ops->acceptance_add(f->s, &a, now), EF_OK);
    return a.id;
}

static void test_counter_deltas(void **state)
{
    struct fx *f = *state;
    struct ef_store *s = f->s;
    time_t t = f->t0;
    int64_t h, acc1, acc2;

    assert_int_equal(s->ops->department_add(s, "D1", EF_LEVEL_BASIC, "h1", time(NULL), &f->d1),
                     EF_OK);
    assert_int_equal(s->ops->department_add(s, "D2", EF_LEVEL_BASIC, "h2", time(NULL), &f->d2),
                     EF_OK);
    sweep(f, t);
    enroll(f, "ag-1", f->d1);
    enroll(f, "ag-2", f->d1);
    enroll(f, "ag-3", f->d2);
    verify(f, t, "enrolled");

    report(f, "ag-1", 1, t, "c1:p c2:f c3:n c4:u c5:e");
    report(f, "ag-2", 1, t, "c1:p c2:p c3:f");
    report(f, "ag-3", 1, t, "c1:f c2:f");
    verify(f, t, "first reports");
    assert_int_equal(history(f), 10);

    /* The same results again: nothing written but the report. */
    t += 3600;
    report(f, "ag-1", 2, t, "c1:p c2:f c3:n c4:u c5:e");
    verify(f, t, "unchanged report");
    assert_int_equal(history(f), 10);
    assert_int_equal(since_of(f, "ag-1", "c2"), (int64_t)f->t0);

    /* Flips, new evidence, a check gone, a check new, other controls, another severity. */
    t += 3600;
    report(f, "ag-1", 3, t, "c1:f c2:p c3:n/changed c5:e@5.1,8.9 c6:u!h");
    verify(f, t, "changed report");
    assert_int_equal(history(f), 15); /* c1 c2 c3 c5 c6 */
    assert_int_equal(since_of(f, "ag-1", "c1"), (int64_t)t);
    assert_int_equal(since_of(f, "ag-1", "c3"), (int64_t)f->t0); /* same status */
    assert_int_equal(q(f, "SELECT count(*) FROM latest_results WHERE agent_id = 'ag-1'"), 5);
    report(f, "ag-1", 4, t + 60, "c1:f c2:p c3:n/changed c5:e@5.1,8.9!l c6:u!h");
    verify(f, t, "severity only");
    assert_int_equal(history(f), 16);

    /* A department-wide acceptance of c1 in D1: ag-1's failure becomes accepted. */
    t += 3600;
    sweep(f, t);
    acc1 = accept(f, f->d1, "c1", "", t, t + 60 * DAY);
    verify(f, t, "acceptance added");
    report(f, "ag-2", 2, t, "c1:f c2:p c3:f");
    verify(f, t, "failure accepted at ingest");
    report(f, "ag-1", 5, t, "c1:f/other c2:p c3:n/changed c5:e@5.1,8.9!l c6:u!h");
    verify(f, t, "accepted failure, new evidence");

    /* A host's own acceptance that expires in the sweep. */
    acc2 = accept(f, f->d2, "c2", "ag-3", t, t + 2 * DAY);
    verify(f, t, "host acceptance");
    report(f, "ag-3", 2, t + 60, "c1:f c2:f c7:p");
    verify(f, t, "host acceptance, report");
    t += 3 * DAY;
    sweep(f, t);
    verify(f, t, "host acceptance expired");
    report(f, "ag-3", 3, t, "c1:f c2:f c7:p");
    verify(f, t, "after expiry, report");
    assert_int_equal(q(f, "SELECT count(*) FROM latest_results WHERE accepted_by IS NOT NULL "
                          "AND agent_id = 'ag-3'"),
                     0);
    (void)acc2;

    /* Everyone stale, then back one by one (wholesale), then deltas again. */
    t += 10 * DAY;
    sweep(f, t);
    verify(f, t, "all stale");
    assert_int_equal(q(f, "SELECT count(*) FROM dept_counts WHERE fresh_hosts <> 0"), 0);
    report(f, "ag-2", 3, t, "c1:p c2:f c3:f c8:n");
    verify(f, t, "stale agent back with changes");
    report(f, "ag-2", 4, t + 60, "c1:f c2:f c8:e");
    verify(f, t, "fresh again, deltas");
    report(f, "ag-1", 6, t + 120, "c1:f/other c2:p c3:n/changed c5:e@5.1,8.9!l c6:u!h");
    verify(f, t, "stale agent back unchanged");

    /* The clock back: agents seen "later" are fresh; then forward again. */
    sweep(f, t - 2 * DAY);
    verify(f, t - 2 * DAY, "clock back");
    sweep(f, t + 200);
    verify(f, t + 200, "clock forward");

    /* Revoking the department acceptance rebuilds ag-1 and ag-2. */
    assert_int_equal(s->ops->acceptance_revoke(s, acc1, "tester", t + 200), EF_OK);
    verify(f, t + 200, "acceptance revoked");
    report(f, "ag-1", 7, t + 300, "c1:f/other c2:f c3:n/changed");
    verify(f, t + 300, "after revoke, report");

    /* A department's enrollment cannot move it: refused, nothing changes. */
    {
        unsigned char pub[EF_ED25519_PUB_LEN] = {0};
        struct ef_enrollment e = {.machine_id = "ag-1",
                                  .hostname = "ag-1",
                                  .department_id = f->d2,
                                  .public_key = pub,
                                  .new_agent_id = "ag-1",
                                  .now = ef_coll_now()};
        struct ef_agent out;

        pub[0] = '1';
        assert_int_equal(f->s->ops->agent_enroll(f->s, &e, &out), EF_EXISTS);
        verify(f, t + 300, "move by enrollment refused");
    }
    /* Moved into D2 by the administrator (same key): leaves D1's counters; its next report
     * is a delta in D2. */
    assert_int_equal(s->ops->agent_move(s, "ag-1", f->d2, "tester", ef_coll_now()), EF_OK);
    sweep(f, t + 300); /* the move judges freshness at the real time; back to the test's */
    verify(f, t + 300, "moved");
    report(f, "ag-1", 8, t + 400, "c1:p c2:f c3:n/changed c9:p");
    verify(f, t + 400, "re-enrolled, report");

    /* An empty report empties the agent, then results come back. */
    h = history(f);
    report(f, "ag-3", 4, t + 500, "");
    verify(f, t + 500, "empty report");
    assert_int_equal(q(f, "SELECT count(*) FROM latest_results WHERE agent_id = 'ag-3'"), 0);
    assert_int_equal(history(f), h);
    report(f, "ag-3", 5, t + 600, "c1:p c2:f");
    verify(f, t + 600, "results back");
    assert_int_equal(since_of(f, "ag-3", "c2"), (int64_t)(t + 600));
    assert_int_equal(history(f), h + 2);
}

/* Inside a batch (the ingest writer's group commit) the counter deltas are deferred to the
 * commit (store/core_pending.c): agents entering, counted agents' changes, a new agent's
 * enrollment, a unit refused half-way, two departments, a row changed by several reports of
 * the batch. After the commit every counter is the recomputation; a batch rolled back
 * leaves them as they were. */
static void test_batch_deferred(void **state)
{
    struct fx *f = *state;
    struct ef_store *s = f->s;
    time_t t = time(NULL) - 3600;
    int64_t before;

    assert_int_equal(s->ops->department_add(s, "D1", EF_LEVEL_BASIC, "h1", time(NULL), &f->d1),
                     EF_OK);
    assert_int_equal(s->ops->department_add(s, "D2", EF_LEVEL_BASIC, "h2", time(NULL), &f->d2),
                     EF_OK);
    sweep(f, t);
    enroll(f, "ag-1", f->d1);
    report(f, "ag-1", 1, t, "c1:p c2:f c3:n");
    verify(f, t, "before the batch");

    assert_int_equal(s->ops->batch_begin(s, t + 60), EF_OK);
    enroll(f, "ag-2", f->d1);
    enroll(f, "ag-3", f->d2);
    report(f, "ag-2", 1, t + 60, "c1:p c2:p c4:u"); /* entering */
    report(f, "ag-1", 2, t + 60, "c1:f c2:f!h");    /* counted, changes */
    assert_int_equal(report_rc(f, "ag-1", 2, t + 60, "c1:p c2:p c3:p"), EF_EXISTS); /* replay */
    report(f, "ag-3", 1, t + 60, "c1:f c5:e");
    report(f, "ag-1", 3, t + 70, "c1:p c2:f!l c3:n"); /* the same rows again, in one batch */
    /* Nothing reached the shared rows yet: they are written at the commit. */
    assert_int_equal(q(f, "SELECT hosts FROM dept_counts WHERE department_id = 2"), 0);
    assert_int_equal(s->ops->batch_commit(s), EF_OK);
    verify(f, t + 70, "batch committed");
    assert_int_equal(q(f, "SELECT count(*) FROM dept_check_counts WHERE check_id = 'c2' AND "
                          "department_id = 1 AND severity <> 'low'"),
                     0); /* the latest severity wins, as written report by report */
    assert_int_equal(q(f, "SELECT hosts + fresh_hosts FROM dept_counts WHERE department_id = 2"),
                     2);

    /* A batch rolled back: no counter moves. */
    before = q(f, "SELECT SUM(pass + fail + na + unknown + error + accepted + hosts + "
                  "fresh_hosts) FROM dept_counts");
    assert_int_equal(s->ops->batch_begin(s, t + 80), EF_OK);
    enroll(f, "ag-4", f->d2);
    report(f, "ag-4", 1, t + 80, "c1:p");
    report(f, "ag-1", 4, t + 80, "c1:f c2:f c3:f");
    s->ops->batch_rollback(s);
    verify(f, t + 80, "batch rolled back");
    assert_int_equal(q(f, "SELECT SUM(pass + fail + na + unknown + error + accepted + hosts + "
                          "fresh_hosts) FROM dept_counts"),
                     before);

    /* Outside a batch, written at once again. */
    report(f, "ag-1", 4, t + 90, "c1:f c2:f c3:f");
    verify(f, t + 90, "after the batches");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_counter_deltas, setup, teardown),
        cmocka_unit_test_setup_teardown(test_batch_deferred, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
