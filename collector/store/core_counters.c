/* SPDX-License-Identifier: EUPL-1.2 */
/* The store's incremental counters (docs/collector-internals.md, "Counters"), written once
 * for every backend.
 *
 * Invariant, after every transaction: dept_counts and dept_check_counts hold the sums of the
 * latest results of exactly the agents with counted = 1, each result counted under its
 * effective status (a failure with accepted_by set counts as "accepted"), and counted = 1
 * exactly for the agents whose last report is within the staleness window at the time of
 * the last sweep. Agents move in and out one at a time (core_agent_apply), so no statement
 * ever sums over all results.
 *
 * With several collectors on one database (PostgreSQL):
 *  - counter rows change only by "n = n + delta" inside one statement, so two ingests of one
 *    department add up however they interleave, and shared rows are changed in (check,
 *    controls) order, so concurrent ingests lock them in one order;
 *  - an agent's own rows change only while its agents row is locked (the ingest's seq claim,
 *    enrollment's and agent_state's FOR UPDATE);
 *  - everything that walks many agents (catch-up with its snapshots, sweep, acceptances and
 *    their expiry) runs holding the counters lock exclusively (EF_DB_EXCLUSIVE), so it sees
 *    no ingest half done. Snapshots are upserts and meta.snapshot_day is read under that
 *    lock, so a day is written once. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "efterlev/days.h"
#include "efterlev/util.h"
#include "store/control_sums.h"
#include "store/core.h"
#include "store/result_diff.h"

#define DB(s) ((s)->db)
#define DAY 86400
#define CATCH_UP_DAYS_MAX 3660 /* a collector idle for longer snapshots only the last ten years */

/* core_agent_apply in a batch: the agent's latest results read and their counts deferred
 * (core_pending.c), the same sums the two statements below add. */
static int agent_defer(struct ef_store *s, const char *agent_id, int64_t department_id, int sign)
{
    static const char sql[] = "SELECT check_id, controls, severity, status, accepted_by "
                              "FROM latest_results WHERE agent_id = $1";
    struct ef_db_stmt *st = core_prepare(s, sql);
    int64_t dept[EF_KINDS] = {0};
    int rc;

    if (st == NULL)
        return EF_ERR;
    DB(s)->bind_text(st, 1, agent_id);
    while ((rc = DB(s)->step(s, st, "latest results")) == EF_DB_ROW) {
        int64_t d[EF_KINDS] = {0};
        int status = ef_diff_status(core_col_str(s, st, 3));
        int kind = !DB(s)->col_null(st, 4) ? EF_ACCEPTED : status;

        if (status < 0) {
            snprintf(s->err, sizeof(s->err), "bad stored status of %s", agent_id);
            rc = EF_ERR;
            break;
        }
        d[kind] = sign;
        dept[kind] += sign;
        if (core_pending_check(s, department_id, core_col_str(s, st, 0), core_col_str(s, st, 1),
                               core_col_str(s, st, 2), d) != EF_OK) {
            rc = EF_ERR;
            break;
        }
    }
    DB(s)->done(st);
    if (rc != EF_DB_DONE)
        return EF_ERR;
    return core_pending_dept(s, department_id, dept, 0, sign);
}

