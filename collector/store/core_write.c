/* SPDX-License-Identifier: EUPL-1.2 */
/* The store's domain code on the write path: departments, enrollment, ingest of reports,
 * and the group commit the ingest writer uses. Written once for every backend; what differs
 * (transactions, retries, locks) is the driver's (db.h).
 *
 * Every operation here runs as a transaction body, which a backend may run again (PostgreSQL,
 * after a serialization failure or deadlock): bodies keep their results in their context
 * and have no other effects. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "efterlev/sign.h"
#include "efterlev/util.h"
#include "store/core.h"
#include "store/result_diff.h"

#define DB(s) ((s)->db)

/* ---- departments ---- */

struct dept_ctx {
    const char *name, *token_hash;
    ef_level level;
    time_t now;
    int64_t id;
};

static int department_add_tx(struct ef_store *s, void *ctx)
{
    static const char dept_sql[] = "INSERT INTO departments (name, level, token_hash, created_at) "
                                   "VALUES ($1, $2, $3, $4) RETURNING id";
    static const char counts_sql[] = "INSERT INTO dept_counts (department_id) VALUES ($1)";
    struct dept_ctx *c = ctx;
    struct ef_db_stmt *st = core_prepare(s, dept_sql);
    char created[32];
    int rc;

    if (st == NULL)
        return EF_ERR;
    ef_time_rfc3339(c->now, created);
    DB(s)->bind_text(st, 1, c->name);
    DB(s)->bind_int(st, 2, (int64_t)c->level);
    DB(s)->bind_text(st, 3, c->token_hash);
    DB(s)->bind_text(st, 4, created);
    if ((rc = core_int(s, st, 0, &c->id, "insert department")) != EF_OK)
        return rc;
    if ((st = core_prepare(s, counts_sql)) == NULL)
        return EF_ERR;
    DB(s)->bind_int(st, 1, c->id);
    return core_exec(s, st, "insert department counters");
}

int core_department_add(struct ef_store *s, const char *name, ef_level level,
                        const char *token_hash, time_t now, int64_t *id)
{
    struct dept_ctx c = {name, token_hash, level, now, 0};
    int rc = DB(s)->tx(s, EF_DB_SHARED, department_add_tx, &c);

    if (rc == EF_OK)
        *id = c.id;
    return rc;
}

int core_department_set_token(struct ef_store *s, const char *name, const char *token_hash)
{
    static const char sql[] = "UPDATE departments SET token_hash = $2 WHERE name = $1";
    struct ef_db_stmt *st = core_prepare(s, sql);

    if (st == NULL)
        return EF_ERR;
    DB(s)->bind_text(st, 1, name);
    DB(s)->bind_text(st, 2, token_hash);
    return core_exec_changed(s, st, "set department token");
}

/* ---- agents ---- */

#define AGENT_COLUMNS                                                                              \
    "agent_id, machine_id, department_id, public_key, last_seq, last_sha256, retired_at, hostname"

int core_agent_row(struct ef_store *s, struct ef_db_stmt *st, struct ef_agent *a)
{
    memset(a, 0, sizeof(*a));
    if (core_col_text(s, st, 0, a->agent_id, sizeof(a->agent_id)) != EF_OK ||
        core_col_text(s, st, 1, a->machine_id, sizeof(a->machine_id)) != EF_OK)
        return EF_ERR;
    a->department_id = DB(s)->col_int(st, 2);
    if (core_col_bytes(s, st, 3, a->public_key, EF_ED25519_PUB_LEN) != EF_OK) {
        snprintf(s->err, sizeof(s->err), "agent %s has a malformed public key", a->agent_id);
        return EF_ERR;
    }
    a->last_seq = (uint64_t)DB(s)->col_int(st, 4);
    a->retired_at = DB(s)->col_int(st, 6);
    if (core_col_text(s, st, 7, a->hostname, sizeof(a->hostname)) != EF_OK)
        return EF_ERR;
    return core_col_text(s, st, 5, a->last_sha256, sizeof(a->last_sha256));
}

int core_agent_select(struct ef_store *s, const char *sql, const char *value, struct ef_agent *out)
{
    struct ef_db_stmt *st = core_prepare(s, sql);
    int rc;

    if (st == NULL)
        return EF_ERR;
    DB(s)->bind_text(st, 1, value);
    if ((rc = core_row(s, st, "select agent")) != EF_OK)
        return rc;
    rc = core_agent_row(s, st, out);
    DB(s)->done(st);
    return rc;
}

/* Whether an administrator let the agent's next enrollment change its key or department. */
static int rekey_allowed(struct ef_store *s, const char *agent_id, int64_t *allowed)
{
    static const char sql[] = "SELECT rekey_allowed FROM agents WHERE agent_id = $1";
    struct ef_db_stmt *st = core_prepare(s, sql);

    if (st == NULL)
        return EF_ERR;
    DB(s)->bind_text(st, 1, agent_id);
    return core_int(s, st, 0, allowed, "agent reset");
}

