/* The SQLite store's incremental counters (docs/collector-internals.md, "Counters").
 *
 * Invariant, after every transaction: dept_counts and dept_check_counts hold the sums of
 * the latest results of exactly the agents with counted = 1, each result counted under
 * its effective status (a failure with accepted_by set counts as "accepted"), and
 * counted = 1 exactly for the agents whose last report is within the staleness window at
 * the time of the last sweep. Agents move in and out one at a time (sq_agent_apply), so
 * no statement ever sums over all results. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "controls.h"
#include "efterlev/util.h"
#include "now.h"
#include "store/result_diff.h"
#include "store/sqlite_internal.h"
#include "store/sqlite_ops.h"

#define DAY 86400
#define CATCH_UP_DAYS_MAX 3660 /* a collector idle for longer snapshots only the last ten years */

const char *const sq_kind_col[EF_KINDS] = {"pass", "fail", "na", "unknown", "error", "accepted"};

int sq_agent_apply(struct ef_store *s, const char *agent_id, int64_t department_id, int sign)
{
    int64_t n[EF_KINDS];
    sqlite3_stmt *st;
    int k, rc;

    st = sq_cached(
        s, SQ_APPLY_CHECKS,
        "INSERT INTO dept_check_counts (department_id, check_id, controls, severity, pass, "
        "fail, na, unknown, error, accepted) "
        "SELECT ?1, check_id, controls, severity, ?3 * (status = 'pass'), "
        "?3 * (status = 'fail' AND accepted_by IS NULL), ?3 * (status = 'na'), "
        "?3 * (status = 'unknown'), ?3 * (status = 'error'), ?3 * (accepted_by IS NOT NULL) "
        "FROM latest_results WHERE agent_id = ?2 "
        "ON CONFLICT (department_id, check_id, controls) DO UPDATE SET "
        "severity = excluded.severity, pass = pass + excluded.pass, "
        "fail = fail + excluded.fail, na = na + excluded.na, "
        "unknown = unknown + excluded.unknown, error = error + excluded.error, "
        "accepted = accepted + excluded.accepted");
    if (st == NULL)
        return EF_STORE_ERR;
    sqlite3_bind_int64(st, 1, department_id);
    sqlite3_bind_text(st, 2, agent_id, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 3, sign);
    if (sq_run_cached(s, st, "update check counters") != EF_STORE_OK)
        return EF_STORE_ERR;

    st = sq_cached(s, SQ_APPLY_AGENT,
                   "SELECT n_pass, n_fail, n_na, n_unknown, n_error, n_accepted "
                   "FROM agents WHERE agent_id = ?1");
    if (st == NULL)
        return EF_STORE_ERR;
    sqlite3_bind_text(st, 1, agent_id, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        sq_fail(s, "agent counts");
        sq_done(st);
        return EF_STORE_ERR;
    }
    for (k = 0; k < EF_KINDS; k++)
        n[k] = sqlite3_column_int64(st, k) * sign;
    sq_done(st);
    st = sq_cached(s, SQ_APPLY_DEPT,
                   "UPDATE dept_counts SET fresh_hosts = fresh_hosts + ?2, "
                   "pass = pass + ?3, fail = fail + ?4, na = na + ?5, "
                   "unknown = unknown + ?6, error = error + ?7, accepted = accepted + ?8 "
                   "WHERE department_id = ?1");
    if (st == NULL)
        return EF_STORE_ERR;
    sqlite3_bind_int64(st, 1, department_id);
    sqlite3_bind_int(st, 2, sign);
    for (k = 0; k < EF_KINDS; k++)
        sqlite3_bind_int64(st, 3 + k, n[k]);
    return sq_run_cached(s, st, "update department counters");
}

