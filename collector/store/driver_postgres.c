/* SPDX-License-Identifier: EUPL-1.2 */
/* The PostgreSQL driver under the store's domain code (db.h): statements, transactions and
 * group commit over one libpq connection.
 *
 * A statement is prepared (PQprepare) at its first run on a connection, with the parameter
 * types of the values then bound (bigint, text, bytea), so the core's SQL needs no casts.
 * Results come in text format; bytea columns are unescaped on demand. Transactions run READ
 * COMMITTED holding the counters advisory lock in the mode asked for, and are run again on
 * a serialization failure or deadlock (40001, 40P01); inside a batch each unit has its own
 * savepoint, so a deadlock costs one unit a retry, not the batch. */
#include <libpq-fe.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/core.h"
#include "store/postgres_internal.h"

#define PGD_PARAMS 24    /* the most parameters of a core statement */
#define PGD_BLOB_COLS 8  /* bytea columns are unescaped for the first few columns */
#define UNIT_ATTEMPTS 30 /* runs of one transaction before giving up */
#define OID_BYTEA 17
#define OID_INT8 20
#define OID_TEXT 25

struct ef_db_stmt {
    struct pg_store *p;
    const char *sql;
    char name[16];
    unsigned gen; /* conn_gen when prepared; prepared = 0 before the first run */
    int prepared;
    int nparams; /* the highest $N of sql */
    const char *v[PGD_PARAMS];
    int len[PGD_PARAMS], fmt[PGD_PARAMS];
    Oid type[PGD_PARAMS];
    char num[PGD_PARAMS][24];
    PGresult *res;
    int row, nrows, ran;
    unsigned char *blob[PGD_BLOB_COLS];
    size_t bloblen[PGD_BLOB_COLS];
};

static int highest_param(const char *sql)
{
    const char *p;
    int max = 0;

    for (p = sql; (p = strchr(p, '$')) != NULL; p++)
        if (p[1] >= '0' && p[1] <= '9') {
            int n = (int)strtol(p + 1, NULL, 10);

            if (n > max)
                max = n;
        }
    return max;
}

static size_t slot_of(const char *sql)
{
    uintptr_t h = (uintptr_t)sql;

    h ^= h >> 17;
    h *= (uintptr_t)0x9E3779B97F4A7C15ULL;
    return (size_t)(h >> 7) & (PGD_CACHE_SLOTS - 1);
}

static void release_row(struct ef_db_stmt *st)
{
    for (int i = 0; i < PGD_BLOB_COLS; i++) {
        PQfreemem(st->blob[i]);
        st->blob[i] = NULL;
    }
}

static struct ef_db_stmt *pgd_prepare(struct ef_store *s, const char *sql)
{
    struct pg_store *p = pg_of(s);
    size_t i = slot_of(sql);
    struct ef_db_stmt *st;

    for (; p->cache[i] != NULL; i = (i + 1) & (PGD_CACHE_SLOTS - 1))
        if (p->cache[i]->sql == sql) {
            st = p->cache[i];
            if (st->ran) {
                snprintf(s->err, sizeof(s->err), "statement already in use: %.60s", sql);
                return NULL;
            }
            return st;
        }
    if (p->ncache >= PGD_CACHE_SLOTS / 2) {
        snprintf(s->err, sizeof(s->err), "statement cache full");
        return NULL;
    }
    if ((st = calloc(1, sizeof(*st))) == NULL) {
        snprintf(s->err, sizeof(s->err), "out of memory");
        return NULL;
    }
    st->p = p;
    st->sql = sql;
    st->nparams = highest_param(sql);
    if (st->nparams > PGD_PARAMS) {
        snprintf(s->err, sizeof(s->err), "statement has %d parameters, at most %d", st->nparams,
                 PGD_PARAMS);
        free(st);
        return NULL;
    }
    snprintf(st->name, sizeof(st->name), "c%zu", p->ncache);
    p->cache[i] = st;
    p->ncache++;
    return st;
}

static void set_param(struct ef_db_stmt *st, int i, const char *v, int len, int fmt, Oid type)
{
    if (i < 1 || i > PGD_PARAMS)
        return;
    st->v[i - 1] = v;
    st->len[i - 1] = len;
    st->fmt[i - 1] = fmt;
    st->type[i - 1] = type;
}