struct enroll_ctx {
    const struct ef_enrollment *e;
    struct ef_agent *out;
};

static int enroll_tx(struct ef_store *s, void *ctx)
{
    static const char lock_sql[] = "SELECT " AGENT_COLUMNS " FROM agents WHERE machine_id = $1 "
                                   "FOR UPDATE";
    static const char select_sql[] = "SELECT " AGENT_COLUMNS " FROM agents WHERE machine_id = $1";
    static const char update_sql[] =
        "UPDATE agents SET public_key = $1, hostname = $2, department_id = $3, "
        "enrolled_at = $4, last_seq = CASE WHEN $5 <> 0 THEN 0 ELSE last_seq END, "
        "counted = CASE WHEN $7 <> 0 THEN 0 ELSE counted END, rekey_allowed = 0 "
        "WHERE agent_id = $6";
    static const char insert_sql[] =
        "INSERT INTO agents (agent_id, machine_id, department_id, public_key, hostname, "
        "enrolled_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING";
    /* Every key the agent ever had, so exports can verify its older reports, with the
     * collector's certificate of it (a key enrolled again is certified again). */
    static const char key_sql[] =
        "INSERT INTO agent_keys (agent_id, public_key, first_enrolled_at, cert) "
        "SELECT agent_id, public_key, enrolled_at, $2 FROM agents WHERE machine_id = $1 "
        "ON CONFLICT (agent_id, public_key) DO UPDATE SET cert = excluded.cert";
    const struct ef_enrollment *e = ((struct enroll_ctx *)ctx)->e;
    struct ef_db_stmt *st;
    struct ef_agent old;
    unsigned char cert[EF_ED25519_SIG_LEN];
    char now[32];
    int found, moved = 0, rc;

    /* The agent row, locked: concurrent enrollments of one machine run one at a time. */
    found = core_agent_select(s, lock_sql, e->machine_id, &old);
    if (found == EF_ERR)
        return EF_ERR;
    ef_time_rfc3339(e->now, now);
    if (found == EF_OK) {
        int key_changed = !ef_ct_equal(old.public_key, e->public_key, EF_ED25519_PUB_LEN);
        int64_t allowed = 0;

        moved = old.department_id != e->department_id;
        if (old.retired_at != 0) {
            memcpy(((struct enroll_ctx *)ctx)->out, &old, sizeof(old));
            snprintf(s->err, sizeof(s->err),
                     "this machine was retired; an administrator returns it to service "
                     "(efterlev-collector agent reset %.40s)",
                     old.agent_id);
            return EF_EXISTS;
        }
        if ((key_changed || moved) && rekey_allowed(s, old.agent_id, &allowed) != EF_OK)
            return EF_ERR;
        /* A department token enrolls new machines; it never takes over a known one. */
        if (!allowed && moved) {
            memcpy(((struct enroll_ctx *)ctx)->out, &old, sizeof(old));
            snprintf(s->err, sizeof(s->err),
                     "this machine is enrolled in another department; an administrator moves "
                     "it (efterlev-collector agent move %.40s --department NAME)",
                     old.agent_id);
            return EF_EXISTS;
        }
        if (!allowed && key_changed &&
            !(e->current_proof != NULL &&
              ef_verify(old.public_key, e->proof_msg, e->proof_len, e->current_proof))) {
            memcpy(((struct enroll_ctx *)ctx)->out, &old, sizeof(old));
            snprintf(s->err, sizeof(s->err),
                     "this machine is enrolled with another key; a reinstalled machine is let "
                     "in again by an administrator (efterlev-collector agent reset %.40s)",
                     old.agent_id);
            return EF_EXISTS;
        }
        /* Its results leave the old department's counters before it moves. */
        if (moved && (core_agent_uncount(s, old.agent_id) != EF_OK ||
                      core_hosts_delta(s, old.department_id, -1) != EF_OK ||
                      core_hosts_delta(s, e->department_id, 1) != EF_OK))
            return EF_ERR;
        if ((st = core_prepare(s, update_sql)) == NULL)
            return EF_ERR;
        DB(s)->bind_blob(st, 1, e->public_key, EF_ED25519_PUB_LEN);
        DB(s)->bind_text(st, 2, e->hostname);
        DB(s)->bind_int(st, 3, e->department_id);
        DB(s)->bind_text(st, 4, now);
        DB(s)->bind_int(st, 5, key_changed);
        DB(s)->bind_text(st, 6, old.agent_id);
        DB(s)->bind_int(st, 7, moved);
        if (core_exec(s, st, "store agent") != EF_OK)
            return EF_ERR;
    } else {
        if ((st = core_prepare(s, insert_sql)) == NULL)
            return EF_ERR;
        DB(s)->bind_text(st, 1, e->new_agent_id);
        DB(s)->bind_text(st, 2, e->machine_id);
        DB(s)->bind_int(st, 3, e->department_id);
        DB(s)->bind_blob(st, 4, e->public_key, EF_ED25519_PUB_LEN);
        DB(s)->bind_text(st, 5, e->hostname);
        DB(s)->bind_text(st, 6, now);
        rc = core_exec_changed(s, st, "store agent");
        /* Another collector enrolled this machine meanwhile: start again, as a
         * re-enrollment. */
        if (rc == EF_NOTFOUND)
            return EF_DB_RETRY;
        if (rc != EF_OK || core_hosts_delta(s, e->department_id, 1) != EF_OK)
            return EF_ERR;
    }
    if (e->certify != NULL &&
        e->certify(e->certify_arg, found == EF_OK ? old.agent_id : e->new_agent_id, e->public_key,
                   cert) != 0) {
        snprintf(s->err, sizeof(s->err), "cannot certify the agent's key");
        return EF_ERR;
    }
    if ((st = core_prepare(s, key_sql)) == NULL)
        return EF_ERR;
    DB(s)->bind_text(st, 1, e->machine_id);
    DB(s)->bind_blob(st, 2, e->certify != NULL ? cert : NULL, sizeof(cert));
    if (core_exec(s, st, "record agent key") != EF_OK)
        return EF_ERR;
    /* In the new department its failures meet that department's acceptances. */
    if (moved && core_agent_rebuild(s, old.agent_id, e->now) != EF_OK)
        return EF_ERR;
    return core_agent_select(s, select_sql, e->machine_id, ((struct enroll_ctx *)ctx)->out) == EF_OK
               ? EF_OK
               : EF_ERR;
}

