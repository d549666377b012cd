/* The SQLite store's read side: counters, a host's results, acceptances, the audit log,
 * snapshots and the stored reports for exports. None of these sums over results: they
 * read counters kept by sqlite_counters.c. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "efterlev/util.h"
#include "store/sqlite_internal.h"
#include "store/sqlite_ops.h"

static ef_level level_of(int v)
{
    return (v >= EF_LEVEL_BASIC && v <= EF_LEVEL_HIGH) ? (ef_level)v : EF_LEVEL_BASIC;
}

static int dept_counts_row(struct ef_store *s, sqlite3_stmt *st, void *elem)
{
    struct ef_dept_counts *d = elem;
    int k;

    d->id = sqlite3_column_int64(st, 0);
    if (sq_col_text(s, st, 1, d->name, sizeof(d->name)) != EF_STORE_OK)
        return EF_STORE_ERR;
    d->level = level_of(sqlite3_column_int(st, 2));
    d->hosts = sqlite3_column_int64(st, 3);
    d->fresh_hosts = sqlite3_column_int64(st, 4);
    for (k = 0; k < EF_KINDS; k++)
        d->counts[k] = sqlite3_column_int64(st, 5 + k);
    return EF_STORE_OK;
}

int sq_dept_counts(struct ef_store *s, const char *department, struct ef_dept_counts **out,
                   size_t *n)
{
    sqlite3_stmt *st;
    void *v;
    size_t len;

    *out = NULL;
    *n = 0;
    st = sq_prepare(s, "SELECT d.id, d.name, d.level, c.hosts, c.fresh_hosts, c.pass, c.fail, "
                       "c.na, c.unknown, c.error, c.accepted "
                       "FROM departments d JOIN dept_counts c ON c.department_id = d.id "
                       "WHERE ?1 IS NULL OR d.name = ?1 ORDER BY d.name");
    if (st == NULL)
        return EF_STORE_ERR;
    if (department != NULL)
        sqlite3_bind_text(st, 1, department, -1, SQLITE_STATIC);
    if (sq_collect(s, st, sizeof(struct ef_dept_counts), dept_counts_row, NULL, &v, &len,
                   "department counters") != EF_STORE_OK)
        return EF_STORE_ERR;
    if (department != NULL && len == 0)
        return EF_STORE_NOTFOUND;
    *out = v;
    *n = len;
    return EF_STORE_OK;
}

/* Rows of every department in key order (department, check, controls) into the order
 * (check, department, controls) without a sort of the rows: a stable bucket sort by check
 * (the distinct checks found through a hash index, then sorted by name). */
static int order_by_check(struct ef_store *s, struct ef_check_counts **v, size_t len)
{
    struct ef_check_counts *w = NULL;
    size_t *slot = NULL, *group = NULL, *first = NULL, *order = NULL, cap = 64, ng = 0, i, j, at;
    uint64_t h;
    const char *c;
    int rc = EF_STORE_ERR;

    if (len < 2)
        return EF_STORE_OK;
    while (cap < 2 * len)
        cap *= 2;
    slot = calloc(cap, sizeof(*slot)); /* group + 1 */
    group = malloc(len * sizeof(*group));
    first = malloc(len * sizeof(*first)); /* a row of each group, then its first position */
    order = malloc(len * sizeof(*order));
    w = malloc(len * sizeof(*w));
    if (slot == NULL || group == NULL || first == NULL || order == NULL || w == NULL) {
        snprintf(s->err, sizeof(s->err), "out of memory");
        goto out;
    }
    for (i = 0; i < len; i++) {
        for (h = 14695981039346656037ULL, c = (*v)[i].check; *c != '\0'; c++)
            h = (h ^ (unsigned char)*c) * 1099511628211ULL;
        for (j = (size_t)h & (cap - 1); slot[j] != 0; j = (j + 1) & (cap - 1))
            if (strcmp((*v)[first[slot[j] - 1]].check, (*v)[i].check) == 0)
                break;
        if (slot[j] == 0) {
            first[ng] = i;
            slot[j] = ++ng;
        }
        group[i] = slot[j] - 1;
    }
    /* order: the groups by check name (insertion sort: a few dozen checks). */
    for (i = 0; i < ng; i++) {
        for (j = i; j > 0 && strcmp((*v)[first[order[j - 1]]].check, (*v)[first[i]].check) > 0; j--)
            order[j] = order[j - 1];
        order[j] = i;
    }
    /* first[g]: where group g starts (slot reused for the group sizes). */
    memset(slot, 0, ng * sizeof(*slot));
    for (i = 0; i < len; i++)
        slot[group[i]]++;
    for (i = 0, at = 0; i < ng; i++) {
        first[order[i]] = at;
        at += slot[order[i]];
    }
    for (i = 0; i < len; i++)
        w[first[group[i]]++] = (*v)[i];
    free(*v);
    *v = w;
    w = NULL;
    rc = EF_STORE_OK;
out:
    free(slot);
    free(group);
    free(first);
    free(order);
    free(w);
    return rc;
}