int sq_apply_deltas(struct ef_store *s, int64_t department_id, const struct ef_result_diff *d)
{
    sqlite3_stmt *st;
    size_t i;
    int k, any = 0;

    for (i = 0; i < d->ndelta; i++) {
        const struct ef_check_delta *x = &d->delta[i];

        st = sq_cached(s, SQ_CHECK_DELTA,
                       "INSERT INTO dept_check_counts (department_id, check_id, controls, "
                       "severity, pass, fail, na, unknown, error, accepted) "
                       "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) "
                       "ON CONFLICT (department_id, check_id, controls) DO UPDATE SET "
                       "severity = excluded.severity, pass = pass + excluded.pass, "
                       "fail = fail + excluded.fail, na = na + excluded.na, "
                       "unknown = unknown + excluded.unknown, error = error + excluded.error, "
                       "accepted = accepted + excluded.accepted");
        if (st == NULL)
            return EF_STORE_ERR;
        sqlite3_bind_int64(st, 1, department_id);
        sqlite3_bind_text(st, 2, x->check, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, x->controls, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, x->severity, -1, SQLITE_STATIC);
        for (k = 0; k < EF_KINDS; k++)
            sqlite3_bind_int64(st, 5 + k, x->d[k]);
        if (sq_run_cached(s, st, "update check counters") != EF_STORE_OK)
            return EF_STORE_ERR;
    }
    for (k = 0; k < EF_KINDS; k++)
        any |= d->dept[k] != 0;
    if (!any)
        return EF_STORE_OK;
    st = sq_cached(s, SQ_DEPT_DELTA,
                   "UPDATE dept_counts SET pass = pass + ?2, fail = fail + ?3, na = na + ?4, "
                   "unknown = unknown + ?5, error = error + ?6, accepted = accepted + ?7 "
                   "WHERE department_id = ?1");
    if (st == NULL)
        return EF_STORE_ERR;
    sqlite3_bind_int64(st, 1, department_id);
    for (k = 0; k < EF_KINDS; k++)
        sqlite3_bind_int64(st, 2 + k, d->dept[k]);
    return sq_run_cached(s, st, "update department counters");
}

/* department_id, counted and last_seen of an agent. */
static int agent_state(struct ef_store *s, const char *agent_id, int64_t *dept, int *counted,
                       int64_t *last_seen)
{
    sqlite3_stmt *st = sq_prepare(s, "SELECT department_id, counted, last_seen FROM agents "
                                     "WHERE agent_id = ?1");
    int rc;

    if (st == NULL)
        return EF_STORE_ERR;
    sqlite3_bind_text(st, 1, agent_id, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        if (rc == SQLITE_DONE)
            snprintf(s->err, sizeof(s->err), "agent %s vanished", agent_id);
        else
            sq_fail(s, "agent state");
        sqlite3_finalize(st);
        return EF_STORE_ERR;
    }
    *dept = sqlite3_column_int64(st, 0);
    *counted = sqlite3_column_int(st, 1);
    *last_seen = sqlite3_column_int64(st, 2);
    sqlite3_finalize(st);
    return EF_STORE_OK;
}

static int set_counted(struct ef_store *s, const char *agent_id, int counted)
{
    sqlite3_stmt *st = sq_prepare(s, "UPDATE agents SET counted = ?2 WHERE agent_id = ?1");

    if (st != NULL) {
        sqlite3_bind_text(st, 1, agent_id, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 2, counted);
    }
    return sq_run(s, st, "update agent");
}

int sq_agent_uncount(struct ef_store *s, const char *agent_id)
{
    int64_t dept, seen;
    int counted;

    if (agent_state(s, agent_id, &dept, &counted, &seen) != EF_STORE_OK)
        return EF_STORE_ERR;
    if (!counted)
        return EF_STORE_OK;
    if (sq_agent_apply(s, agent_id, dept, -1) != EF_STORE_OK)
        return EF_STORE_ERR;
    return set_counted(s, agent_id, 0);
}

