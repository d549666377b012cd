/* The PostgreSQL store's read side, as sqlite_read.c: counters, a host's results,
 * acceptances, the audit log, snapshots and the stored reports for exports. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "efterlev/util.h"
#include "store/postgres_internal.h"
#include "store/postgres_ops.h"

static ef_level level_of(int64_t v)
{
    return (v >= EF_LEVEL_BASIC && v <= EF_LEVEL_HIGH) ? (ef_level)v : EF_LEVEL_BASIC;
}

static int dept_counts_row(struct ef_store *s, const PGresult *r, int i, void *elem)
{
    struct ef_dept_counts *d = elem;
    int k;

    d->id = pg_col_int(r, i, 0);
    if (pg_col_text(s, r, i, 1, d->name, sizeof(d->name)) != EF_STORE_OK)
        return EF_STORE_ERR;
    d->level = level_of(pg_col_int(r, i, 2));
    d->hosts = pg_col_int(r, i, 3);
    d->fresh_hosts = pg_col_int(r, i, 4);
    for (k = 0; k < EF_KINDS; k++)
        d->counts[k] = pg_col_int(r, i, 5 + k);
    return EF_STORE_OK;
}

int pg_dept_counts(struct ef_store *s, const char *department, struct ef_dept_counts **out,
                   size_t *n)
{
    struct pg_args a = {0};
    PGresult *r;
    void *v;
    size_t len;

    *out = NULL;
    *n = 0;
    pa_text(&a, department);
    r = pg_q(s,
             "SELECT d.id, d.name, d.level, c.hosts, c.fresh_hosts, c.pass, c.fail, "
             "c.na, c.unknown, c.error, c.accepted "
             "FROM departments d JOIN dept_counts c ON c.department_id = d.id "
             "WHERE $1::text IS NULL OR d.name = $1::text ORDER BY d.name",
             &a, "department counters");
    if (pg_collect(s, r, sizeof(struct ef_dept_counts), dept_counts_row, NULL, &v, &len) !=
        EF_STORE_OK)
        return EF_STORE_ERR;
    if (len == 0)
        return department != NULL ? EF_STORE_NOTFOUND : EF_STORE_OK;
    *out = v;
    *n = len;
    return EF_STORE_OK;
}

static int check_counts_row(struct ef_store *s, const PGresult *r, int i, void *elem)
{
    struct ef_check_counts *c = elem;
    char sev[16];
    int k;

    c->department_id = pg_col_int(r, i, 0);
    if (pg_col_text(s, r, i, 1, c->check, sizeof(c->check)) != EF_STORE_OK ||
        pg_col_text(s, r, i, 2, c->controls, sizeof(c->controls)) != EF_STORE_OK ||
        pg_col_text(s, r, i, 3, sev, sizeof(sev)) != EF_STORE_OK)
        return EF_STORE_ERR;
    if (ef_severity_parse(sev, &c->severity) != 0)
        c->severity = EF_SEV_MEDIUM;
    for (k = 0; k < EF_KINDS; k++)
        c->counts[k] = pg_col_int(r, i, 4 + k);
    return EF_STORE_OK;
}

int pg_check_counts(struct ef_store *s, int64_t department_id, struct ef_check_counts **out,
                    size_t *n)
{
    struct pg_args a = {0};
    PGresult *r;
    void *v;
    size_t len;

    *out = NULL;
    *n = 0;
    pa_int(&a, department_id);
    /* One statement per filter, as sqlite_read.c: one department through the key. */
    r = pg_q(s,
             department_id != 0 ? "SELECT department_id, check_id, controls, severity, pass, fail, "
                                  "na, unknown, error, accepted FROM dept_check_counts "
                                  "WHERE department_id = $1::bigint ORDER BY check_id, controls"
                                : "SELECT department_id, check_id, controls, severity, pass, fail, "
                                  "na, unknown, error, accepted FROM dept_check_counts "
                                  "WHERE $1::bigint = 0 ORDER BY check_id, department_id, controls",
             &a, "check counters");
    if (pg_collect(s, r, sizeof(struct ef_check_counts), check_counts_row, NULL, &v, &len) !=
        EF_STORE_OK)
        return EF_STORE_ERR;
    *out = v;
    *n = len;
    return EF_STORE_OK;
}