int core_agent_enroll(struct ef_store *s, const struct ef_enrollment *e, struct ef_agent *out)
{
    struct enroll_ctx c = {e, out};

    return core_unit(s, EF_DB_SHARED, enroll_tx, &c);
}

/* ---- administrator actions ---- */

struct admin_ctx {
    const char *agent_id, *actor;
    int64_t department_id;
    time_t now;
};

/* The agent's department (and name for the audit log); NOTFOUND when no such agent. */
static int agent_department(struct ef_store *s, const char *agent_id, int64_t *dept, char *hostname,
                            size_t hostlen)
{
    static const char sql[] = "SELECT department_id, hostname FROM agents WHERE agent_id = $1 "
                              "FOR UPDATE";
    struct ef_db_stmt *st = core_prepare(s, sql);
    int rc;

    if (st == NULL)
        return EF_ERR;
    DB(s)->bind_text(st, 1, agent_id);
    if ((rc = core_row(s, st, "select agent")) != EF_OK)
        return rc;
    *dept = DB(s)->col_int(st, 0);
    rc = core_col_text(s, st, 1, hostname, hostlen);
    DB(s)->done(st);
    return rc;
}

/* When the agent was retired (0: in service). */
static int agent_retired(struct ef_store *s, const char *agent_id, int64_t *retired_at)
{
    static const char sql[] = "SELECT retired_at FROM agents WHERE agent_id = $1";
    struct ef_db_stmt *st = core_prepare(s, sql);

    if (st == NULL)
        return EF_ERR;
    DB(s)->bind_text(st, 1, agent_id);
    return core_int(s, st, 0, retired_at, "agent retired");
}

static int admin_audit(struct ef_store *s, const struct admin_ctx *c, const char *action,
                       const char *hostname, int64_t from, int64_t to)
{
    json_t *o =
        json_pack("{s:s, s:s, s:I, s:I}", "agent", c->agent_id, "hostname", hostname,
                  "from_department_id", (json_int_t)from, "to_department_id", (json_int_t)to);
    char *details = o != NULL ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    int rc;

    json_decref(o);
    if (details == NULL) {
        snprintf(s->err, sizeof(s->err), "out of memory");
        return EF_ERR;
    }
    rc = core_audit(s, c->now, c->actor, action, details);
    free(details);
    return rc;
}

static int agent_move_tx(struct ef_store *s, void *ctx)
{
    static const char sql[] = "UPDATE agents SET department_id = $2, counted = 0 "
                              "WHERE agent_id = $1";
    const struct admin_ctx *c = ctx;
    char hostname[EF_NAME_MAX + 1];
    struct ef_db_stmt *st;
    int64_t from;
    int rc;

    if ((rc = agent_department(s, c->agent_id, &from, hostname, sizeof(hostname))) != EF_OK)
        return rc;
    if (from == c->department_id)
        return admin_audit(s, c, "agent.move", hostname, from, from);
    /* Its results leave the old department's counters, then meet the new one's acceptances. */
    if (core_agent_uncount(s, c->agent_id) != EF_OK || core_hosts_delta(s, from, -1) != EF_OK ||
        core_hosts_delta(s, c->department_id, 1) != EF_OK || (st = core_prepare(s, sql)) == NULL)
        return EF_ERR;
    DB(s)->bind_text(st, 1, c->agent_id);
    DB(s)->bind_int(st, 2, c->department_id);
    if (core_exec(s, st, "move agent") != EF_OK ||
        core_agent_rebuild(s, c->agent_id, c->now) != EF_OK ||
        core_deviations_agent_moved(s, c->agent_id, c->department_id) != EF_OK)
        return EF_ERR;
    return admin_audit(s, c, "agent.move", hostname, from, c->department_id);
}