static int check_counts_row(struct ef_store *s, sqlite3_stmt *st, void *elem)
{
    struct ef_check_counts *c = elem;
    char sev[16];
    int k;

    c->department_id = sqlite3_column_int64(st, 0);
    if (sq_col_text(s, st, 1, c->check, sizeof(c->check)) != EF_STORE_OK ||
        sq_col_text(s, st, 2, c->controls, sizeof(c->controls)) != EF_STORE_OK ||
        sq_col_text(s, st, 3, sev, sizeof(sev)) != EF_STORE_OK)
        return EF_STORE_ERR;
    if (ef_severity_parse(sev, &c->severity) != 0)
        c->severity = EF_SEV_MEDIUM;
    for (k = 0; k < EF_KINDS; k++)
        c->counts[k] = sqlite3_column_int64(st, 4 + k);
    return EF_STORE_OK;
}

int sq_check_counts(struct ef_store *s, int64_t department_id, struct ef_check_counts **out,
                    size_t *n)
{
    struct ef_check_counts *v;
    sqlite3_stmt *st;
    void *rows;
    size_t len;

    *out = NULL;
    *n = 0;
    /* Ordered by (check, department, controls). Every department's rows are read in key
     * order and reordered by order_by_check (sorting them in SQLite took longer). */
    st = sq_prepare(s, department_id != 0
                           ? "SELECT department_id, check_id, controls, severity, pass, fail, na, "
                             "unknown, error, accepted FROM dept_check_counts "
                             "WHERE department_id = ?1 ORDER BY check_id, controls"
                           : "SELECT department_id, check_id, controls, severity, pass, fail, na, "
                             "unknown, error, accepted FROM dept_check_counts "
                             "ORDER BY department_id, check_id, controls");
    if (st == NULL)
        return EF_STORE_ERR;
    sqlite3_bind_int64(st, 1, department_id);
    if (sq_collect(s, st, sizeof(*v), check_counts_row, NULL, &rows, &len, "check counters") !=
        EF_STORE_OK)
        return EF_STORE_ERR;
    v = rows;
    if (department_id == 0 && order_by_check(s, &v, len) != EF_STORE_OK) {
        free(v);
        return EF_STORE_ERR;
    }
    *out = v;
    *n = len;
    return EF_STORE_OK;
}