int core_agent_apply(struct ef_store *s, const char *agent_id, int64_t department_id, int sign)
{
    static const char checks_sql[] =
        "INSERT INTO dept_check_counts (department_id, check_id, controls, severity, pass, "
        "fail, na, unknown, error, accepted, missing) "
        "SELECT $1, check_id, controls, severity, "
        "CASE WHEN status = 'pass' THEN $3 ELSE 0 END, "
        "CASE WHEN status = 'fail' AND accepted_by IS NULL THEN $3 ELSE 0 END, "
        "CASE WHEN status = 'na' THEN $3 ELSE 0 END, "
        "CASE WHEN status = 'unknown' THEN $3 ELSE 0 END, "
        "CASE WHEN status = 'error' THEN $3 ELSE 0 END, "
        "CASE WHEN accepted_by IS NOT NULL THEN $3 ELSE 0 END, "
        "CASE WHEN status = 'missing' THEN $3 ELSE 0 END "
        "FROM latest_results WHERE agent_id = $2 ORDER BY check_id, controls "
        "ON CONFLICT (department_id, check_id, controls) DO UPDATE SET "
        "severity = excluded.severity, pass = dept_check_counts.pass + excluded.pass, "
        "fail = dept_check_counts.fail + excluded.fail, na = dept_check_counts.na + excluded.na, "
        "unknown = dept_check_counts.unknown + excluded.unknown, "
        "error = dept_check_counts.error + excluded.error, "
        "accepted = dept_check_counts.accepted + excluded.accepted, "
        "missing = dept_check_counts.missing + excluded.missing";
    static const char dept_sql[] =
        "UPDATE dept_counts SET fresh_hosts = fresh_hosts + $3, "
        "pass = pass + $3 * (SELECT n_pass FROM agents WHERE agent_id = $2), "
        "fail = fail + $3 * (SELECT n_fail FROM agents WHERE agent_id = $2), "
        "na = na + $3 * (SELECT n_na FROM agents WHERE agent_id = $2), "
        "unknown = unknown + $3 * (SELECT n_unknown FROM agents WHERE agent_id = $2), "
        "error = error + $3 * (SELECT n_error FROM agents WHERE agent_id = $2), "
        "accepted = accepted + $3 * (SELECT n_accepted FROM agents WHERE agent_id = $2), "
        "missing = missing + $3 * (SELECT n_missing FROM agents WHERE agent_id = $2) "
        "WHERE department_id = $1";
    struct ef_db_stmt *st;

    if (core_pending_active(s))
        return agent_defer(s, agent_id, department_id, sign);
    if ((st = core_prepare(s, checks_sql)) == NULL)
        return EF_ERR;
    DB(s)->bind_int(st, 1, department_id);
    DB(s)->bind_text(st, 2, agent_id);
    DB(s)->bind_int(st, 3, sign);
    if (core_exec(s, st, "update check counters") != EF_OK ||
        (st = core_prepare(s, dept_sql)) == NULL)
        return EF_ERR;
    DB(s)->bind_int(st, 1, department_id);
    DB(s)->bind_text(st, 2, agent_id);
    DB(s)->bind_int(st, 3, sign);
    return core_exec(s, st, "update department counters");
}

int core_apply_deltas(struct ef_store *s, int64_t department_id, const struct ef_result_diff *d)
{
    size_t i;

    if (!core_pending_active(s))
        return core_write_deltas(s, department_id, d);
    for (i = 0; i < d->ndelta; i++)
        if (core_pending_check(s, department_id, d->delta[i].check, d->delta[i].controls,
                               d->delta[i].severity, d->delta[i].d) != EF_OK)
            return EF_ERR;
    return core_pending_dept(s, department_id, d->dept, 0, 0);
}

int core_hosts_delta(struct ef_store *s, int64_t department_id, int64_t hosts)
{
    static const char sql[] = "UPDATE dept_counts SET hosts = hosts + $2 WHERE department_id = $1";
    struct ef_db_stmt *st;

    if (core_pending_active(s))
        return core_pending_dept(s, department_id, NULL, hosts, 0);
    if ((st = core_prepare(s, sql)) == NULL)
        return EF_ERR;
    DB(s)->bind_int(st, 1, department_id);
    DB(s)->bind_int(st, 2, hosts);
    return core_exec(s, st, "update department hosts");
}

int core_write_deltas(struct ef_store *s, int64_t department_id, const struct ef_result_diff *d)
{
    static const char check_sql[] =
        "INSERT INTO dept_check_counts (department_id, check_id, controls, severity, pass, "
        "fail, na, unknown, error, accepted, missing) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) "
        "ON CONFLICT (department_id, check_id, controls) DO UPDATE SET "
        "severity = excluded.severity, pass = dept_check_counts.pass + excluded.pass, "
        "fail = dept_check_counts.fail + excluded.fail, na = dept_check_counts.na + excluded.na, "
        "unknown = dept_check_counts.unknown + excluded.unknown, "
        "error = dept_check_counts.error + excluded.error, "
        "accepted = dept_check_counts.accepted + excluded.accepted, "
        "missing = dept_check_counts.missing + excluded.missing";
    static const char dept_sql[] =
        "UPDATE dept_counts SET pass = pass + $2, fail = fail + $3, na = na + $4, "
        "unknown = unknown + $5, error = error + $6, accepted = accepted + $7, "
        "missing = missing + $8 "
        "WHERE department_id = $1";
    struct ef_db_stmt *st;
    size_t i;
    int k, any = 0;

    if (DB(s)->bulk_apply_deltas != NULL)
        return DB(s)->bulk_apply_deltas(s, department_id, d);
    /* d->delta is in (check, controls) order: the lock order of the shared rows. */
    for (i = 0; i < d->ndelta; i++) {
        const struct ef_check_delta *x = &d->delta[i];

        if ((st = core_prepare(s, check_sql)) == NULL)
            return EF_ERR;
        DB(s)->bind_int(st, 1, department_id);
        DB(s)->bind_text(st, 2, x->check);
        DB(s)->bind_text(st, 3, x->controls);
        DB(s)->bind_text(st, 4, x->severity);
        for (k = 0; k < EF_KINDS; k++)
            DB(s)->bind_int(st, 5 + k, x->d[k]);
        if (core_exec(s, st, "update check counters") != EF_OK)
            return EF_ERR;
    }
    for (k = 0; k < EF_KINDS; k++)
        any |= d->dept[k] != 0;
    if (!any)
        return EF_OK;
    if ((st = core_prepare(s, dept_sql)) == NULL)
        return EF_ERR;
    DB(s)->bind_int(st, 1, department_id);
    for (k = 0; k < EF_KINDS; k++)
        DB(s)->bind_int(st, 2 + k, d->dept[k]);
    return core_exec(s, st, "update department counters");
}

