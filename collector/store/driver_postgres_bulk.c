/* SPDX-License-Identifier: EUPL-1.2 */
/* PostgreSQL's bulk ingest statements (optional driver ops of db.h): a report's changed results
 * and its counter deltas written as arrays in one INSERT ... SELECT FROM unnest(...) each,
 * instead of a statement per result, which costs a round trip each. The domain logic (what
 * changed, the deltas) stays in the core; only how the rows travel differs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "efterlev/buf.h"
#include "store/core.h"
#include "store/postgres_internal.h"
#include "store/result_diff.h"

#define ARRAY_TEXT_MAX ((size_t)64 << 20) /* one array literal; reports are at most 1 MiB */

static void arrays_init(struct ef_buf *arr, size_t n)
{
    for (size_t k = 0; k < n; k++)
        ef_buf_init(&arr[k], ARRAY_TEXT_MAX);
}

/* Append one element (NULL: SQL NULL) to an array literal being built as "{a,b,...". A failed
 * append is kept in the buffer's sticky error, checked once by arrays_done. */
static void arr_add(struct ef_buf *b, const char *v)
{
    const char *q;
    int rc = ef_buf_add(b, ef_buf_len(b) == 0 ? "{" : ",", 1);

    if (v == NULL) {
        rc |= ef_buf_add(b, "NULL", 4);
        (void)rc;
        return;
    }
    rc |= ef_buf_add(b, "\"", 1);
    for (q = v; *q != '\0'; q++) {
        if (*q == '"' || *q == '\\')
            rc |= ef_buf_add(b, "\\", 1);
        rc |= ef_buf_add(b, q, 1);
    }
    rc |= ef_buf_add(b, "\"", 1);
    (void)rc; /* sticky: arrays_done reads ef_buf_error */
}

static void arr_int(struct ef_buf *b, int64_t v)
{
    char num[24];

    snprintf(num, sizeof(num), "%lld", (long long)v);
    arr_add(b, num);
}

static void arr_end(struct ef_buf *b)
{
    int rc = ef_buf_len(b) == 0 ? ef_buf_add(b, "{}", 2) : ef_buf_add(b, "}", 1);

    (void)rc;
}

/* The changed and new results as arrays, one element per result, for one INSERT ... unnest. */
enum { A_CHECK, A_STATUS, A_EVIDENCE, A_SEVERITY, A_LEVEL, A_CONTROLS, A_ACCEPTED, A_SINCE, A_N };
/* The counter deltas as arrays. */
enum { D_CHECK, D_CONTROLS, D_SEVERITY, D_KIND0, D_N = D_KIND0 + EF_KINDS };

static int arrays_done(struct ef_store *s, struct ef_buf *arr, int n)
{
    int k;

    for (k = 0; k < n; k++) {
        arr_end(&arr[k]);
        if (ef_buf_error(&arr[k]) != 0) {
            snprintf(s->err, sizeof(s->err), "out of memory");
            return EF_ERR;
        }
    }
    return EF_OK;
}

/* Write what changed in the agent's latest results: changed and new rows in place (and into
 * the history), rows of checks no longer reported deleted. */
int pgd_write_changes(struct ef_store *s, const struct ef_report_record *rec, int64_t report_id,
                      const struct ef_result_diff *d)
{
    const struct ef_report *r = rec->report;
    struct ef_buf arr[A_N], gone;
    struct pg_args a = {0};
    size_t i, nchanged = 0;
    int k, ret = EF_ERR;

    arrays_init(arr, sizeof(arr) / sizeof(arr[0]));
    for (i = 0; i < r->nresults; i++) {
        const struct ef_result *res = &r->results[i];

        if (d->old[i].same)
            continue;
        nchanged++;
        arr_add(&arr[A_CHECK], res->check);
        arr_add(&arr[A_STATUS], ef_result_status_name(res->status));
        arr_add(&arr[A_EVIDENCE], res->evidence);
        arr_add(&arr[A_SEVERITY], ef_severity_name(res->severity));
        arr_add(&arr[A_LEVEL], ef_level_name(res->level));
        arr_add(&arr[A_CONTROLS], d->ctl[i]);
        if (d->acc[i])
            arr_int(&arr[A_ACCEPTED], d->acc[i]);
        else
            arr_add(&arr[A_ACCEPTED], NULL);
        arr_int(&arr[A_SINCE], ef_diff_since(d, i, (int64_t)rec->received_at));
    }
    ef_buf_init(&gone, ARRAY_TEXT_MAX);
    for (i = 0; i < d->ngone; i++)
        arr_add(&gone, d->gone[i].check);
    if (arrays_done(s, arr, A_N) != EF_OK || arrays_done(s, &gone, 1) != EF_OK)
        goto out;
    pa_text(&a, rec->agent_id);
    if (d->ngone > 0) {
        pa_text(&a, ef_buf_str(&gone));
        if (pg_cmd(s, "DELETE FROM latest_results WHERE agent_id = $1 AND check_id = ANY($2)", &a,
                   "delete results", NULL) != EF_OK)
            goto out;
        a.n = 1;
    }
    if (nchanged > 0) {
        for (k = 0; k < A_N; k++)
            pa_text(&a, ef_buf_str(&arr[k]));
        pa_int(&a, report_id);
        if (pg_cmd(s,
                   "WITH n AS (SELECT * FROM unnest($2::text[], $3::text[], $4::text[], "
                   "$5::text[], $6::text[], $7::text[], $8::bigint[], $9::bigint[]) "
                   "AS u(check_id, status, evidence, severity, level, controls, accepted_by, "
                   "since)), "
                   "h AS (INSERT INTO results_history (agent_id, check_id, status, evidence, "
                   "severity, level, controls, report_id) SELECT $1, check_id, status, "
                   "evidence, severity, level, controls, $10 FROM n) "
                   "INSERT INTO latest_results (agent_id, check_id, status, evidence, severity, "
                   "level, controls, report_id, accepted_by, since) SELECT $1, check_id, "
                   "status, evidence, severity, level, controls, $10, accepted_by, since FROM n "
                   "ON CONFLICT (agent_id, check_id) DO UPDATE SET status = excluded.status, "
                   "evidence = excluded.evidence, severity = excluded.severity, "
                   "level = excluded.level, controls = excluded.controls, "
                   "report_id = excluded.report_id, accepted_by = excluded.accepted_by, "
                   "since = excluded.since",
                   &a, "write results", NULL) != EF_OK)
            goto out;
    }
    ret = EF_OK;
out:
    for (k = 0; k < A_N; k++)
        ef_buf_free(&arr[k]);
    ef_buf_free(&gone);
    return ret;
}

