/* The PostgreSQL store: the same tables, version numbers and semantics as the SQLite store,
 * for several collectors sharing one database (docs/collector-internals.md, "PostgreSQL").
 *
 * Concurrency. Every write runs in pg_tx: a READ COMMITTED transaction that is retried
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
#include "now.h"
#include "store/postgres.h"
#include "store/postgres_internal.h"
#include "store/postgres_ops.h"
#include "store/postgres_schema.h"
#include "store/result_diff.h"
#include "store/core.h"
#include "store/store.h"

#define TX_ATTEMPTS 30

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

void pa_bin(struct pg_args *a, const void *v, size_t len)
{
    a->v[a->n] = v;
    a->len[a->n] = (int)len;
    a->fmt[a->n] = 1;
    a->n++;
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

PGresult *pg_qb(struct ef_store *s, const char *sql, const struct pg_args *a, const char *what)
{
    return run(s, sql, a, 1, 0, what);
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
        return EF_STORE_ERR;
    if (changed != NULL)
        *changed = strtoll(PQcmdTuples(r), NULL, 10);
    PQclear(r);
    return EF_STORE_OK;
}

int pg_get_int(struct ef_store *s, const char *sql, const struct pg_args *a, int64_t dflt,
               int64_t *out)
{
    PGresult *r = pg_q(s, sql, a, "select");

    if (r == NULL)
        return EF_STORE_ERR;
    *out = PQntuples(r) > 0 && !PQgetisnull(r, 0, 0) ? pg_col_int(r, 0, 0) : dflt;
    PQclear(r);
    return EF_STORE_OK;
}

int pg_exec(struct ef_store *s, const char *sql)
{
    PGresult *r = PQexec(pg_of(s)->conn, sql);
    ExecStatusType st = PQresultStatus(r);

    if (r != NULL && (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)) {
        PQclear(r);
        pg_of(s)->sqlstate[0] = '\0';
        return EF_STORE_OK;
    }
    pg_set_error(s, r, sql);
    PQclear(r);
    return EF_STORE_ERR;
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
        return EF_STORE_ERR;
    }
    memcpy(dst, PQgetvalue(r, row, col), (size_t)n);
    dst[n] = '\0';
    return EF_STORE_OK;
}

int pg_col_bytes(struct ef_store *s, const PGresult *r, int row, int col, void *dst, size_t len)
{
    size_t n = 0;
    unsigned char *v = PQunescapeBytea((const unsigned char *)PQgetvalue(r, row, col), &n);

    if (v == NULL || n != len) {
        snprintf(s->err, sizeof(s->err), "stored byte string of %zu bytes, expected %zu", n, len);
        PQfreemem(v);
        return EF_STORE_ERR;
    }
    memcpy(dst, v, len);
    PQfreemem(v);
    return EF_STORE_OK;
}

void *pg_grow(struct ef_store *s, void *v, size_t *cap, size_t len, size_t size)
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

int pg_collect(struct ef_store *s, PGresult *r, size_t elem_size, pg_row_fn row,
               void (*free_rows)(void *v, size_t n), void **out, size_t *n)
{
    unsigned char *v = NULL;
    int i, rows;

    *out = NULL;
    *n = 0;
    if (r == NULL)
        return EF_STORE_ERR;
    rows = PQntuples(r);
    if (rows > 0 && (v = calloc((size_t)rows, elem_size)) == NULL) {
        snprintf(s->err, sizeof(s->err), "out of memory");
        PQclear(r);
        return EF_STORE_ERR;
    }
    for (i = 0; i < rows; i++)
        if (row(s, r, i, v + (size_t)i * elem_size) != EF_STORE_OK) {
            PQclear(r);
            if (free_rows != NULL)
                free_rows(v, (size_t)rows);
            else
                free(v);
            return EF_STORE_ERR;
        }
    PQclear(r);
    *out = v;
    *n = (size_t)rows;
    return EF_STORE_OK;
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
        return EF_STORE_ERR;
    }
    PQsetClientEncoding(p->conn, "UTF8");
    return EF_STORE_OK;
}

int pg_retryable(const char *state)
{
    return strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0;
}

static const char lock_shared_sql[] = "SELECT pg_advisory_xact_lock_shared($1::int, $2::int)";
static const char lock_excl_sql[] = "SELECT pg_advisory_xact_lock($1::int, $2::int)";

int pg_tx(struct ef_store *s, enum pg_lock lock, pg_body body, void *ctx)
{
    struct pg_store *p = pg_of(s);
    struct pg_args a = {0};
    int attempt, rc;

    pa_int(&a, PG_LOCK_NS);
    pa_int(&a, PG_LOCK_COUNTERS);
    for (attempt = 1;; attempt++) {
        int lost = 0;

        if (PQstatus(p->conn) != CONNECTION_OK && pg_reconnect(s) != EF_STORE_OK)
            return EF_STORE_ERR;
        rc = pg_exec(s, "BEGIN ISOLATION LEVEL READ COMMITTED");
        if (rc == EF_STORE_OK && lock != PG_NO_LOCK)
            rc = pg_cmd(s, lock == PG_SHARED ? lock_shared_sql : lock_excl_sql, &a, "counters lock",
                        NULL);
        if (rc == EF_STORE_OK) {
            p->lock_held = lock;
            rc = body(s, ctx);
            p->lock_held = PG_NO_LOCK;
            if (rc == EF_STORE_OK) {
                if (pg_exec(s, "COMMIT") == EF_STORE_OK)
                    return EF_STORE_OK;
                /* A COMMIT that failed ended the transaction; whether a lost connection
                 * committed is unknown, so that is not retried. */
                if (!pg_retryable(p->sqlstate))
                    return EF_STORE_ERR;
                rc = EF_STORE_ERR;
            } else {
                char keep[sizeof(s->err)], state[6];

                memcpy(keep, s->err, sizeof(keep));
                memcpy(state, p->sqlstate, sizeof(state));
                PQclear(PQexec(p->conn, "ROLLBACK"));
                memcpy(s->err, keep, sizeof(keep));
                memcpy(p->sqlstate, state, sizeof(state));
            }
        } else {
            PQclear(PQexec(p->conn, "ROLLBACK"));
        }
        lost = PQstatus(p->conn) != CONNECTION_OK;
        if (attempt >= TX_ATTEMPTS ||
            !(rc == PG_RETRY || (rc == EF_STORE_ERR && (lost || pg_retryable(p->sqlstate)))))
            break;
        /* Back off a little, more each time, with jitter, so the losers do not collide
         * again at once. */
        {
            struct timespec ts = {0, (long)(1 + (attempt < 8 ? attempt : 8)) * 500000L +
                                         (long)(random() % 1000000)};
            nanosleep(&ts, NULL);
        }
    }
    if (rc == PG_RETRY) {
        snprintf(s->err, sizeof(s->err), "gave up after %d attempts", TX_ATTEMPTS);
        rc = EF_STORE_ERR;
    }
    return rc;
}