int core_agent_move_in(struct ef_store *s, const char *agent_id, int64_t department_id,
                       const char *actor, time_t now)
{
    struct admin_ctx c = {agent_id, actor, department_id, now};

    return agent_move_tx(s, &c);
}

int core_agent_move(struct ef_store *s, const char *agent_id, int64_t department_id,
                    const char *actor, time_t now)
{
    struct admin_ctx c = {agent_id, actor, department_id, now};

    return DB(s)->tx(s, EF_DB_SHARED, agent_move_tx, &c);
}

static int agent_reset_tx(struct ef_store *s, void *ctx)
{
    /* A retired machine returns to service: a host of its department again, counted from
     * its next report. */
    static const char sql[] = "UPDATE agents SET rekey_allowed = 1, retired_at = 0 "
                              "WHERE agent_id = $1";
    const struct admin_ctx *c = ctx;
    char hostname[EF_NAME_MAX + 1];
    struct ef_db_stmt *st;
    int64_t dept, was_retired = 0;
    int rc;

    if ((rc = agent_department(s, c->agent_id, &dept, hostname, sizeof(hostname))) != EF_OK ||
        (rc = agent_retired(s, c->agent_id, &was_retired)) != EF_OK ||
        (st = core_prepare(s, sql)) == NULL)
        return rc != EF_OK ? rc : EF_ERR;
    DB(s)->bind_text(st, 1, c->agent_id);
    if (core_exec(s, st, "reset agent") != EF_OK ||
        (was_retired != 0 && core_hosts_delta(s, dept, 1) != EF_OK))
        return EF_ERR;
    return admin_audit(s, c, "agent.reset", hostname, dept, dept);
}

/* Out of the figures and host lists, kept with its reports for history; its reports and
 * enrollments are refused until agent_reset. */
static int agent_retire_tx(struct ef_store *s, void *ctx)
{
    static const char sql[] = "UPDATE agents SET retired_at = $2, counted = 0, rekey_allowed = 0 "
                              "WHERE agent_id = $1";
    const struct admin_ctx *c = ctx;
    char hostname[EF_NAME_MAX + 1];
    struct ef_db_stmt *st;
    int64_t dept, retired = 0;
    int rc;

    if ((rc = agent_department(s, c->agent_id, &dept, hostname, sizeof(hostname))) != EF_OK ||
        (rc = agent_retired(s, c->agent_id, &retired)) != EF_OK)
        return rc;
    if (retired != 0)
        return admin_audit(s, c, "agent.retire", hostname, dept, dept);
    if (core_agent_uncount(s, c->agent_id) != EF_OK || core_hosts_delta(s, dept, -1) != EF_OK ||
        (st = core_prepare(s, sql)) == NULL)
        return EF_ERR;
    DB(s)->bind_text(st, 1, c->agent_id);
    DB(s)->bind_int(st, 2, (int64_t)c->now);
    if (core_exec(s, st, "retire agent") != EF_OK ||
        core_deviations_agent_retired(s, c->agent_id, c->actor, c->now) != EF_OK)
        return EF_ERR;
    return admin_audit(s, c, "agent.retire", hostname, dept, dept);
}

int core_agent_retire(struct ef_store *s, const char *agent_id, const char *actor, time_t now)
{
    struct admin_ctx c = {agent_id, actor, 0, now};

    return DB(s)->tx(s, EF_DB_SHARED, agent_retire_tx, &c);
}

int core_agent_reset(struct ef_store *s, const char *agent_id, const char *actor, time_t now)
{
    struct admin_ctx c = {agent_id, actor, 0, now};

    return DB(s)->tx(s, EF_DB_SHARED, agent_reset_tx, &c);
}

/* ---- reports ---- */

/* Feed the agent's stored latest results to the diff. */
static int load_prev(struct ef_store *s, const char *agent_id, struct ef_result_diff *d)
{
    static const char sql[] = "SELECT check_id, status, evidence, severity, level, controls, "
                              "accepted_by, since FROM latest_results WHERE agent_id = $1";
    struct ef_db_stmt *st = core_prepare(s, sql);
    int rc;

    if (st == NULL)
        return EF_ERR;
    DB(s)->bind_text(st, 1, agent_id);
    while ((rc = DB(s)->step(s, st, "previous results")) == EF_DB_ROW)
        if (ef_diff_prev(d, core_col_str(s, st, 0), core_col_str(s, st, 1), core_col_str(s, st, 2),
                         core_col_str(s, st, 3), core_col_str(s, st, 4), core_col_str(s, st, 5),
                         DB(s)->col_int(st, 6), DB(s)->col_int(st, 7), s->err,
                         sizeof(s->err)) != 0) {
            rc = EF_ERR;
            break;
        }
    DB(s)->done(st);
    return rc == EF_DB_DONE ? EF_OK : EF_ERR;
}

