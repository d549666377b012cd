/* SPDX-License-Identifier: EUPL-1.2 */
/* What a report changes in an agent's latest results, shared by the SQLite and PostgreSQL
 * stores (docs/collector-internals.md, "Counters"). The store feeds it the agent's stored
 * latest results one row at a time (ef_diff_prev) and gets back, per new result, whether
 * the stored row is identical (then nothing is written for it), the "since" to keep, and the
 * counter deltas: per changed result the old (check, controls) row loses one in its old
 * kind and the new one gains one in its new kind; a check no longer reported loses one.
 * Header-only (static inline functions), so neither store links the other's code. */
#ifndef EF_COLLECTOR_RESULT_DIFF_H
#define EF_COLLECTOR_RESULT_DIFF_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "efterlev/report.h"
#include "store/store.h"

/* The stored row of a check that is in the new report too. */
struct ef_old_result {
    int hit;    /* a stored row exists */
    int same;   /* and it equals the new result in every column but report_id and since */
    int status; /* its status (ef_status) */
    int kind;   /* its counted kind: the status (EF_MISSING too), or EF_ACCEPTED */
    int64_t since;
    char severity[16];
    char controls[EF_CONTROLS_TEXT_MAX];
};

/* A stored row whose check is not in the new report. */
struct ef_gone_result {
    char check[EF_ID_MAX + 1];
    int kind;
    char severity[16];
    char controls[EF_CONTROLS_TEXT_MAX];
};

/* One counter row change: (check, controls) gets d[kind] added; severity is written too. */
struct ef_check_delta {
    const char *check, *controls, *severity;
    int64_t d[EF_KINDS];
};

struct ef_result_diff {
    const struct ef_report *r;
    int64_t *acc;                      /* per new result: acceptance id, 0 none */
    char (*ctl)[EF_CONTROLS_TEXT_MAX]; /* per new result: controls as text */
    const struct ef_result **by_check; /* the new results sorted by check */
    struct ef_old_result *old;         /* per new result */
    struct ef_gone_result *gone;
    size_t ngone, capgone;
    struct ef_check_delta *delta;
    size_t ndelta;
    int64_t counts[EF_KINDS]; /* the agent's new counts */
    int64_t dept[EF_KINDS];   /* the department's change if the agent stays counted */
};

static inline int ef_diff_by_check(const void *a, const void *b)
{
    return strcmp((*(const struct ef_result *const *)a)->check,
                  (*(const struct ef_result *const *)b)->check);
}

static inline int ef_diff_delta_cmp(const void *a, const void *b)
{
    const struct ef_check_delta *x = a, *y = b;
    int c = strcmp(x->check, y->check);

    return c != 0 ? c : strcmp(x->controls, y->controls);
}

static inline int ef_diff_status(const char *name)
{
    ef_status st;

    return ef_result_status_parse(name, &st) == 0 ? (int)st : -1;
}

static inline void ef_diff_free(struct ef_result_diff *d)
{
    free(d->acc);
    free(d->ctl);
    free(d->by_check);
    free(d->old);
    free(d->gone);
    free(d->delta);
    memset(d, 0, sizeof(*d));
}

static inline int ef_diff_controls(const struct ef_result *res, char *out, size_t outlen)
{
    size_t i, off = 0;
    int n;

    out[0] = '\0';
    for (i = 0; i < res->ncontrols; i++) {
        n = snprintf(out + off, outlen - off, "%s%s", i ? "," : "", res->controls[i]);
        if (n < 0 || (size_t)n >= outlen - off)
            return -1;
        off += (size_t)n;
    }
    return 0;
}

/* Allocate for report r; acc[] is filled by the caller (acceptance matching) before
 * ef_diff_prev. 0, or -1 with err set ("out of memory", "too many controls"). */
static inline int ef_diff_init(struct ef_result_diff *d, const struct ef_report *r, char *err,
                               size_t errlen)
{
    size_t i, n = r->nresults ? r->nresults : 1;

    memset(d, 0, sizeof(*d));
    d->r = r;
    d->acc = calloc(n, sizeof(*d->acc));
    d->ctl = calloc(n, sizeof(*d->ctl));
    d->by_check = calloc(n, sizeof(*d->by_check));
    d->old = calloc(n, sizeof(*d->old));
    /* at most two rows per new result and one per gone row (grown in ef_diff_finish) */
    if (d->acc == NULL || d->ctl == NULL || d->by_check == NULL || d->old == NULL) {
        snprintf(err, errlen, "out of memory");
        ef_diff_free(d);
        return -1;
    }
    for (i = 0; i < r->nresults; i++) {
        if (ef_diff_controls(&r->results[i], d->ctl[i], sizeof(d->ctl[i])) != 0) {
            snprintf(err, errlen, "too many controls");
            ef_diff_free(d);
            return -1;
        }
        d->by_check[i] = &r->results[i];
    }
    if (r->nresults > 1)
        qsort(d->by_check, r->nresults, sizeof(*d->by_check), ef_diff_by_check);
    return 0;
}

