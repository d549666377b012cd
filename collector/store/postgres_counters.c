/* The PostgreSQL store's incremental counters: the same invariant and the same steps as
 * sqlite_counters.c (docs/collector-internals.md, "Counters"), and safe with several
 * collectors writing at once:
 *  - counter rows change only by "n = n + delta" inside one statement, so two ingests of
 *    one department add up however they interleave;
 *  - an agent's own rows change only while its agents row is locked (the ingest's seq
 *    claim, enrollment's SELECT ... FOR UPDATE, agent_state below);
 *  - everything that walks many agents (catch-up with its snapshots, sweep, acceptances
 *    and their expiry) runs holding the counters advisory lock exclusively, so it sees no
 *    ingest half done, and two collectors sweeping at once take turns. Snapshots are
 *    upserts and meta.snapshot_day is read under that lock, so a day is written once. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "controls.h"
#include "efterlev/util.h"
#include "now.h"
#include "store/postgres_internal.h"
#include "store/postgres_ops.h"

#define DAY 86400
#define CATCH_UP_DAYS_MAX 3660 /* as the SQLite store */

int pg_agent_apply(struct ef_store *s, const char *agent_id, int64_t department_id, int sign)
{
    struct pg_args a = {0};

    pa_int(&a, department_id);
    pa_text(&a, agent_id);
    pa_int(&a, sign);
    /* In (check, controls) order, so concurrent ingests lock the shared rows in one order. */
    if (pg_cmd(s,
               "INSERT INTO dept_check_counts (department_id, check_id, controls, severity, "
               "pass, fail, na, unknown, error, accepted) "
               "SELECT $1::bigint, check_id, controls, severity, "
               "$3::int * (status = 'pass')::int, "
               "$3::int * (status = 'fail' AND accepted_by IS NULL)::int, "
               "$3::int * (status = 'na')::int, $3::int * (status = 'unknown')::int, "
               "$3::int * (status = 'error')::int, $3::int * (accepted_by IS NOT NULL)::int "
               "FROM latest_results WHERE agent_id = $2 ORDER BY check_id, controls "
               "ON CONFLICT (department_id, check_id, controls) DO UPDATE SET "
               "severity = excluded.severity, "
               "pass = dept_check_counts.pass + excluded.pass, "
               "fail = dept_check_counts.fail + excluded.fail, "
               "na = dept_check_counts.na + excluded.na, "
               "unknown = dept_check_counts.unknown + excluded.unknown, "
               "error = dept_check_counts.error + excluded.error, "
               "accepted = dept_check_counts.accepted + excluded.accepted",
               &a, "update check counters", NULL) != EF_STORE_OK)
        return EF_STORE_ERR;
    return pg_cmd(s,
                  "UPDATE dept_counts c SET fresh_hosts = c.fresh_hosts + $3::int, "
                  "pass = c.pass + $3::int * g.n_pass, fail = c.fail + $3::int * g.n_fail, "
                  "na = c.na + $3::int * g.n_na, unknown = c.unknown + $3::int * g.n_unknown, "
                  "error = c.error + $3::int * g.n_error, "
                  "accepted = c.accepted + $3::int * g.n_accepted "
                  "FROM agents g WHERE c.department_id = $1 AND g.agent_id = $2",
                  &a, "update department counters", NULL);
}

/* department_id, counted and last_seen of an agent, whose row this locks. */
static int agent_state(struct ef_store *s, const char *agent_id, int64_t *dept, int *counted,
                       int64_t *last_seen)
{
    struct pg_args a = {0};
    PGresult *r;

    pa_text(&a, agent_id);
    r = pg_q(s,
             "SELECT department_id, counted, last_seen FROM agents WHERE agent_id = $1 "
             "FOR UPDATE",
             &a, "agent state");
    if (r == NULL)
        return EF_STORE_ERR;
    if (PQntuples(r) != 1) {
        snprintf(s->err, sizeof(s->err), "agent %s vanished", agent_id);
        PQclear(r);
        return EF_STORE_ERR;
    }
    *dept = pg_col_int(r, 0, 0);
    *counted = (int)pg_col_int(r, 0, 1);
    *last_seen = pg_col_int(r, 0, 2);
    PQclear(r);
    return EF_STORE_OK;
}

