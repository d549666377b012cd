/* SPDX-License-Identifier: EUPL-1.2 */
/* The PostgreSQL store: the same tables, version numbers and semantics as the SQLite store,
 * for several collectors sharing one database (docs/collector-internals.md, "PostgreSQL").
 *
 * Concurrency. Every write runs in the driver's tx (driver_postgres.c): a READ COMMITTED
 * transaction that is retried
 * from the start on a serialization failure or deadlock. Exactness rests on three things:
 *  - the agent row is the lock for everything of one agent: a report claims its seq with
 *    UPDATE agents ... WHERE last_seq < seq (a concurrent claim waits for the row, then
 *    finds the condition false: 409 or a 200 duplicate, never two stores of one seq), and
 *    enrollment reads the agent with SELECT ... FOR UPDATE;
 *  - counters only ever change by UPDATE n = n + delta or INSERT ... ON CONFLICT DO UPDATE
 *    inside the statement (no read-modify-write in C), so concurrent ingests commute;
 *  - the "counters" advisory lock: ingest and enrollment hold it shared (they run in
 *    parallel, one agent each), while the operations that touch many agents at once (the
 *    staleness sweep with its daily snapshots, adding, revoking and expiring acceptances)
 *    hold it exclusively. An acceptance therefore never changes between an ingest's
 *    matching of its failures and its commit, and two collectors sweeping at once run one
 *    after the other (the second finds nothing left to do).
 * Schema creation and migration run under another advisory lock (postgres_schema.h). */
#include <errno.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "efterlev/util.h"
#include "store/postgres.h"
#include "store/postgres_internal.h"
#include "store/postgres_schema.h"
#include "store/result_diff.h"
#include "store/core.h"
#include "store/store.h"

/* ---- parameters ---- */

void pa_text(struct pg_args *a, const char *v)
{
    a->v[a->n] = v;
    a->len[a->n] = 0;
    a->fmt[a->n] = 0;
    a->n++;
}

void pa_int(struct pg_args *a, int64_t v)
{
    snprintf(a->num[a->n], sizeof(a->num[0]), "%lld", (long long)v);
    pa_text(a, a->num[a->n]);
}

/* ---- statements ---- */

void pg_set_error(struct ef_store *s, const PGresult *r, const char *what)
{
    struct pg_store *p = pg_of(s);
    const char *msg = r != NULL ? PQresultErrorMessage(r) : "";
    const char *state = r != NULL ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    size_t n;

    if (msg == NULL || msg[0] == '\0')
        msg = PQerrorMessage(p->conn);
    snprintf(p->sqlstate, sizeof(p->sqlstate), "%s", state != NULL ? state : "");
    snprintf(s->err, sizeof(s->err), "%s: %s", what, msg);
    n = strlen(s->err);
    while (n > 0 && (s->err[n - 1] == '\n' || s->err[n - 1] == ' '))
        s->err[--n] = '\0';
}

static const char *prepared_name(struct ef_store *s, const char *sql, const char *what)
{
    struct pg_store *p = pg_of(s);
    struct pg_prepared *e;
    PGresult *r;
    size_t i;

    for (i = 0; i < p->nprepared; i++)
        if (p->prepared[i].sql == sql)
            return p->prepared[i].name;
    if (p->nprepared == PG_MAX_PREPARED)
        return ""; /* not cached: run unnamed */
    e = &p->prepared[p->nprepared];
    snprintf(e->name, sizeof(e->name), "ef%zu", p->nprepared);
    r = PQprepare(p->conn, e->name, sql, 0, NULL);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        pg_set_error(s, r, what);
        PQclear(r);
        return NULL;
    }
    PQclear(r);
    e->sql = sql;
    p->nprepared++;
    return e->name;
}

static PGresult *run(struct ef_store *s, const char *sql, const struct pg_args *a, int binary,
                     int once, const char *what)
{
    struct pg_store *p = pg_of(s);
    const char *name = "";
    ExecStatusType st;
    PGresult *r;
    int n = a != NULL ? a->n : 0;

    if (!once && (name = prepared_name(s, sql, what)) == NULL)
        return NULL;
    if (name[0] != '\0')
        r = PQexecPrepared(p->conn, name, n, a != NULL ? a->v : NULL, a != NULL ? a->len : NULL,
                           a != NULL ? a->fmt : NULL, binary);
    else
        r = PQexecParams(p->conn, sql, n, NULL, a != NULL ? a->v : NULL, a != NULL ? a->len : NULL,
                         a != NULL ? a->fmt : NULL, binary);
    st = PQresultStatus(r);
    if (r != NULL && (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)) {
        p->sqlstate[0] = '\0';
        return r;
    }
    pg_set_error(s, r, what);
    PQclear(r);
    return NULL;
}

