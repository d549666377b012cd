/* The SQLite store: one database file in WAL mode. Every statement is prepared and bound;
 * nothing is ever spliced into SQL text.
 *
 * synchronous=FULL: a report is acknowledged to the agent only after COMMIT, and the agent
 * then deletes it from its spool. With NORMAL, WAL mode may lose the last commits on power
 * failure, and that report would be gone on both sides. FULL costs one fsync of the WAL
 * per commit, which is fine at one report per agent per run. */
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "efterlev/util.h"
#include "now.h"
#include "store/postgres.h"
#include "store/result_diff.h"
#include "store/sqlite_internal.h"
#include "store/sqlite_schema.h"
#include "store/sqlite_ops.h"
#include "store/core.h"
#include "store/store.h"

#define BUSY_TIMEOUT_MS 5000

int sq_fail(struct ef_store *s, const char *what)
{
    snprintf(s->err, sizeof(s->err), "%s: %s", what, sqlite3_errmsg(db_of(s)));
    return EF_STORE_ERR;
}

sqlite3_stmt *sq_prepare(struct ef_store *s, const char *sql)
{
    sqlite3_stmt *st = NULL;

    if (sqlite3_prepare_v2(db_of(s), sql, -1, &st, NULL) != SQLITE_OK) {
        sq_fail(s, "prepare");
        sqlite3_finalize(st);
        return NULL;
    }
    return st;
}

int sq_exec(struct ef_store *s, const char *sql)
{
    char *msg = NULL;

    if (sqlite3_exec(db_of(s), sql, NULL, NULL, &msg) != SQLITE_OK) {
        snprintf(s->err, sizeof(s->err), "%s", msg != NULL ? msg : "sqlite3_exec failed");
        sqlite3_free(msg);
        return EF_STORE_ERR;
    }
    return EF_STORE_OK;
}

void sq_rollback(struct ef_store *s)
{
    /* Keep the first error message; a failed ROLLBACK adds nothing useful. */
    sqlite3_exec(db_of(s), "ROLLBACK", NULL, NULL, NULL);
}

/* Copy column i as text into dst (size dstlen); longer values are an error, since every
 * value was length-checked on the way in. */
int sq_col_text(struct ef_store *s, sqlite3_stmt *st, int i, char *dst, size_t dstlen)
{
    const unsigned char *v = sqlite3_column_text(st, i);
    int n = sqlite3_column_bytes(st, i);

    if (v == NULL)
        n = 0;
    if (n < 0 || (size_t)n >= dstlen) {
        snprintf(s->err, sizeof(s->err), "stored value too long in column %d", i);
        return EF_STORE_ERR;
    }
    if (n > 0)
        memcpy(dst, v, (size_t)n);
    dst[n] = '\0';
    return EF_STORE_OK;
}

int sq_run(struct ef_store *s, sqlite3_stmt *st, const char *what)
{
    int rc;

    if (st == NULL)
        return EF_STORE_ERR;
    rc = sqlite3_step(st);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
        sq_fail(s, what);
        sqlite3_finalize(st);
        return EF_STORE_ERR;
    }
    sqlite3_finalize(st);
    return EF_STORE_OK;
}

int sq_int64(struct ef_store *s, sqlite3_stmt *st, int64_t dflt, int64_t *out)
{
    int rc;

    if (st == NULL)
        return EF_STORE_ERR;
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *out = sqlite3_column_type(st, 0) == SQLITE_NULL ? dflt : sqlite3_column_int64(st, 0);
    else if (rc == SQLITE_DONE)
        *out = dflt;
    else {
        sq_fail(s, "select");
        sqlite3_finalize(st);
        return EF_STORE_ERR;
    }
    sqlite3_finalize(st);
    return EF_STORE_OK;
}

void *sq_grow(struct ef_store *s, void *v, size_t *cap, size_t len, size_t size)
{
    void *nv;

    if (len < *cap)
        return v;
    *cap = *cap ? *cap * 2 : 16;
    nv = reallocarray(v, *cap, size);
    if (nv == NULL)
        snprintf(s->err, sizeof(s->err), "out of memory");
    return nv;
}