/* Bind one result's columns ($1 agent_id .. $8 report_id). */
static void bind_result(struct ef_store *s, struct ef_db_stmt *st, const char *agent_id,
                        int64_t report_id, const struct ef_result *res, const char *controls)
{
    DB(s)->bind_text(st, 1, agent_id);
    DB(s)->bind_text(st, 2, res->check);
    DB(s)->bind_text(st, 3, ef_result_status_name(res->status));
    DB(s)->bind_text(st, 4, res->evidence);
    DB(s)->bind_text(st, 5, ef_severity_name(res->severity));
    DB(s)->bind_text(st, 6, ef_level_name(res->level));
    DB(s)->bind_text(st, 7, controls);
    DB(s)->bind_int(st, 8, report_id);
}

/* Write what changed in the agent's latest results: changed and new rows in place (and into
 * the history), rows of checks no longer reported deleted. */
static int write_changes(struct ef_store *s, const struct ef_report_record *rec, int64_t report_id,
                         const struct ef_result_diff *d)
{
    static const char latest_sql[] =
        "INSERT INTO latest_results (agent_id, check_id, status, evidence, severity, level, "
        "controls, report_id, accepted_by, since) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) "
        "ON CONFLICT (agent_id, check_id) DO UPDATE SET status = excluded.status, "
        "evidence = excluded.evidence, severity = excluded.severity, level = excluded.level, "
        "controls = excluded.controls, report_id = excluded.report_id, "
        "accepted_by = excluded.accepted_by, since = excluded.since";
    static const char hist_sql[] =
        "INSERT INTO results_history (agent_id, check_id, status, evidence, severity, level, "
        "controls, report_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
    static const char delete_sql[] =
        "DELETE FROM latest_results WHERE agent_id = $1 AND check_id = $2";
    const struct ef_report *r = rec->report;
    struct ef_db_stmt *st;
    size_t i;

    if (DB(s)->bulk_write_changes != NULL)
        return DB(s)->bulk_write_changes(s, rec, report_id, d);
    for (i = 0; i < r->nresults; i++) {
        const struct ef_result *res = &r->results[i];

        if (d->old[i].same)
            continue;
        if ((st = core_prepare(s, latest_sql)) == NULL)
            return EF_ERR;
        bind_result(s, st, rec->agent_id, report_id, res, d->ctl[i]);
        if (d->acc[i])
            DB(s)->bind_int(st, 9, d->acc[i]);
        else
            DB(s)->bind_null(st, 9);
        DB(s)->bind_int(st, 10, ef_diff_since(d, i, (int64_t)rec->received_at));
        if (core_exec(s, st, "write result") != EF_OK || (st = core_prepare(s, hist_sql)) == NULL)
            return EF_ERR;
        bind_result(s, st, rec->agent_id, report_id, res, d->ctl[i]);
        if (core_exec(s, st, "result history") != EF_OK)
            return EF_ERR;
    }
    for (i = 0; i < d->ngone; i++) {
        if ((st = core_prepare(s, delete_sql)) == NULL)
            return EF_ERR;
        DB(s)->bind_text(st, 1, rec->agent_id);
        DB(s)->bind_text(st, 2, d->gone[i].check);
        if (core_exec(s, st, "delete result") != EF_OK)
            return EF_ERR;
    }
    return EF_OK;
}

struct store_ctx {
    const struct ef_report_record *rec;
    int catch_up; /* close past days first (holding the counters lock exclusively) */
};

/* Claim the seq: the agent row changes (and is locked) only when the report's seq is still
 * greater than the stored one and the agent still has the key the signature was verified
 * with. A concurrent upload of the same agent (here or on another collector) waits for the
 * lock, then finds last_seq no longer lower and is refused. */
