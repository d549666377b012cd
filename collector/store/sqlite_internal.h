/* SPDX-License-Identifier: EUPL-1.2 */
/* Shared between the SQLite driver's files: the handle (sqlite.c opens it and builds the
 * schema; driver_sqlite.c runs the core's statements and transactions on it). */
#ifndef EF_COLLECTOR_SQLITE_INTERNAL_H
#define EF_COLLECTOR_SQLITE_INTERNAL_H

#include <sqlite3.h>
#include <stddef.h>

#include "store/db.h"
#include "store/store.h"

/* Prepared statements of the core, by the address of their SQL text (db.h). */
#define SQ_CACHE_SLOTS 512 /* a power of two, well above the number of statements */
struct sq_cache_entry {
    const char *sql;
    sqlite3_stmt *st;
};

struct sqlite_store {
    struct ef_store base; /* first, so the pointers convert */
    sqlite3 *db;
    int in_batch; /* inside batch_open .. batch_commit: tx calls use savepoints */
    size_t ncache;
    struct sq_cache_entry cache[SQ_CACHE_SLOTS];
};

_Static_assert(offsetof(struct sqlite_store, base) == 0, "struct ef_store first: the casts");

extern const struct ef_db_ops ef_sqlite_db_ops;
/* Finalize the driver's cached statements (driver_sqlite.c). */
void sq_cache_free(struct sqlite_store *q);
void sq_close_store(struct ef_store *s);

static inline sqlite3 *db_of(struct ef_store *s)
{
    return ((struct sqlite_store *)s)->db;
}

/* s->err = "what: sqlite message"; returns EF_ERR. */
int sq_fail(struct ef_store *s, const char *what);
/* Prepare sql; NULL with s->err set on failure. Finalize it after use. */
sqlite3_stmt *sq_prepare(struct ef_store *s, const char *sql);
int sq_exec(struct ef_store *s, const char *sql);
void sq_rollback(struct ef_store *s);
/* Copy column i as text into dst; longer than dstlen-1 is an error. */
int sq_col_text(struct ef_store *s, sqlite3_stmt *st, int i, char *dst, size_t dstlen);

#endif
