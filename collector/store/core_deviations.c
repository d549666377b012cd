/* SPDX-License-Identifier: EUPL-1.2 */
/* The store's domain code for deviations (avvikelser, issue 15; docs/figures.md,
 * "Deviations"): a required check failing on a host is one, from the report that first
 * showed it failing until the report that no longer does. Opened and closed in the report's
 * own transaction from what the report changed (result_diff.h), so no sweep over results
 * is ever needed; given an owner, an action and a due date, or closed by hand, by the
 * coordinator. At most one open deviation per (agent, check) (a partial unique index).
 * A pass-to-fail change of a check whose severity is in s->alert_severities, not under a risk
 * acceptance, is also queued as an alert (core_alerts.c) in the same transaction. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/core.h"
#include "store/result_diff.h"

#define DB(s) ((s)->db)

static int open_one(struct ef_store *s, int64_t dept, const char *agent_id,
                    const struct ef_result *res, time_t now)
{
    static const char sql[] =
        "INSERT INTO deviations (department_id, agent_id, check_id, severity, opened_at) "
        "SELECT $1, $2, $3, $4, $5 WHERE NOT EXISTS (SELECT 1 FROM deviations "
        "WHERE agent_id = $2 AND check_id = $3 AND closed_at = 0)";
    struct ef_db_stmt *st = core_prepare(s, sql);

    if (st == NULL)
        return EF_ERR;
    DB(s)->bind_int(st, 1, dept);
    DB(s)->bind_text(st, 2, agent_id);
    DB(s)->bind_text(st, 3, res->check);
    DB(s)->bind_text(st, 4, ef_severity_name(res->severity));
    DB(s)->bind_int(st, 5, (int64_t)now);
    return core_exec(s, st, "open deviation");
}

/* Close the open deviation of (agent, check), if any; check NULL: all of the agent's. */
static int close_open(struct ef_store *s, const char *agent_id, const char *check, time_t now,
                      const char *how, const char *by, const char *reason)
{
    static const char sql[] =
        "UPDATE deviations SET closed_at = $3, closed_how = $4, closed_by = $5, reason = $6 "
        "WHERE agent_id = $1 AND check_id = coalesce($2, check_id) AND closed_at = 0";
    struct ef_db_stmt *st = core_prepare(s, sql);

    if (st == NULL)
        return EF_ERR;
    DB(s)->bind_text(st, 1, agent_id);
    DB(s)->bind_text(st, 2, check);
    DB(s)->bind_int(st, 3, (int64_t)now);
    DB(s)->bind_text(st, 4, how);
    DB(s)->bind_text(st, 5, by);
    DB(s)->bind_text(st, 6, reason);
    return core_exec(s, st, "close deviation");
}

int core_deviations_track(struct ef_store *s, int64_t dept, const char *agent_id,
                          const struct ef_result_diff *d, time_t now)
{
    const struct ef_report *r = d->r;
    size_t i;

    for (i = 0; i < r->nresults; i++) {
        const struct ef_result *res = &r->results[i];
        const struct ef_old_result *o = &d->old[i];
        int was_fail = o->hit && o->status == EF_FAIL, is_fail = res->status == EF_FAIL;

        if (is_fail && !was_fail) {
            if (open_one(s, dept, agent_id, res, now) != EF_OK)
                return EF_ERR;
            /* Only a check seen passing before: a host's first report, or a check coming
             * back from unknown or error, is not a regression. */
            if (o->hit && o->status == EF_PASS && d->acc[i] == 0 && s->alert_channels != 0 &&
                (s->alert_severities & (1u << res->severity)) != 0 &&
                core_alert_regression(s, dept, agent_id, r->host.hostname, res, now) != EF_OK)
                return EF_ERR;
        } else if (was_fail && !is_fail) {
            if (close_open(s, agent_id, res->check, now,
                           res->status == EF_PASS ? "passed" : "status", "report",
                           ef_result_status_name(res->status)) != EF_OK)
                return EF_ERR;
        }
    }
    for (i = 0; i < d->ngone; i++)
        if ((d->gone[i].kind == EF_FAIL || d->gone[i].kind == EF_ACCEPTED) &&
            close_open(s, agent_id, d->gone[i].check, now, "not reported", "report", "") != EF_OK)
            return EF_ERR;
    return EF_OK;
}

int core_deviations_agent_moved(struct ef_store *s, const char *agent_id, int64_t dept)
{
    static const char sql[] =
        "UPDATE deviations SET department_id = $2 WHERE agent_id = $1 AND closed_at = 0";
    struct ef_db_stmt *st = core_prepare(s, sql);

    if (st == NULL)
        return EF_ERR;
    DB(s)->bind_text(st, 1, agent_id);
    DB(s)->bind_int(st, 2, dept);
    return core_exec(s, st, "move deviations");
}