int sq_acceptance_match(struct ef_store *s, int64_t department_id, const char *check,
                        const char *agent_id, int64_t *id)
{
    /* A host's own acceptance is preferred over the department's; then the longest. */
    sqlite3_stmt *st = sq_cached(s, SQ_ACC_MATCH,
                                 "SELECT id FROM acceptances WHERE department_id = ?1 "
                                 "AND check_id = ?2 AND state = 0 "
                                 "AND (agent_id = '' OR agent_id = ?3) "
                                 "ORDER BY agent_id = '', until DESC, id LIMIT 1");
    int rc;

    if (st == NULL)
        return EF_STORE_ERR;
    sqlite3_bind_int64(st, 1, department_id);
    sqlite3_bind_text(st, 2, check, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, agent_id, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    *id = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sq_done(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return sq_fail(s, "match acceptance");
    return EF_STORE_OK;
}

int sq_agent_rebuild(struct ef_store *s, const char *agent_id, time_t now)
{
    int64_t dept, seen;
    int counted, fresh;
    sqlite3_stmt *st;

    if (agent_state(s, agent_id, &dept, &counted, &seen) != EF_STORE_OK)
        return EF_STORE_ERR;
    if (counted && sq_agent_apply(s, agent_id, dept, -1) != EF_STORE_OK)
        return EF_STORE_ERR;
    st = sq_prepare(s, "UPDATE latest_results SET accepted_by = CASE WHEN status = 'fail' THEN "
                       "(SELECT c.id FROM acceptances c WHERE c.department_id = ?2 "
                       " AND c.check_id = latest_results.check_id AND c.state = 0 "
                       " AND (c.agent_id = '' OR c.agent_id = ?1) "
                       " ORDER BY c.agent_id = '', c.until DESC, c.id LIMIT 1) END "
                       "WHERE agent_id = ?1");
    if (st != NULL) {
        sqlite3_bind_text(st, 1, agent_id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, dept);
    }
    if (sq_run(s, st, "match acceptances") != EF_STORE_OK)
        return EF_STORE_ERR;
    fresh = seen > 0 && seen >= (int64_t)now - (int64_t)s->stale_days * DAY;
    st = sq_prepare(s, "UPDATE agents SET counted = ?2, "
                       "n_pass = (SELECT count(*) FROM latest_results r WHERE r.agent_id = ?1 "
                       "          AND r.status = 'pass'), "
                       "n_fail = (SELECT count(*) FROM latest_results r WHERE r.agent_id = ?1 "
                       "          AND r.status = 'fail' AND r.accepted_by IS NULL), "
                       "n_na = (SELECT count(*) FROM latest_results r WHERE r.agent_id = ?1 "
                       "        AND r.status = 'na'), "
                       "n_unknown = (SELECT count(*) FROM latest_results r WHERE r.agent_id = ?1 "
                       "             AND r.status = 'unknown'), "
                       "n_error = (SELECT count(*) FROM latest_results r WHERE r.agent_id = ?1 "
                       "           AND r.status = 'error'), "
                       "n_accepted = (SELECT count(*) FROM latest_results r WHERE r.agent_id = ?1 "
                       "              AND r.accepted_by IS NOT NULL) "
                       "WHERE agent_id = ?1");
    if (st != NULL) {
        sqlite3_bind_text(st, 1, agent_id, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 2, fresh);
    }
    if (sq_run(s, st, "agent counts") != EF_STORE_OK)
        return EF_STORE_ERR;
    if (fresh && sq_agent_apply(s, agent_id, dept, 1) != EF_STORE_OK)
        return EF_STORE_ERR;
    return EF_STORE_OK;
}

/* ---- lists of ids, collected before they are changed ---- */

struct idlist {
    char (*v)[EF_ID_MAX + 1];
    size_t n, cap;
};

static int ids_collect(struct ef_store *s, sqlite3_stmt *st, struct idlist *l)
{
    int rc;
    void *nv;

    l->v = NULL;
    l->n = l->cap = 0;
    if (st == NULL)
        return EF_STORE_ERR;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if ((nv = sq_grow(s, l->v, &l->cap, l->n, sizeof(*l->v))) == NULL)
            goto err;
        l->v = nv;
        if (sq_col_text(s, st, 0, l->v[l->n], sizeof(l->v[0])) != EF_STORE_OK)
            goto err;
        l->n++;
    }
    if (rc != SQLITE_DONE) {
        sq_fail(s, "collect agents");
        goto err;
    }
    sqlite3_finalize(st);
    return EF_STORE_OK;
err:
    sqlite3_finalize(st);
    free(l->v);
    l->v = NULL;
    return EF_STORE_ERR;
}

static int rebuild_all(struct ef_store *s, struct idlist *l, time_t now)
{
    size_t i;
    int rc = EF_STORE_OK;

    for (i = 0; i < l->n && rc == EF_STORE_OK; i++)
        rc = sq_agent_rebuild(s, l->v[i], now);
    free(l->v);
    l->v = NULL;
    return rc;
}

/* Rebuild the agents an acceptance (department, check, optional agent) touches: those
 * whose latest result of the check is a failure. */
static int rebuild_for(struct ef_store *s, int64_t dept, const char *check, const char *agent,
                       time_t now)
{
    struct idlist l;
    sqlite3_stmt *st =
        sq_prepare(s, "SELECT l.agent_id FROM latest_results l "
                      "JOIN agents a ON a.agent_id = l.agent_id "
                      "WHERE l.check_id = ?1 AND l.status = 'fail' AND a.department_id = ?2 "
                      "AND (?3 = '' OR l.agent_id = ?3)");

    if (st != NULL) {
        sqlite3_bind_text(st, 1, check, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, dept);
        sqlite3_bind_text(st, 3, agent, -1, SQLITE_STATIC);
    }
    if (ids_collect(s, st, &l) != EF_STORE_OK)
        return EF_STORE_ERR;
    return rebuild_all(s, &l, now);
}

int sq_audit(struct ef_store *s, time_t at, const char *actor, const char *action,
             const char *details)
{
    char when[32];
    sqlite3_stmt *st = sq_prepare(s, "INSERT INTO audit_log (at, actor, action, details) "
                                     "VALUES (?1, ?2, ?3, ?4)");

    ef_time_rfc3339(at, when);
    if (st != NULL) {
        sqlite3_bind_text(st, 1, when, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 2, actor, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, action, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, details != NULL ? details : "{}", -1, SQLITE_STATIC);
    }
    return sq_run(s, st, "audit log");
}

/* Details of an acceptance as JSON text for the audit log; caller frees. */
static char *acceptance_details(struct ef_store *s, int64_t id)
{
    sqlite3_stmt *st = sq_prepare(
        s, "SELECT json_object('id', c.id, 'department', d.name, 'check', c.check_id, "
           "'host', c.agent_id, 'until', strftime('%Y-%m-%dT%H:%M:%SZ', c.until, 'unixepoch'), "
           "'reason', c.reason, 'by', c.accepted_by) "
           "FROM acceptances c JOIN departments d ON d.id = c.department_id WHERE c.id = ?1");
    char *out = NULL;

    if (st == NULL)
        return NULL;
    sqlite3_bind_int64(st, 1, id);
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0) != NULL)
        out = strdup((const char *)sqlite3_column_text(st, 0));
    else
        sq_fail(s, "acceptance details");
    sqlite3_finalize(st);
    return out;
}