static int result_row(struct ef_store *s, sqlite3_stmt *st, void *elem)
{
    struct ef_result_row *r = elem;
    char buf[16];

    if (sq_col_text(s, st, 0, r->check, sizeof(r->check)) != EF_STORE_OK ||
        sq_col_text(s, st, 1, buf, sizeof(buf)) != EF_STORE_OK ||
        ef_status_parse(buf, &r->status) != 0)
        goto bad;
    r->acceptance = sqlite3_column_int64(st, 2);
    r->accepted = sqlite3_column_type(st, 2) != SQLITE_NULL;
    r->since = sqlite3_column_int64(st, 3);
    if (sq_col_text(s, st, 4, r->evidence, sizeof(r->evidence)) != EF_STORE_OK ||
        sq_col_text(s, st, 5, r->controls, sizeof(r->controls)) != EF_STORE_OK ||
        sq_col_text(s, st, 6, buf, sizeof(buf)) != EF_STORE_OK ||
        ef_severity_parse(buf, &r->severity) != 0 ||
        sq_col_text(s, st, 7, buf, sizeof(buf)) != EF_STORE_OK ||
        ef_level_parse(buf, &r->level) != 0)
        goto bad;
    return EF_STORE_OK;
bad:
    if (s->err[0] == '\0')
        snprintf(s->err, sizeof(s->err), "malformed stored result");
    return EF_STORE_ERR;
}

int sq_host_results(struct ef_store *s, const char *agent_id, struct ef_result_row **out, size_t *n)
{
    sqlite3_stmt *st;
    void *v;
    size_t len;

    *out = NULL;
    *n = 0;
    st = sq_prepare(s, "SELECT check_id, status, accepted_by, since, evidence, controls, "
                       "severity, level FROM latest_results WHERE agent_id = ?1 "
                       "ORDER BY check_id");
    if (st == NULL)
        return EF_STORE_ERR;
    sqlite3_bind_text(st, 1, agent_id, -1, SQLITE_STATIC);
    if (sq_collect(s, st, sizeof(struct ef_result_row), result_row, NULL, &v, &len,
                   "host results") != EF_STORE_OK)
        return EF_STORE_ERR;
    *out = v;
    *n = len;
    return EF_STORE_OK;
}

static int acceptance_row(struct ef_store *s, sqlite3_stmt *st, void *elem)
{
    struct ef_acceptance *a = elem;

    a->id = sqlite3_column_int64(st, 0);
    a->department_id = sqlite3_column_int64(st, 1);
    if (sq_col_text(s, st, 2, a->department, sizeof(a->department)) != EF_STORE_OK ||
        sq_col_text(s, st, 3, a->check, sizeof(a->check)) != EF_STORE_OK ||
        sq_col_text(s, st, 4, a->agent_id, sizeof(a->agent_id)) != EF_STORE_OK ||
        sq_col_text(s, st, 5, a->hostname, sizeof(a->hostname)) != EF_STORE_OK ||
        sq_col_text(s, st, 6, a->reason, sizeof(a->reason)) != EF_STORE_OK ||
        sq_col_text(s, st, 7, a->by, sizeof(a->by)) != EF_STORE_OK ||
        sq_col_text(s, st, 12, a->ended_by, sizeof(a->ended_by)) != EF_STORE_OK)
        return EF_STORE_ERR;
    a->created_at = sqlite3_column_int64(st, 8);
    a->until = sqlite3_column_int64(st, 9);
    a->state = (enum ef_acceptance_state)sqlite3_column_int(st, 10);
    a->ended_at = sqlite3_column_int64(st, 11);
    return EF_STORE_OK;
}

int sq_acceptance_list(struct ef_store *s, int include_ended, struct ef_acceptance **out, size_t *n)
{
    sqlite3_stmt *st;
    void *v;
    size_t len;

    *out = NULL;
    *n = 0;
    st = sq_prepare(s, "SELECT c.id, c.department_id, d.name, c.check_id, c.agent_id, "
                       "coalesce(g.hostname, ''), c.reason, c.accepted_by, c.created_at, "
                       "c.until, c.state, c.ended_at, c.ended_by "
                       "FROM acceptances c JOIN departments d ON d.id = c.department_id "
                       "LEFT JOIN agents g ON g.agent_id = c.agent_id "
                       "WHERE ?1 OR c.state = 0 ORDER BY c.id DESC");
    if (st == NULL)
        return EF_STORE_ERR;
    sqlite3_bind_int(st, 1, include_ended);
    if (sq_collect(s, st, sizeof(struct ef_acceptance), acceptance_row, NULL, &v, &len,
                   "list acceptances") != EF_STORE_OK)
        return EF_STORE_ERR;
    *out = v;
    *n = len;
    return EF_STORE_OK;
}