/* A counted agent's report: the diff's counter deltas, in (check, controls) order so that
 * concurrent ingests lock the shared rows in one order. */
int pgd_apply_deltas(struct ef_store *s, int64_t department_id, const struct ef_result_diff *d)
{
    struct ef_buf arr[D_N];
    struct pg_args a = {0};
    size_t i;
    int k, any = 0, ret = EF_ERR;

    arrays_init(arr, sizeof(arr) / sizeof(arr[0]));
    if (d->ndelta > 0) {
        for (i = 0; i < d->ndelta; i++) {
            arr_add(&arr[D_CHECK], d->delta[i].check);
            arr_add(&arr[D_CONTROLS], d->delta[i].controls);
            arr_add(&arr[D_SEVERITY], d->delta[i].severity);
            for (k = 0; k < EF_KINDS; k++)
                arr_int(&arr[D_KIND0 + k], d->delta[i].d[k]);
        }
        if (arrays_done(s, arr, D_N) != EF_OK)
            goto out;
        pa_int(&a, department_id);
        for (k = 0; k < D_N; k++)
            pa_text(&a, ef_buf_str(&arr[k]));
        if (pg_cmd(s,
                   "INSERT INTO dept_check_counts (department_id, check_id, controls, severity, "
                   "pass, fail, na, unknown, error, accepted, missing) "
                   "SELECT $1::bigint, u.* FROM unnest($2::text[], $3::text[], $4::text[], "
                   "$5::bigint[], $6::bigint[], $7::bigint[], $8::bigint[], $9::bigint[], "
                   "$10::bigint[], $11::bigint[]) AS u(check_id, controls, severity, pass, fail, "
                   "na, unknown, error, accepted, missing) ORDER BY check_id, controls "
                   "ON CONFLICT (department_id, check_id, controls) DO UPDATE SET "
                   "severity = excluded.severity, "
                   "pass = dept_check_counts.pass + excluded.pass, "
                   "fail = dept_check_counts.fail + excluded.fail, "
                   "na = dept_check_counts.na + excluded.na, "
                   "unknown = dept_check_counts.unknown + excluded.unknown, "
                   "error = dept_check_counts.error + excluded.error, "
                   "accepted = dept_check_counts.accepted + excluded.accepted, "
                   "missing = dept_check_counts.missing + excluded.missing",
                   &a, "update check counters", NULL) != EF_OK)
            goto out;
    }
    for (k = 0; k < EF_KINDS; k++)
        any |= d->dept[k] != 0;
    if (any) {
        memset(&a, 0, sizeof(a));
        pa_int(&a, department_id);
        for (k = 0; k < EF_KINDS; k++)
            pa_int(&a, d->dept[k]);
        if (pg_cmd(s,
                   "UPDATE dept_counts SET pass = pass + $2, fail = fail + $3, na = na + $4, "
                   "unknown = unknown + $5, error = error + $6, accepted = accepted + $7, "
                   "missing = missing + $8 WHERE department_id = $1",
                   &a, "update department counters", NULL) != EF_OK)
            goto out;
    }
    ret = EF_OK;
out:
    for (k = 0; k < D_N; k++)
        ef_buf_free(&arr[k]);
    return ret;
}