int core_deviations_agent_retired(struct ef_store *s, const char *agent_id, const char *actor,
                                  time_t now)
{
    return close_open(s, agent_id, NULL, now, "retired", actor, "");
}

static int deviation_row(struct ef_store *s, struct ef_db_stmt *st, void *elem)
{
    struct ef_deviation *v = elem;
    char sev[16];

    v->id = DB(s)->col_int(st, 0);
    if (core_col_text(s, st, 1, v->department, sizeof(v->department)) != EF_OK ||
        core_col_text(s, st, 2, v->agent_id, sizeof(v->agent_id)) != EF_OK ||
        core_col_text(s, st, 3, v->hostname, sizeof(v->hostname)) != EF_OK ||
        core_col_text(s, st, 4, v->check, sizeof(v->check)) != EF_OK ||
        core_col_text(s, st, 5, sev, sizeof(sev)) != EF_OK ||
        core_col_text(s, st, 7, v->owner, sizeof(v->owner)) != EF_OK ||
        core_col_text(s, st, 8, v->action, sizeof(v->action)) != EF_OK ||
        core_col_text(s, st, 11, v->assigned_by, sizeof(v->assigned_by)) != EF_OK ||
        core_col_text(s, st, 13, v->closed_how, sizeof(v->closed_how)) != EF_OK ||
        core_col_text(s, st, 14, v->closed_by, sizeof(v->closed_by)) != EF_OK ||
        core_col_text(s, st, 15, v->reason, sizeof(v->reason)) != EF_OK)
        return EF_ERR;
    if (ef_severity_parse(sev, &v->severity) != 0)
        v->severity = EF_SEV_MEDIUM;
    v->opened_at = DB(s)->col_int(st, 6);
    v->due = DB(s)->col_int(st, 9);
    v->assigned_at = DB(s)->col_int(st, 10);
    v->closed_at = DB(s)->col_int(st, 12);
    v->accepted = DB(s)->col_int(st, 16) != 0;
    return EF_OK;
}

int core_deviation_list(struct ef_store *s, const char *department, int which, time_t now,
                        struct ef_deviation **out, size_t *n)
{
    /* which: 0 open, 1 overdue (open, due date passed), 2 all. accepted: its failure is
     * under an active risk acceptance now. */
    static const char sql[] =
        "SELECT v.id, d.name, v.agent_id, coalesce(a.hostname, ''), v.check_id, v.severity, "
        "v.opened_at, v.owner, v.action, v.due, v.assigned_at, v.assigned_by, v.closed_at, "
        "v.closed_how, v.closed_by, v.reason, "
        "CASE WHEN v.closed_at = 0 AND EXISTS (SELECT 1 FROM latest_results r "
        "WHERE r.agent_id = v.agent_id AND r.check_id = v.check_id "
        "AND r.accepted_by IS NOT NULL) THEN 1 ELSE 0 END "
        "FROM deviations v JOIN departments d ON d.id = v.department_id "
        "LEFT JOIN agents a ON a.agent_id = v.agent_id "
        "WHERE ($1 IS NULL OR d.name = $1) AND ($2 = 2 OR v.closed_at = 0) "
        "AND ($2 <> 1 OR (v.due > 0 AND v.due < $3)) "
        "ORDER BY d.name, v.opened_at, v.id";
    struct ef_db_stmt *st = core_prepare(s, sql);

    if (st != NULL) {
        DB(s)->bind_text(st, 1, department);
        DB(s)->bind_int(st, 2, which);
        DB(s)->bind_int(st, 3, (int64_t)now);
    }
    return core_collect(s, st, sizeof(struct ef_deviation), deviation_row, NULL, (void **)out, n,
                        "list deviations");
}

int core_deviation_assign(struct ef_store *s, int64_t id, const char *owner, const char *action,
                          int64_t due, const char *actor, time_t now)
{
    static const char sql[] =
        "UPDATE deviations SET owner = $2, action = $3, due = $4, assigned_at = $5, "
        "assigned_by = $6, "
        /* a new due date may become overdue again, and is alerted again */
        "overdue_alerted_at = CASE WHEN due = $4 THEN overdue_alerted_at ELSE 0 END "
        "WHERE id = $1 AND closed_at = 0";
    struct ef_db_stmt *st = core_prepare(s, sql);

    if (st == NULL)
        return EF_ERR;
    DB(s)->bind_int(st, 1, id);
    DB(s)->bind_text(st, 2, owner);
    DB(s)->bind_text(st, 3, action);
    DB(s)->bind_int(st, 4, due);
    DB(s)->bind_int(st, 5, (int64_t)now);
    DB(s)->bind_text(st, 6, actor);
    return core_exec_changed(s, st, "assign deviation");
}