static int claim_seq(struct ef_store *s, const struct ef_report_record *rec, int64_t *dept,
                     int64_t *counted, int64_t n_old[EF_KINDS])
{
    static const char sql[] =
        "UPDATE agents SET last_seq = $1, last_sha256 = $2, last_seen = $3, hostname = $4, "
        "os_pretty = $5, kernel = $6, platform = $9, os_edition = $10, os_build = $11, "
        "policy_id = $12, policy_version = $13, policy_sha256 = $14, policy_assigned = $15, "
        "levels = coalesce($16, levels) "
        "WHERE agent_id = $7 AND last_seq < $1 AND ($8 IS NULL OR public_key = $8) "
        "AND retired_at = 0 "
        "RETURNING department_id, counted, n_pass, n_fail, n_na, n_unknown, n_error, n_accepted, "
        "n_missing";
    const struct ef_report *r = rec->report;
    struct ef_db_stmt *st = core_prepare(s, sql);
    int rc, k;

    if (st == NULL)
        return EF_ERR;
    DB(s)->bind_int(st, 1, (int64_t)r->seq);
    DB(s)->bind_text(st, 2, rec->sha256);
    DB(s)->bind_int(st, 3, (int64_t)rec->received_at);
    DB(s)->bind_text(st, 4, r->host.hostname);
    DB(s)->bind_text(st, 5, r->host.os_pretty);
    DB(s)->bind_text(st, 6, r->host.kernel);
    DB(s)->bind_text(st, 7, rec->agent_id);
    DB(s)->bind_blob(st, 8, rec->public_key, rec->public_key != NULL ? EF_ED25519_PUB_LEN : 0);
    /* A parsed report always names its platform; a record built by hand may not. */
    DB(s)->bind_text(st, 9, r->host.platform[0] ? r->host.platform : EF_PLATFORM_LINUX);
    DB(s)->bind_text(st, 10, r->host.os_edition);
    DB(s)->bind_text(st, 11, r->host.os_build);
    DB(s)->bind_text(st, 12, r->policy_id);
    DB(s)->bind_text(st, 13, r->policy_version);
    DB(s)->bind_text(st, 14, r->policy_sha256);
    DB(s)->bind_int(st, 15, rec->policy_assigned ? 1 : 0);
    DB(s)->bind_text(st, 16, rec->levels);
    if ((rc = core_row(s, st, "update agent")) != EF_OK)
        return rc == EF_NOTFOUND ? EF_EXISTS : rc;
    *dept = DB(s)->col_int(st, 0);
    *counted = DB(s)->col_int(st, 1);
    for (k = 0; k < EF_KINDS; k++)
        n_old[k] = DB(s)->col_int(st, 2 + k);
    DB(s)->done(st);
    return EF_OK;
}

static int report_store_tx(struct ef_store *s, void *ctx)
{
    static const char report_sql[] =
        "INSERT INTO reports (agent_id, seq, body, signature, sha256, generated_at, received_at, "
        "department_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id";
    static const char counts_sql[] =
        "UPDATE agents SET counted = 1, n_pass = $2, n_fail = $3, n_na = $4, n_unknown = $5, "
        "n_error = $6, n_accepted = $7, n_missing = $8 WHERE agent_id = $1";
    const struct ef_report_record *rec = ((struct store_ctx *)ctx)->rec;
    const struct ef_report *r = rec->report;
    int64_t report_id = 0, department_id = 0, counted = 0, n_old[EF_KINDS];
    struct ef_result_diff d;
    struct ef_db_stmt *st;
    char received[32];
    int k, rc, same_counts = 1;

    /* A new day's first report first closes the days before it (their snapshots). */
    if (((struct store_ctx *)ctx)->catch_up &&
        core_catch_up(s, rec->received_at, s->stale_days) != EF_OK)
        return EF_ERR;
    if ((rc = claim_seq(s, rec, &department_id, &counted, n_old)) != EF_OK)
        return rc;
    if ((st = core_prepare(s, report_sql)) == NULL)
        return EF_ERR;
    ef_time_rfc3339(rec->received_at, received);
    DB(s)->bind_text(st, 1, rec->agent_id);
    DB(s)->bind_int(st, 2, (int64_t)r->seq);
    DB(s)->bind_blob(st, 3, rec->body, rec->body_len);
    DB(s)->bind_blob(st, 4, rec->signature, EF_ED25519_SIG_LEN);
    DB(s)->bind_text(st, 5, rec->sha256);
    DB(s)->bind_text(st, 6, r->generated_at);
    DB(s)->bind_text(st, 7, received);
    DB(s)->bind_int(st, 8, department_id);
    if (core_int(s, st, 0, &report_id, "insert report") != EF_OK)
        return EF_ERR;

    /* Each failure matched against the active acceptances, then compared with the stored row
     * of its check: only what differs is written. The counter rows are shared by every agent
     * of the department, so they are changed last, just before COMMIT. */
    if (ef_diff_init(&d, r, s->err, sizeof(s->err)) != 0)
        return EF_ERR;
    rc = EF_ERR;
    if (core_acceptances_match(s, department_id, rec->agent_id, r, d.acc) != EF_OK)
        goto out;
    if (load_prev(s, rec->agent_id, &d) != EF_OK ||
        ef_diff_finish(&d, s->err, sizeof(s->err)) != 0 ||
        write_changes(s, rec, report_id, &d) != EF_OK ||
        core_deviations_track(s, department_id, rec->agent_id, &d, rec->received_at) != EF_OK)
        goto out;

    /* Its own counts, and it is counted: it was seen just now. A counted agent's counters get
     * the deltas; one that was not counted (new, or stale until now) enters wholesale. */
    for (k = 0; k < EF_KINDS; k++)
        same_counts &= d.counts[k] == n_old[k];
    if (!counted || !same_counts) {
        if ((st = core_prepare(s, counts_sql)) == NULL)
            goto out;
        DB(s)->bind_text(st, 1, rec->agent_id);
        for (k = 0; k < EF_KINDS; k++)
            DB(s)->bind_int(st, 2 + k, d.counts[k]);
        if (core_exec(s, st, "update agent counts") != EF_OK)
            goto out;
    }
    if (counted ? core_apply_deltas(s, department_id, &d) != EF_OK
                : core_agent_apply(s, rec->agent_id, department_id, 1) != EF_OK)
        goto out;
    rc = EF_OK;
out:
    ef_diff_free(&d);
    return rc;
}