/* department_id, counted and last_seen of an agent, whose row this locks. */
static int agent_state(struct ef_store *s, const char *agent_id, int64_t *dept, int *counted,
                       int64_t *last_seen)
{
    static const char sql[] = "SELECT department_id, counted, last_seen FROM agents "
                              "WHERE agent_id = $1 FOR UPDATE";
    struct ef_db_stmt *st = core_prepare(s, sql);
    int rc;

    if (st == NULL)
        return EF_ERR;
    DB(s)->bind_text(st, 1, agent_id);
    if ((rc = core_row(s, st, "agent state")) != EF_OK) {
        if (rc == EF_NOTFOUND)
            snprintf(s->err, sizeof(s->err), "agent %s vanished", agent_id);
        return EF_ERR;
    }
    *dept = DB(s)->col_int(st, 0);
    *counted = (int)DB(s)->col_int(st, 1);
    *last_seen = DB(s)->col_int(st, 2);
    DB(s)->done(st);
    return EF_OK;
}

static int set_counted(struct ef_store *s, const char *agent_id, int counted)
{
    static const char sql[] = "UPDATE agents SET counted = $2 WHERE agent_id = $1";
    struct ef_db_stmt *st = core_prepare(s, sql);

    if (st == NULL)
        return EF_ERR;
    DB(s)->bind_text(st, 1, agent_id);
    DB(s)->bind_int(st, 2, counted);
    return core_exec(s, st, "update agent");
}

int core_agent_uncount(struct ef_store *s, const char *agent_id)
{
    int64_t dept, seen;
    int counted;

    if (agent_state(s, agent_id, &dept, &counted, &seen) != EF_OK)
        return EF_ERR;
    if (!counted)
        return EF_OK;
    if (core_agent_apply(s, agent_id, dept, -1) != EF_OK)
        return EF_ERR;
    return set_counted(s, agent_id, 0);
}

int core_acceptances_match(struct ef_store *s, int64_t department_id, const char *agent_id,
                           const struct ef_report *r, int64_t *acc)
{
    /* One query per report, not one per failure: each round trip costs both processes more
     * than the lookup itself. Rows come in order of preference (a host's own acceptance
     * before the department's, then the longest), so the first row of a check is its match. */
    static const char sql[] =
        "SELECT check_id, id FROM acceptances WHERE department_id = $1 AND state = 0 "
        "AND (agent_id = '' OR agent_id = $2) "
        "ORDER BY CASE WHEN agent_id = '' THEN 1 ELSE 0 END, until DESC, id";
    struct ef_db_stmt *st;
    size_t i, fails = 0;
    int rc;

    for (i = 0; i < r->nresults; i++) {
        acc[i] = 0;
        fails += r->results[i].status == EF_FAIL;
    }
    if (fails == 0)
        return EF_OK;
    if ((st = core_prepare(s, sql)) == NULL)
        return EF_ERR;
    DB(s)->bind_int(st, 1, department_id);
    DB(s)->bind_text(st, 2, agent_id);
    while ((rc = DB(s)->step(s, st, "match acceptances")) == EF_DB_ROW) {
        const char *check = core_col_str(s, st, 0);
        int64_t id = DB(s)->col_int(st, 1);

        for (i = 0; i < r->nresults; i++)
            if (acc[i] == 0 && r->results[i].status == EF_FAIL &&
                strcmp(r->results[i].check, check) == 0)
                acc[i] = id;
    }
    DB(s)->done(st);
    return rc == EF_DB_DONE ? EF_OK : EF_ERR;
}