static void pgd_bind_int(struct ef_db_stmt *st, int i, int64_t v)
{
    if (i < 1 || i > PGD_PARAMS)
        return;
    snprintf(st->num[i - 1], sizeof(st->num[0]), "%lld", (long long)v);
    set_param(st, i, st->num[i - 1], 0, 0, OID_INT8);
}

static void pgd_bind_text(struct ef_db_stmt *st, int i, const char *v)
{
    set_param(st, i, v, 0, 0, OID_TEXT);
}

static void pgd_bind_null(struct ef_db_stmt *st, int i)
{
    set_param(st, i, NULL, 0, 0, 0); /* type 0: PostgreSQL infers it from the statement */
}

static void pgd_bind_blob(struct ef_db_stmt *st, int i, const void *v, size_t len)
{
    set_param(st, i, v, v != NULL && len <= INT32_MAX ? (int)len : 0, 1, OID_BYTEA);
}

/* Prepare on this connection, with the types bound now. */
static int ensure_prepared(struct ef_store *s, struct ef_db_stmt *st, const char *what)
{
    struct pg_store *p = st->p;
    PGresult *r;

    if (st->prepared && st->gen == p->conn_gen)
        return EF_OK;
    r = PQprepare(p->conn, st->name, st->sql, st->nparams, st->type);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        pg_set_error(s, r, what);
        PQclear(r);
        return EF_ERR;
    }
    PQclear(r);
    st->prepared = 1;
    st->gen = p->conn_gen;
    return EF_OK;
}

static int pgd_step(struct ef_store *s, struct ef_db_stmt *st, const char *what)
{
    struct pg_store *p = st->p;
    ExecStatusType rs;

    release_row(st);
    if (!st->ran) {
        if (ensure_prepared(s, st, what) != EF_OK)
            return EF_ERR;
        st->res = PQexecPrepared(p->conn, st->name, st->nparams, st->v, st->len, st->fmt, 0);
        st->ran = 1;
        st->row = -1;
        rs = PQresultStatus(st->res);
        if (st->res == NULL || (rs != PGRES_COMMAND_OK && rs != PGRES_TUPLES_OK)) {
            pg_set_error(s, st->res, what);
            PQclear(st->res);
            st->res = NULL;
            return strcmp(p->sqlstate, "23505") == 0 ? EF_EXISTS : EF_ERR;
        }
        p->sqlstate[0] = '\0';
        st->nrows = PQntuples(st->res);
    }
    if (st->res == NULL || ++st->row >= st->nrows)
        return EF_DB_DONE;
    return EF_DB_ROW;
}

static int pgd_col_null(struct ef_db_stmt *st, int i)
{
    return PQgetisnull(st->res, st->row, i);
}

static int64_t pgd_col_int(struct ef_db_stmt *st, int i)
{
    return PQgetisnull(st->res, st->row, i) ? 0
                                            : strtoll(PQgetvalue(st->res, st->row, i), NULL, 10);
}

static const char *pgd_col_text(struct ef_db_stmt *st, int i, size_t *len)
{
    int n = PQgetlength(st->res, st->row, i);

    *len = n > 0 ? (size_t)n : 0;
    return PQgetvalue(st->res, st->row, i);
}

static const void *pgd_col_blob(struct ef_db_stmt *st, int i, size_t *len)
{
    *len = 0;
    if (i < 0 || i >= PGD_BLOB_COLS || PQgetisnull(st->res, st->row, i))
        return NULL;
    if (st->blob[i] == NULL)
        st->blob[i] = PQunescapeBytea((const unsigned char *)PQgetvalue(st->res, st->row, i),
                                      &st->bloblen[i]);
    *len = st->blob[i] != NULL ? st->bloblen[i] : 0;
    return st->blob[i];
}

static int64_t pgd_changes(struct ef_store *s, struct ef_db_stmt *st)
{
    (void)s;
    return st->res != NULL ? strtoll(PQcmdTuples(st->res), NULL, 10) : 0;
}

static void pgd_done(struct ef_db_stmt *st)
{
    if (st == NULL)
        return;
    release_row(st);
    PQclear(st->res);
    st->res = NULL;
    st->ran = 0;
    memset(st->v, 0, sizeof(st->v));
    memset(st->len, 0, sizeof(st->len));
    memset(st->fmt, 0, sizeof(st->fmt));
}