int sq_collect(struct ef_store *s, sqlite3_stmt *st, size_t elem_size, sq_row_fn row,
               void (*free_rows)(void *v, size_t n), void **out, size_t *n, const char *what)
{
    unsigned char *v = NULL, *nv;
    size_t len = 0, cap = 0;
    int rc;

    *out = NULL;
    *n = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if ((nv = sq_grow(s, v, &cap, len, elem_size)) == NULL)
            goto err;
        v = nv;
        memset(v + len * elem_size, 0, elem_size);
        if (row(s, st, v + len * elem_size) != EF_STORE_OK) {
            len++; /* the failed row may hold something to free */
            goto err;
        }
        len++;
    }
    if (rc != SQLITE_DONE) {
        sq_fail(s, what);
        goto err;
    }
    sqlite3_finalize(st);
    *out = v;
    *n = len;
    return EF_STORE_OK;
err:
    sqlite3_finalize(st);
    if (free_rows != NULL)
        free_rows(v, len);
    else
        free(v);
    return EF_STORE_ERR;
}

sqlite3_stmt *sq_cached(struct ef_store *s, enum sq_slot slot, const char *sql)
{
    struct sqlite_store *q = (struct sqlite_store *)s;
    sqlite3_stmt *st = q->cached[slot];

    if (st == NULL) {
        if (sqlite3_prepare_v3(q->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
            sq_fail(s, "prepare");
            sqlite3_finalize(st);
            return NULL;
        }
        q->cached[slot] = st;
        return st;
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return st;
}

void sq_done(sqlite3_stmt *st)
{
    if (st != NULL)
        sqlite3_reset(st);
}

int sq_run_cached(struct ef_store *s, sqlite3_stmt *st, const char *what)
{
    int rc;

    if (st == NULL)
        return EF_STORE_ERR;
    rc = sqlite3_step(st);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
        sq_fail(s, what);
        sqlite3_reset(st);
        return EF_STORE_ERR;
    }
    sqlite3_reset(st);
    return EF_STORE_OK;
}

static void reset_cached(struct ef_store *s)
{
    struct sqlite_store *q = (struct sqlite_store *)s;

    for (int i = 0; i < SQ_SLOTS; i++)
        if (q->cached[i] != NULL)
            sqlite3_reset(q->cached[i]);
}

/* One unit of writing: its own BEGIN IMMEDIATE .. COMMIT, or inside a batch a savepoint
 * of the batch's transaction. */
static int tx_begin(struct ef_store *s)
{
    if (((struct sqlite_store *)s)->in_batch)
        return sq_run_cached(s, sq_cached(s, SQ_SP_BEGIN, "SAVEPOINT unit"), "savepoint");
    return sq_exec(s, "BEGIN IMMEDIATE");
}

static int tx_commit(struct ef_store *s)
{
    if (((struct sqlite_store *)s)->in_batch)
        return sq_run_cached(s, sq_cached(s, SQ_SP_RELEASE, "RELEASE unit"), "release");
    return sq_exec(s, "COMMIT");
}

static void tx_abort(struct ef_store *s)
{
    if (((struct sqlite_store *)s)->in_batch) {
        /* ROLLBACK TO keeps the savepoint open; RELEASE ends it. */
        reset_cached(s);
        if (sq_run_cached(s, sq_cached(s, SQ_SP_ROLLBACK, "ROLLBACK TO unit"), "rollback") ==
            EF_STORE_OK)
            sq_run_cached(s, sq_cached(s, SQ_SP_RELEASE, "RELEASE unit"), "release");
        return;
    }
    sq_rollback(s);
}

#define fail sq_fail
#define prepare sq_prepare
#define exec sq_exec
#define rollback sq_rollback
#define col_text sq_col_text

static void now_text(char out[32])
{
    ef_now_rfc3339(out);
}

/* ---- departments ---- */

static int sq_department_add(struct ef_store *s, const char *name, ef_level level,
                             const char *token_hash, int64_t *id)
{
    char now[32];
    sqlite3_stmt *st;
    int rc;

    if (exec(s, "BEGIN IMMEDIATE") != EF_STORE_OK)
        return EF_STORE_ERR;
    st = prepare(s, "INSERT INTO departments (name, level, token_hash, created_at) "
                    "VALUES (?1, ?2, ?3, ?4)");
    if (st == NULL)
        goto err;
    now_text(now);
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, (int)level);
    sqlite3_bind_text(st, 3, token_hash, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, now, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc == SQLITE_CONSTRAINT) {
        rollback(s);
        return EF_STORE_EXISTS;
    }
    if (rc != SQLITE_DONE) {
        fail(s, "insert department");
        goto err;
    }
    *id = sqlite3_last_insert_rowid(db_of(s));
    st = prepare(s, "INSERT INTO dept_counts (department_id) VALUES (?1)");
    if (st != NULL)
        sqlite3_bind_int64(st, 1, *id);
    if (sq_run(s, st, "insert department counters") != EF_STORE_OK ||
        exec(s, "COMMIT") != EF_STORE_OK)
        goto err;
    return EF_STORE_OK;
err:
    rollback(s);
    return EF_STORE_ERR;
}