int core_agent_rebuild(struct ef_store *s, const char *agent_id, time_t now)
{
    static const char match_sql[] =
        "UPDATE latest_results SET accepted_by = CASE WHEN status = 'fail' THEN "
        "(SELECT c.id FROM acceptances c WHERE c.department_id = $2 "
        " AND c.check_id = latest_results.check_id AND c.state = 0 "
        " AND (c.agent_id = '' OR c.agent_id = $1) "
        " ORDER BY CASE WHEN c.agent_id = '' THEN 1 ELSE 0 END, c.until DESC, c.id LIMIT 1) "
        "END WHERE agent_id = $1";
    static const char counts_sql[] =
        "UPDATE agents SET counted = $2, "
        "n_pass = (SELECT count(*) FROM latest_results r WHERE r.agent_id = $1 "
        "          AND r.status = 'pass'), "
        "n_fail = (SELECT count(*) FROM latest_results r WHERE r.agent_id = $1 "
        "          AND r.status = 'fail' AND r.accepted_by IS NULL), "
        "n_na = (SELECT count(*) FROM latest_results r WHERE r.agent_id = $1 "
        "        AND r.status = 'na'), "
        "n_unknown = (SELECT count(*) FROM latest_results r WHERE r.agent_id = $1 "
        "             AND r.status = 'unknown'), "
        "n_error = (SELECT count(*) FROM latest_results r WHERE r.agent_id = $1 "
        "           AND r.status = 'error'), "
        "n_accepted = (SELECT count(*) FROM latest_results r WHERE r.agent_id = $1 "
        "              AND r.accepted_by IS NOT NULL), "
        "n_missing = (SELECT count(*) FROM latest_results r WHERE r.agent_id = $1 "
        "             AND r.status = 'missing') "
        "WHERE agent_id = $1";
    struct ef_db_stmt *st;
    int64_t dept, seen;
    int counted, fresh;

    if (agent_state(s, agent_id, &dept, &counted, &seen) != EF_OK)
        return EF_ERR;
    if (counted && core_agent_apply(s, agent_id, dept, -1) != EF_OK)
        return EF_ERR;
    if ((st = core_prepare(s, match_sql)) == NULL)
        return EF_ERR;
    DB(s)->bind_text(st, 1, agent_id);
    DB(s)->bind_int(st, 2, dept);
    if (core_exec(s, st, "match acceptances") != EF_OK)
        return EF_ERR;
    fresh = seen > 0 && seen >= (int64_t)now - (int64_t)s->stale_days * DAY;
    if ((st = core_prepare(s, counts_sql)) == NULL)
        return EF_ERR;
    DB(s)->bind_text(st, 1, agent_id);
    DB(s)->bind_int(st, 2, fresh);
    if (core_exec(s, st, "agent counts") != EF_OK)
        return EF_ERR;
    if (fresh && core_agent_apply(s, agent_id, dept, 1) != EF_OK)
        return EF_ERR;
    return EF_OK;
}

/* ---- lists of ids, collected before they are changed ---- */

struct idrow {
    char id[EF_ID_MAX + 1];
};

static int id_row(struct ef_store *s, struct ef_db_stmt *st, void *elem)
{
    return core_col_text(s, st, 0, ((struct idrow *)elem)->id, sizeof(((struct idrow *)elem)->id));
}

/* Rebuild every agent st lists (its first column), collected first. */
static int rebuild_listed(struct ef_store *s, struct ef_db_stmt *st, time_t now)
{
    struct idrow *v = NULL;
    size_t n = 0, i;
    int rc;

    rc = core_collect(s, st, sizeof(*v), id_row, NULL, (void **)&v, &n, "collect agents");
    for (i = 0; i < n && rc == EF_OK; i++)
        rc = core_agent_rebuild(s, v[i].id, now);
    free(v);
    return rc;
}

/* Rebuild the agents an acceptance (department, check, optional agent) touches: those whose
 * latest result of the check is a failure. */
static int rebuild_for(struct ef_store *s, int64_t dept, const char *check, const char *agent,
                       time_t now)
{
    static const char sql[] = "SELECT l.agent_id FROM latest_results l "
                              "JOIN agents a ON a.agent_id = l.agent_id "
                              "WHERE l.check_id = $1 AND l.status = 'fail' "
                              "AND a.department_id = $2 AND ($3 = '' OR l.agent_id = $3) "
                              "ORDER BY l.agent_id";
    struct ef_db_stmt *st = core_prepare(s, sql);

    if (st == NULL)
        return EF_ERR;
    DB(s)->bind_text(st, 1, check);
    DB(s)->bind_int(st, 2, dept);
    DB(s)->bind_text(st, 3, agent);
    return rebuild_listed(s, st, now);
}