static int set_counted(struct ef_store *s, const char *agent_id, int counted)
{
    struct pg_args a = {0};

    pa_text(&a, agent_id);
    pa_int(&a, counted);
    return pg_cmd(s, "UPDATE agents SET counted = $2 WHERE agent_id = $1", &a, "update agent",
                  NULL);
}

int pg_agent_uncount(struct ef_store *s, const char *agent_id)
{
    int64_t dept, seen;
    int counted;

    if (agent_state(s, agent_id, &dept, &counted, &seen) != EF_STORE_OK)
        return EF_STORE_ERR;
    if (!counted)
        return EF_STORE_OK;
    if (pg_agent_apply(s, agent_id, dept, -1) != EF_STORE_OK)
        return EF_STORE_ERR;
    return set_counted(s, agent_id, 0);
}

int pg_acceptance_match(struct ef_store *s, int64_t department_id, const char *check,
                        const char *agent_id, int64_t *id)
{
    struct pg_args a = {0};

    pa_int(&a, department_id);
    pa_text(&a, check);
    pa_text(&a, agent_id);
    /* A host's own acceptance is preferred over the department's; then the longest. */
    return pg_get_int(s,
                      "SELECT id FROM acceptances WHERE department_id = $1 AND check_id = $2 "
                      "AND state = 0 AND (agent_id = '' OR agent_id = $3) "
                      "ORDER BY agent_id = '', until DESC, id LIMIT 1",
                      &a, 0, id);
}

int pg_agent_rebuild(struct ef_store *s, const char *agent_id, time_t now)
{
    struct pg_args a = {0}, b = {0};
    int64_t dept, seen;
    int counted, fresh;

    if (agent_state(s, agent_id, &dept, &counted, &seen) != EF_STORE_OK)
        return EF_STORE_ERR;
    if (counted && pg_agent_apply(s, agent_id, dept, -1) != EF_STORE_OK)
        return EF_STORE_ERR;
    pa_text(&a, agent_id);
    pa_int(&a, dept);
    if (pg_cmd(s,
               "UPDATE latest_results SET accepted_by = CASE WHEN status = 'fail' THEN "
               "(SELECT c.id FROM acceptances c WHERE c.department_id = $2 "
               " AND c.check_id = latest_results.check_id AND c.state = 0 "
               " AND (c.agent_id = '' OR c.agent_id = $1) "
               " ORDER BY c.agent_id = '', c.until DESC, c.id LIMIT 1) END "
               "WHERE agent_id = $1",
               &a, "match acceptances", NULL) != EF_STORE_OK)
        return EF_STORE_ERR;
    fresh = seen > 0 && seen >= (int64_t)now - (int64_t)s->stale_days * DAY;
    pa_text(&b, agent_id);
    pa_int(&b, fresh);
    if (pg_cmd(s,
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
               "              AND r.accepted_by IS NOT NULL) "
               "WHERE agent_id = $1",
               &b, "agent counts", NULL) != EF_STORE_OK)
        return EF_STORE_ERR;
    if (fresh && pg_agent_apply(s, agent_id, dept, 1) != EF_STORE_OK)
        return EF_STORE_ERR;
    return EF_STORE_OK;
}

/* ---- lists of ids, collected before they are changed ---- */

struct idlist {
    char (*v)[EF_ID_MAX + 1];
    size_t n;
};

static int ids_collect(struct ef_store *s, PGresult *r, struct idlist *l)
{
    int i, rows;

    l->v = NULL;
    l->n = 0;
    if (r == NULL)
        return EF_STORE_ERR;
    rows = PQntuples(r);
    if (rows > 0 && (l->v = calloc((size_t)rows, sizeof(*l->v))) == NULL) {
        snprintf(s->err, sizeof(s->err), "out of memory");
        PQclear(r);
        return EF_STORE_ERR;
    }
    for (i = 0; i < rows; i++)
        if (pg_col_text(s, r, i, 0, l->v[i], sizeof(l->v[0])) != EF_STORE_OK) {
            PQclear(r);
            free(l->v);
            l->v = NULL;
            return EF_STORE_ERR;
        }
    l->n = (size_t)rows;
    PQclear(r);
    return EF_STORE_OK;
}