int core_report_store(struct ef_store *s, const struct ef_report_record *rec)
{
    struct store_ctx c = {.rec = rec};
    int due = 0;

    if (rec->body_len > (size_t)EF_BODY_MAX || rec->report->seq > (uint64_t)INT64_MAX) {
        snprintf(s->err, sizeof(s->err), "report out of range");
        return EF_ERR;
    }
    /* Whether past days must be closed first decides the lock: exclusive when so (the sweep's
     * work), shared otherwise. Once a day has been closed, no later check says so again, so
     * an ingest holding the lock shared never runs before the close. A batch did this once,
     * in core_batch_begin. */
    if (!DB(s)->in_batch(s) && core_due(s, rec->received_at, s->stale_days, &due) != EF_OK)
        return EF_ERR;
    c.catch_up = due;
    return core_unit(s, due ? EF_DB_EXCLUSIVE : EF_DB_SHARED, report_store_tx, &c);
}

/* ---- group commit (ingest writer) ---- */

int core_batch_begin(struct ef_store *s, time_t now)
{
    int due = 0, rc;

    if (core_due(s, now, s->stale_days, &due) != EF_OK)
        return EF_ERR;
    /* A batch holds the counters lock shared, like a single report, unless it closes past
     * days first. Batches of two collectors then run side by side: their counter deltas are
     * deferred to the commit (core_pending.c) and written in one order, so they neither take
     * turns for the whole batch nor lock the shared rows in the order of their reports. */
    if ((rc = DB(s)->batch_open(s, due ? EF_DB_EXCLUSIVE : EF_DB_SHARED)) != EF_OK)
        return rc;
    if (due && core_catch_up(s, now, s->stale_days) != EF_OK) {
        DB(s)->batch_rollback(s);
        return EF_ERR;
    }
    core_pending_start(s);
    return EF_OK;
}

int core_batch_commit(struct ef_store *s)
{
    /* The deferred deltas first, once: a commit answering EF_BUSY is called again, with
     * nothing left to flush. A failed flush must not commit the reports without them. */
    int rc = core_pending_flush(s);

    if (rc != EF_OK) {
        DB(s)->batch_rollback(s);
        return rc == EF_RETRY ? EF_RETRY : EF_ERR;
    }
    return DB(s)->batch_commit(s);
}

void core_batch_rollback(struct ef_store *s)
{
    core_pending_clear(s);
    DB(s)->batch_rollback(s);
}

/* ---- key certificates of keys enrolled before schema 4 ---- */

struct legacy_key {
    char agent_id[EF_ID_MAX + 1];
    unsigned char public_key[EF_ED25519_PUB_LEN];
};

static int legacy_key_row(struct ef_store *s, struct ef_db_stmt *st, void *elem)
{
    struct legacy_key *k = elem;

    if (core_col_text(s, st, 0, k->agent_id, sizeof(k->agent_id)) != EF_OK ||
        core_col_bytes(s, st, 1, k->public_key, EF_ED25519_PUB_LEN) != EF_OK)
        return EF_ERR;
    return EF_OK;
}

struct certify_ctx {
    ef_certify_fn certify;
    void *arg;
    time_t now;
    int64_t certified;
};

static int keys_certify_tx(struct ef_store *s, void *ctx)
{
    static const char due_sql[] = "SELECT CAST(value AS BIGINT) FROM meta "
                                  "WHERE key = 'legacy_key_certs' FOR UPDATE";
    static const char keys_sql[] = "SELECT agent_id, public_key FROM agent_keys "
                                   "WHERE cert IS NULL ORDER BY agent_id, public_key";
    static const char set_sql[] =
        "UPDATE agent_keys SET cert = $3 WHERE agent_id = $1 AND public_key = $2";
    static const char done_sql[] = "UPDATE meta SET value = '0' WHERE key = 'legacy_key_certs'";
    struct certify_ctx *c = ctx;
    struct legacy_key *keys = NULL;
    struct ef_db_stmt *st;
    unsigned char cert[EF_ED25519_SIG_LEN];
    int64_t due = 0;
    size_t n = 0, i;
    char details[64];
    int rc;

    c->certified = 0;
    if (core_int(s, core_prepare(s, due_sql), 0, &due, "legacy key certificates") != EF_OK)
        return EF_ERR;
    if (due == 0)
        return EF_OK;
    if (core_collect(s, core_prepare(s, keys_sql), sizeof(*keys), legacy_key_row, NULL,
                     (void **)&keys, &n, "keys without certificate") != EF_OK)
        return EF_ERR;
    for (i = 0, rc = EF_OK; i < n && rc == EF_OK; i++) {
        if (c->certify(c->arg, keys[i].agent_id, keys[i].public_key, cert) != 0) {
            snprintf(s->err, sizeof(s->err), "cannot certify the key of %s", keys[i].agent_id);
            rc = EF_ERR;
            break;
        }
        if ((st = core_prepare(s, set_sql)) == NULL) {
            rc = EF_ERR;
            break;
        }
        DB(s)->bind_text(st, 1, keys[i].agent_id);
        DB(s)->bind_blob(st, 2, keys[i].public_key, EF_ED25519_PUB_LEN);
        DB(s)->bind_blob(st, 3, cert, sizeof(cert));
        rc = core_exec(s, st, "store key certificate");
    }
    free(keys);
    if (rc != EF_OK || core_exec(s, core_prepare(s, done_sql), "legacy key certificates") != EF_OK)
        return EF_ERR;
    c->certified = (int64_t)n;
    if (n == 0) /* a new database: nothing to record */
        return EF_OK;
    snprintf(details, sizeof(details), "{\"keys\":%zu}", n);
    return core_audit(s, c->now, "system", "agent_keys.certify", details);
}