/* One stored latest result (accepted_by 0 = NULL). 0, or -1 with err set. */
static inline int ef_diff_prev(struct ef_result_diff *d, const char *check, const char *status,
                               const char *evidence, const char *severity, const char *level,
                               const char *controls, int64_t accepted_by, int64_t since, char *err,
                               size_t errlen)
{
    struct ef_result key;
    const struct ef_result *kp = &key, **hit;
    int st = ef_diff_status(status), kind;

    if (st < 0 || strlen(severity) >= sizeof(d->old[0].severity) ||
        strlen(controls) >= sizeof(d->old[0].controls) || strlen(check) > EF_ID_MAX) {
        snprintf(err, errlen, "stored result of %s out of range", check);
        return -1;
    }
    kind = accepted_by ? EF_ACCEPTED : st;
    snprintf(key.check, sizeof(key.check), "%s", check);
    hit = d->r->nresults
              ? bsearch(&kp, d->by_check, d->r->nresults, sizeof(*d->by_check), ef_diff_by_check)
              : NULL;
    if (hit != NULL) {
        size_t i = (size_t)(*hit - d->r->results);
        const struct ef_result *res = *hit;
        struct ef_old_result *o = &d->old[i];

        o->hit = 1;
        o->status = st;
        o->kind = kind;
        o->since = since;
        snprintf(o->severity, sizeof(o->severity), "%s", severity);
        snprintf(o->controls, sizeof(o->controls), "%s", controls);
        o->same = st == (int)res->status && accepted_by == d->acc[i] &&
                  strcmp(evidence, res->evidence) == 0 &&
                  strcmp(severity, ef_severity_name(res->severity)) == 0 &&
                  strcmp(level, ef_level_name(res->level)) == 0 && strcmp(controls, d->ctl[i]) == 0;
        return 0;
    }
    if (d->ngone == d->capgone) {
        size_t cap = d->capgone ? d->capgone * 2 : 16;
        struct ef_gone_result *nv = realloc(d->gone, cap * sizeof(*nv));

        if (nv == NULL) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        d->gone = nv;
        d->capgone = cap;
    }
    snprintf(d->gone[d->ngone].check, sizeof(d->gone[0].check), "%s", check);
    d->gone[d->ngone].kind = kind;
    snprintf(d->gone[d->ngone].severity, sizeof(d->gone[0].severity), "%s", severity);
    snprintf(d->gone[d->ngone].controls, sizeof(d->gone[0].controls), "%s", controls);
    d->ngone++;
    return 0;
}

/* The kind a new result counts under. */
static inline int ef_diff_kind(const struct ef_result_diff *d, size_t i)
{
    return d->acc[i] ? EF_ACCEPTED : (int)d->r->results[i].status;
}

/* The since of new result i: kept while the status is unchanged, else now. */
static inline int64_t ef_diff_since(const struct ef_result_diff *d, size_t i, int64_t now)
{
    const struct ef_old_result *o = &d->old[i];

    return o->hit && o->status == (int)d->r->results[i].status ? o->since : now;
}

/* After every stored row: the agent's counts and the counter deltas, sorted by (check,
 * controls) so that concurrent writers lock shared counter rows in one order. */
static inline int ef_diff_finish(struct ef_result_diff *d, char *err, size_t errlen)
{
    size_t i, cap = 2 * d->r->nresults + d->ngone + 1;
    struct ef_check_delta *x;

    d->delta = calloc(cap, sizeof(*d->delta));
    if (d->delta == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (i = 0; i < d->r->nresults; i++) {
        const struct ef_result *res = &d->r->results[i];
        const struct ef_old_result *o = &d->old[i];
        const char *sev = ef_severity_name(res->severity);
        int kind = ef_diff_kind(d, i);

        d->counts[kind]++;
        if (o->hit && (o->same || (o->kind == kind && strcmp(o->controls, d->ctl[i]) == 0 &&
                                   strcmp(o->severity, sev) == 0)))
            continue; /* no counter row changes */
        if (o->hit) {
            d->dept[o->kind]--;
            x = &d->delta[d->ndelta++];
            x->check = res->check;
            x->controls = o->controls;
            x->severity = o->severity;
            x->d[o->kind] = -1;
            if (strcmp(o->controls, d->ctl[i]) == 0) {
                x->severity = sev; /* the same row: one change */
                x->d[kind] += 1;
                d->dept[kind]++;
                continue;
            }
        }
        d->dept[kind]++;
        x = &d->delta[d->ndelta++];
        x->check = res->check;
        x->controls = d->ctl[i];
        x->severity = sev;
        x->d[kind] = 1;
    }
    for (i = 0; i < d->ngone; i++) {
        d->dept[d->gone[i].kind]--;
        x = &d->delta[d->ndelta++];
        x->check = d->gone[i].check;
        x->controls = d->gone[i].controls;
        x->severity = d->gone[i].severity;
        x->d[d->gone[i].kind] = -1;
    }
    if (d->ndelta > 1)
        qsort(d->delta, d->ndelta, sizeof(*d->delta), ef_diff_delta_cmp);
    return 0;
}

#endif
