/* SPDX-License-Identifier: EUPL-1.2 */
/* The SQLite driver under the store's domain code (db.h): statements, transactions and group
 * commit over one sqlite3 connection. The core's SQL is rewritten once per statement: $N
 * placeholders become ?N, and "FOR UPDATE" is dropped (SQLite has one writer at a time; a
 * write transaction begins IMMEDIATE, so it holds the whole database). */
#include <assert.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/core.h"
#include "store/sqlite_internal.h"

static struct sqlite_store *sq_of(struct ef_store *s)
{
    return (struct sqlite_store *)s;
}

/* The core's dialect into SQLite's: "$12" -> "?12", " FOR UPDATE" removed. The result is
 * never longer than sql. */
static char *rewrite(const char *sql)
{
    static const char for_update[] = " FOR UPDATE";
    size_t n = strlen(sql);
    char *out = malloc(n + 1), *o = out;
    const char *p;

    if (out == NULL)
        return NULL;
    for (p = sql; *p != '\0';) {
        if (p[0] == '$' && p[1] >= '0' && p[1] <= '9') {
            *o++ = '?';
            p++;
        } else if (strncmp(p, for_update, sizeof(for_update) - 1) == 0) {
            p += sizeof(for_update) - 1;
        } else {
            *o++ = *p++;
        }
    }
    *o = '\0';
    return out;
}

static size_t slot_of(const char *sql)
{
    uintptr_t h = (uintptr_t)sql;

    h ^= h >> 17;
    h *= (uintptr_t)0x9E3779B97F4A7C15ULL;
    return (size_t)(h >> 7) & (SQ_CACHE_SLOTS - 1);
}

static struct ef_db_stmt *sqd_prepare(struct ef_store *s, const char *sql)
{
    struct sqlite_store *q = sq_of(s);
    size_t i = slot_of(sql);
    sqlite3_stmt *st = NULL;
    char *text;