/* Until the read side moves to the core: its audit_add goes through core_audit. */
int pg_audit(struct ef_store *s, time_t at, const char *actor, const char *action,
             const char *details)
{
    return core_audit(s, at, actor, action, details);
}

/* ---- departments ---- */

struct dept_add {
    const char *name, *token_hash;
    ef_level level;
    int64_t id;
};

static int read_department(struct ef_store *s, const PGresult *r, int i, struct ef_department *d)
{
    int64_t level;

    memset(d, 0, sizeof(*d));
    d->id = pg_col_int(r, i, 0);
    if (pg_col_text(s, r, i, 1, d->name, sizeof(d->name)) != EF_STORE_OK)
        return EF_STORE_ERR;
    level = pg_col_int(r, i, 2);
    if (level < EF_LEVEL_BASIC || level > EF_LEVEL_HIGH) {
        snprintf(s->err, sizeof(s->err), "department %s has invalid level %lld", d->name,
                 (long long)level);
        return EF_STORE_ERR;
    }
    d->level = (ef_level)level;
    if (pg_col_text(s, r, i, 3, d->token_hash, sizeof(d->token_hash)) != EF_STORE_OK)
        return EF_STORE_ERR;
    d->hosts = pg_col_int(r, i, 4);
    return EF_STORE_OK;
}