static int rebuild_all(struct ef_store *s, struct idlist *l, time_t now)
{
    size_t i;
    int rc = EF_STORE_OK;

    for (i = 0; i < l->n && rc == EF_STORE_OK; i++)
        rc = pg_agent_rebuild(s, l->v[i], now);
    free(l->v);
    l->v = NULL;
    return rc;
}

/* Rebuild the agents an acceptance (department, check, optional agent) touches: those
 * whose latest result of the check is a failure. In agent order, so the row locks are
 * taken in one order. */
static int rebuild_for(struct ef_store *s, int64_t dept, const char *check, const char *agent,
                       time_t now)
{
    struct pg_args a = {0};
    struct idlist l;

    pa_text(&a, check);
    pa_int(&a, dept);
    pa_text(&a, agent);
    if (ids_collect(s,
                    pg_q(s,
                         "SELECT l.agent_id FROM latest_results l "
                         "JOIN agents a ON a.agent_id = l.agent_id "
                         "WHERE l.check_id = $1 AND l.status = 'fail' AND a.department_id = $2 "
                         "AND ($3 = '' OR l.agent_id = $3) ORDER BY l.agent_id",
                         &a, "collect agents"),
                    &l) != EF_STORE_OK)
        return EF_STORE_ERR;
    return rebuild_all(s, &l, now);
}

int pg_audit(struct ef_store *s, time_t at, const char *actor, const char *action,
             const char *details)
{
    struct pg_args a = {0};
    char when[32];

    ef_time_rfc3339(at, when);
    pa_text(&a, when);
    pa_text(&a, actor);
    pa_text(&a, action);
    pa_text(&a, details != NULL ? details : "{}");
    return pg_cmd(s, "INSERT INTO audit_log (at, actor, action, details) VALUES ($1, $2, $3, $4)",
                  &a, "audit log", NULL);
}

/* Details of an acceptance as JSON text for the audit log, the same object (keys, order,
 * compact form) as the SQLite store's json_object(); caller frees. */
static char *acceptance_details(struct ef_store *s, int64_t id)
{
    char dept[EF_DEPT_NAME_MAX + 1], check[EF_ID_MAX + 1], host[EF_ID_MAX + 1],
        reason[EF_REASON_MAX + 1], by[EF_ACTOR_MAX + 1], until[32];
    struct pg_args a = {0};
    char *out = NULL;
    PGresult *r;
    json_t *o;

    pa_int(&a, id);
    r = pg_q(s,
             "SELECT c.id, d.name, c.check_id, c.agent_id, c.until, c.reason, c.accepted_by "
             "FROM acceptances c JOIN departments d ON d.id = c.department_id WHERE c.id = $1",
             &a, "acceptance details");
    if (r == NULL)
        return NULL;
    if (PQntuples(r) != 1) {
        snprintf(s->err, sizeof(s->err), "acceptance %lld vanished", (long long)id);
        PQclear(r);
        return NULL;
    }
    if (pg_col_text(s, r, 0, 1, dept, sizeof(dept)) != EF_STORE_OK ||
        pg_col_text(s, r, 0, 2, check, sizeof(check)) != EF_STORE_OK ||
        pg_col_text(s, r, 0, 3, host, sizeof(host)) != EF_STORE_OK ||
        pg_col_text(s, r, 0, 5, reason, sizeof(reason)) != EF_STORE_OK ||
        pg_col_text(s, r, 0, 6, by, sizeof(by)) != EF_STORE_OK) {
        PQclear(r);
        return NULL;
    }
    ef_time_rfc3339((time_t)pg_col_int(r, 0, 4), until);
    o = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s}", "id", (json_int_t)pg_col_int(r, 0, 0),
                  "department", dept, "check", check, "host", host, "until", until, "reason",
                  reason, "by", by);
    PQclear(r);
    if (o != NULL)
        out = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    if (out == NULL)
        snprintf(s->err, sizeof(s->err), "acceptance details: out of memory");
    return out;
}

/* Move the counters to time t: expire acceptances due by t, then move agents that became
 * stale out and agents that are fresh again in. */