static int result_row(struct ef_store *s, const PGresult *r, int i, void *elem)
{
    struct ef_result_row *x = elem;
    char buf[16];

    if (pg_col_text(s, r, i, 0, x->check, sizeof(x->check)) != EF_STORE_OK ||
        pg_col_text(s, r, i, 1, buf, sizeof(buf)) != EF_STORE_OK ||
        ef_status_parse(buf, &x->status) != 0)
        goto bad;
    x->acceptance = pg_col_int(r, i, 2);
    x->accepted = !PQgetisnull(r, i, 2);
    x->since = pg_col_int(r, i, 3);
    if (pg_col_text(s, r, i, 4, x->evidence, sizeof(x->evidence)) != EF_STORE_OK ||
        pg_col_text(s, r, i, 5, x->controls, sizeof(x->controls)) != EF_STORE_OK ||
        pg_col_text(s, r, i, 6, buf, sizeof(buf)) != EF_STORE_OK ||
        ef_severity_parse(buf, &x->severity) != 0 ||
        pg_col_text(s, r, i, 7, buf, sizeof(buf)) != EF_STORE_OK ||
        ef_level_parse(buf, &x->level) != 0)
        goto bad;
    return EF_STORE_OK;
bad:
    if (s->err[0] == '\0')
        snprintf(s->err, sizeof(s->err), "malformed stored result");
    return EF_STORE_ERR;
}

int pg_host_results(struct ef_store *s, const char *agent_id, struct ef_result_row **out, size_t *n)
{
    struct pg_args a = {0};
    PGresult *r;
    void *v;
    size_t len;

    *out = NULL;
    *n = 0;
    pa_text(&a, agent_id);
    r = pg_q(s,
             "SELECT check_id, status, accepted_by, since, evidence, controls, "
             "severity, level FROM latest_results WHERE agent_id = $1 "
             "ORDER BY check_id",
             &a, "host results");
    if (pg_collect(s, r, sizeof(struct ef_result_row), result_row, NULL, &v, &len) != EF_STORE_OK)
        return EF_STORE_ERR;
    *out = v;
    *n = len;
    return EF_STORE_OK;
}

static int acceptance_row(struct ef_store *s, const PGresult *r, int i, void *elem)
{
    struct ef_acceptance *x = elem;

    x->id = pg_col_int(r, i, 0);
    x->department_id = pg_col_int(r, i, 1);
    if (pg_col_text(s, r, i, 2, x->department, sizeof(x->department)) != EF_STORE_OK ||
        pg_col_text(s, r, i, 3, x->check, sizeof(x->check)) != EF_STORE_OK ||
        pg_col_text(s, r, i, 4, x->agent_id, sizeof(x->agent_id)) != EF_STORE_OK ||
        pg_col_text(s, r, i, 5, x->hostname, sizeof(x->hostname)) != EF_STORE_OK ||
        pg_col_text(s, r, i, 6, x->reason, sizeof(x->reason)) != EF_STORE_OK ||
        pg_col_text(s, r, i, 7, x->by, sizeof(x->by)) != EF_STORE_OK ||
        pg_col_text(s, r, i, 12, x->ended_by, sizeof(x->ended_by)) != EF_STORE_OK)
        return EF_STORE_ERR;
    x->created_at = pg_col_int(r, i, 8);
    x->until = pg_col_int(r, i, 9);
    x->state = (enum ef_acceptance_state)pg_col_int(r, i, 10);
    x->ended_at = pg_col_int(r, i, 11);
    return EF_STORE_OK;
}