/* ---- agents ---- */

static int read_agent(struct ef_store *s, sqlite3_stmt *st, struct ef_agent *a)
{
    const void *key;

    memset(a, 0, sizeof(*a));
    if (col_text(s, st, 0, a->agent_id, sizeof(a->agent_id)) != EF_STORE_OK ||
        col_text(s, st, 1, a->machine_id, sizeof(a->machine_id)) != EF_STORE_OK)
        return EF_STORE_ERR;
    a->department_id = sqlite3_column_int64(st, 2);
    key = sqlite3_column_blob(st, 3);
    if (key == NULL || sqlite3_column_bytes(st, 3) != EF_ED25519_PUB_LEN) {
        snprintf(s->err, sizeof(s->err), "agent %s has a malformed public key", a->agent_id);
        return EF_STORE_ERR;
    }
    memcpy(a->public_key, key, EF_ED25519_PUB_LEN);
    a->last_seq = (uint64_t)sqlite3_column_int64(st, 4);
    return col_text(s, st, 5, a->last_sha256, sizeof(a->last_sha256));
}

#define AGENT_COLUMNS "agent_id, machine_id, department_id, public_key, last_seq, last_sha256"

static int agent_select(struct ef_store *s, const char *where, const char *value,
                        struct ef_agent *out)
{
    char sql[256];
    sqlite3_stmt *st;
    int rc, ret;

