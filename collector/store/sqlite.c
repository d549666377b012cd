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

#define prepare sq_prepare
#define exec sq_exec
#define rollback sq_rollback
#define col_text sq_col_text

/* Until the read side moves to the core: its audit_add goes through core_audit. */
int sq_audit(struct ef_store *s, time_t at, const char *actor, const char *action,
             const char *details)
{
    return core_audit(s, at, actor, action, details);
}

/* ---- departments ---- */

static int read_department(struct ef_store *s, sqlite3_stmt *st, struct ef_department *d)
{
    int level;

    memset(d, 0, sizeof(*d));
    d->id = sqlite3_column_int64(st, 0);
    if (col_text(s, st, 1, d->name, sizeof(d->name)) != EF_STORE_OK)
        return EF_STORE_ERR;
    level = sqlite3_column_int(st, 2);
    if (level < EF_LEVEL_BASIC || level > EF_LEVEL_HIGH) {
        snprintf(s->err, sizeof(s->err), "department %s has invalid level %d", d->name, level);
        return EF_STORE_ERR;
    }
    d->level = (ef_level)level;
    if (col_text(s, st, 3, d->token_hash, sizeof(d->token_hash)) != EF_STORE_OK)
        return EF_STORE_ERR;
    d->hosts = sqlite3_column_int64(st, 4);
    return EF_STORE_OK;
}

static int sq_department_get(struct ef_store *s, int64_t id, struct ef_department *out)
{
    sqlite3_stmt *st;
    int rc, ret;

    st = prepare(s, "SELECT d.id, d.name, d.level, d.token_hash, "
                    "(SELECT count(*) FROM agents a WHERE a.department_id = d.id) "
                    "FROM departments d WHERE d.id = ?1");
    if (st == NULL)
        return EF_STORE_ERR;
    sqlite3_bind_int64(st, 1, id);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        ret = read_department(s, st, out);
    else if (rc == SQLITE_DONE)
        ret = EF_STORE_NOTFOUND;
    else
        ret = sq_fail(s, "select department");
    sqlite3_finalize(st);
    return ret;
}

static int department_row(struct ef_store *s, sqlite3_stmt *st, void *elem)
{
    return read_department(s, st, elem);
}

static int sq_department_list(struct ef_store *s, struct ef_department **out, size_t *n)
{
    sqlite3_stmt *st;
    void *v;
    size_t len;

    *out = NULL;
    *n = 0;
    st = prepare(s, "SELECT d.id, d.name, d.level, d.token_hash, "
                    "(SELECT count(*) FROM agents a WHERE a.department_id = d.id) "
                    "FROM departments d ORDER BY d.name");
    if (st == NULL)
        return EF_STORE_ERR;
    if (sq_collect(s, st, sizeof(struct ef_department), department_row, NULL, &v, &len,
                   "list departments") != EF_STORE_OK)
        return EF_STORE_ERR;
    *out = v;
    *n = len;
    return EF_STORE_OK;
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

static int sq_agent_get(struct ef_store *s, const char *agent_id, struct ef_agent *out)
{
    sqlite3_stmt *st;
    int rc, ret;

    st = sq_cached(s, SQ_AGENT_GET, "SELECT " AGENT_COLUMNS " FROM agents WHERE agent_id = ?1");
    if (st == NULL)
        return EF_STORE_ERR;
    sqlite3_bind_text(st, 1, agent_id, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        ret = read_agent(s, st, out);
    else if (rc == SQLITE_DONE)
        ret = EF_STORE_NOTFOUND;
    else
        ret = sq_fail(s, "select agent");
    sq_done(st);
    return ret;
}

/* ---- API tokens ---- */

/* ---- aggregation input ---- */

static int host_row(struct ef_store *s, sqlite3_stmt *st, void *elem)
{
    struct ef_host_row *h = elem;
    int level, i;

    if (col_text(s, st, 0, h->agent_id, sizeof(h->agent_id)) != EF_STORE_OK ||
        col_text(s, st, 1, h->hostname, sizeof(h->hostname)) != EF_STORE_OK ||
        col_text(s, st, 2, h->department, sizeof(h->department)) != EF_STORE_OK ||
        col_text(s, st, 13, h->os_pretty, sizeof(h->os_pretty)) != EF_STORE_OK ||
        col_text(s, st, 14, h->kernel, sizeof(h->kernel)) != EF_STORE_OK)
        return EF_STORE_ERR;
    level = sqlite3_column_int(st, 3);
    h->level =
        (level >= EF_LEVEL_BASIC && level <= EF_LEVEL_HIGH) ? (ef_level)level : EF_LEVEL_BASIC;
    h->last_seen = sqlite3_column_int64(st, 4);
    h->last_seq = (uint64_t)sqlite3_column_int64(st, 5);
    for (i = 0; i < EF_KINDS; i++)
        h->counts[i] = sqlite3_column_int64(st, 6 + i);
    h->stale = sqlite3_column_int(st, 12) == 0;
    return EF_STORE_OK;
}

static int sq_host_rows(struct ef_store *s, const char *department, const char *only_agent,
                        struct ef_host_row **out, size_t *n)
{
    sqlite3_stmt *st;
    void *v;
    size_t len;

    *out = NULL;
    *n = 0;
    st = prepare(s, "SELECT a.agent_id, a.hostname, d.name, d.level, a.last_seen, a.last_seq, "
                    "a.n_pass, a.n_fail, a.n_na, a.n_unknown, a.n_error, a.n_accepted, "
                    "a.counted, a.os_pretty, a.kernel "
                    "FROM agents a JOIN departments d ON d.id = a.department_id "
                    "WHERE (?1 IS NULL OR d.name = ?1) AND (?2 IS NULL OR a.agent_id = ?2) "
                    "ORDER BY d.name, a.hostname, a.agent_id");
    if (st == NULL)
        return EF_STORE_ERR;
    if (department != NULL)
        sqlite3_bind_text(st, 1, department, -1, SQLITE_STATIC);
    if (only_agent != NULL)
        sqlite3_bind_text(st, 2, only_agent, -1, SQLITE_STATIC);
    if (sq_collect(s, st, sizeof(struct ef_host_row), host_row, NULL, &v, &len, "list hosts") !=
        EF_STORE_OK)
        return EF_STORE_ERR;
    *out = v;
    *n = len;
    return EF_STORE_OK;
}

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
    .department_add = core_department_add,
    .department_get = sq_department_get,
    .department_list = sq_department_list,
    .agent_enroll = core_agent_enroll,
    .agent_get = sq_agent_get,
    .report_store = core_report_store,
    .token_add = core_token_add,
    .token_get = core_token_get,
    .host_rows = sq_host_rows,
    .sweep = core_sweep,
    .dept_counts = sq_dept_counts,
    .check_counts = sq_check_counts,
    .host_results = sq_host_results,
    .acceptance_add = core_acceptance_add,
    .acceptance_list = sq_acceptance_list,
    .acceptance_revoke = core_acceptance_revoke,
    .audit_add = sq_audit_add,
    .audit_list = sq_audit_list,
    .snapshots = sq_snapshots,
    .agent_list = sq_agent_list,
    .report_iter = sq_report_iter,
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
    .batch_begin = core_batch_begin,
    .batch_commit = core_batch_commit,
    .batch_rollback = core_batch_rollback,
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
        ret = sq_fail(s, sql);
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