/* Move the counters to time t: expire acceptances due by t, then move agents that became
 * stale out and agents that are fresh again in. */
static int advance(struct ef_store *s, time_t t, int stale_days)
{
    int64_t cutoff = (int64_t)t - (int64_t)stale_days * DAY;
    struct idlist l;
    sqlite3_stmt *st;
    int rc;

    s->stale_days = stale_days;
    for (;;) {
        int64_t id = 0, dept, until;
        char check[EF_ID_MAX + 1], agent[EF_ID_MAX + 1], *details;

        st = sq_prepare(s, "SELECT id, department_id, check_id, agent_id, until FROM acceptances "
                           "WHERE state = 0 AND until <= ?1 ORDER BY until, id LIMIT 1");
        if (st == NULL)
            return EF_STORE_ERR;
        sqlite3_bind_int64(st, 1, (int64_t)t);
        rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
            id = sqlite3_column_int64(st, 0);
            dept = sqlite3_column_int64(st, 1);
            until = sqlite3_column_int64(st, 4);
            if (sq_col_text(s, st, 2, check, sizeof(check)) != EF_STORE_OK ||
                sq_col_text(s, st, 3, agent, sizeof(agent)) != EF_STORE_OK) {
                sqlite3_finalize(st);
                return EF_STORE_ERR;
            }
        } else if (rc != SQLITE_DONE) {
            sq_fail(s, "due acceptances");
        }
        sqlite3_finalize(st);
        if (rc == SQLITE_DONE)
            break;
        if (rc != SQLITE_ROW)
            return EF_STORE_ERR;
        st = sq_prepare(s, "UPDATE acceptances SET state = 1, ended_at = until, "
                           "ended_by = 'system' WHERE id = ?1");
        if (st != NULL)
            sqlite3_bind_int64(st, 1, id);
        if (sq_run(s, st, "expire acceptance") != EF_STORE_OK)
            return EF_STORE_ERR;
        if ((details = acceptance_details(s, id)) == NULL)
            return EF_STORE_ERR;
        rc = sq_audit(s, (time_t)until, "system", "acceptance.expire", details);
        free(details);
        if (rc != EF_STORE_OK || rebuild_for(s, dept, check, agent, t) != EF_STORE_OK)
            return EF_STORE_ERR;
    }

    st = sq_prepare(s, "SELECT agent_id FROM agents WHERE counted = 1 AND last_seen < ?1");
    if (st != NULL)
        sqlite3_bind_int64(st, 1, cutoff);
    if (ids_collect(s, st, &l) != EF_STORE_OK || rebuild_all(s, &l, t) != EF_STORE_OK)
        return EF_STORE_ERR;
    st = sq_prepare(s, "SELECT agent_id FROM agents WHERE counted = 0 AND last_seen > 0 "
                       "AND last_seen >= ?1");
    if (st != NULL)
        sqlite3_bind_int64(st, 1, cutoff);
    if (ids_collect(s, st, &l) != EF_STORE_OK || rebuild_all(s, &l, t) != EF_STORE_OK)
        return EF_STORE_ERR;
    return EF_STORE_OK;
}

