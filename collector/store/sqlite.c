/* SPDX-License-Identifier: EUPL-1.2 */
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
#include "store/postgres.h"
#include "store/sqlite_internal.h"
#include "store/sqlite_schema.h"
#include "store/core.h"
#include "store/store.h"

#define BUSY_TIMEOUT_MS 5000

int sq_fail(struct ef_store *s, const char *what)
{
    snprintf(s->err, sizeof(s->err), "%s: %s", what, sqlite3_errmsg(db_of(s)));
    return EF_ERR;
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
        return EF_ERR;
    }
    return EF_OK;
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
        return EF_ERR;
    }
    if (n > 0)
        memcpy(dst, v, (size_t)n);
    dst[n] = '\0';
    return EF_OK;
}

#define prepare sq_prepare
#define exec sq_exec
#define rollback sq_rollback
#define col_text sq_col_text

/* ---- open / close ---- */

void sq_close_store(struct ef_store *s)
{
    struct sqlite_store *q = (struct sqlite_store *)s;

    sq_cache_free(q);
    if (sqlite3_close(q->db) != SQLITE_OK)
        sqlite3_close_v2(q->db);
    free(q);
}

static int pragma_text(struct ef_store *s, const char *sql, char *out, size_t outlen)
{
    sqlite3_stmt *st = prepare(s, sql);
    int rc, ret = EF_OK;

    if (st == NULL)
        return EF_ERR;
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
                    buf, sizeof(buf)) != EF_OK)
        return EF_ERR;
    if (exec(s, "BEGIN IMMEDIATE") != EF_OK)
        return EF_ERR;
    if (strcmp(buf, "0") == 0) {
        if (exec(s, ef_sqlite_schema) != EF_OK)
            goto err;
        version = 1;
    } else {
        /* Read inside the transaction, so two processes cannot both migrate. */
        if (pragma_text(s, "SELECT max(version) FROM schema_version", buf, sizeof(buf)) != EF_OK)
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
            if (exec(s, ef_sqlite_migrate_2[i]) != EF_OK)
                goto err;
    if (version < 3)
        for (size_t i = 0; i < EF_ARRAY_LEN(ef_sqlite_migrate_3); i++)
            if (exec(s, ef_sqlite_migrate_3[i]) != EF_OK)
                goto err;
    if (version < 4)
        for (size_t i = 0; i < EF_ARRAY_LEN(ef_sqlite_migrate_4); i++)
            if (exec(s, ef_sqlite_migrate_4[i]) != EF_OK)
                goto err;
    if (version < 5)
        for (size_t i = 0; i < EF_ARRAY_LEN(ef_sqlite_migrate_5); i++)
            if (exec(s, ef_sqlite_migrate_5[i]) != EF_OK)
                goto err;
    if (version < 6)
        for (size_t i = 0; i < EF_ARRAY_LEN(ef_sqlite_migrate_6); i++)
            if (exec(s, ef_sqlite_migrate_6[i]) != EF_OK)
                goto err;
    if (version < 7)
        for (size_t i = 0; i < EF_ARRAY_LEN(ef_sqlite_migrate_7); i++)
            if (exec(s, ef_sqlite_migrate_7[i]) != EF_OK)
                goto err;
    if (version < 8)
        for (size_t i = 0; i < EF_ARRAY_LEN(ef_sqlite_migrate_8); i++)
            if (exec(s, ef_sqlite_migrate_8[i]) != EF_OK)
                goto err;
    if (version < 9)
        for (size_t i = 0; i < EF_ARRAY_LEN(ef_sqlite_migrate_9); i++)
            if (exec(s, ef_sqlite_migrate_9[i]) != EF_OK)
                goto err;
    if (version < 10)
        for (size_t i = 0; i < EF_ARRAY_LEN(ef_sqlite_migrate_10); i++)
            if (exec(s, ef_sqlite_migrate_10[i]) != EF_OK)
                goto err;
    if (version < 11)
        for (size_t i = 0; i < EF_ARRAY_LEN(ef_sqlite_migrate_11); i++)
            if (exec(s, ef_sqlite_migrate_11[i]) != EF_OK)
                goto err;
    if (version < 12)
        for (size_t i = 0; i < EF_ARRAY_LEN(ef_sqlite_migrate_12); i++)
            if (exec(s, ef_sqlite_migrate_12[i]) != EF_OK)
                goto err;
    if (exec(s, "COMMIT") != EF_OK)
        goto err;
    return EF_OK;
err:
    rollback(s);
    return EF_ERR;
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
    q->base.ops = &ef_store_core_ops;
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
        pragma_text(&q->base, "PRAGMA journal_mode = WAL", mode, sizeof(mode)) != EF_OK ||
        exec(&q->base, "PRAGMA synchronous = FULL") != EF_OK ||
        /* A write-heavy server: a larger page cache, and checkpoints every ~40 MB of WAL
         * so pages changed by many commits reach the database file once. */
        exec(&q->base, "PRAGMA cache_size = -32768") != EF_OK ||
        exec(&q->base, "PRAGMA wal_autocheckpoint = 10000") != EF_OK ||
        exec(&q->base, "PRAGMA foreign_keys = ON") != EF_OK)
        goto fail;
    if (strcmp(mode, "wal") != 0) {
        snprintf(q->base.err, sizeof(q->base.err), "cannot switch to WAL mode (got %s)", mode);
        goto fail;
    }
    if (ensure_schema(&q->base) != EF_OK)
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