int pg_acceptance_list(struct ef_store *s, int include_ended, struct ef_acceptance **out, size_t *n)
{
    struct pg_args a = {0};
    PGresult *r;
    void *v;
    size_t len;

    *out = NULL;
    *n = 0;
    pa_int(&a, include_ended);
    r = pg_q(s,
             "SELECT c.id, c.department_id, d.name, c.check_id, c.agent_id, "
             "coalesce(g.hostname, ''), c.reason, c.accepted_by, c.created_at, "
             "c.until, c.state, c.ended_at, c.ended_by "
             "FROM acceptances c JOIN departments d ON d.id = c.department_id "
             "LEFT JOIN agents g ON g.agent_id = c.agent_id "
             "WHERE $1::int <> 0 OR c.state = 0 ORDER BY c.id DESC",
             &a, "list acceptances");
    if (pg_collect(s, r, sizeof(struct ef_acceptance), acceptance_row, NULL, &v, &len) !=
        EF_STORE_OK)
        return EF_STORE_ERR;
    *out = v;
    *n = len;
    return EF_STORE_OK;
}

int pg_audit_add(struct ef_store *s, time_t at, const char *actor, const char *action,
                 const char *details)
{
    return pg_audit(s, at, actor, action, details);
}

static int audit_row(struct ef_store *s, const PGresult *r, int i, void *elem)
{
    struct ef_audit_row *x = elem;

    x->id = pg_col_int(r, i, 0);
    x->details = strdup(PQgetvalue(r, i, 4));
    if (x->details == NULL) {
        snprintf(s->err, sizeof(s->err), "out of memory");
        return EF_STORE_ERR;
    }
    if (pg_col_text(s, r, i, 1, x->at, sizeof(x->at)) != EF_STORE_OK ||
        pg_col_text(s, r, i, 2, x->actor, sizeof(x->actor)) != EF_STORE_OK ||
        pg_col_text(s, r, i, 3, x->action, sizeof(x->action)) != EF_STORE_OK)
        return EF_STORE_ERR;
    return EF_STORE_OK;
}

static void audit_free(void *v, size_t n)
{
    ef_audit_free(v, n);
}

int pg_audit_list(struct ef_store *s, time_t since, struct ef_audit_row **out, size_t *n)
{
    struct pg_args a = {0};
    char from[32];
    PGresult *r;
    void *v;
    size_t len;

    *out = NULL;
    *n = 0;
    ef_time_rfc3339(since, from);
    pa_text(&a, since > 0 ? from : "");
    r = pg_q(s,
             "SELECT id, at, actor, action, details FROM audit_log WHERE at >= $1 "
             "ORDER BY at, id",
             &a, "audit log");
    if (pg_collect(s, r, sizeof(struct ef_audit_row), audit_row, audit_free, &v, &len) !=
        EF_STORE_OK)
        return EF_STORE_ERR;
    *out = v;
    *n = len;
    return EF_STORE_OK;
}

/* The snapshot statements, one per combination of filters (as sqlite_read.c), so that each
 * plan, generic ones too, can use the (department_id, control, day) key: a filter not given
 * is a constant term ($N IS NULL). Index: [department given][control: NULL totals only,
 * '*' every row, else one control][since given][until given]. */
#define SNAP_SELECT                                                                                \
    "SELECT p.day, d.name, p.control, p.level, p.stale_days, p.hosts, p.fresh_hosts, p.pass, "     \
    "p.fail, p.na, p.unknown, p.error, p.accepted "                                                \
    "FROM snapshots p JOIN departments d ON d.id = p.department_id WHERE "
#define SNAP_ORDER " ORDER BY p.day, d.name, p.control"
#define SNAP_DAYS(D, C, S)                                                                         \
    {                                                                                              \
        SNAP_SELECT D " AND " C " AND " S " AND $4::text IS NULL" SNAP_ORDER,                      \
            SNAP_SELECT D " AND " C " AND " S " AND p.day <= $4::text" SNAP_ORDER                  \
    }
#define SNAP_CONTROL(D, C)                                                                         \
    {                                                                                              \
        SNAP_DAYS(D, C, "$3::text IS NULL"), SNAP_DAYS(D, C, "p.day >= $3::text")                  \
    }