static int pg_department_get(struct ef_store *s, int64_t id, struct ef_department *out)
{
    struct pg_args a = {0};
    PGresult *r;
    int ret;

    pa_int(&a, id);
    r = pg_q(s,
             "SELECT d.id, d.name, d.level, d.token_hash, "
             "(SELECT count(*) FROM agents a WHERE a.department_id = d.id) "
             "FROM departments d WHERE d.id = $1",
             &a, "select department");
    if (r == NULL)
        return EF_STORE_ERR;
    ret = PQntuples(r) == 0 ? EF_STORE_NOTFOUND : read_department(s, r, 0, out);
    PQclear(r);
    return ret;
}

static int department_row(struct ef_store *s, const PGresult *r, int i, void *elem)
{
    return read_department(s, r, i, elem);
}

static int pg_department_list(struct ef_store *s, struct ef_department **out, size_t *n)
{
    PGresult *r;
    void *v;
    size_t len;

    *out = NULL;
    *n = 0;
    r = pg_q(s,
             "SELECT d.id, d.name, d.level, d.token_hash, "
             "(SELECT count(*) FROM agents a WHERE a.department_id = d.id) "
             "FROM departments d ORDER BY d.name",
             NULL, "list departments");
    if (pg_collect(s, r, sizeof(struct ef_department), department_row, NULL, &v, &len) !=
        EF_STORE_OK)
        return EF_STORE_ERR;
    *out = v;
    *n = len;
    return EF_STORE_OK;
}

/* ---- agents ---- */

static const char agent_by_id_sql[] = "SELECT agent_id, machine_id, department_id, public_key, "
                                      "last_seq, last_sha256 FROM agents WHERE agent_id = $1";
static int agent_select(struct ef_store *s, const char *sql, const char *value, struct ef_agent *a)
{
    struct pg_args args = {0};
    PGresult *r;
    int ret = EF_STORE_OK;

    pa_text(&args, value);
    r = pg_q(s, sql, &args, "select agent");
    if (r == NULL)
        return EF_STORE_ERR;
    if (PQntuples(r) == 0) {
        PQclear(r);
        return EF_STORE_NOTFOUND;
    }
    memset(a, 0, sizeof(*a));
    if (pg_col_text(s, r, 0, 0, a->agent_id, sizeof(a->agent_id)) != EF_STORE_OK ||
        pg_col_text(s, r, 0, 1, a->machine_id, sizeof(a->machine_id)) != EF_STORE_OK ||
        pg_col_bytes(s, r, 0, 3, a->public_key, EF_ED25519_PUB_LEN) != EF_STORE_OK ||
        pg_col_text(s, r, 0, 5, a->last_sha256, sizeof(a->last_sha256)) != EF_STORE_OK)
        ret = EF_STORE_ERR;
    a->department_id = pg_col_int(r, 0, 2);
    a->last_seq = (uint64_t)pg_col_int(r, 0, 4);
    PQclear(r);
    return ret;
}

static int pg_agent_get(struct ef_store *s, const char *agent_id, struct ef_agent *out)
{
    return agent_select(s, agent_by_id_sql, agent_id, out);
}

/* ---- API tokens ---- */

/* ---- aggregation input ---- */

static int host_row(struct ef_store *s, const PGresult *r, int i, void *elem)
{
    struct ef_host_row *h = elem;
    int64_t level;
    int k;

    if (pg_col_text(s, r, i, 0, h->agent_id, sizeof(h->agent_id)) != EF_STORE_OK ||
        pg_col_text(s, r, i, 1, h->hostname, sizeof(h->hostname)) != EF_STORE_OK ||
        pg_col_text(s, r, i, 2, h->department, sizeof(h->department)) != EF_STORE_OK ||
        pg_col_text(s, r, i, 13, h->os_pretty, sizeof(h->os_pretty)) != EF_STORE_OK ||
        pg_col_text(s, r, i, 14, h->kernel, sizeof(h->kernel)) != EF_STORE_OK)
        return EF_STORE_ERR;
    level = pg_col_int(r, i, 3);
    h->level =
        (level >= EF_LEVEL_BASIC && level <= EF_LEVEL_HIGH) ? (ef_level)level : EF_LEVEL_BASIC;
    h->last_seen = pg_col_int(r, i, 4);
    h->last_seq = (uint64_t)pg_col_int(r, i, 5);
    for (k = 0; k < EF_KINDS; k++)
        h->counts[k] = pg_col_int(r, i, 6 + k);
    h->stale = pg_col_int(r, i, 12) == 0;
    return EF_STORE_OK;
}