int core_agent_keys_certify(struct ef_store *s, ef_certify_fn certify, void *arg, time_t now,
                            int64_t *certified)
{
    struct certify_ctx c = {certify, arg, now, 0};
    int rc = DB(s)->tx(s, EF_DB_EXCLUSIVE, keys_certify_tx, &c);

    *certified = rc == EF_OK ? c.certified : 0;
    return rc;
}

/* ---- export key rotation ---- */

struct stored_key {
    char agent_id[EF_ID_MAX + 1];
    unsigned char public_key[EF_ED25519_PUB_LEN];
    unsigned char cert[EF_ED25519_SIG_LEN];
    size_t certlen;
};

static int stored_key_row(struct ef_store *s, struct ef_db_stmt *st, void *elem)
{
    struct stored_key *k = elem;

    if (core_col_text(s, st, 0, k->agent_id, sizeof(k->agent_id)) != EF_OK ||
        core_col_bytes(s, st, 1, k->public_key, EF_ED25519_PUB_LEN) != EF_OK)
        return EF_ERR;
    /* A certificate of another length is no certificate: recertify is told so (0). */
    if (!DB(s)->col_null(st, 2) && core_col_bytes(s, st, 2, k->cert, EF_ED25519_SIG_LEN) == EF_OK)
        k->certlen = EF_ED25519_SIG_LEN;
    return EF_OK;
}

struct recertify_ctx {
    ef_recertify_fn recertify;
    void *arg;
    const char *actor, *details;
    time_t now;
    int64_t done, kept;
};

static int keys_recertify_tx(struct ef_store *s, void *ctx)
{
    static const char keys_sql[] =
        "SELECT agent_id, public_key, cert FROM agent_keys ORDER BY agent_id, public_key";
    static const char set_sql[] =
        "UPDATE agent_keys SET cert = $3 WHERE agent_id = $1 AND public_key = $2";
    struct recertify_ctx *c = ctx;
    struct stored_key *keys = NULL;
    struct ef_db_stmt *st;
    size_t n = 0, i;
    int rc = EF_OK, r;

    c->done = c->kept = 0;
    if (core_collect(s, core_prepare(s, keys_sql), sizeof(*keys), stored_key_row, NULL,
                     (void **)&keys, &n, "agent keys") != EF_OK)
        return EF_ERR;
    for (i = 0; i < n && rc == EF_OK; i++) {
        r = c->recertify(c->arg, keys[i].agent_id, keys[i].public_key, keys[i].cert,
                         keys[i].certlen);
        if (r < 0) {
            snprintf(s->err, sizeof(s->err), "cannot certify the key of %s", keys[i].agent_id);
            rc = EF_ERR;
        } else if (r > 0) {
            c->kept++;
        } else if ((st = core_prepare(s, set_sql)) == NULL) {
            rc = EF_ERR;
        } else {
            DB(s)->bind_text(st, 1, keys[i].agent_id);
            DB(s)->bind_blob(st, 2, keys[i].public_key, EF_ED25519_PUB_LEN);
            DB(s)->bind_blob(st, 3, keys[i].cert, EF_ED25519_SIG_LEN);
            if ((rc = core_exec(s, st, "store key certificate")) == EF_OK)
                c->done++;
        }
    }
    free(keys);
    if (rc != EF_OK)
        return rc;
    return core_audit(s, c->now, c->actor, "export_key.rotate", c->details);
}

int core_agent_keys_recertify(struct ef_store *s, ef_recertify_fn recertify, void *arg,
                              const char *actor, const char *details, time_t now, int64_t *done,
                              int64_t *kept)
{
    struct recertify_ctx c = {recertify, arg, actor, details, now, 0, 0};
    /* Exclusive: no enrollment certifies a key with the old key meanwhile. */
    int rc = DB(s)->tx(s, EF_DB_EXCLUSIVE, keys_recertify_tx, &c);

    *done = rc == EF_OK ? c.done : 0;
    *kept = rc == EF_OK ? c.kept : 0;
    return rc;
}