    /* where is one of two constant column names below, never input. */
    snprintf(sql, sizeof(sql), "SELECT " AGENT_COLUMNS " FROM agents WHERE %s = ?1", where);
    st = prepare(s, sql);
    if (st == NULL)
        return EF_STORE_ERR;
    sqlite3_bind_text(st, 1, value, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        ret = read_agent(s, st, out);
    else if (rc == SQLITE_DONE)
        ret = EF_STORE_NOTFOUND;
    else
        ret = fail(s, "select agent");
    sqlite3_finalize(st);
    return ret;
}

static int hosts_delta(struct ef_store *s, int64_t department_id, int delta)
{
    sqlite3_stmt *st = prepare(s, "UPDATE dept_counts SET hosts = hosts + ?2 "
                                  "WHERE department_id = ?1");

    if (st != NULL) {
        sqlite3_bind_int64(st, 1, department_id);
        sqlite3_bind_int(st, 2, delta);
    }
    return sq_run(s, st, "update department hosts");
}

static int sq_agent_enroll(struct ef_store *s, const struct ef_enrollment *e, struct ef_agent *out)
{
    struct ef_agent old;
    sqlite3_stmt *st = NULL;
    char now[32];
    int rc, found, moved = 0;

    if (tx_begin(s) != EF_STORE_OK)
        return EF_STORE_ERR;
    found = agent_select(s, "machine_id", e->machine_id, &old);
    if (found == EF_STORE_ERR)
        goto err;
    now_text(now);
    if (found == EF_STORE_OK) {
        int key_changed = !ef_ct_equal(old.public_key, e->public_key, EF_ED25519_PUB_LEN);

        moved = old.department_id != e->department_id;
        /* Its results leave the old department's counters before it moves. */
        if (moved && (sq_agent_uncount(s, old.agent_id) != EF_STORE_OK ||
                      hosts_delta(s, old.department_id, -1) != EF_STORE_OK ||
                      hosts_delta(s, e->department_id, 1) != EF_STORE_OK))
            goto err;
        st = prepare(s, "UPDATE agents SET public_key = ?1, hostname = ?2, department_id = ?3, "
                        "enrolled_at = ?4, last_seq = CASE WHEN ?5 THEN 0 ELSE last_seq END, "
                        "counted = CASE WHEN ?7 THEN 0 ELSE counted END "
                        "WHERE agent_id = ?6");
        if (st == NULL)
            goto err;
        sqlite3_bind_blob(st, 1, e->public_key, EF_ED25519_PUB_LEN, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, e->hostname, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, e->department_id);
        sqlite3_bind_text(st, 4, now, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 5, key_changed);
        sqlite3_bind_text(st, 6, old.agent_id, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 7, moved);
    } else {
        if (hosts_delta(s, e->department_id, 1) != EF_STORE_OK)
            goto err;
        st = prepare(s, "INSERT INTO agents (agent_id, machine_id, department_id, public_key, "
                        "hostname, enrolled_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
        if (st == NULL)
            goto err;
        sqlite3_bind_text(st, 1, e->new_agent_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, e->machine_id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, e->department_id);
        sqlite3_bind_blob(st, 4, e->public_key, EF_ED25519_PUB_LEN, SQLITE_STATIC);
        sqlite3_bind_text(st, 5, e->hostname, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 6, now, -1, SQLITE_STATIC);
    }
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        fail(s, "store agent");
        goto err;
    }
    /* Every key the agent ever had, so exports can verify its older reports. */
    st = prepare(s, "INSERT OR IGNORE INTO agent_keys (agent_id, public_key, first_enrolled_at) "
                    "SELECT agent_id, public_key, enrolled_at FROM agents WHERE machine_id = ?1");
    if (st != NULL)
        sqlite3_bind_text(st, 1, e->machine_id, -1, SQLITE_STATIC);
    if (sq_run(s, st, "record agent key") != EF_STORE_OK)
        goto err;
    /* In the new department its failures meet that department's acceptances. */
    if (moved && sq_agent_rebuild(s, old.agent_id, ef_coll_now()) != EF_STORE_OK)
        goto err;
    if (agent_select(s, "machine_id", e->machine_id, out) != EF_STORE_OK)
        goto err;
    if (tx_commit(s) != EF_STORE_OK)
        goto err;
    return EF_STORE_OK;
err:
    tx_abort(s);
    return EF_STORE_ERR;
}

/* ---- reports ---- */

/* Bind one result's columns (1 agent_id .. 8 report_id). */
static void bind_result(sqlite3_stmt *st, const char *agent_id, int64_t report_id,
                        const struct ef_result *res, const char *controls)
{
    sqlite3_bind_text(st, 1, agent_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, res->check, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, ef_status_name(res->status), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, res->evidence, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, ef_severity_name(res->severity), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, ef_level_name(res->level), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 7, controls, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 8, report_id);
}

static const char *col_str(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);

    return t != NULL ? (const char *)t : "";
}