static int advance(struct ef_store *s, time_t t, int stale_days)
{
    int64_t cutoff = (int64_t)t - (int64_t)stale_days * DAY;
    struct pg_args a;
    struct idlist l;
    PGresult *r;
    int rc;

    s->stale_days = stale_days;
    for (;;) {
        int64_t id, dept, until;
        char check[EF_ID_MAX + 1], agent[EF_ID_MAX + 1], *details;

        memset(&a, 0, sizeof(a));
        pa_int(&a, (int64_t)t);
        r = pg_q(s,
                 "SELECT id, department_id, check_id, agent_id, until FROM acceptances "
                 "WHERE state = 0 AND until <= $1 ORDER BY until, id LIMIT 1",
                 &a, "due acceptances");
        if (r == NULL)
            return EF_STORE_ERR;
        if (PQntuples(r) == 0) {
            PQclear(r);
            break;
        }
        id = pg_col_int(r, 0, 0);
        dept = pg_col_int(r, 0, 1);
        until = pg_col_int(r, 0, 4);
        rc = pg_col_text(s, r, 0, 2, check, sizeof(check)) != EF_STORE_OK ||
             pg_col_text(s, r, 0, 3, agent, sizeof(agent)) != EF_STORE_OK;
        PQclear(r);
        if (rc)
            return EF_STORE_ERR;
        memset(&a, 0, sizeof(a));
        pa_int(&a, id);
        if (pg_cmd(s,
                   "UPDATE acceptances SET state = 1, ended_at = until, ended_by = 'system' "
                   "WHERE id = $1",
                   &a, "expire acceptance", NULL) != EF_STORE_OK)
            return EF_STORE_ERR;
        if ((details = acceptance_details(s, id)) == NULL)
            return EF_STORE_ERR;
        rc = pg_audit(s, (time_t)until, "system", "acceptance.expire", details);
        free(details);
        if (rc != EF_STORE_OK || rebuild_for(s, dept, check, agent, t) != EF_STORE_OK)
            return EF_STORE_ERR;
    }

    memset(&a, 0, sizeof(a));
    pa_int(&a, cutoff);
    if (ids_collect(s,
                    pg_q(s,
                         "SELECT agent_id FROM agents WHERE counted = 1 AND last_seen < $1 "
                         "ORDER BY agent_id",
                         &a, "collect agents"),
                    &l) != EF_STORE_OK ||
        rebuild_all(s, &l, t) != EF_STORE_OK)
        return EF_STORE_ERR;
    if (ids_collect(s,
                    pg_q(s,
                         "SELECT agent_id FROM agents WHERE counted = 0 AND last_seen > 0 "
                         "AND last_seen >= $1 ORDER BY agent_id",
                         &a, "collect agents"),
                    &l) != EF_STORE_OK ||
        rebuild_all(s, &l, t) != EF_STORE_OK)
        return EF_STORE_ERR;
    return EF_STORE_OK;
}

static int meta_get(struct ef_store *s, const char *key, int64_t dflt, int64_t *out)
{
    struct pg_args a = {0};

    pa_text(&a, key);
    return pg_get_int(s, "SELECT value::bigint FROM meta WHERE key = $1", &a, dflt, out);
}