#define SNAP_DEPT(D)                                                                               \
    {                                                                                              \
        SNAP_CONTROL(D, "$2::text IS NULL AND p.control = ''"), SNAP_CONTROL(D, "$2::text = '*'"), \
            SNAP_CONTROL(D, "p.control = $2::text")                                                \
    }
static const char *const snap_sql[2][3][2][2] = {SNAP_DEPT("$1::text IS NULL"),
                                                 SNAP_DEPT("d.name = $1::text")};

static int snapshot_row(struct ef_store *s, const PGresult *r, int i, void *elem)
{
    struct ef_snapshot_row *x = elem;
    int k;

    if (pg_col_text(s, r, i, 0, x->day, sizeof(x->day)) != EF_STORE_OK ||
        pg_col_text(s, r, i, 1, x->department, sizeof(x->department)) != EF_STORE_OK ||
        pg_col_text(s, r, i, 2, x->control, sizeof(x->control)) != EF_STORE_OK)
        return EF_STORE_ERR;
    x->level = level_of(pg_col_int(r, i, 3));
    x->stale_days = (int)pg_col_int(r, i, 4);
    x->hosts = pg_col_int(r, i, 5);
    x->fresh_hosts = pg_col_int(r, i, 6);
    for (k = 0; k < EF_KINDS; k++)
        x->counts[k] = pg_col_int(r, i, 7 + k);
    return EF_STORE_OK;
}

int pg_snapshots(struct ef_store *s, const char *department, const char *control,
                 const char *since_day, const char *until_day, struct ef_snapshot_row **out,
                 size_t *n)
{
    struct pg_args a = {0};
    PGresult *r;
    void *v;
    size_t len;
    int which;

    /* Control: NULL totals only, '*' every row, else one control. */
    which = control == NULL ? 0 : strcmp(control, "*") == 0 ? 1 : 2;
    *out = NULL;
    *n = 0;
    pa_text(&a, department);
    pa_text(&a, control);
    pa_text(&a, since_day);
    pa_text(&a, until_day);
    r = pg_q(s, snap_sql[department != NULL][which][since_day != NULL][until_day != NULL], &a,
             "snapshots");
    if (pg_collect(s, r, sizeof(struct ef_snapshot_row), snapshot_row, NULL, &v, &len) !=
        EF_STORE_OK)
        return EF_STORE_ERR;
    *out = v;
    *n = len;
    return EF_STORE_OK;
}

static int agent_row(struct ef_store *s, const PGresult *r, int i, void *elem)
{
    struct ef_agent_row *x = elem;

    if (pg_col_text(s, r, i, 0, x->agent_id, sizeof(x->agent_id)) != EF_STORE_OK ||
        pg_col_text(s, r, i, 1, x->hostname, sizeof(x->hostname)) != EF_STORE_OK ||
        pg_col_text(s, r, i, 2, x->department, sizeof(x->department)) != EF_STORE_OK ||
        pg_col_bytes(s, r, i, 3, x->public_key, EF_ED25519_PUB_LEN) != EF_STORE_OK)
        return EF_STORE_ERR;
    return EF_STORE_OK;
}

int pg_agent_list(struct ef_store *s, const char *department, struct ef_agent_row **out, size_t *n)
{
    struct pg_args a = {0};
    PGresult *r;
    void *v;
    size_t len;

    *out = NULL;
    *n = 0;
    pa_text(&a, department);
    r = pg_q(s,
             "SELECT a.agent_id, a.hostname, d.name, k.public_key "
             "FROM agents a JOIN departments d ON d.id = a.department_id "
             "JOIN agent_keys k ON k.agent_id = a.agent_id "
             "WHERE $1::text IS NULL OR d.name = $1::text "
             "ORDER BY a.agent_id, k.first_enrolled_at, k.public_key",
             &a, "list agents");
    if (pg_collect(s, r, sizeof(struct ef_agent_row), agent_row, NULL, &v, &len) != EF_STORE_OK)
        return EF_STORE_ERR;
    *out = v;
    *n = len;
    return EF_STORE_OK;
}

