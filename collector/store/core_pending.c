/* SPDX-License-Identifier: EUPL-1.2 */
/* Counter deltas deferred to a batch's commit (docs/collector-internals.md, "Counters").
 *
 * Every report of a department changes the same shared rows (dept_counts, dept_check_counts).
 * Written per report, a batch locks them in the middle of its work and holds them to its
 * COMMIT, so two collectors' batches on one PostgreSQL database could only take turns (or
 * deadlock, locking the rows in the order of their reports). Inside a batch the core adds
 * its deltas here instead; core_pending_flush writes their sums once, sorted by (department,
 * check, controls), as the batch's last statements. Batches then do their per-report work
 * side by side and lock the shared rows last, in one order, for the shortest time; a batch
 * of n reports of one department changes each row once instead of n times.
 *
 * The deltas are only added (n = n + delta), so the sums do not depend on the order. A unit
 * that fails is rolled back to its savepoint: core_pending_mark/_undo drop its deltas too. */
#include <stdlib.h>
#include <string.h>

#include "efterlev/array.h"
#include "efterlev/util.h"
#include "store/core.h"
#include "store/result_diff.h"

#define DB(s) ((s)->db)
#define PENDING_MAX ((size_t)1 << 22) /* BATCH_MAX reports of EF_RESULTS_MAX results, twice */

struct ef_pending_delta {
    int64_t dept;
    size_t order;  /* the order added: the latest severity of a row wins, as written per report */
    int dept_only; /* a dept_counts change (hosts, fresh_hosts, kinds) without a check row */
    char check[EF_ID_MAX + 1];
    char controls[EF_CONTROLS_TEXT_MAX];
    char severity[16];
    int64_t d[EF_KINDS];
    int64_t hosts, fresh;
};

int core_pending_active(const struct ef_store *s)
{
    return s->pending.active;
}

void core_pending_start(struct ef_store *s)
{
    core_pending_clear(s);
    s->pending.active = 1;
}

void core_pending_clear(struct ef_store *s)
{
    free(s->pending.v);
    memset(&s->pending, 0, sizeof(s->pending));
}

void core_pending_undo(struct ef_store *s, size_t mark)
{
    if (mark < s->pending.n)
        s->pending.n = mark;
}

struct unit {
    ef_db_body body;
    void *ctx;
};

/* Each attempt of a unit (the driver may run the body again) drops its own deltas when it
 * fails. */
static int unit_body(struct ef_store *s, void *arg)
{
    struct unit *u = arg;
    size_t mark = s->pending.n;
    int rc = u->body(s, u->ctx);

    if (rc != EF_OK)
        core_pending_undo(s, mark);
    return rc;
}

int core_unit(struct ef_store *s, enum ef_db_lock lock, ef_db_body body, void *ctx)
{
    struct unit u = {body, ctx};
    size_t mark = s->pending.n;
    int rc = DB(s)->tx(s, lock, unit_body, &u);

    if (rc != EF_OK) /* e.g. the savepoint's RELEASE failed after the body */
        core_pending_undo(s, mark);
    return rc;
}

static struct ef_pending_delta *add(struct ef_store *s, int64_t dept)
{
    struct ef_pending_deltas *p = &s->pending;
    struct ef_pending_delta *g =
        ef_array_grow(p->v, p->n, &p->cap, sizeof(*p->v), 256, PENDING_MAX);

    if (g == NULL) {
        snprintf(s->err, sizeof(s->err), "too many counter changes in one batch");
        return NULL;
    }
    p->v = g;
    g = &p->v[p->n];
    memset(g, 0, sizeof(*g));
    g->dept = dept;
    g->order = p->n++;
    return g;
}

int core_pending_check(struct ef_store *s, int64_t dept, const char *check, const char *controls,
                       const char *severity, const int64_t d[EF_KINDS])
{
    struct ef_pending_delta *x = add(s, dept);

    if (x == NULL)
        return EF_ERR;
    if (strlcpy(x->check, check, sizeof(x->check)) >= sizeof(x->check) ||
        strlcpy(x->controls, controls, sizeof(x->controls)) >= sizeof(x->controls) ||
        strlcpy(x->severity, severity, sizeof(x->severity)) >= sizeof(x->severity)) {
        s->pending.n--;
        snprintf(s->err, sizeof(s->err), "counter row too long: %.40s", check);
        return EF_ERR;
    }
    memcpy(x->d, d, sizeof(x->d));
    return EF_OK;
}

int core_pending_dept(struct ef_store *s, int64_t dept, const int64_t d[EF_KINDS], int64_t hosts,
                      int64_t fresh)
{
    struct ef_pending_delta *x = add(s, dept);

    if (x == NULL)
        return EF_ERR;
    x->dept_only = 1;
    if (d != NULL)
        memcpy(x->d, d, sizeof(x->d));
    x->hosts = hosts;
    x->fresh = fresh;
    return EF_OK;
}