int core_audit(struct ef_store *s, time_t at, const char *actor, const char *action,
               const char *details)
{
    static const char sql[] =
        "INSERT INTO audit_log (at, actor, action, details) VALUES ($1, $2, $3, $4)";
    struct ef_db_stmt *st = core_prepare(s, sql);
    char when[32];

    if (st == NULL)
        return EF_ERR;
    ef_time_rfc3339(at, when);
    DB(s)->bind_text(st, 1, when);
    DB(s)->bind_text(st, 2, actor);
    DB(s)->bind_text(st, 3, action);
    DB(s)->bind_text(st, 4, details != NULL ? details : "{}");
    return core_exec(s, st, "audit log");
}

int core_audit_json(struct ef_store *s, time_t at, const char *actor, const char *action,
                    json_t *details)
{
    char *text = details != NULL ? json_dumps(details, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    int rc;

    json_decref(details);
    if (text == NULL) {
        snprintf(s->err, sizeof(s->err), "out of memory");
        return EF_ERR;
    }
    rc = core_audit(s, at, actor, action, text);
    free(text);
    return rc;
}

/* Details of an acceptance as JSON text for the audit log (compact, keys in this order);
 * caller frees. */
static char *acceptance_details(struct ef_store *s, int64_t id)
{
    static const char sql[] =
        "SELECT c.id, d.name, c.check_id, c.agent_id, c.until, c.reason, c.accepted_by "
        "FROM acceptances c JOIN departments d ON d.id = c.department_id WHERE c.id = $1";
    struct ef_db_stmt *st = core_prepare(s, sql);
    char until[32], *out = NULL;
    json_t *o;
    int rc;

    if (st == NULL)
        return NULL;
    DB(s)->bind_int(st, 1, id);
    if ((rc = core_row(s, st, "acceptance details")) != EF_OK) {
        if (rc == EF_NOTFOUND)
            snprintf(s->err, sizeof(s->err), "acceptance %lld vanished", (long long)id);
        return NULL;
    }
    ef_time_rfc3339((time_t)DB(s)->col_int(st, 4), until);
    o = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s}", "id", (json_int_t)DB(s)->col_int(st, 0),
                  "department", core_col_str(s, st, 1), "check", core_col_str(s, st, 2), "host",
                  core_col_str(s, st, 3), "until", until, "reason", core_col_str(s, st, 5), "by",
                  core_col_str(s, st, 6));
    DB(s)->done(st);
    if (o != NULL)
        out = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    if (out == NULL)
        snprintf(s->err, sizeof(s->err), "acceptance details: out of memory");
    return out;
}

/* The oldest acceptance due by t: *id 0 when none. */
static int next_due(struct ef_store *s, time_t t, int64_t *id, int64_t *dept, int64_t *until,
                    char *check, size_t checklen, char *agent, size_t agentlen)
{
    static const char sql[] = "SELECT id, department_id, check_id, agent_id, until "
                              "FROM acceptances WHERE state = 0 AND until <= $1 "
                              "ORDER BY until, id LIMIT 1";
    struct ef_db_stmt *st = core_prepare(s, sql);
    int rc;

    *id = 0;
    if (st == NULL)
        return EF_ERR;
    DB(s)->bind_int(st, 1, (int64_t)t);
    if ((rc = core_row(s, st, "due acceptances")) != EF_OK)
        return rc == EF_NOTFOUND ? EF_OK : rc;
    *id = DB(s)->col_int(st, 0);
    *dept = DB(s)->col_int(st, 1);
    *until = DB(s)->col_int(st, 4);
    rc = core_col_text(s, st, 2, check, checklen) == EF_OK &&
                 core_col_text(s, st, 3, agent, agentlen) == EF_OK
             ? EF_OK
             : EF_ERR;
    DB(s)->done(st);
    return rc;
}

/* Move the counters to time t: expire acceptances due by t, then move agents that became
 * stale out and agents that are fresh again in. */