PGresult *pg_q(struct ef_store *s, const char *sql, const struct pg_args *a, const char *what)
{
    return run(s, sql, a, 0, 0, what);
}

PGresult *pg_q_once(struct ef_store *s, const char *sql, const struct pg_args *a, int binary,
                    const char *what)
{
    return run(s, sql, a, binary, 1, what);
}

int pg_cmd(struct ef_store *s, const char *sql, const struct pg_args *a, const char *what,
           int64_t *changed)
{
    PGresult *r = pg_q(s, sql, a, what);

    if (r == NULL)
        return EF_ERR;
    if (changed != NULL)
        *changed = strtoll(PQcmdTuples(r), NULL, 10);
    PQclear(r);
    return EF_OK;
}

int pg_get_int(struct ef_store *s, const char *sql, const struct pg_args *a, int64_t dflt,
               int64_t *out)
{
    PGresult *r = pg_q(s, sql, a, "select");

    if (r == NULL)
        return EF_ERR;
    *out = PQntuples(r) > 0 && !PQgetisnull(r, 0, 0) ? pg_col_int(r, 0, 0) : dflt;
    PQclear(r);
    return EF_OK;
}

int pg_exec(struct ef_store *s, const char *sql)
{
    PGresult *r = PQexec(pg_of(s)->conn, sql);
    ExecStatusType st = PQresultStatus(r);

    if (r != NULL && (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)) {
        PQclear(r);
        pg_of(s)->sqlstate[0] = '\0';
        return EF_OK;
    }
    pg_set_error(s, r, sql);
    PQclear(r);
    return EF_ERR;
}

int64_t pg_col_int(const PGresult *r, int row, int col)
{
    return PQgetisnull(r, row, col) ? 0 : strtoll(PQgetvalue(r, row, col), NULL, 10);
}

int pg_col_text(struct ef_store *s, const PGresult *r, int row, int col, char *dst, size_t dstlen)
{
    int n = PQgetlength(r, row, col);

    if (n < 0 || (size_t)n >= dstlen) {
        snprintf(s->err, sizeof(s->err), "stored value too long in column %d", col);
        return EF_ERR;
    }
    memcpy(dst, PQgetvalue(r, row, col), (size_t)n);
    dst[n] = '\0';
    return EF_OK;
}

/* ---- connection and transactions ---- */

static void quiet(void *arg, const char *msg)
{
    (void)arg;
    (void)msg;
}

/* After a lost connection: connect again; the prepared statements are gone with it. */
int pg_reconnect(struct ef_store *s)
{
    struct pg_store *p = pg_of(s);

    p->nprepared = 0;
    p->conn_gen++;
    PQreset(p->conn);
    if (PQstatus(p->conn) != CONNECTION_OK) {
        snprintf(s->err, sizeof(s->err), "database connection lost: %s", PQerrorMessage(p->conn));
        return EF_ERR;
    }
    PQsetClientEncoding(p->conn, "UTF8");
    return EF_OK;
}

int pg_retryable(const char *state)
{
    return strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0;
}

/* ---- open / close ---- */

void pg_close_store(struct ef_store *s)
{
    struct pg_store *p = pg_of(s);

    pgd_cache_free(p);
    PQfinish(p->conn);
    free(p);
}