int sq_audit_add(struct ef_store *s, time_t at, const char *actor, const char *action,
                 const char *details)
{
    return sq_audit(s, at, actor, action, details);
}

void ef_audit_free(struct ef_audit_row *rows, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        free(rows[i].details);
    free(rows);
}

static int audit_row(struct ef_store *s, sqlite3_stmt *st, void *elem)
{
    struct ef_audit_row *a = elem;

    a->id = sqlite3_column_int64(st, 0);
    a->details = strdup(
        sqlite3_column_text(st, 4) != NULL ? (const char *)sqlite3_column_text(st, 4) : "{}");
    if (a->details == NULL) {
        snprintf(s->err, sizeof(s->err), "out of memory");
        return EF_STORE_ERR;
    }
    if (sq_col_text(s, st, 1, a->at, sizeof(a->at)) != EF_STORE_OK ||
        sq_col_text(s, st, 2, a->actor, sizeof(a->actor)) != EF_STORE_OK ||
        sq_col_text(s, st, 3, a->action, sizeof(a->action)) != EF_STORE_OK)
        return EF_STORE_ERR;
    return EF_STORE_OK;
}

static void audit_free(void *v, size_t n)
{
    ef_audit_free(v, n);
}

int sq_audit_list(struct ef_store *s, time_t since, struct ef_audit_row **out, size_t *n)
{
    sqlite3_stmt *st;
    char from[32];
    void *v;
    size_t len;

    *out = NULL;
    *n = 0;
    ef_time_rfc3339(since, from);
    st = sq_prepare(s, "SELECT id, at, actor, action, details FROM audit_log "
                       "WHERE at >= ?1 ORDER BY at, id");
    if (st == NULL)
        return EF_STORE_ERR;
    sqlite3_bind_text(st, 1, since > 0 ? from : "", -1, SQLITE_STATIC);
    if (sq_collect(s, st, sizeof(struct ef_audit_row), audit_row, audit_free, &v, &len,
                   "audit log") != EF_STORE_OK)
        return EF_STORE_ERR;
    *out = v;
    *n = len;
    return EF_STORE_OK;
}

/* The snapshot statements, one per combination of filters, so that each can use the
 * (department_id, control, day) key: a filter not given is a constant term (?N IS NULL).
 * With one control (or the totals, control '') CROSS JOIN keeps the departments the outer
 * loop, each a search of the key; otherwise the planner's order (the day index).
 * Index: [department given][control: NULL totals only, '*' every row, else one control]
 * [since given][until given]. */
#define SNAP_SELECT                                                                                \
    "SELECT p.day, d.name, p.control, p.level, p.stale_days, p.hosts, p.fresh_hosts, p.pass, "     \
    "p.fail, p.na, p.unknown, p.error, p.accepted FROM "
#define SNAP_BY_KEY "departments d CROSS JOIN snapshots p ON d.id = p.department_id WHERE "
#define SNAP_ANY "snapshots p JOIN departments d ON d.id = p.department_id WHERE "
#define SNAP_ORDER " ORDER BY p.day, d.name, p.control"
#define SNAP_DAYS(F, D, C, S)                                                                      \
    {                                                                                              \
        SNAP_SELECT F D " AND " C " AND " S " AND ?4 IS NULL" SNAP_ORDER,                          \
            SNAP_SELECT F D " AND " C " AND " S " AND p.day <= ?4" SNAP_ORDER                      \
    }