static int advance(struct ef_store *s, time_t t, int stale_days)
{
    static const char expire_sql[] = "UPDATE acceptances SET state = 1, ended_at = until, "
                                     "ended_by = 'system' WHERE id = $1";
    static const char stale_sql[] = "SELECT agent_id FROM agents WHERE counted = 1 "
                                    "AND last_seen < $1 ORDER BY agent_id";
    static const char fresh_sql[] = "SELECT agent_id FROM agents WHERE counted = 0 "
                                    "AND last_seen > 0 AND last_seen >= $1 AND retired_at = 0 "
                                    "ORDER BY agent_id";
    int64_t cutoff = (int64_t)t - (int64_t)stale_days * DAY;
    struct ef_db_stmt *st;
    int rc;

    s->stale_days = stale_days;
    for (;;) {
        int64_t id, dept = 0, until = 0;
        char check[EF_ID_MAX + 1], agent[EF_ID_MAX + 1], *details;

        if (next_due(s, t, &id, &dept, &until, check, sizeof(check), agent, sizeof(agent)) != EF_OK)
            return EF_ERR;
        if (id == 0)
            break;
        if ((st = core_prepare(s, expire_sql)) == NULL)
            return EF_ERR;
        DB(s)->bind_int(st, 1, id);
        if (core_exec(s, st, "expire acceptance") != EF_OK ||
            (details = acceptance_details(s, id)) == NULL)
            return EF_ERR;
        rc = core_audit(s, (time_t)until, "system", "acceptance.expire", details);
        free(details);
        if (rc != EF_OK || rebuild_for(s, dept, check, agent, t) != EF_OK)
            return EF_ERR;
    }
    if ((st = core_prepare(s, stale_sql)) == NULL)
        return EF_ERR;
    DB(s)->bind_int(st, 1, cutoff);
    if (rebuild_listed(s, st, t) != EF_OK || (st = core_prepare(s, fresh_sql)) == NULL)
        return EF_ERR;
    DB(s)->bind_int(st, 1, cutoff);
    return rebuild_listed(s, st, t);
}

static int meta_get(struct ef_store *s, const char *key, int64_t dflt, int64_t *out)
{
    static const char sql[] = "SELECT CAST(value AS BIGINT) FROM meta WHERE key = $1";
    struct ef_db_stmt *st = core_prepare(s, sql);

    if (st == NULL)
        return EF_ERR;
    DB(s)->bind_text(st, 1, key);
    return core_int(s, st, dflt, out, "meta");
}

static int meta_set(struct ef_store *s, const char *key, int64_t value)
{
    static const char sql[] = "INSERT INTO meta (key, value) VALUES ($1, $2) "
                              "ON CONFLICT (key) DO UPDATE SET value = excluded.value";
    struct ef_db_stmt *st = core_prepare(s, sql);
    char text[24];

    if (st == NULL)
        return EF_ERR;
    snprintf(text, sizeof(text), "%lld", (long long)value);
    DB(s)->bind_text(st, 1, key);
    DB(s)->bind_text(st, 2, text);
    return core_exec(s, st, "meta");
}

static int write_snapshot(struct ef_store *s, int64_t day, int stale_days)
{
    static const char dept_sql[] =
        "INSERT INTO snapshots (day, department_id, control, level, stale_days, hosts, "
        "fresh_hosts, pass, fail, na, unknown, error, accepted, missing) "
        "SELECT $1, d.id, '', d.level, $2, c.hosts, c.fresh_hosts, c.pass, c.fail, c.na, "
        "c.unknown, c.error, c.accepted, c.missing "
        "FROM departments d JOIN dept_counts c ON c.department_id = d.id "
        "WHERE d.merged_into IS NULL "
        "ON CONFLICT (department_id, control, day) DO UPDATE SET level = excluded.level, "
        "stale_days = excluded.stale_days, hosts = excluded.hosts, "
        "fresh_hosts = excluded.fresh_hosts, pass = excluded.pass, fail = excluded.fail, "
        "na = excluded.na, unknown = excluded.unknown, error = excluded.error, "
        "accepted = excluded.accepted, missing = excluded.missing";
    static const char control_sql[] =
        "INSERT INTO snapshots (day, department_id, control, level, stale_days, hosts, "
        "fresh_hosts, pass, fail, na, unknown, error, accepted, missing) "
        "SELECT $1, d.id, $3, d.level, $2, c.hosts, c.fresh_hosts, $4, $5, $6, $7, $8, $9, $10 "
        "FROM departments d JOIN dept_counts c ON c.department_id = d.id WHERE d.id = $11 "
        "AND d.merged_into IS NULL "
        "ON CONFLICT (department_id, control, day) DO UPDATE SET level = excluded.level, "
        "stale_days = excluded.stale_days, hosts = excluded.hosts, "
        "fresh_hosts = excluded.fresh_hosts, pass = excluded.pass, fail = excluded.fail, "
        "na = excluded.na, unknown = excluded.unknown, error = excluded.error, "
        "accepted = excluded.accepted, missing = excluded.missing";
    struct ef_check_counts *rows = NULL;
    struct ef_control_sum *sums = NULL;
    struct ef_db_stmt *st = core_prepare(s, dept_sql);
    size_t n = 0, ns = 0, i;
    char text[11];
    int k, rc = EF_ERR;

    if (st == NULL)
        return EF_ERR;
    ef_day_text(day, text);
    DB(s)->bind_text(st, 1, text);
    DB(s)->bind_int(st, 2, stale_days);
    if (core_exec(s, st, "department snapshot") != EF_OK ||
        s->ops->check_counts(s, 0, &rows, &n) != EF_OK)
        return EF_ERR;
    if (ef_control_sums(rows, n, NULL, 1, &sums, &ns) != 0) {
        snprintf(s->err, sizeof(s->err), "out of memory");
        goto out;
    }
    for (i = 0; i < ns; i++) {
        if ((st = core_prepare(s, control_sql)) == NULL)
            goto out;
        DB(s)->bind_text(st, 1, text);
        DB(s)->bind_int(st, 2, stale_days);
        DB(s)->bind_text(st, 3, sums[i].control);
        for (k = 0; k < EF_KINDS; k++)
            DB(s)->bind_int(st, 4 + k, sums[i].counts[k]);
        DB(s)->bind_int(st, 4 + EF_KINDS, sums[i].department_id);
        if (core_exec(s, st, "control snapshot") != EF_OK)
            goto out;
    }
    rc = EF_OK;
out:
    free(rows);
    free(sums);
    return rc;
}