static int migrate_tx(struct ef_store *s, void *ctx)
{
    struct pg_args a = {0};
    int64_t exists = 0, version = 1;
    size_t i;

    (void)ctx;
    /* Under the migration lock, so a second collector starting at the same time waits and
     * then finds the schema current. */
    pa_int(&a, PG_LOCK_NS);
    pa_int(&a, PG_LOCK_MIGRATE);
    if (pg_cmd(s, "SELECT pg_advisory_xact_lock($1::int, $2::int)", &a, "migration lock", NULL) !=
            EF_OK ||
        pg_get_int(s, "SELECT (to_regclass('schema_version') IS NOT NULL)::int", NULL, 0,
                   &exists) != EF_OK)
        return EF_ERR;
    if (!exists) {
        if (pg_exec(s, ef_pg_schema) != EF_OK)
            return EF_ERR;
    } else if (pg_get_int(s, "SELECT max(version) FROM schema_version", NULL, 0, &version) !=
               EF_OK) {
        return EF_ERR;
    }
    if (version < 1 || version > EF_PG_SCHEMA_VERSION) {
        snprintf(s->err, sizeof(s->err),
                 "database schema version %lld, this collector knows versions 1 to %d",
                 (long long)version, EF_PG_SCHEMA_VERSION);
        return EF_ERR;
    }
    if (version < 2)
        for (i = 0; i < EF_ARRAY_LEN(ef_pg_migrate_2); i++)
            if (pg_exec(s, ef_pg_migrate_2[i]) != EF_OK)
                return EF_ERR;
    if (version < 3)
        for (i = 0; i < EF_ARRAY_LEN(ef_pg_migrate_3); i++)
            if (pg_exec(s, ef_pg_migrate_3[i]) != EF_OK)
                return EF_ERR;
    if (version < 4)
        for (i = 0; i < EF_ARRAY_LEN(ef_pg_migrate_4); i++)
            if (pg_exec(s, ef_pg_migrate_4[i]) != EF_OK)
                return EF_ERR;
    if (version < 5)
        for (i = 0; i < EF_ARRAY_LEN(ef_pg_migrate_5); i++)
            if (pg_exec(s, ef_pg_migrate_5[i]) != EF_OK)
                return EF_ERR;
    if (version < 6)
        for (i = 0; i < EF_ARRAY_LEN(ef_pg_migrate_6); i++)
            if (pg_exec(s, ef_pg_migrate_6[i]) != EF_OK)
                return EF_ERR;
    if (version < 7)
        for (i = 0; i < EF_ARRAY_LEN(ef_pg_migrate_7); i++)
            if (pg_exec(s, ef_pg_migrate_7[i]) != EF_OK)
                return EF_ERR;
    if (version < 8)
        for (i = 0; i < EF_ARRAY_LEN(ef_pg_migrate_8); i++)
            if (pg_exec(s, ef_pg_migrate_8[i]) != EF_OK)
                return EF_ERR;
    if (version < 9)
        for (i = 0; i < EF_ARRAY_LEN(ef_pg_migrate_9); i++)
            if (pg_exec(s, ef_pg_migrate_9[i]) != EF_OK)
                return EF_ERR;
    if (version < 10)
        for (i = 0; i < EF_ARRAY_LEN(ef_pg_migrate_10); i++)
            if (pg_exec(s, ef_pg_migrate_10[i]) != EF_OK)
                return EF_ERR;
    if (version < 11)
        for (i = 0; i < EF_ARRAY_LEN(ef_pg_migrate_11); i++)
            if (pg_exec(s, ef_pg_migrate_11[i]) != EF_OK)
                return EF_ERR;
    if (version < 12)
        for (i = 0; i < EF_ARRAY_LEN(ef_pg_migrate_12); i++)
            if (pg_exec(s, ef_pg_migrate_12[i]) != EF_OK)
                return EF_ERR;
    return EF_OK;
}

/* The URL for messages: the password (user:PASSWORD@) left out. */
static void url_for_messages(const char *url, char *out, size_t outlen)
{
    const char *scheme = strstr(url, "://"), *at, *colon;

    if (scheme == NULL) {
        snprintf(out, outlen, "%s", url);
        return;
    }
    scheme += 3;
    at = strchr(scheme, '@');
    colon = at != NULL ? memchr(scheme, ':', (size_t)(at - scheme)) : NULL;
    if (colon == NULL)
        snprintf(out, outlen, "%s", url);
    else
        snprintf(out, outlen, "%.*s:***%s", (int)(colon - url), url, at);
}

struct ef_store *ef_store_pg_open(const char *url, int create, char *err, size_t errlen)
{
    struct pg_store *p;
    char shown[512];

    (void)create; /* the database must exist; its tables are created when missing */
    url_for_messages(url, shown, sizeof(shown));
    p = calloc(1, sizeof(*p));
    if (p == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    p->base.ops = &ef_store_core_ops;
    p->base.db = &ef_pg_db_ops;
    p->base.stale_days = 7;
    p->conn = PQconnectdb(url);
    if (p->conn == NULL || PQstatus(p->conn) != CONNECTION_OK) {
        snprintf(err, errlen, "cannot connect to %s: %s", shown,
                 p->conn != NULL ? PQerrorMessage(p->conn) : "out of memory");
        /* libpq's messages end in a newline */
        if (strlen(err) > 0 && err[strlen(err) - 1] == '\n')
            err[strlen(err) - 1] = '\0';
        pg_close_store(&p->base);
        return NULL;
    }
    PQsetNoticeProcessor(p->conn, quiet, NULL);
    if (PQsetClientEncoding(p->conn, "UTF8") != 0) {
        snprintf(err, errlen, "database %s: cannot use UTF-8", shown);
        pg_close_store(&p->base);
        return NULL;
    }
    if (ef_pg_db_ops.tx(&p->base, EF_DB_NO_LOCK, migrate_tx, NULL) != EF_OK) {
        snprintf(err, errlen, "database %s: %s", shown, p->base.err);
        pg_close_store(&p->base);
        return NULL;
    }
    return &p->base;
}