#define SNAP_CONTROL(F, D, C)                                                                      \
    {                                                                                              \
        SNAP_DAYS(F, D, C, "?3 IS NULL"), SNAP_DAYS(F, D, C, "p.day >= ?3")                        \
    }
#define SNAP_DEPT(D)                                                                               \
    {                                                                                              \
        SNAP_CONTROL(SNAP_BY_KEY, D, "?2 IS NULL AND p.control = ''"),                             \
            SNAP_CONTROL(SNAP_ANY, D, "?2 = '*'"), SNAP_CONTROL(SNAP_BY_KEY, D, "p.control = ?2")  \
    }
static const char *const snap_sql[2][3][2][2] = {SNAP_DEPT("?1 IS NULL"), SNAP_DEPT("d.name = ?1")};

static int snapshot_row(struct ef_store *s, sqlite3_stmt *st, void *elem)
{
    struct ef_snapshot_row *r = elem;
    int k;

    if (sq_col_text(s, st, 0, r->day, sizeof(r->day)) != EF_STORE_OK ||
        sq_col_text(s, st, 1, r->department, sizeof(r->department)) != EF_STORE_OK ||
        sq_col_text(s, st, 2, r->control, sizeof(r->control)) != EF_STORE_OK)
        return EF_STORE_ERR;
    r->level = level_of(sqlite3_column_int(st, 3));
    r->stale_days = sqlite3_column_int(st, 4);
    r->hosts = sqlite3_column_int64(st, 5);
    r->fresh_hosts = sqlite3_column_int64(st, 6);
    for (k = 0; k < EF_KINDS; k++)
        r->counts[k] = sqlite3_column_int64(st, 7 + k);
    return EF_STORE_OK;
}

int sq_snapshots(struct ef_store *s, const char *department, const char *control,
                 const char *since_day, const char *until_day, struct ef_snapshot_row **out,
                 size_t *n)
{
    sqlite3_stmt *st;
    void *v;
    size_t len;
    int which;

    /* Control: NULL totals only, '*' every row, else one control. */
    which = control == NULL ? 0 : strcmp(control, "*") == 0 ? 1 : 2;
    *out = NULL;
    *n = 0;
    st = sq_prepare(s, snap_sql[department != NULL][which][since_day != NULL][until_day != NULL]);
    if (st == NULL)
        return EF_STORE_ERR;
    if (department != NULL)
        sqlite3_bind_text(st, 1, department, -1, SQLITE_STATIC);
    if (control != NULL)
        sqlite3_bind_text(st, 2, control, -1, SQLITE_STATIC);
    if (since_day != NULL)
        sqlite3_bind_text(st, 3, since_day, -1, SQLITE_STATIC);
    if (until_day != NULL)
        sqlite3_bind_text(st, 4, until_day, -1, SQLITE_STATIC);
    if (sq_collect(s, st, sizeof(struct ef_snapshot_row), snapshot_row, NULL, &v, &len,
                   "snapshots") != EF_STORE_OK)
        return EF_STORE_ERR;
    *out = v;
    *n = len;
    return EF_STORE_OK;
}

static int agent_row(struct ef_store *s, sqlite3_stmt *st, void *elem)
{
    struct ef_agent_row *a = elem;

    if (sq_col_text(s, st, 0, a->agent_id, sizeof(a->agent_id)) != EF_STORE_OK ||
        sq_col_text(s, st, 1, a->hostname, sizeof(a->hostname)) != EF_STORE_OK ||
        sq_col_text(s, st, 2, a->department, sizeof(a->department)) != EF_STORE_OK)
        return EF_STORE_ERR;
    if (sqlite3_column_bytes(st, 3) != EF_ED25519_PUB_LEN) {
        snprintf(s->err, sizeof(s->err), "agent %s has a malformed key", a->agent_id);
        return EF_STORE_ERR;
    }
    memcpy(a->public_key, sqlite3_column_blob(st, 3), EF_ED25519_PUB_LEN);
    return EF_STORE_OK;
}

