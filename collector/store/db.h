/* SPDX-License-Identifier: EUPL-1.2 */
/* The thin method table under the store's domain code (SQLite's os.c is the model): the
 * store's logic -- enrollment, ingest bookkeeping, counters, snapshots, acceptances, reads,
 * users -- is written once in core_*.c over these calls, and each backend (driver_sqlite.c,
 * driver_postgres.c) implements only them, plus what really differs: connecting, schema
 * migrations, transactions (SQLite's single writer and group commit; PostgreSQL's retries on
 * serialization failures and deadlocks, its advisory lock) and the PostgreSQL import.
 *
 * SQL dialect of the core: one placeholder syntax, $1 .. $N (a driver may rewrite it); no
 * casts with "::" (use CAST(x AS BIGINT)); no boolean arithmetic (use CASE WHEN); upserts with
 * ON CONFLICT ... DO UPDATE/NOTHING; new ids with RETURNING id. "FOR UPDATE" marks the rows a
 * transaction must hold (PostgreSQL takes row locks; SQLite, which has one writer at a time,
 * drops the clause). Every statement is a string constant: its address keys the driver's
 * cache of prepared statements, so one text must not be in use twice at the same time. */
#ifndef EF_COLLECTOR_STORE_DB_H
#define EF_COLLECTOR_STORE_DB_H

#include <stddef.h>
#include <stdint.h>

struct ef_store;
struct ef_db_stmt; /* the driver's prepared statement */
struct ef_report_record;
struct ef_result_diff;

/* Results of step, next to the EF_STORE_* codes (EF_ERR with s->err set; EF_EXISTS
 * when a unique constraint refused the row). */
#define EF_DB_ROW 100  /* a row is ready to read */
#define EF_DB_DONE 101 /* the statement ran to its end */
/* A transaction body may return this to be run again from the start (PostgreSQL). */
#define EF_DB_RETRY 102

/* The counters lock a transaction holds (PostgreSQL's advisory lock; SQLite's writer lock is
 * always exclusive): shared for work on one agent (ingest, enrollment), exclusive for work
 * that walks many agents (catch-up, sweep, acceptances). */
enum ef_db_lock { EF_DB_NO_LOCK = 0, EF_DB_SHARED, EF_DB_EXCLUSIVE };

typedef int (*ef_db_body)(struct ef_store *s, void *ctx);

struct ef_db_ops {
    const char *name; /* "sqlite", "postgresql" */
    void (*close)(struct ef_store *s);

    /* Run body in one transaction holding lock; inside an open batch, in a savepoint of it.
     * body must have no effects outside the database: a backend may run it again (after a
     * serialization failure or deadlock, or when it returns EF_DB_RETRY). EF_OK
     * commits (durably, unless in a batch); any other result rolls back and is returned. */
    int (*tx)(struct ef_store *s, enum ef_db_lock lock, ef_db_body body, void *ctx);

    /* Group commit (the ingest writer): one write transaction for many tx calls, each in
     * its own savepoint. EF_BUSY: another writer held the database; nothing is open.
     * batch_commit: EF_OK once durable; EF_BUSY: still open, try again;
     * EF_RETRY: a unit lost a deadlock, so the whole batch was rolled back: run it again;
     * EF_ERR: rolled back. */
    int (*batch_open)(struct ef_store *s, enum ef_db_lock lock);
    int (*batch_commit)(struct ef_store *s);
    void (*batch_rollback)(struct ef_store *s);
    int (*in_batch)(struct ef_store *s);

    /* A read snapshot (exports, store/snapshot.h): every read until snapshot_end sees the
     * database as it was at snapshot_begin, while writers go on. SQLite: a deferred read
     * transaction, its snapshot taken at once; PostgreSQL: REPEATABLE READ READ ONLY. No tx
     * or batch may run inside it. */
    int (*snapshot_begin)(struct ef_store *s);
    void (*snapshot_end)(struct ef_store *s);

    /* The statement of sql (a string constant), prepared on first use, with no values
     * bound. NULL with s->err set. Give it back with done(). */
    struct ef_db_stmt *(*prepare)(struct ef_store *s, const char *sql);
    /* Bind parameter i (1-based). Text and blobs are not copied: they must stay valid until
     * done(). NULL text or blob binds SQL NULL. */
    void (*bind_int)(struct ef_db_stmt *st, int i, int64_t v);
    void (*bind_text)(struct ef_db_stmt *st, int i, const char *v);
    void (*bind_blob)(struct ef_db_stmt *st, int i, const void *v, size_t len);
    /* SQL NULL of the type the statement gives the parameter (a bigint column, say). A NULL
     * bound with bind_text is a text NULL, for "$1 IS NULL OR name = $1". */
    void (*bind_null)(struct ef_db_stmt *st, int i);
    /* EF_DB_ROW, EF_DB_DONE, EF_EXISTS or EF_ERR ("what: message" in s->err). */
    int (*step)(struct ef_store *s, struct ef_db_stmt *st, const char *what);
    /* Columns of the current row (0-based). NULL reads as 0, "" or an empty blob. */
    int (*col_null)(struct ef_db_stmt *st, int i);
    int64_t (*col_int)(struct ef_db_stmt *st, int i);
    const char *(*col_text)(struct ef_db_stmt *st, int i, size_t *len);
    const void *(*col_blob)(struct ef_db_stmt *st, int i, size_t *len);
    /* Rows the finished statement inserted, changed or deleted. */
    int64_t (*changes)(struct ef_store *s, struct ef_db_stmt *st);
    /* Finished with st: results released, bindings cleared; it stays prepared. */
    void (*done)(struct ef_db_stmt *st);

    /* Optional bulk forms of two ingest steps (NULL: the core runs a statement per row). The
     * core decides what to write (result_diff.h); these only carry it in one statement. */
    int (*bulk_write_changes)(struct ef_store *s, const struct ef_report_record *rec,
                              int64_t report_id, const struct ef_result_diff *d);
    int (*bulk_apply_deltas)(struct ef_store *s, int64_t department_id,
                             const struct ef_result_diff *d);
};

#endif