void pgd_cache_free(struct pg_store *p)
{
    for (size_t i = 0; i < PGD_CACHE_SLOTS; i++)
        if (p->cache[i] != NULL) {
            pgd_done(p->cache[i]);
            free(p->cache[i]);
            p->cache[i] = NULL;
        }
    p->ncache = 0;
}

/* ---- transactions ---- */

static int lock_counters(struct ef_store *s, enum ef_db_lock lock)
{
    struct pg_args a = {0};

    if (lock == EF_DB_NO_LOCK)
        return EF_OK;
    pa_int(&a, PG_LOCK_NS);
    pa_int(&a, PG_LOCK_COUNTERS);
    return pg_cmd(s,
                  lock == EF_DB_SHARED ? "SELECT pg_advisory_xact_lock_shared($1::int, $2::int)"
                                       : "SELECT pg_advisory_xact_lock($1::int, $2::int)",
                  &a, "counters lock", NULL);
}

static void exec_keep_error(struct ef_store *s, const char *sql)
{
    struct pg_store *p = pg_of(s);
    char keep[sizeof(s->err)], state[6];

    memcpy(keep, s->err, sizeof(keep));
    memcpy(state, p->sqlstate, sizeof(state));
    PQclear(PQexec(p->conn, sql));
    memcpy(s->err, keep, sizeof(keep));
    memcpy(p->sqlstate, state, sizeof(state));
}

/* Back off a little, more each time, with jitter, so the losers do not collide again. */
static void backoff(int attempt)
{
    struct timespec ts = {0, (long)(1 + (attempt < 8 ? attempt : 8)) * 500000L +
                                 (long)(random() % 1000000)};

    nanosleep(&ts, NULL);
}

static int may_retry(struct pg_store *p, int rc)
{
    return rc == EF_DB_RETRY ||
           (rc == EF_ERR && (PQstatus(p->conn) != CONNECTION_OK || pg_retryable(p->sqlstate)));
}

/* The result of a transaction whose attempts ran out. */
static int gave_up(struct ef_store *s, int rc)
{
    if (rc != EF_DB_RETRY)
        return rc;
    snprintf(s->err, sizeof(s->err), "gave up after %d attempts", UNIT_ATTEMPTS);
    return EF_ERR;
}

/* One unit inside an open batch, in its own savepoint. A deadlock or serialization failure
 * is not retried in place: the other writer waits for rows this batch's earlier units hold,
 * so the unit would only meet it again. The batch is marked instead; its later units are
 * not run, batch_commit rolls it all back (releasing every lock) and answers EF_RETRY, and
 * the ingest writer runs the batch again. */
static int unit_in_batch(struct ef_store *s, ef_db_body body, void *ctx)
{
    struct pg_store *p = pg_of(s);
    int attempt, rc = EF_ERR;

    if (p->batch_conflict)
        return EF_RETRY;
    for (attempt = 1; attempt <= UNIT_ATTEMPTS; attempt++) {
        if (pg_exec(s, "SAVEPOINT unit") != EF_OK)
            return EF_ERR;
        rc = body(s, ctx);
        if (rc == EF_OK)
            return pg_exec(s, "RELEASE SAVEPOINT unit");
        exec_keep_error(s, "ROLLBACK TO SAVEPOINT unit");
        exec_keep_error(s, "RELEASE SAVEPOINT unit");
        if (rc == EF_ERR && PQstatus(p->conn) == CONNECTION_OK && pg_retryable(p->sqlstate)) {
            p->batch_conflict = 1;
            return EF_RETRY;
        }
        /* EF_DB_RETRY (another collector enrolled the machine first) is decided again. */
        if (rc != EF_DB_RETRY)
            break;
        backoff(attempt);
    }
    return gave_up(s, rc);
}