static int meta_set(struct ef_store *s, const char *key, int64_t value)
{
    struct pg_args a = {0};

    pa_text(&a, key);
    pa_int(&a, value);
    return pg_cmd(s,
                  "INSERT INTO meta (key, value) VALUES ($1, $2) "
                  "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                  &a, "meta", NULL);
}

static int write_snapshot(struct ef_store *s, int64_t day, int stale_days)
{
    struct ef_check_counts *rows = NULL;
    struct ef_control_sum *sums = NULL;
    struct pg_args a = {0};
    size_t n = 0, ns = 0, i;
    char text[11];
    int k, rc = EF_STORE_ERR;

    ef_day_text(day, text);
    pa_text(&a, text);
    pa_int(&a, stale_days);
    if (pg_cmd(s,
               "INSERT INTO snapshots (day, department_id, control, level, stale_days, hosts, "
               "fresh_hosts, pass, fail, na, unknown, error, accepted) "
               "SELECT $1, d.id, '', d.level, $2, c.hosts, c.fresh_hosts, c.pass, c.fail, "
               "c.na, c.unknown, c.error, c.accepted "
               "FROM departments d JOIN dept_counts c ON c.department_id = d.id "
               "ON CONFLICT (department_id, control, day) DO UPDATE SET level = excluded.level, "
               "stale_days = excluded.stale_days, hosts = excluded.hosts, "
               "fresh_hosts = excluded.fresh_hosts, pass = excluded.pass, "
               "fail = excluded.fail, na = excluded.na, unknown = excluded.unknown, "
               "error = excluded.error, accepted = excluded.accepted",
               &a, "department snapshot", NULL) != EF_STORE_OK)
        return EF_STORE_ERR;
    if (s->ops->check_counts(s, 0, &rows, &n) != EF_STORE_OK)
        return EF_STORE_ERR;
    if (ef_control_sums(rows, n, NULL, 1, &sums, &ns) != 0) {
        snprintf(s->err, sizeof(s->err), "out of memory");
        goto out;
    }
    for (i = 0; i < ns; i++) {
        memset(&a, 0, sizeof(a));
        pa_text(&a, text);
        pa_int(&a, stale_days);
        pa_text(&a, sums[i].control);
        for (k = 0; k < EF_KINDS; k++)
            pa_int(&a, sums[i].counts[k]);
        pa_int(&a, sums[i].department_id);
        if (pg_cmd(s,
                   "INSERT INTO snapshots (day, department_id, control, level, stale_days, "
                   "hosts, fresh_hosts, pass, fail, na, unknown, error, accepted) "
                   "SELECT $1, d.id, $3, d.level, $2, c.hosts, c.fresh_hosts, "
                   "$4, $5, $6, $7, $8, $9 "
                   "FROM departments d JOIN dept_counts c ON c.department_id = d.id "
                   "WHERE d.id = $10 "
                   "ON CONFLICT (department_id, control, day) DO UPDATE SET "
                   "level = excluded.level, stale_days = excluded.stale_days, "
                   "hosts = excluded.hosts, fresh_hosts = excluded.fresh_hosts, "
                   "pass = excluded.pass, fail = excluded.fail, na = excluded.na, "
                   "unknown = excluded.unknown, error = excluded.error, "
                   "accepted = excluded.accepted",
                   &a, "control snapshot", NULL) != EF_STORE_OK)
            goto out;
    }
    rc = EF_STORE_OK;
out:
    free(rows);
    free(sums);
    return rc;
}

int pg_catch_up(struct ef_store *s, time_t now, int stale_days)
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
    struct pg_args a = {0};
    int64_t n = 0;

    pa_int(&a, v);
    if (pg_get_int(s, sql, &a, 0, &n) != EF_STORE_OK)
        return EF_STORE_ERR;
    *yes = n != 0;
    return EF_STORE_OK;
}

int pg_due(struct ef_store *s, time_t now, int stale_days, int *due)
{
    int64_t last, cutoff = (int64_t)now - (int64_t)stale_days * DAY;

    *due = 1;
    if (meta_get(s, "snapshot_day", INT64_MIN, &last) != EF_STORE_OK)
        return EF_STORE_ERR;
    if (last == INT64_MIN || last < ef_day_of(now) - 1)
        return EF_STORE_OK;
    if (exists(s, "SELECT EXISTS (SELECT 1 FROM agents WHERE counted = 1 AND last_seen < $1)::int",
               cutoff, due) != EF_STORE_OK)
        return EF_STORE_ERR;
    if (*due)
        return EF_STORE_OK;
    if (exists(s,
               "SELECT EXISTS (SELECT 1 FROM agents WHERE counted = 0 AND last_seen > 0 "
               "AND last_seen >= $1)::int",
               cutoff, due) != EF_STORE_OK)
        return EF_STORE_ERR;
    if (*due)
        return EF_STORE_OK;
    return exists(s,
                  "SELECT EXISTS (SELECT 1 FROM acceptances WHERE state = 0 AND until <= $1)::int",
                  (int64_t)now, due);
}

struct sweep_ctx {
    time_t now;
    int stale_days;
};

static int sweep_tx(struct ef_store *s, void *ctx)
{
    struct sweep_ctx *c = ctx;

    return pg_catch_up(s, c->now, c->stale_days);
}