int sq_agent_list(struct ef_store *s, const char *department, struct ef_agent_row **out, size_t *n)
{
    sqlite3_stmt *st;
    void *v;
    size_t len;

    *out = NULL;
    *n = 0;
    st = sq_prepare(s, "SELECT a.agent_id, a.hostname, d.name, k.public_key "
                       "FROM agents a JOIN departments d ON d.id = a.department_id "
                       "JOIN agent_keys k ON k.agent_id = a.agent_id "
                       "WHERE ?1 IS NULL OR d.name = ?1 "
                       "ORDER BY a.agent_id, k.first_enrolled_at, k.public_key");
    if (st == NULL)
        return EF_STORE_ERR;
    if (department != NULL)
        sqlite3_bind_text(st, 1, department, -1, SQLITE_STATIC);
    if (sq_collect(s, st, sizeof(struct ef_agent_row), agent_row, NULL, &v, &len, "list agents") !=
        EF_STORE_OK)
        return EF_STORE_ERR;
    *out = v;
    *n = len;
    return EF_STORE_OK;
}

int sq_report_iter(struct ef_store *s, const struct ef_report_filter *f, ef_report_cb cb, void *arg)
{
    struct ef_stored_report r;
    char since[32], until[32];
    sqlite3_stmt *st;
    int rc, ret = EF_STORE_OK;

    /* received_at is RFC 3339 UTC of fixed width, so text order is time order. */
    ef_time_rfc3339(f->since, since);
    ef_time_rfc3339(f->until, until);
    st = sq_prepare(s, "SELECT r.id, r.agent_id, coalesce(d.name, ''), r.seq, r.received_at, "
                       "r.sha256, r.body, r.signature "
                       "FROM reports r LEFT JOIN departments d ON d.id = r.department_id "
                       "WHERE (?1 IS NULL OR d.name = ?1) "
                       "AND (?2 IS NULL OR r.received_at >= ?2) "
                       "AND (?3 IS NULL OR r.received_at < ?3) "
                       "ORDER BY r.agent_id, r.id");
    if (st == NULL)
        return EF_STORE_ERR;
    if (f->department != NULL)
        sqlite3_bind_text(st, 1, f->department, -1, SQLITE_STATIC);
    if (f->since > 0)
        sqlite3_bind_text(st, 2, since, -1, SQLITE_STATIC);
    if (f->until > 0)
        sqlite3_bind_text(st, 3, until, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        memset(&r, 0, sizeof(r));
        r.id = sqlite3_column_int64(st, 0);
        r.agent_id = (const char *)sqlite3_column_text(st, 1);
        r.department = (const char *)sqlite3_column_text(st, 2);
        r.seq = (uint64_t)sqlite3_column_int64(st, 3);
        r.received_at = (const char *)sqlite3_column_text(st, 4);
        r.sha256 = (const char *)sqlite3_column_text(st, 5);
        r.body = sqlite3_column_blob(st, 6);
        r.body_len = (size_t)sqlite3_column_bytes(st, 6);
        r.signature = sqlite3_column_blob(st, 7);
        if (r.agent_id == NULL || r.department == NULL || r.received_at == NULL ||
            r.sha256 == NULL || r.body == NULL ||
            sqlite3_column_bytes(st, 7) != EF_ED25519_SIG_LEN) {
            snprintf(s->err, sizeof(s->err), "stored report %lld is malformed", (long long)r.id);
            ret = EF_STORE_ERR;
            break;
        }
        if ((ret = cb(arg, &r)) != 0)
            break;
    }
    if (ret == EF_STORE_OK && rc != SQLITE_DONE)
        ret = sq_fail(s, "read reports");
    sqlite3_finalize(st);
    return ret;
}