static int meta_get(struct ef_store *s, const char *key, int64_t dflt, int64_t *out)
{
    sqlite3_stmt *st = sq_prepare(s, "SELECT CAST(value AS INTEGER) FROM meta WHERE key = ?1");

    if (st != NULL)
        sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    return sq_int64(s, st, dflt, out);
}

static int meta_set(struct ef_store *s, const char *key, int64_t value)
{
    sqlite3_stmt *st = sq_prepare(s, "INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)");

    if (st != NULL) {
        sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, value);
    }
    return sq_run(s, st, "meta");
}

static int write_snapshot(struct ef_store *s, int64_t day, int stale_days)
{
    struct ef_check_counts *rows = NULL;
    struct ef_control_sum *sums = NULL;
    size_t n = 0, ns = 0, i;
    char text[11];
    sqlite3_stmt *st;
    int k, rc = EF_STORE_ERR;

    ef_day_text(day, text);
    st = sq_prepare(s, "INSERT OR REPLACE INTO snapshots (day, department_id, control, level, "
                       "stale_days, hosts, fresh_hosts, pass, fail, na, unknown, error, "
                       "accepted) SELECT ?1, d.id, '', d.level, ?2, c.hosts, c.fresh_hosts, "
                       "c.pass, c.fail, c.na, c.unknown, c.error, c.accepted "
                       "FROM departments d JOIN dept_counts c ON c.department_id = d.id");
    if (st != NULL) {
        sqlite3_bind_text(st, 1, text, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 2, stale_days);
    }
    if (sq_run(s, st, "department snapshot") != EF_STORE_OK)
        return EF_STORE_ERR;
    if (s->ops->check_counts(s, 0, &rows, &n) != EF_STORE_OK)
        return EF_STORE_ERR;
    if (ef_control_sums(rows, n, NULL, 1, &sums, &ns) != 0) {
        snprintf(s->err, sizeof(s->err), "out of memory");
        goto out;
    }
    st = sq_prepare(s, "INSERT OR REPLACE INTO snapshots (day, department_id, control, level, "
                       "stale_days, hosts, fresh_hosts, pass, fail, na, unknown, error, "
                       "accepted) SELECT ?1, d.id, ?3, d.level, ?2, c.hosts, c.fresh_hosts, "
                       "?4, ?5, ?6, ?7, ?8, ?9 "
                       "FROM departments d JOIN dept_counts c ON c.department_id = d.id "
                       "WHERE d.id = ?10");
    if (st == NULL)
        goto out;
    for (i = 0; i < ns; i++) {
        sqlite3_bind_text(st, 1, text, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 2, stale_days);
        sqlite3_bind_text(st, 3, sums[i].control, -1, SQLITE_STATIC);
        for (k = 0; k < EF_KINDS; k++)
            sqlite3_bind_int64(st, 4 + k, sums[i].counts[k]);
        sqlite3_bind_int64(st, 10, sums[i].department_id);
        if (sqlite3_step(st) != SQLITE_DONE) {
            sq_fail(s, "control snapshot");
            sqlite3_finalize(st);
            goto out;
        }
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    rc = EF_STORE_OK;
out:
    free(rows);
    free(sums);
    return rc;
}

int sq_catch_up(struct ef_store *s, time_t now, int stale_days)
{
    int64_t today = ef_day_of(now), last, d;

    if (meta_get(s, "snapshot_day", INT64_MIN, &last) != EF_STORE_OK)
        return EF_STORE_ERR;
    if (last == INT64_MIN) {
        /* History starts on the first day the collector sees. */
        last = today - 1;
        if (meta_set(s, "snapshot_day", last) != EF_STORE_OK)
            return EF_STORE_ERR;
    }
    if (last < today - 1) {
        d = last + 1;
        if (today - 1 - d > CATCH_UP_DAYS_MAX)
            d = today - 1 - CATCH_UP_DAYS_MAX;
        for (; d <= today - 1; d++)
            if (advance(s, (time_t)((d + 1) * DAY - 1), stale_days) != EF_STORE_OK ||
                write_snapshot(s, d, stale_days) != EF_STORE_OK)
                return EF_STORE_ERR;
        if (meta_set(s, "snapshot_day", today - 1) != EF_STORE_OK)
            return EF_STORE_ERR;
    }
    return advance(s, now, stale_days);
}

static int exists(struct ef_store *s, const char *sql, int64_t v, int *yes)
{
    sqlite3_stmt *st = sq_prepare(s, sql);
    int64_t n = 0;

    if (st != NULL)
        sqlite3_bind_int64(st, 1, v);
    if (sq_int64(s, st, 0, &n) != EF_STORE_OK)
        return EF_STORE_ERR;
    *yes = n != 0;
    return EF_STORE_OK;
}

int sq_due(struct ef_store *s, time_t now, int stale_days, int *due)
{
    int64_t last, cutoff = (int64_t)now - (int64_t)stale_days * DAY;

    *due = 1;
    if (meta_get(s, "snapshot_day", INT64_MIN, &last) != EF_STORE_OK)
        return EF_STORE_ERR;
    if (last == INT64_MIN || last < ef_day_of(now) - 1)
        return EF_STORE_OK;
    if (exists(s, "SELECT EXISTS (SELECT 1 FROM agents WHERE counted = 1 AND last_seen < ?1)",
               cutoff, due) != EF_STORE_OK)
        return EF_STORE_ERR;
    if (*due)
        return EF_STORE_OK;
    if (exists(s,
               "SELECT EXISTS (SELECT 1 FROM agents WHERE counted = 0 AND last_seen > 0 "
               "AND last_seen >= ?1)",
               cutoff, due) != EF_STORE_OK)
        return EF_STORE_ERR;
    if (*due)
        return EF_STORE_OK;
    return exists(s, "SELECT EXISTS (SELECT 1 FROM acceptances WHERE state = 0 AND until <= ?1)",
                  (int64_t)now, due);
}

int sq_sweep(struct ef_store *s, time_t now, int stale_days)
{
    int due = 0;

    if (stale_days < 1)
        stale_days = 1;
    s->stale_days = stale_days;
    if (sq_due(s, now, stale_days, &due) != EF_STORE_OK)
        return EF_STORE_ERR;
    if (!due)
        return EF_STORE_OK;
    if (sq_exec(s, "BEGIN IMMEDIATE") != EF_STORE_OK)
        return EF_STORE_ERR;
    if (sq_catch_up(s, now, stale_days) != EF_STORE_OK || sq_exec(s, "COMMIT") != EF_STORE_OK) {
        sq_rollback(s);
        return EF_STORE_ERR;
    }
    return EF_STORE_OK;
}

/* ---- acceptances ---- */

int sq_acceptance_add(struct ef_store *s, struct ef_acceptance *a, time_t now)
{
    sqlite3_stmt *st;
    char *details = NULL;

    if (sq_exec(s, "BEGIN IMMEDIATE") != EF_STORE_OK)
        return EF_STORE_ERR;
    if (sq_catch_up(s, now, s->stale_days) != EF_STORE_OK)
        goto err;
    st = sq_prepare(s, "INSERT INTO acceptances (department_id, check_id, agent_id, reason, "
                       "accepted_by, created_at, until) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
    if (st == NULL)
        goto err;
    sqlite3_bind_int64(st, 1, a->department_id);
    sqlite3_bind_text(st, 2, a->check, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, a->agent_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, a->reason, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, a->by, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 6, (int64_t)now);
    sqlite3_bind_int64(st, 7, a->until);
    if (sq_run(s, st, "insert acceptance") != EF_STORE_OK)
        goto err;
    a->id = sqlite3_last_insert_rowid(db_of(s));
    a->created_at = now;
    if ((details = acceptance_details(s, a->id)) == NULL ||
        sq_audit(s, now, a->by, "acceptance.add", details) != EF_STORE_OK ||
        rebuild_for(s, a->department_id, a->check, a->agent_id, now) != EF_STORE_OK ||
        sq_exec(s, "COMMIT") != EF_STORE_OK)
        goto err;
    free(details);
    return EF_STORE_OK;
err:
    free(details);
    sq_rollback(s);
    return EF_STORE_ERR;
}

int sq_acceptance_revoke(struct ef_store *s, int64_t id, const char *by, time_t now)
{
    sqlite3_stmt *st;
    char check[EF_ID_MAX + 1], agent[EF_ID_MAX + 1], *details = NULL;
    int64_t dept;
    int rc;

    if (sq_exec(s, "BEGIN IMMEDIATE") != EF_STORE_OK)
        return EF_STORE_ERR;
    if (sq_catch_up(s, now, s->stale_days) != EF_STORE_OK)
        goto err;
    st = sq_prepare(s, "SELECT department_id, check_id, agent_id FROM acceptances "
                       "WHERE id = ?1 AND state = 0");
    if (st == NULL)
        goto err;
    sqlite3_bind_int64(st, 1, id);
    rc = sqlite3_step(st);
    if (rc == SQLITE_DONE) {
        sqlite3_finalize(st);
        sq_rollback(s);
        return EF_STORE_NOTFOUND;
    }
    if (rc != SQLITE_ROW || sq_col_text(s, st, 1, check, sizeof(check)) != EF_STORE_OK ||
        sq_col_text(s, st, 2, agent, sizeof(agent)) != EF_STORE_OK) {
        if (rc != SQLITE_ROW)
            sq_fail(s, "select acceptance");
        sqlite3_finalize(st);
        goto err;
    }
    dept = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    st = sq_prepare(s, "UPDATE acceptances SET state = 2, ended_at = ?2, ended_by = ?3 "
                       "WHERE id = ?1");
    if (st != NULL) {
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_int64(st, 2, (int64_t)now);
        sqlite3_bind_text(st, 3, by, -1, SQLITE_STATIC);
    }
    if (sq_run(s, st, "revoke acceptance") != EF_STORE_OK ||
        (details = acceptance_details(s, id)) == NULL ||
        sq_audit(s, now, by, "acceptance.revoke", details) != EF_STORE_OK ||
        rebuild_for(s, dept, check, agent, now) != EF_STORE_OK ||
        sq_exec(s, "COMMIT") != EF_STORE_OK)
        goto err;
    free(details);
    return EF_STORE_OK;
err:
    free(details);
    sq_rollback(s);
    return EF_STORE_ERR;
}