int pg_sweep(struct ef_store *s, time_t now, int stale_days)
{
    struct sweep_ctx c = {now, stale_days < 1 ? 1 : stale_days};
    int due = 0;

    s->stale_days = c.stale_days;
    if (pg_due(s, now, c.stale_days, &due) != EF_STORE_OK)
        return EF_STORE_ERR;
    if (!due)
        return EF_STORE_OK;
    return pg_tx(s, PG_EXCLUSIVE, sweep_tx, &c);
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
    struct acc_ctx *c = ctx;
    struct ef_acceptance *acc = c->a;
    struct pg_args a = {0};
    char *details;
    PGresult *r;
    int rc;

    if (pg_catch_up(s, c->now, s->stale_days) != EF_STORE_OK)
        return EF_STORE_ERR;
    pa_int(&a, acc->department_id);
    pa_text(&a, acc->check);
    pa_text(&a, acc->agent_id);
    pa_text(&a, acc->reason);
    pa_text(&a, acc->by);
    pa_int(&a, (int64_t)c->now);
    pa_int(&a, acc->until);
    r = pg_q(s,
             "INSERT INTO acceptances (department_id, check_id, agent_id, reason, accepted_by, "
             "created_at, until) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
             &a, "insert acceptance");
    if (r == NULL)
        return EF_STORE_ERR;
    acc->id = pg_col_int(r, 0, 0);
    acc->created_at = c->now;
    PQclear(r);
    if ((details = acceptance_details(s, acc->id)) == NULL)
        return EF_STORE_ERR;
    rc = pg_audit(s, c->now, acc->by, "acceptance.add", details);
    free(details);
    if (rc != EF_STORE_OK)
        return EF_STORE_ERR;
    return rebuild_for(s, acc->department_id, acc->check, acc->agent_id, c->now);
}

int pg_acceptance_add(struct ef_store *s, struct ef_acceptance *a, time_t now)
{
    struct acc_ctx c = {.a = a, .now = now};

    return pg_tx(s, PG_EXCLUSIVE, acceptance_add_tx, &c);
}

static int acceptance_revoke_tx(struct ef_store *s, void *ctx)
{
    struct acc_ctx *c = ctx;
    char check[EF_ID_MAX + 1], agent[EF_ID_MAX + 1], *details;
    struct pg_args a = {0}, b = {0};
    int64_t dept;
    PGresult *r;
    int rc;

    if (pg_catch_up(s, c->now, s->stale_days) != EF_STORE_OK)
        return EF_STORE_ERR;
    pa_int(&a, c->id);
    r = pg_q(s,
             "SELECT department_id, check_id, agent_id FROM acceptances "
             "WHERE id = $1 AND state = 0",
             &a, "select acceptance");
    if (r == NULL)
        return EF_STORE_ERR;
    if (PQntuples(r) == 0) {
        PQclear(r);
        return EF_STORE_NOTFOUND;
    }
    dept = pg_col_int(r, 0, 0);
    rc = pg_col_text(s, r, 0, 1, check, sizeof(check)) != EF_STORE_OK ||
         pg_col_text(s, r, 0, 2, agent, sizeof(agent)) != EF_STORE_OK;
    PQclear(r);
    if (rc)
        return EF_STORE_ERR;
    pa_int(&b, c->id);
    pa_int(&b, (int64_t)c->now);
    pa_text(&b, c->by);
    if (pg_cmd(s, "UPDATE acceptances SET state = 2, ended_at = $2, ended_by = $3 WHERE id = $1",
               &b, "revoke acceptance", NULL) != EF_STORE_OK ||
        (details = acceptance_details(s, c->id)) == NULL)
        return EF_STORE_ERR;
    rc = pg_audit(s, c->now, c->by, "acceptance.revoke", details);
    free(details);
    if (rc != EF_STORE_OK)
        return EF_STORE_ERR;
    return rebuild_for(s, dept, check, agent, c->now);
}

int pg_acceptance_revoke(struct ef_store *s, int64_t id, const char *by, time_t now)
{
    struct acc_ctx c = {.id = id, .by = by, .now = now};

    return pg_tx(s, PG_EXCLUSIVE, acceptance_revoke_tx, &c);
}