int core_deviation_close(struct ef_store *s, int64_t id, const char *reason, const char *actor,
                         time_t now)
{
    static const char sql[] =
        "UPDATE deviations SET closed_at = $2, closed_how = 'closed', closed_by = $3, "
        "reason = $4 WHERE id = $1 AND closed_at = 0";
    struct ef_db_stmt *st = core_prepare(s, sql);

    if (st == NULL)
        return EF_ERR;
    DB(s)->bind_int(st, 1, id);
    DB(s)->bind_int(st, 2, (int64_t)now);
    DB(s)->bind_text(st, 3, actor);
    DB(s)->bind_text(st, 4, reason);
    return core_exec_changed(s, st, "close deviation");
}

static int pattern_row(struct ef_store *s, struct ef_db_stmt *st, void *elem)
{
    struct ef_deviation_pattern *p = elem;

    if (core_col_text(s, st, 0, p->department, sizeof(p->department)) != EF_OK ||
        core_col_text(s, st, 1, p->check, sizeof(p->check)) != EF_OK)
        return EF_ERR;
    p->hosts = DB(s)->col_int(st, 2);
    p->first_opened = DB(s)->col_int(st, 3);
    p->assigned = DB(s)->col_int(st, 4);
    p->of = DB(s)->col_int(st, 5);
    return EF_OK;
}

int core_deviation_patterns(struct ef_store *s, const char *department,
                            struct ef_deviation_pattern **out, size_t *n)
{
    /* The counted hosts as of the last sweep (agents.counted), as the figures count them. */
    static const char sql[] =
        "SELECT d.name, v.check_id, count(*), min(v.opened_at), "
        "sum(CASE WHEN v.owner <> '' THEN 1 ELSE 0 END), (SELECT count(*) FROM agents a "
        "WHERE a.department_id = d.id AND a.retired_at = 0 AND a.counted = 1) "
        "FROM deviations v JOIN departments d ON d.id = v.department_id "
        "WHERE v.closed_at = 0 AND ($1 IS NULL OR d.name = $1) "
        "GROUP BY d.id, d.name, v.check_id "
        "HAVING count(*) >= $2 AND 2 * count(*) >= (SELECT count(*) FROM agents a "
        "WHERE a.department_id = d.id AND a.retired_at = 0 AND a.counted = 1) "
        "ORDER BY d.name, count(*) DESC, v.check_id";
    struct ef_db_stmt *st = core_prepare(s, sql);

    if (st != NULL) {
        DB(s)->bind_text(st, 1, department);
        DB(s)->bind_int(st, 2, EF_PATTERN_MIN_HOSTS);
    }
    return core_collect(s, st, sizeof(struct ef_deviation_pattern), pattern_row, NULL,
                        (void **)out, n, "list deviation patterns");
}

struct assign_check_ctx {
    const char *department, *check, *owner, *action, *actor;
    int64_t due, *n;
    time_t now;
};

static int assign_check_tx(struct ef_store *s, void *arg)
{
    static const char count_sql[] =
        "SELECT count(*) FROM deviations v JOIN departments d ON d.id = v.department_id "
        "WHERE d.name = $1 AND v.check_id = $2 AND v.closed_at = 0";
    static const char sql[] =
        "UPDATE deviations SET owner = $3, action = $4, due = $5, assigned_at = $6, "
        "assigned_by = $7 WHERE department_id = (SELECT id FROM departments WHERE name = $1) "
        "AND check_id = $2 AND closed_at = 0";
    struct assign_check_ctx *c = arg;
    struct ef_db_stmt *st = core_prepare(s, count_sql);
    int rc;

    if (st == NULL)
        return EF_ERR;
    DB(s)->bind_text(st, 1, c->department);
    DB(s)->bind_text(st, 2, c->check);
    if ((rc = core_int(s, st, 0, c->n, "count deviations")) != EF_OK)
        return rc;
    if (*c->n == 0) {
        snprintf(s->err, sizeof(s->err), "no open deviation of %s in %s", c->check,
                 c->department);
        return EF_NOTFOUND;
    }
    if ((st = core_prepare(s, sql)) == NULL)
        return EF_ERR;
    DB(s)->bind_text(st, 1, c->department);
    DB(s)->bind_text(st, 2, c->check);
    DB(s)->bind_text(st, 3, c->owner);
    DB(s)->bind_text(st, 4, c->action);
    DB(s)->bind_int(st, 5, c->due);
    DB(s)->bind_int(st, 6, (int64_t)c->now);
    DB(s)->bind_text(st, 7, c->actor);
    return core_exec(s, st, "assign deviations");
}

int core_deviation_assign_check(struct ef_store *s, const char *department, const char *check,
                                const char *owner, const char *action, int64_t due,
                                const char *actor, time_t now, int64_t *n)
{
    struct assign_check_ctx c = {department, check, owner, action, actor, due, n, now};

    *n = 0;
    return DB(s)->tx(s, EF_DB_NO_LOCK, assign_check_tx, &c);
}
