/* Shared between the SQLite store's files: the handle and small statement helpers. */
#ifndef EF_COLLECTOR_SQLITE_INTERNAL_H
#define EF_COLLECTOR_SQLITE_INTERNAL_H

#include <sqlite3.h>

#include "store/db.h"
#include "store/store.h"

/* Statements of the ingest path, prepared once per connection and reused (sq_cached). */
enum sq_slot {
    SQ_AGENT_GET,
    SQ_CLAIM_SEQ,
    SQ_AGENT_DEPT,
    SQ_REPORT_INSERT,
    SQ_PREV,
    SQ_LATEST_DELETE,
    SQ_LATEST_UPSERT,
    SQ_HIST_INSERT,
    SQ_AGENT_COUNTS,
    SQ_APPLY_CHECKS,
    SQ_APPLY_AGENT,
    SQ_APPLY_DEPT,
    SQ_CHECK_DELTA,
    SQ_DEPT_DELTA,
    SQ_ACC_MATCH,
    SQ_SP_BEGIN,
    SQ_SP_RELEASE,
    SQ_SP_ROLLBACK,
    SQ_SLOTS
};

/* Prepared statements of the core, by the address of their SQL text (db.h). */
#define SQ_CACHE_SLOTS 512 /* a power of two, well above the number of statements */
struct sq_cache_entry {
    const char *sql;
    sqlite3_stmt *st;
};

struct sqlite_store {
    struct ef_store base; /* first, so the pointers convert */
    sqlite3 *db;
    int in_batch; /* inside batch_begin .. batch_commit: calls use savepoints */
    sqlite3_stmt *cached[SQ_SLOTS];
    size_t ncache;
    struct sq_cache_entry cache[SQ_CACHE_SLOTS];
};

extern const struct ef_db_ops ef_sqlite_db_ops;
/* Finalize the driver's cached statements (driver_sqlite.c). */
void sq_cache_free(struct sqlite_store *q);
void sq_close_store(struct ef_store *s);

/* The statement of slot (sql is its constant text), prepared on first use, reset and
 * unbound, ready to bind. Do not finalize it; sq_done() it after use. NULL with s->err. */
sqlite3_stmt *sq_cached(struct ef_store *s, enum sq_slot slot, const char *sql);
/* Reset a cached statement after use (keeps it prepared). */
void sq_done(sqlite3_stmt *st);
/* Step a cached statement that returns no rows, then reset it. */
int sq_run_cached(struct ef_store *s, sqlite3_stmt *st, const char *what);

static inline sqlite3 *db_of(struct ef_store *s)
{
    return ((struct sqlite_store *)s)->db;
}

/* s->err = "what: sqlite message"; returns EF_STORE_ERR. */
int sq_fail(struct ef_store *s, const char *what);
/* Prepare sql (a constant); NULL with s->err set on failure. */
sqlite3_stmt *sq_prepare(struct ef_store *s, const char *sql);
int sq_exec(struct ef_store *s, const char *sql);
void sq_rollback(struct ef_store *s);
/* Copy column i as text into dst; longer than dstlen-1 is an error. */
int sq_col_text(struct ef_store *s, sqlite3_stmt *st, int i, char *dst, size_t dstlen);
/* Step a statement that returns no rows, finalize it; EF_STORE_OK or EF_STORE_ERR. */
int sq_run(struct ef_store *s, sqlite3_stmt *st, const char *what);
/* A single integer result of st (finalized); *out = dflt when no row. */
int sq_int64(struct ef_store *s, sqlite3_stmt *st, int64_t dflt, int64_t *out);
void *sq_grow(struct ef_store *s, void *v, size_t *cap, size_t len, size_t size);
/* Converts the current row of st into elem (zeroed); EF_STORE_OK or EF_STORE_ERR with
 * s->err set. */
typedef int (*sq_row_fn)(struct ef_store *s, sqlite3_stmt *st, void *elem);
/* Step st (prepared and bound, not cached: it is finalized in every case), converting each
 * row with row into a growing array of elem_size elements: *out and *n (NULL and 0 on
 * error). A failed step sets s->err = "what: sqlite message". On error the rows read so
 * far, the failed one included, are released with free_rows(v, count), or free() when
 * free_rows is NULL. EF_STORE_OK or EF_STORE_ERR. */
int sq_collect(struct ef_store *s, sqlite3_stmt *st, size_t elem_size, sq_row_fn row,
               void (*free_rows)(void *v, size_t n), void **out, size_t *n, const char *what);

/* Counters (sqlite_counters.c). Each runs inside the caller's transaction. */

/* Add (sign +1) or remove (sign -1) the agent's latest results to or from its
 * department's counters. */
int sq_agent_apply(struct ef_store *s, const char *agent_id, int64_t department_id, int sign);
struct ef_result_diff;
/* A counted agent's report: add the diff's counter deltas (changed, new and vanished
 * results) to dept_check_counts and its department's dept_counts row. */
int sq_apply_deltas(struct ef_store *s, int64_t department_id, const struct ef_result_diff *d);
/* Take the agent out of the counters when it is in them (counted = 0). */
int sq_agent_uncount(struct ef_store *s, const char *agent_id);
/* Recompute which of the agent's failures are accepted, its own counts, and whether it is
 * counted (fresh at now with s->stale_days), keeping the department counters right. */
int sq_agent_rebuild(struct ef_store *s, const char *agent_id, time_t now);
/* The active acceptance covering a failure of check on agent in department; 0 when none. */
int sq_acceptance_match(struct ef_store *s, int64_t department_id, const char *check,
                        const char *agent_id, int64_t *id);
/* Snapshot catch-up and staleness/expiry sweep to now (inside a transaction). */
int sq_catch_up(struct ef_store *s, time_t now, int stale_days);
/* 1 when sq_catch_up has anything to do at now. */
int sq_due(struct ef_store *s, time_t now, int stale_days, int *due);
int sq_audit(struct ef_store *s, time_t at, const char *actor, const char *action,
             const char *details);

extern const char *const sq_kind_col[EF_KINDS]; /* "pass", ..., "accepted" */

#endif