int core_catch_up(struct ef_store *s, time_t now, int stale_days)
{
    int64_t today = ef_day_of(now), last, d;

    if (meta_get(s, "snapshot_day", INT64_MIN, &last) != EF_OK)
        return EF_ERR;
    if (last == INT64_MIN) {
        /* History starts on the first day the collector sees. */
        last = today - 1;
        if (meta_set(s, "snapshot_day", last) != EF_OK)
            return EF_ERR;
    }
    if (last < today - 1) {
        d = last + 1;
        if (today - 1 - d > CATCH_UP_DAYS_MAX)
            d = today - 1 - CATCH_UP_DAYS_MAX;
        for (; d <= today - 1; d++)
            if (advance(s, (time_t)((d + 1) * DAY - 1), stale_days) != EF_OK ||
                write_snapshot(s, d, stale_days) != EF_OK)
                return EF_ERR;
        if (meta_set(s, "snapshot_day", today - 1) != EF_OK)
            return EF_ERR;
    }
    return advance(s, now, stale_days);
}

static int exists(struct ef_store *s, const char *sql, int64_t v, int *yes)
{
    struct ef_db_stmt *st = core_prepare(s, sql);
    int64_t n = 0;

    if (st == NULL)
        return EF_ERR;
    DB(s)->bind_int(st, 1, v);
    if (core_int(s, st, 0, &n, "select") != EF_OK)
        return EF_ERR;
    *yes = n != 0;
    return EF_OK;
}

int core_due(struct ef_store *s, time_t now, int stale_days, int *due)
{
    static const char stale_sql[] = "SELECT 1 FROM agents WHERE counted = 1 AND last_seen < $1 "
                                    "LIMIT 1";
    static const char fresh_sql[] = "SELECT 1 FROM agents WHERE counted = 0 AND last_seen > 0 "
                                    "AND last_seen >= $1 AND retired_at = 0 LIMIT 1";
    static const char expiry_sql[] = "SELECT 1 FROM acceptances WHERE state = 0 AND until <= $1 "
                                     "LIMIT 1";
    int64_t last, cutoff = (int64_t)now - (int64_t)stale_days * DAY;

    *due = 1;
    if (meta_get(s, "snapshot_day", INT64_MIN, &last) != EF_OK)
        return EF_ERR;
    if (last == INT64_MIN || last < ef_day_of(now) - 1)
        return EF_OK;
    if (exists(s, stale_sql, cutoff, due) != EF_OK)
        return EF_ERR;
    if (*due)
        return EF_OK;
    if (exists(s, fresh_sql, cutoff, due) != EF_OK)
        return EF_ERR;
    if (*due)
        return EF_OK;
    return exists(s, expiry_sql, (int64_t)now, due);
}

struct sweep_ctx {
    time_t now;
    int stale_days;
};

static int sweep_tx(struct ef_store *s, void *ctx)
{
    struct sweep_ctx *c = ctx;

    return core_catch_up(s, c->now, c->stale_days);
}