/* Department, then its check rows by (check, controls), then its dept_counts change: the
 * order every writer locks the shared rows in. */
static int by_row(const void *a, const void *b)
{
    const struct ef_pending_delta *x = a, *y = b;
    int c;

    if (x->dept != y->dept)
        return x->dept < y->dept ? -1 : 1;
    if (x->dept_only != y->dept_only)
        return x->dept_only - y->dept_only;
    if ((c = strcmp(x->check, y->check)) != 0 || (c = strcmp(x->controls, y->controls)) != 0)
        return c;
    return x->order < y->order ? -1 : x->order > y->order;
}

static int same_row(const struct ef_pending_delta *x, const struct ef_pending_delta *y)
{
    return x->dept == y->dept && x->dept_only == y->dept_only && strcmp(x->check, y->check) == 0 &&
           strcmp(x->controls, y->controls) == 0;
}

static int write_hosts(struct ef_store *s, int64_t dept, int64_t hosts, int64_t fresh)
{
    static const char sql[] = "UPDATE dept_counts SET hosts = hosts + $2, "
                              "fresh_hosts = fresh_hosts + $3 WHERE department_id = $1";
    struct ef_db_stmt *st;

    if (hosts == 0 && fresh == 0)
        return EF_OK;
    if ((st = core_prepare(s, sql)) == NULL)
        return EF_ERR;
    DB(s)->bind_int(st, 1, dept);
    DB(s)->bind_int(st, 2, hosts);
    DB(s)->bind_int(st, 3, fresh);
    return core_exec(s, st, "update department hosts");
}

/* One department's merged rows v[0..n) (check rows first, then at most one dept row). */
static int write_dept(struct ef_store *s, struct ef_pending_delta *v, size_t n)
{
    struct ef_result_diff d;
    struct ef_check_delta *cd = n > 0 ? calloc(n, sizeof(*cd)) : NULL;
    int64_t hosts = 0, fresh = 0;
    size_t i;
    int rc;

    if (n > 0 && cd == NULL) {
        snprintf(s->err, sizeof(s->err), "out of memory");
        return EF_ERR;
    }
    memset(&d, 0, sizeof(d));
    d.delta = cd;
    for (i = 0; i < n; i++) {
        if (v[i].dept_only) {
            memcpy(d.dept, v[i].d, sizeof(d.dept));
            hosts = v[i].hosts;
            fresh = v[i].fresh;
            continue;
        }
        cd[d.ndelta].check = v[i].check;
        cd[d.ndelta].controls = v[i].controls;
        cd[d.ndelta].severity = v[i].severity;
        memcpy(cd[d.ndelta].d, v[i].d, sizeof(cd[d.ndelta].d));
        d.ndelta++;
    }
    rc = core_write_deltas(s, v[0].dept, &d);
    free(cd);
    if (rc != EF_OK)
        return rc;
    return write_hosts(s, v[0].dept, hosts, fresh);
}

/* Sum the rows that are the same row, in place: v[0..*n) sorted by by_row. */
static void merge(struct ef_pending_delta *v, size_t *n)
{
    size_t i, out = 0;
    int k;

    for (i = 0; i < *n; i++) {
        if (out > 0 && same_row(&v[out - 1], &v[i])) {
            struct ef_pending_delta *m = &v[out - 1];

            for (k = 0; k < EF_KINDS; k++)
                m->d[k] += v[i].d[k];
            m->hosts += v[i].hosts;
            m->fresh += v[i].fresh;
            memcpy(m->severity, v[i].severity, sizeof(m->severity)); /* the latest wins */
            continue;
        }
        if (out != i)
            v[out] = v[i];
        out++;
    }
    *n = out;
}

static int flush_tx(struct ef_store *s, void *ctx)
{
    struct ef_pending_deltas *p = ctx;
    size_t i, j;

    for (i = 0; i < p->n; i = j) {
        for (j = i + 1; j < p->n && p->v[j].dept == p->v[i].dept; j++)
            ;
        if (write_dept(s, &p->v[i], j - i) != EF_OK)
            return EF_ERR;
    }
    return EF_OK;
}

int core_pending_flush(struct ef_store *s)
{
    struct ef_pending_deltas p = s->pending;
    int rc;

    /* Taken out of the store first: written below with deferral off, and gone after. */
    memset(&s->pending, 0, sizeof(s->pending));
    if (p.n == 0) {
        free(p.v);
        return EF_OK;
    }
    qsort(p.v, p.n, sizeof(*p.v), by_row);
    merge(p.v, &p.n);
    /* As one unit of the batch: a deadlock marks the batch for a rerun (EF_RETRY). */
    rc = DB(s)->tx(s, EF_DB_SHARED, flush_tx, &p);
    free(p.v);
    return rc;
}