/* The reports are read through a cursor, a batch at a time, in one REPEATABLE READ
 * transaction: the export is one consistent snapshot however long it takes, and memory
 * holds one batch of bodies (up to 1 MiB each), not the whole period. Results come in
 * binary format, so bodies and signatures arrive as raw bytes. */
#define REPORT_BATCH 64

int pg_report_iter(struct ef_store *s, const struct ef_report_filter *f, ef_report_cb cb, void *arg)
{
    struct ef_stored_report rep;
    char since[32], until[32], seq[24], id[24];
    struct pg_args a = {0};
    PGresult *r = NULL;
    int ret = EF_STORE_OK, i, rows, done = 0;

    ef_time_rfc3339(f->since, since);
    ef_time_rfc3339(f->until, until);
    pa_text(&a, f->department);
    pa_text(&a, f->since > 0 ? since : NULL);
    pa_text(&a, f->until > 0 ? until : NULL);
    if (pg_exec(s, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY") != EF_STORE_OK)
        return EF_STORE_ERR;
    r = pg_q_once(s,
                  "DECLARE ef_reports NO SCROLL CURSOR FOR "
                  "SELECT r.id::text, r.agent_id, coalesce(d.name, ''), r.seq::text, "
                  "r.received_at, r.sha256, r.body, r.signature "
                  "FROM reports r LEFT JOIN departments d ON d.id = r.department_id "
                  "WHERE ($1::text IS NULL OR d.name = $1::text) "
                  "AND ($2::text IS NULL OR r.received_at >= $2::text) "
                  "AND ($3::text IS NULL OR r.received_at < $3::text) "
                  "ORDER BY r.agent_id, r.id",
                  &a, 0, "read reports");
    if (r == NULL)
        goto fail;
    PQclear(r);
    while (!done && ret == EF_STORE_OK) {
        r = pg_q_once(s, "FETCH 64 FROM ef_reports", NULL, 1, "read reports");
        if (r == NULL)
            goto fail;
        rows = PQntuples(r);
        done = rows < REPORT_BATCH;
        for (i = 0; i < rows && ret == EF_STORE_OK; i++) {
            memset(&rep, 0, sizeof(rep));
            if (PQgetlength(r, i, 0) >= (int)sizeof(id) ||
                PQgetlength(r, i, 3) >= (int)sizeof(seq) ||
                PQgetlength(r, i, 7) != EF_ED25519_SIG_LEN) {
                snprintf(s->err, sizeof(s->err), "stored report %.20s is malformed",
                         PQgetvalue(r, i, 0));
                ret = EF_STORE_ERR;
                break;
            }
            /* Binary text values are the bytes without a terminator in the protocol;
             * libpq adds one. */
            rep.id = strtoll(PQgetvalue(r, i, 0), NULL, 10);
            rep.agent_id = PQgetvalue(r, i, 1);
            rep.department = PQgetvalue(r, i, 2);
            rep.seq = strtoull(PQgetvalue(r, i, 3), NULL, 10);
            rep.received_at = PQgetvalue(r, i, 4);
            rep.sha256 = PQgetvalue(r, i, 5);
            rep.body = PQgetvalue(r, i, 6);
            rep.body_len = (size_t)PQgetlength(r, i, 6);
            rep.signature = (const unsigned char *)PQgetvalue(r, i, 7);
            ret = cb(arg, &rep);
        }
        PQclear(r);
    }
    PQclear(PQexec(pg_of(s)->conn, "COMMIT"));
    return ret;
fail : {
    char keep[sizeof(s->err)];

    memcpy(keep, s->err, sizeof(keep));
    PQclear(PQexec(pg_of(s)->conn, "ROLLBACK"));
    memcpy(s->err, keep, sizeof(keep));
}
    return EF_STORE_ERR;
}
