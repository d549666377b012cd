/* SPDX-License-Identifier: EUPL-1.2 */
/* Shared between the PostgreSQL store's files: the handle, parameters, statements and
 * transactions (docs/collector-internals.md, "PostgreSQL").
 *
 * Every statement is a constant string sent with parameters (never spliced): prepared once
 * per connection (PQprepare, cached by the string's address) and run with PQexecPrepared.
 * Parameters are text, except byte strings (report bodies, signatures, keys), which are
 * sent in binary format with their length, so they arrive byte for byte. */
#ifndef EF_COLLECTOR_POSTGRES_INTERNAL_H
#define EF_COLLECTOR_POSTGRES_INTERNAL_H

#include <libpq-fe.h>
#include <stddef.h>

#include "store/db.h"
#include "store/store.h"

#define PG_MAX_ARGS 16
#define PG_MAX_PREPARED 160
#define PGD_CACHE_SLOTS 512 /* a power of two, well above the core's statements */

/* Advisory lock keys (the two-int form; the first is "EF"). */
#define PG_LOCK_NS 0x4546
#define PG_LOCK_MIGRATE 1  /* schema creation and migrations */
#define PG_LOCK_COUNTERS 2 /* shared: ingest, enrollment; exclusive: sweep, acceptances */
#define PG_LOCK_IMPORT 3   /* migrate --to */

struct pg_prepared {
    const char *sql; /* the constant's address */
    char name[12];
};

struct pg_store {
    struct ef_store base; /* first, so the pointers convert */
    PGconn *conn;
    char sqlstate[6]; /* of the last failed statement, "" when none */
    size_t nprepared;
    struct pg_prepared prepared[PG_MAX_PREPARED];
    unsigned conn_gen;  /* counts reconnections: statements prepared before are gone */
    int in_batch;       /* inside batch_open .. batch_commit: tx calls use savepoints */
    int batch_conflict; /* a unit of the open batch lost a deadlock: the batch must rerun */
    size_t ncache;
    struct ef_db_stmt *cache[PGD_CACHE_SLOTS]; /* the core's statements (driver_postgres.c) */
};

_Static_assert(offsetof(struct pg_store, base) == 0, "struct ef_store first: the casts");

extern const struct ef_db_ops ef_pg_db_ops;
/* s->err = "what: message", and the SQLSTATE kept, from r (or the connection). */
void pg_set_error(struct ef_store *s, const PGresult *r, const char *what);
/* Connect again after a lost connection. */
int pg_reconnect(struct ef_store *s);
/* 1 for a serialization failure or deadlock: the transaction may be run again. */
int pg_retryable(const char *state);
/* Free the driver's statements (before closing the connection). */
void pgd_cache_free(struct pg_store *p);
void pg_close_store(struct ef_store *s);
/* The bulk ingest statements (driver_postgres_bulk.c). */
struct ef_report_record;
struct ef_result_diff;
int pgd_write_changes(struct ef_store *s, const struct ef_report_record *rec, int64_t report_id,
                      const struct ef_result_diff *d);
int pgd_apply_deltas(struct ef_store *s, int64_t department_id, const struct ef_result_diff *d);

static inline struct pg_store *pg_of(struct ef_store *s)
{
    return (struct pg_store *)s;
}

/* Parameters of one statement: text values, 64-bit integers as text, byte strings binary. */
struct pg_args {
    int n;
    const char *v[PG_MAX_ARGS];
    int len[PG_MAX_ARGS];
    int fmt[PG_MAX_ARGS];
    char num[PG_MAX_ARGS][24];
};

void pa_text(struct pg_args *a, const char *v); /* NULL: SQL NULL */
void pa_int(struct pg_args *a, int64_t v);

/* Run sql (a string constant) with args (may be NULL). Returns the result of a command or
 * query, or NULL with s->err and the SQLSTATE set. PQclear the result. binary: results in
 * binary format (raw bytes for text and bytea columns). */
PGresult *pg_q(struct ef_store *s, const char *sql, const struct pg_args *a, const char *what);
/* The same for a statement that cannot be prepared (DECLARE, FETCH, BEGIN ...). */
PGresult *pg_q_once(struct ef_store *s, const char *sql, const struct pg_args *a, int binary,
                    const char *what);
/* A statement without rows; *changed (may be NULL) is the number of rows it touched. */
int pg_cmd(struct ef_store *s, const char *sql, const struct pg_args *a, const char *what,
           int64_t *changed);
/* A single integer value (first row, first column); dflt when no row or NULL. */
int pg_get_int(struct ef_store *s, const char *sql, const struct pg_args *a, int64_t dflt,
               int64_t *out);
int pg_exec(struct ef_store *s, const char *sql); /* constant SQL without parameters */

int64_t pg_col_int(const PGresult *r, int row, int col);
/* Copy a text column into dst; longer than dstlen-1 is an error. */
int pg_col_text(struct ef_store *s, const PGresult *r, int row, int col, char *dst, size_t dstlen);

#endif