static int pgd_tx(struct ef_store *s, enum ef_db_lock lock, ef_db_body body, void *ctx)
{
    struct pg_store *p = pg_of(s);
    int attempt, rc = EF_ERR;

    if (p->in_batch)
        return unit_in_batch(s, body, ctx);
    for (attempt = 1; attempt <= UNIT_ATTEMPTS; attempt++) {
        if (PQstatus(p->conn) != CONNECTION_OK && pg_reconnect(s) != EF_OK)
            return EF_ERR;
        rc = pg_exec(s, "BEGIN ISOLATION LEVEL READ COMMITTED");
        if (rc == EF_OK)
            rc = lock_counters(s, lock);
        if (rc == EF_OK) {
            rc = body(s, ctx);
            if (rc == EF_OK) {
                if (pg_exec(s, "COMMIT") == EF_OK)
                    return EF_OK;
                /* A COMMIT that failed ended the transaction; whether a lost connection
                 * committed is unknown, so that is not retried. */
                if (!pg_retryable(p->sqlstate))
                    return EF_ERR;
                rc = EF_ERR;
                continue;
            }
        }
        exec_keep_error(s, "ROLLBACK");
        if (!may_retry(p, rc))
            break;
        backoff(attempt);
    }
    return gave_up(s, rc);
}

static int pgd_batch_open(struct ef_store *s, enum ef_db_lock lock)
{
    struct pg_store *p = pg_of(s);

    if (p->in_batch) {
        snprintf(s->err, sizeof(s->err), "batch already open");
        return EF_ERR;
    }
    if (PQstatus(p->conn) != CONNECTION_OK && pg_reconnect(s) != EF_OK)
        return EF_ERR;
    if (pg_exec(s, "BEGIN ISOLATION LEVEL READ COMMITTED") != EF_OK)
        return EF_ERR;
    if (lock_counters(s, lock) != EF_OK) {
        exec_keep_error(s, "ROLLBACK");
        return EF_ERR;
    }
    p->in_batch = 1;
    p->batch_conflict = 0;
    return EF_OK;
}

static int pgd_batch_commit(struct ef_store *s)
{
    struct pg_store *p = pg_of(s);

    p->in_batch = 0;
    if (p->batch_conflict) {
        p->batch_conflict = 0;
        exec_keep_error(s, "ROLLBACK");
        return EF_RETRY;
    }
    if (pg_exec(s, "COMMIT") == EF_OK)
        return EF_OK;
    exec_keep_error(s, "ROLLBACK");
    return EF_ERR;
}

static void pgd_batch_rollback(struct ef_store *s)
{
    struct pg_store *p = pg_of(s);

    if (p->in_batch)
        exec_keep_error(s, "ROLLBACK");
    p->in_batch = 0;
    p->batch_conflict = 0;
}

static int pgd_in_batch(struct ef_store *s)
{
    return pg_of(s)->in_batch;
}

/* An export's snapshot: REPEATABLE READ takes it at the first statement and keeps it to the
 * end; READ ONLY, so it never conflicts with a writer. Not retried: the caller streams. */
static int pgd_snapshot_begin(struct ef_store *s)
{
    struct pg_store *p = pg_of(s);

    if (PQstatus(p->conn) != CONNECTION_OK && pg_reconnect(s) != EF_OK)
        return EF_ERR;
    /* BEGIN inside a transaction is only a warning to PostgreSQL. */
    if (p->in_batch || PQtransactionStatus(p->conn) != PQTRANS_IDLE) {
        snprintf(s->err, sizeof(s->err), "snapshot: a transaction is already open");
        return EF_ERR;
    }
    return pg_exec(s, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
}

static void pgd_snapshot_end(struct ef_store *s)
{
    exec_keep_error(s, "ROLLBACK"); /* it wrote nothing */
}

const struct ef_db_ops ef_pg_db_ops = {
    .name = "postgresql",
    .close = pg_close_store,
    .tx = pgd_tx,
    .batch_open = pgd_batch_open,
    .batch_commit = pgd_batch_commit,
    .batch_rollback = pgd_batch_rollback,
    .in_batch = pgd_in_batch,
    .snapshot_begin = pgd_snapshot_begin,
    .snapshot_end = pgd_snapshot_end,
    .prepare = pgd_prepare,
    .bind_int = pgd_bind_int,
    .bind_text = pgd_bind_text,
    .bind_blob = pgd_bind_blob,
    .bind_null = pgd_bind_null,
    .step = pgd_step,
    .col_null = pgd_col_null,
    .col_int = pgd_col_int,
    .col_text = pgd_col_text,
    .col_blob = pgd_col_blob,
    .changes = pgd_changes,
    .done = pgd_done,
    .bulk_write_changes = pgd_write_changes,
    .bulk_apply_deltas = pgd_apply_deltas,
};