int core_sweep(struct ef_store *s, time_t now, int stale_days)
{
    struct sweep_ctx c = {now, stale_days < 1 ? 1 : stale_days};
    int due = 0;

    s->stale_days = c.stale_days;
    if (core_due(s, now, c.stale_days, &due) != EF_OK)
        return EF_ERR;
    if (!due)
        return EF_OK;
    return DB(s)->tx(s, EF_DB_EXCLUSIVE, sweep_tx, &c);
}

/* ---- acceptances ---- */

struct acc_ctx {
    struct ef_acceptance *a;
    int64_t id;
    const char *by;
    time_t now;
};

static int acceptance_add_tx(struct ef_store *s, void *ctx)
{
    static const char sql[] =
        "INSERT INTO acceptances (department_id, check_id, agent_id, reason, accepted_by, "
        "created_at, until) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id";
    struct acc_ctx *c = ctx;
    struct ef_acceptance *a = c->a;
    struct ef_db_stmt *st;
    char *details;
    int rc;

    if (core_catch_up(s, c->now, s->stale_days) != EF_OK || (st = core_prepare(s, sql)) == NULL)
        return EF_ERR;
    DB(s)->bind_int(st, 1, a->department_id);
    DB(s)->bind_text(st, 2, a->check);
    DB(s)->bind_text(st, 3, a->agent_id);
    DB(s)->bind_text(st, 4, a->reason);
    DB(s)->bind_text(st, 5, a->by);
    DB(s)->bind_int(st, 6, (int64_t)c->now);
    DB(s)->bind_int(st, 7, a->until);
    if (core_int(s, st, 0, &c->id, "insert acceptance") != EF_OK)
        return EF_ERR;
    if ((details = acceptance_details(s, c->id)) == NULL)
        return EF_ERR;
    rc = core_audit(s, c->now, a->by, "acceptance.add", details);
    free(details);
    if (rc != EF_OK)
        return rc;
    return rebuild_for(s, a->department_id, a->check, a->agent_id, c->now);
}

int core_acceptance_add(struct ef_store *s, struct ef_acceptance *a, time_t now)
{
    struct acc_ctx c = {.a = a, .now = now};
    int rc = DB(s)->tx(s, EF_DB_EXCLUSIVE, acceptance_add_tx, &c);

    if (rc == EF_OK) {
        a->id = c.id;
        a->created_at = now;
    }
    return rc;
}

static int acceptance_revoke_tx(struct ef_store *s, void *ctx)
{
    static const char select_sql[] = "SELECT department_id, check_id, agent_id FROM acceptances "
                                     "WHERE id = $1 AND state = 0";
    static const char revoke_sql[] = "UPDATE acceptances SET state = 2, ended_at = $2, "
                                     "ended_by = $3 WHERE id = $1";
    struct acc_ctx *c = ctx;
    char check[EF_ID_MAX + 1], agent[EF_ID_MAX + 1], *details;
    struct ef_db_stmt *st;
    int64_t dept;
    int rc;

    if (core_catch_up(s, c->now, s->stale_days) != EF_OK ||
        (st = core_prepare(s, select_sql)) == NULL)
        return EF_ERR;
    DB(s)->bind_int(st, 1, c->id);
    if ((rc = core_row(s, st, "select acceptance")) != EF_OK)
        return rc;
    dept = DB(s)->col_int(st, 0);
    rc = core_col_text(s, st, 1, check, sizeof(check)) == EF_OK &&
                 core_col_text(s, st, 2, agent, sizeof(agent)) == EF_OK
             ? EF_OK
             : EF_ERR;
    DB(s)->done(st);
    if (rc != EF_OK || (st = core_prepare(s, revoke_sql)) == NULL)
        return EF_ERR;
    DB(s)->bind_int(st, 1, c->id);
    DB(s)->bind_int(st, 2, (int64_t)c->now);
    DB(s)->bind_text(st, 3, c->by);
    if (core_exec(s, st, "revoke acceptance") != EF_OK ||
        (details = acceptance_details(s, c->id)) == NULL)
        return EF_ERR;
    rc = core_audit(s, c->now, c->by, "acceptance.revoke", details);
    free(details);
    if (rc != EF_OK)
        return rc;
    return rebuild_for(s, dept, check, agent, c->now);
}

int core_acceptance_revoke(struct ef_store *s, int64_t id, const char *by, time_t now)
{
    struct acc_ctx c = {.id = id, .by = by, .now = now};

    return DB(s)->tx(s, EF_DB_EXCLUSIVE, acceptance_revoke_tx, &c);
}