static int pg_host_rows(struct ef_store *s, const char *department, const char *only_agent,
                        struct ef_host_row **out, size_t *n)
{
    struct pg_args a = {0};
    PGresult *r;
    void *v;
    size_t len;

    *out = NULL;
    *n = 0;
    pa_text(&a, department);
    pa_text(&a, only_agent);
    r = pg_q(s,
             "SELECT a.agent_id, a.hostname, d.name, d.level, a.last_seen, a.last_seq, "
             "a.n_pass, a.n_fail, a.n_na, a.n_unknown, a.n_error, a.n_accepted, "
             "a.counted, a.os_pretty, a.kernel "
             "FROM agents a JOIN departments d ON d.id = a.department_id "
             "WHERE ($1::text IS NULL OR d.name = $1::text) "
             "AND ($2::text IS NULL OR a.agent_id = $2::text) "
             "ORDER BY d.name, a.hostname, a.agent_id",
             &a, "list hosts");
    if (pg_collect(s, r, sizeof(struct ef_host_row), host_row, NULL, &v, &len) != EF_STORE_OK)
        return EF_STORE_ERR;
    *out = v;
    *n = len;
    return EF_STORE_OK;
}

/* ---- open / close ---- */

void pg_close_store(struct ef_store *s)
{
    struct pg_store *p = pg_of(s);

    pgd_cache_free(p);
    PQfinish(p->conn);
    free(p);
}

static const struct ef_store_ops postgres_ops = {
    .close = pg_close_store,
    .department_add = core_department_add,
    .department_get = pg_department_get,
    .department_list = pg_department_list,
    .agent_enroll = core_agent_enroll,
    .agent_get = pg_agent_get,
    .report_store = core_report_store,
    .token_add = core_token_add,
    .token_get = core_token_get,
    .host_rows = pg_host_rows,
    .sweep = core_sweep,
    .dept_counts = pg_dept_counts,
    .check_counts = pg_check_counts,
    .host_results = pg_host_results,
    .acceptance_add = core_acceptance_add,
    .acceptance_list = pg_acceptance_list,
    .acceptance_revoke = core_acceptance_revoke,
    .audit_add = pg_audit_add,
    .audit_list = pg_audit_list,
    .snapshots = pg_snapshots,
    .agent_list = pg_agent_list,
    .report_iter = pg_report_iter,
    /* --- users and sessions (dashboard), postgres_users.c --- */
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
    .batch_begin = core_batch_begin,
    .batch_commit = core_batch_commit,
    .batch_rollback = core_batch_rollback,
};

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
    if (pg_cmd(s, lock_excl_sql, &a, "migration lock", NULL) != EF_STORE_OK ||
        pg_get_int(s, "SELECT (to_regclass('schema_version') IS NOT NULL)::int", NULL, 0,
                   &exists) != EF_STORE_OK)
        return EF_STORE_ERR;
    if (!exists) {
        if (pg_exec(s, ef_pg_schema) != EF_STORE_OK)
            return EF_STORE_ERR;
    } else if (pg_get_int(s, "SELECT max(version) FROM schema_version", NULL, 0, &version) !=
               EF_STORE_OK) {
        return EF_STORE_ERR;
    }
    if (version < 1 || version > EF_PG_SCHEMA_VERSION) {
        snprintf(s->err, sizeof(s->err),
                 "database schema version %lld, this collector knows versions 1 to %d",
                 (long long)version, EF_PG_SCHEMA_VERSION);
        return EF_STORE_ERR;
    }
    if (version < 2)
        for (i = 0; i < EF_ARRAY_LEN(ef_pg_migrate_2); i++)
            if (pg_exec(s, ef_pg_migrate_2[i]) != EF_STORE_OK)
                return EF_STORE_ERR;
    if (version < 3)
        for (i = 0; i < EF_ARRAY_LEN(ef_pg_migrate_3); i++)
            if (pg_exec(s, ef_pg_migrate_3[i]) != EF_STORE_OK)
                return EF_STORE_ERR;
    return EF_STORE_OK;
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
    p->base.ops = &postgres_ops;
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
    if (pg_tx(&p->base, PG_NO_LOCK, migrate_tx, NULL) != EF_STORE_OK) {
        snprintf(err, errlen, "database %s: %s", shown, p->base.err);
        pg_close_store(&p->base);
        return NULL;
    }
    return &p->base;
}