/* Feed the agent's stored latest results to the diff. */
static int load_prev(struct ef_store *s, const char *agent_id, struct ef_result_diff *d)
{
    sqlite3_stmt *st;
    int rc;

    st = sq_cached(s, SQ_PREV,
                   "SELECT check_id, status, evidence, severity, level, controls, accepted_by, "
                   "since FROM latest_results WHERE agent_id = ?1");
    if (st == NULL)
        return EF_STORE_ERR;
    sqlite3_bind_text(st, 1, agent_id, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        if (ef_diff_prev(d, col_str(st, 0), col_str(st, 1), col_str(st, 2), col_str(st, 3),
                         col_str(st, 4), col_str(st, 5), sqlite3_column_int64(st, 6),
                         sqlite3_column_int64(st, 7), s->err, sizeof(s->err)) != 0) {
            sq_done(st);
            return EF_STORE_ERR;
        }
    sq_done(st);
    if (rc != SQLITE_DONE)
        return fail(s, "previous results");
    return EF_STORE_OK;
}

/* Write what changed in the agent's latest results: changed and new rows in place (and into
 * the history), rows of checks no longer reported deleted. */
static int write_changes(struct ef_store *s, const struct ef_report_record *rec, int64_t report_id,
                         const struct ef_result_diff *d)
{
    const struct ef_report *r = rec->report;
    sqlite3_stmt *latest, *hist, *del;
    size_t i;

    latest = sq_cached(s, SQ_LATEST_UPSERT,
                       "INSERT INTO latest_results (agent_id, check_id, status, evidence, "
                       "severity, level, controls, report_id, accepted_by, since) "
                       "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) "
                       "ON CONFLICT (agent_id, check_id) DO UPDATE SET "
                       "status = excluded.status, evidence = excluded.evidence, "
                       "severity = excluded.severity, level = excluded.level, "
                       "controls = excluded.controls, report_id = excluded.report_id, "
                       "accepted_by = excluded.accepted_by, since = excluded.since");
    hist = sq_cached(s, SQ_HIST_INSERT,
                     "INSERT INTO results_history (agent_id, check_id, status, evidence, "
                     "severity, level, controls, report_id) "
                     "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
    del = sq_cached(s, SQ_LATEST_DELETE,
                    "DELETE FROM latest_results WHERE agent_id = ?1 AND check_id = ?2");
    if (latest == NULL || hist == NULL || del == NULL)
        return EF_STORE_ERR;
    for (i = 0; i < r->nresults; i++) {
        const struct ef_result *res = &r->results[i];

        if (d->old[i].same)
            continue;
        bind_result(latest, rec->agent_id, report_id, res, d->ctl[i]);
        if (d->acc[i])
            sqlite3_bind_int64(latest, 9, d->acc[i]);
        else
            sqlite3_bind_null(latest, 9);
        sqlite3_bind_int64(latest, 10, ef_diff_since(d, i, (int64_t)rec->received_at));
        bind_result(hist, rec->agent_id, report_id, res, d->ctl[i]);
        if (sq_run_cached(s, latest, "write result") != EF_STORE_OK ||
            sq_run_cached(s, hist, "result history") != EF_STORE_OK)
            return EF_STORE_ERR;
    }
    for (i = 0; i < d->ngone; i++) {
        sqlite3_bind_text(del, 1, rec->agent_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(del, 2, d->gone[i].check, -1, SQLITE_STATIC);
        if (sq_run_cached(s, del, "delete result") != EF_STORE_OK)
            return EF_STORE_ERR;
    }
    return EF_STORE_OK;
}

static int sq_report_store(struct ef_store *s, const struct ef_report_record *rec)
{
    const struct ef_report *r = rec->report;
    sqlite3_stmt *st = NULL;
    char received[32];
    int64_t report_id, department_id = 0, counted = 0, n_old[EF_KINDS];
    struct ef_result_diff d;
    size_t i;
    int due = 0, k, same_counts = 1;

    if (rec->body_len > (size_t)EF_BODY_MAX || r->seq > (uint64_t)INT64_MAX) {
        snprintf(s->err, sizeof(s->err), "report out of range");
        return EF_STORE_ERR;
    }
    if (ef_diff_init(&d, r, s->err, sizeof(s->err)) != 0)
        return EF_STORE_ERR;
    ef_time_rfc3339(rec->received_at, received);
    if (tx_begin(s) != EF_STORE_OK) {
        ef_diff_free(&d);
        return EF_STORE_ERR;
    }
    /* A new day's first report first closes the days before it (their snapshots). A batch
     * did this once in batch_begin. */
    if (!((struct sqlite_store *)s)->in_batch &&
        (sq_due(s, rec->received_at, s->stale_days, &due) != EF_STORE_OK ||
         (due && sq_catch_up(s, rec->received_at, s->stale_days) != EF_STORE_OK)))
        goto err;

    /* Claim the seq first: if another writer stored this or a later seq meanwhile, no row
     * changes and the report is refused. */
    st = sq_cached(s, SQ_CLAIM_SEQ,
                   "UPDATE agents SET last_seq = ?1, last_sha256 = ?2, last_seen = ?3, "
                   "hostname = ?4, os_pretty = ?5, kernel = ?6 "
                   "WHERE agent_id = ?7 AND last_seq < ?1 AND (?8 IS NULL OR public_key = ?8)");
    if (st == NULL)
        goto err;
    sqlite3_bind_int64(st, 1, (int64_t)r->seq);
    sqlite3_bind_text(st, 2, rec->sha256, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, (int64_t)rec->received_at);
    sqlite3_bind_text(st, 4, r->host.hostname, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, r->host.os_pretty, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, r->host.kernel, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 7, rec->agent_id, -1, SQLITE_STATIC);
    if (rec->public_key != NULL)
        sqlite3_bind_blob(st, 8, rec->public_key, EF_ED25519_PUB_LEN, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 8);
    if (sq_run_cached(s, st, "update agent") != EF_STORE_OK)
        goto err;
    if (sqlite3_changes(db_of(s)) != 1) {
        tx_abort(s);
        ef_diff_free(&d);
        return EF_STORE_EXISTS;
    }
    st = sq_cached(s, SQ_AGENT_DEPT,
                   "SELECT department_id, counted, n_pass, n_fail, n_na, n_unknown, n_error, "
                   "n_accepted FROM agents WHERE agent_id = ?1");
    if (st == NULL)
        goto err;
    sqlite3_bind_text(st, 1, rec->agent_id, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_ROW) {
        fail(s, "select agent");
        sq_done(st);
        goto err;
    }
    department_id = sqlite3_column_int64(st, 0);
    counted = sqlite3_column_int64(st, 1);
    for (k = 0; k < EF_KINDS; k++)
        n_old[k] = sqlite3_column_int64(st, 2 + k);
    sq_done(st);

    st = sq_cached(s, SQ_REPORT_INSERT,
                   "INSERT INTO reports (agent_id, seq, body, signature, sha256, generated_at, "
                   "received_at, department_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
    if (st == NULL)
        goto err;
    sqlite3_bind_text(st, 1, rec->agent_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, (int64_t)r->seq);
    sqlite3_bind_blob(st, 3, rec->body, (int)rec->body_len, SQLITE_STATIC);
    sqlite3_bind_blob(st, 4, rec->signature, EF_ED25519_SIG_LEN, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, rec->sha256, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, r->generated_at, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 7, received, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 8, department_id);
    if (sq_run_cached(s, st, "insert report") != EF_STORE_OK)
        goto err;
    report_id = sqlite3_last_insert_rowid(db_of(s));

    /* Each failure matched against the active acceptances, then compared with the stored
     * row of its check: only what differs is written. */
    for (i = 0; i < r->nresults; i++)
        if (r->results[i].status == EF_FAIL &&
            sq_acceptance_match(s, department_id, r->results[i].check, rec->agent_id, &d.acc[i]) !=
                EF_STORE_OK)
            goto err;
    if (load_prev(s, rec->agent_id, &d) != EF_STORE_OK ||
        ef_diff_finish(&d, s->err, sizeof(s->err)) != 0 ||
        write_changes(s, rec, report_id, &d) != EF_STORE_OK)
        goto err;

    /* Its own counts, and it is counted: it was seen just now. A counted agent's counters
     * get the deltas; one that was not counted (new, or stale until now) enters wholesale. */
    for (k = 0; k < EF_KINDS; k++)
        same_counts &= d.counts[k] == n_old[k];
    if (!counted || !same_counts) {
        st = sq_cached(s, SQ_AGENT_COUNTS,
                       "UPDATE agents SET counted = 1, n_pass = ?2, n_fail = ?3, n_na = ?4, "
                       "n_unknown = ?5, n_error = ?6, n_accepted = ?7 WHERE agent_id = ?1");
        if (st == NULL)
            goto err;
        sqlite3_bind_text(st, 1, rec->agent_id, -1, SQLITE_STATIC);
        for (k = 0; k < EF_KINDS; k++)
            sqlite3_bind_int64(st, 2 + k, d.counts[k]);
        if (sq_run_cached(s, st, "update agent counts") != EF_STORE_OK)
            goto err;
    }
    if (counted ? sq_apply_deltas(s, department_id, &d) != EF_STORE_OK
                : sq_agent_apply(s, rec->agent_id, department_id, 1) != EF_STORE_OK)
        goto err;
    if (tx_commit(s) != EF_STORE_OK)
        goto err;
    ef_diff_free(&d);
    return EF_STORE_OK;
err:
    ef_diff_free(&d);
    tx_abort(s);
    return EF_STORE_ERR;
}

/* ---- batching (ingest writer) ---- */

static int sq_batch_begin(struct ef_store *s, time_t now)
{
    struct sqlite_store *q = (struct sqlite_store *)s;
    int due = 0;

    if (q->in_batch) {
        snprintf(s->err, sizeof(s->err), "batch already open");
        return EF_STORE_ERR;
    }
    /* busy_timeout waits for another writer first; still locked after it is BUSY. */
    if (sqlite3_exec(q->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
        int busy = sqlite3_errcode(q->db) == SQLITE_BUSY;

        sq_fail(s, "begin");
        return busy ? EF_STORE_BUSY : EF_STORE_ERR;
    }
    if (sq_due(s, now, s->stale_days, &due) != EF_STORE_OK ||
        (due && sq_catch_up(s, now, s->stale_days) != EF_STORE_OK)) {
        sq_rollback(s);
        return EF_STORE_ERR;
    }
    q->in_batch = 1;
    return EF_STORE_OK;
}

static int sq_batch_commit(struct ef_store *s)
{
    struct sqlite_store *q = (struct sqlite_store *)s;

    reset_cached(s);
    if (sqlite3_exec(q->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        if (sqlite3_errcode(q->db) == SQLITE_BUSY && !sqlite3_get_autocommit(q->db)) {
            sq_fail(s, "commit");
            return EF_STORE_BUSY;
        }
        sq_fail(s, "commit");
        if (!sqlite3_get_autocommit(q->db))
            sq_rollback(s);
        q->in_batch = 0;
        return EF_STORE_ERR;
    }
    q->in_batch = 0;
    return EF_STORE_OK;
}

static void sq_batch_rollback(struct ef_store *s)
{
    struct sqlite_store *q = (struct sqlite_store *)s;

    reset_cached(s);
    if (!sqlite3_get_autocommit(q->db))
        sq_rollback(s);
    q->in_batch = 0;
}

/* ---- API tokens ---- */

/* ---- open / close ---- */

void sq_close_store(struct ef_store *s)
{
    struct sqlite_store *q = (struct sqlite_store *)s;

    sq_cache_free(q);
    for (int i = 0; i < SQ_SLOTS; i++)
        sqlite3_finalize(q->cached[i]);
    if (sqlite3_close(q->db) != SQLITE_OK)
        sqlite3_close_v2(q->db);
    free(q);
}

static const struct ef_store_ops sqlite_ops = {
    .close = sq_close_store,
    .department_add = sq_department_add,
    .department_get = core_department_get,
    .department_list = core_department_list,
    .agent_enroll = sq_agent_enroll,
    .agent_get = core_agent_get,
    .report_store = sq_report_store,
    .token_add = core_token_add,
    .token_get = core_token_get,
    .host_rows = core_host_rows,
    .sweep = sq_sweep,
    .dept_counts = core_dept_counts,
    .check_counts = core_check_counts,
    .host_results = core_host_results,
    .acceptance_add = sq_acceptance_add,
    .acceptance_list = core_acceptance_list,
    .acceptance_revoke = sq_acceptance_revoke,
    .audit_add = core_audit_add,
    .audit_list = core_audit_list,
    .snapshots = core_snapshots,
    .agent_list = core_agent_list,
    .report_iter = core_report_iter,
    /* --- users and sessions (dashboard), store/sqlite_users.c --- */
    .user_add = core_user_add,
    .user_get = core_user_get,
    .user_list = core_user_list,
    .user_set_password = core_user_set_password,
    .user_delete = core_user_delete,
    .user_login_state = core_user_login_state,
    .session_add = core_session_add,
    .session_get = core_session_get,
    .session_touch = core_session_touch,
    .session_delete = core_session_delete,
    .session_purge = core_session_purge,
    /* --- batching (ingest writer) --- */
    .batch_begin = sq_batch_begin,
    .batch_commit = sq_batch_commit,
    .batch_rollback = sq_batch_rollback,
};

static int pragma_text(struct ef_store *s, const char *sql, char *out, size_t outlen)
{
    sqlite3_stmt *st = prepare(s, sql);
    int rc, ret = EF_STORE_OK;

    if (st == NULL)
        return EF_STORE_ERR;
    out[0] = '\0';
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        ret = col_text(s, st, 0, out, outlen);
    else if (rc != SQLITE_DONE)
        ret = fail(s, sql);
    sqlite3_finalize(st);
    return ret;
}

static int ensure_schema(struct ef_store *s)
{
    char buf[32];
    long version;

    if (pragma_text(s,
                    "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND "
                    "name = 'schema_version'",
                    buf, sizeof(buf)) != EF_STORE_OK)
        return EF_STORE_ERR;
    if (exec(s, "BEGIN IMMEDIATE") != EF_STORE_OK)
        return EF_STORE_ERR;
    if (strcmp(buf, "0") == 0) {
        if (exec(s, ef_sqlite_schema) != EF_STORE_OK)
            goto err;
        version = 1;
    } else {
        /* Read inside the transaction, so two processes cannot both migrate. */
        if (pragma_text(s, "SELECT max(version) FROM schema_version", buf, sizeof(buf)) !=
            EF_STORE_OK)
            goto err;
        version = strtol(buf, NULL, 10);
    }
    if (version < 1 || version > EF_SQLITE_SCHEMA_VERSION) {
        snprintf(s->err, sizeof(s->err),
                 "database schema version %ld, this collector knows versions 1 to %d", version,
                 EF_SQLITE_SCHEMA_VERSION);
        goto err;
    }
    if (version < 2)
        for (size_t i = 0; i < EF_ARRAY_LEN(ef_sqlite_migrate_2); i++)
            if (exec(s, ef_sqlite_migrate_2[i]) != EF_STORE_OK)
                goto err;
    if (version < 3)
        for (size_t i = 0; i < EF_ARRAY_LEN(ef_sqlite_migrate_3); i++)
            if (exec(s, ef_sqlite_migrate_3[i]) != EF_STORE_OK)
                goto err;
    if (exec(s, "COMMIT") != EF_STORE_OK)
        goto err;
    return EF_STORE_OK;
err:
    rollback(s);
    return EF_STORE_ERR;
}

struct ef_store *ef_store_sqlite_open(const char *path, int create, char *err, size_t errlen)
{
    struct sqlite_store *q;
    char mode[16];
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;

    if (create)
        flags |= SQLITE_OPEN_CREATE;
    q = calloc(1, sizeof(*q));
    if (q == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    q->base.ops = &sqlite_ops;
    q->base.db = &ef_sqlite_db_ops;
    q->base.stale_days = 7;
    if (sqlite3_open_v2(path, &q->db, flags, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "cannot open database %s: %s", path,
                 q->db != NULL ? sqlite3_errmsg(q->db) : "out of memory");
        sqlite3_close(q->db);
        free(q);
        return NULL;
    }
    sqlite3_extended_result_codes(q->db, 0);
    if (sqlite3_busy_timeout(q->db, BUSY_TIMEOUT_MS) != SQLITE_OK ||
        pragma_text(&q->base, "PRAGMA journal_mode = WAL", mode, sizeof(mode)) != EF_STORE_OK ||
        exec(&q->base, "PRAGMA synchronous = FULL") != EF_STORE_OK ||
        /* A write-heavy server: a larger page cache, and checkpoints every ~40 MB of WAL
         * so pages changed by many commits reach the database file once. */
        exec(&q->base, "PRAGMA cache_size = -32768") != EF_STORE_OK ||
        exec(&q->base, "PRAGMA wal_autocheckpoint = 10000") != EF_STORE_OK ||
        exec(&q->base, "PRAGMA foreign_keys = ON") != EF_STORE_OK)
        goto fail;
    if (strcmp(mode, "wal") != 0) {
        snprintf(q->base.err, sizeof(q->base.err), "cannot switch to WAL mode (got %s)", mode);
        goto fail;
    }
    if (ensure_schema(&q->base) != EF_STORE_OK)
        goto fail;
    return &q->base;
fail:
    snprintf(err, errlen, "database %s: %s", path, q->base.err);
    sq_close_store(&q->base);
    return NULL;
}

struct ef_store *ef_store_open(const char *url, int create, char *err, size_t errlen)
{
    if (strncmp(url, "sqlite:", 7) == 0 && url[7] != '\0')
        return ef_store_sqlite_open(url + 7, create, err, errlen);
    if (ef_store_url_is_postgres(url)) {
#ifdef EF_HAVE_POSTGRES
        return ef_store_pg_open(url, create, err, errlen);
#else
        snprintf(err, errlen, "this collector was built without PostgreSQL (EFTERLEV_POSTGRES)");
        return NULL;
#endif
    }
    snprintf(err, errlen,
             "unsupported database URL \"%s\" (expected sqlite:PATH or postgresql://...)", url);
    return NULL;
}