    for (; q->cache[i].sql != NULL; i = (i + 1) & (SQ_CACHE_SLOTS - 1))
        if (q->cache[i].sql == sql) {
            st = q->cache[i].st;
            if (sqlite3_stmt_busy(st)) {
                /* The same text in use twice at once: a bug in the core (db.h). */
                snprintf(s->err, sizeof(s->err), "statement already in use: %.60s", sql);
                assert(!"statement already in use");
                return NULL;
            }
            return (struct ef_db_stmt *)st;
        }
    /* Keep the table at most half full, so probing stays short. */
    if (q->ncache >= SQ_CACHE_SLOTS / 2) {
        snprintf(s->err, sizeof(s->err), "statement cache full");
        return NULL;
    }
    if ((text = rewrite(sql)) == NULL) {
        snprintf(s->err, sizeof(s->err), "out of memory");
        return NULL;
    }
    if (sqlite3_prepare_v3(q->db, text, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
        snprintf(s->err, sizeof(s->err), "prepare: %s", sqlite3_errmsg(q->db));
        sqlite3_finalize(st);
        free(text);
        return NULL;
    }
    free(text);
    q->cache[i].sql = sql;
    q->cache[i].st = st;
    q->ncache++;
    return (struct ef_db_stmt *)st;
}

static void sqd_bind_int(struct ef_db_stmt *st, int i, int64_t v)
{
    sqlite3_bind_int64((sqlite3_stmt *)st, i, v);
}

static void sqd_bind_text(struct ef_db_stmt *st, int i, const char *v)
{
    if (v == NULL)
        sqlite3_bind_null((sqlite3_stmt *)st, i);
    else
        sqlite3_bind_text((sqlite3_stmt *)st, i, v, -1, SQLITE_STATIC);
}

static void sqd_bind_blob(struct ef_db_stmt *st, int i, const void *v, size_t len)
{
    if (v == NULL || len > INT32_MAX)
        sqlite3_bind_null((sqlite3_stmt *)st, i);
    else
        sqlite3_bind_blob((sqlite3_stmt *)st, i, v, (int)len, SQLITE_STATIC);
}

static void sqd_bind_null(struct ef_db_stmt *st, int i)
{
    sqlite3_bind_null((sqlite3_stmt *)st, i);
}

static int sqd_step(struct ef_store *s, struct ef_db_stmt *st, const char *what)
{
    int rc = sqlite3_step((sqlite3_stmt *)st);

    if (rc == SQLITE_ROW)
        return EF_DB_ROW;
    if (rc == SQLITE_DONE)
        return EF_DB_DONE;
    snprintf(s->err, sizeof(s->err), "%s: %s", what, sqlite3_errmsg(sq_of(s)->db));
    return rc == SQLITE_CONSTRAINT &&
                   (sqlite3_extended_errcode(sq_of(s)->db) == SQLITE_CONSTRAINT_UNIQUE ||
                    sqlite3_extended_errcode(sq_of(s)->db) == SQLITE_CONSTRAINT_PRIMARYKEY)
               ? EF_EXISTS
               : EF_ERR;
}

static int sqd_col_null(struct ef_db_stmt *st, int i)
{
    return sqlite3_column_type((sqlite3_stmt *)st, i) == SQLITE_NULL;
}

static int64_t sqd_col_int(struct ef_db_stmt *st, int i)
{
    return sqlite3_column_int64((sqlite3_stmt *)st, i);
}

static const char *sqd_col_text(struct ef_db_stmt *st, int i, size_t *len)
{
    const unsigned char *v = sqlite3_column_text((sqlite3_stmt *)st, i);
    int n = sqlite3_column_bytes((sqlite3_stmt *)st, i);

    *len = v != NULL && n > 0 ? (size_t)n : 0;
    return v != NULL ? (const char *)v : "";
}

static const void *sqd_col_blob(struct ef_db_stmt *st, int i, size_t *len)
{
    const void *v = sqlite3_column_blob((sqlite3_stmt *)st, i);
    int n = sqlite3_column_bytes((sqlite3_stmt *)st, i);

    *len = v != NULL && n > 0 ? (size_t)n : 0;
    return v != NULL ? v : "";
}

static int64_t sqd_changes(struct ef_store *s, struct ef_db_stmt *st)
{
    (void)st;
    return sqlite3_changes64(sq_of(s)->db);
}

static void sqd_done(struct ef_db_stmt *st)
{
    if (st != NULL) {
        sqlite3_reset((sqlite3_stmt *)st);
        sqlite3_clear_bindings((sqlite3_stmt *)st);
    }
}

/* ---- transactions ---- */

static int exec_sql(struct ef_store *s, const char *sql)
{
    if (sqlite3_exec(sq_of(s)->db, sql, NULL, NULL, NULL) != SQLITE_OK) {
        snprintf(s->err, sizeof(s->err), "%s: %s", sql, sqlite3_errmsg(sq_of(s)->db));
        return EF_ERR;
    }
    return EF_OK;
}

/* Every cached statement reset, so none holds the transaction open. */
static void reset_all(struct sqlite_store *q)
{
    for (size_t i = 0; i < SQ_CACHE_SLOTS; i++)
        if (q->cache[i].st != NULL)
            sqlite3_reset(q->cache[i].st);
}

static void rollback_keep_error(struct ef_store *s, const char *sql)
{
    char keep[sizeof(s->err)];

    memcpy(keep, s->err, sizeof(keep));
    sqlite3_exec(sq_of(s)->db, sql, NULL, NULL, NULL);
    memcpy(s->err, keep, sizeof(keep));
}

static int sqd_tx(struct ef_store *s, enum ef_db_lock lock, ef_db_body body, void *ctx)
{
    struct sqlite_store *q = sq_of(s);
    int rc;

    (void)lock; /* a write transaction holds the whole database */
    if (q->in_batch) {
        if (exec_sql(s, "SAVEPOINT unit") != EF_OK)
            return EF_ERR;
        rc = body(s, ctx);
        if (rc == EF_OK)
            return exec_sql(s, "RELEASE unit");
        /* ROLLBACK TO keeps the savepoint open; RELEASE ends it. */
        reset_all(q);
        rollback_keep_error(s, "ROLLBACK TO unit");
        rollback_keep_error(s, "RELEASE unit");
        return rc == EF_DB_RETRY ? EF_ERR : rc;
    }
    if (exec_sql(s, "BEGIN IMMEDIATE") != EF_OK)
        return EF_ERR;
    rc = body(s, ctx);
    if (rc == EF_OK) {
        reset_all(q);
        if (exec_sql(s, "COMMIT") == EF_OK)
            return EF_OK;
        rc = EF_ERR;
    }
    reset_all(q);
    if (!sqlite3_get_autocommit(q->db))
        rollback_keep_error(s, "ROLLBACK");
    return rc == EF_DB_RETRY ? EF_ERR : rc;
}

static int sqd_batch_open(struct ef_store *s, enum ef_db_lock lock)
{
    struct sqlite_store *q = sq_of(s);

    (void)lock;
    if (q->in_batch) {
        snprintf(s->err, sizeof(s->err), "batch already open");
        return EF_ERR;
    }
    /* busy_timeout waits for another writer first; still locked after it is BUSY. */
    if (sqlite3_exec(q->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
        int busy = sqlite3_errcode(q->db) == SQLITE_BUSY;

        snprintf(s->err, sizeof(s->err), "begin: %s", sqlite3_errmsg(q->db));
        return busy ? EF_BUSY : EF_ERR;
    }
    q->in_batch = 1;
    return EF_OK;
}

static int sqd_batch_commit(struct ef_store *s)
{
    struct sqlite_store *q = sq_of(s);

    reset_all(q);
    if (sqlite3_exec(q->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        snprintf(s->err, sizeof(s->err), "commit: %s", sqlite3_errmsg(q->db));
        if (sqlite3_errcode(q->db) == SQLITE_BUSY && !sqlite3_get_autocommit(q->db))
            return EF_BUSY;
        if (!sqlite3_get_autocommit(q->db))
            rollback_keep_error(s, "ROLLBACK");
        q->in_batch = 0;
        return EF_ERR;
    }
    q->in_batch = 0;
    return EF_OK;
}

static void sqd_batch_rollback(struct ef_store *s)
{
    struct sqlite_store *q = sq_of(s);

    reset_all(q);
    if (!sqlite3_get_autocommit(q->db))
        rollback_keep_error(s, "ROLLBACK");
    q->in_batch = 0;
}

static int sqd_in_batch(struct ef_store *s)
{
    return sq_of(s)->in_batch;
}

/* An export's snapshot: BEGIN is deferred (no lock until the first read), so read at once
 * to fix the snapshot there; in WAL mode writers go on, readers see none of their commits. */
static int sqd_snapshot_begin(struct ef_store *s)
{
    struct sqlite_store *q = sq_of(s);

    if (q->in_batch || !sqlite3_get_autocommit(q->db)) {
        snprintf(s->err, sizeof(s->err), "snapshot: a transaction is already open");
        return EF_ERR;
    }
    if (exec_sql(s, "BEGIN") != EF_OK)
        return EF_ERR;
    if (exec_sql(s, "SELECT count(*) FROM departments") != EF_OK) {
        rollback_keep_error(s, "ROLLBACK");
        return EF_ERR;
    }
    return EF_OK;
}

static void sqd_snapshot_end(struct ef_store *s)
{
    struct sqlite_store *q = sq_of(s);

    reset_all(q);
    if (!sqlite3_get_autocommit(q->db))
        rollback_keep_error(s, "ROLLBACK"); /* it wrote nothing */
}

/* Finalize every cached statement (before closing the connection). */
void sq_cache_free(struct sqlite_store *q)
{
    for (size_t i = 0; i < SQ_CACHE_SLOTS; i++) {
        sqlite3_finalize(q->cache[i].st);
        q->cache[i].st = NULL;
        q->cache[i].sql = NULL;
    }
    q->ncache = 0;
}

void sq_close_store(struct ef_store *s);

const struct ef_db_ops ef_sqlite_db_ops = {
    .name = "sqlite",
    .close = sq_close_store,
    .tx = sqd_tx,
    .batch_open = sqd_batch_open,
    .batch_commit = sqd_batch_commit,
    .batch_rollback = sqd_batch_rollback,
    .in_batch = sqd_in_batch,
    .snapshot_begin = sqd_snapshot_begin,
    .snapshot_end = sqd_snapshot_end,
    .prepare = sqd_prepare,
    .bind_int = sqd_bind_int,
    .bind_text = sqd_bind_text,
    .bind_blob = sqd_bind_blob,
    .bind_null = sqd_bind_null,
    .step = sqd_step,
    .col_null = sqd_col_null,
    .col_int = sqd_col_int,
    .col_text = sqd_col_text,
    .col_blob = sqd_col_blob,
    .changes = sqd_changes,
    .done = sqd_done,
};
