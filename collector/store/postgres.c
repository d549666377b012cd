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

static void now_text(char out[32])
{
    ef_now_rfc3339(out);
}

/* ---- departments ---- */

struct dept_add {
    const char *name, *token_hash;
    ef_level level;
    int64_t id;
};

static int department_add_tx(struct ef_store *s, void *ctx)
{
    struct dept_add *d = ctx;
    struct pg_args a = {0}, b = {0};
    char now[32];
    PGresult *r;

    now_text(now);
    pa_text(&a, d->name);
    pa_int(&a, (int64_t)d->level);
    pa_text(&a, d->token_hash);
    pa_text(&a, now);
    r = pg_q(s,
             "INSERT INTO departments (name, level, token_hash, created_at) "
             "VALUES ($1, $2, $3, $4) RETURNING id",
             &a, "insert department");
    if (r == NULL)
        return strcmp(pg_of(s)->sqlstate, "23505") == 0 ? EF_STORE_EXISTS : EF_STORE_ERR;
    d->id = pg_col_int(r, 0, 0);
    PQclear(r);
    pa_int(&b, d->id);
    return pg_cmd(s, "INSERT INTO dept_counts (department_id) VALUES ($1)", &b,
                  "insert department counters", NULL);
}

static int pg_department_add(struct ef_store *s, const char *name, ef_level level,
                             const char *token_hash, int64_t *id)
{
    struct dept_add d = {.name = name, .token_hash = token_hash, .level = level};
    int rc = pg_tx(s, PG_NO_LOCK, department_add_tx, &d);

    if (rc == EF_STORE_OK)
        *id = d.id;
    return rc;
}

/* ---- agents ---- */

static const char agent_by_machine_sql[] =
    "SELECT agent_id, machine_id, department_id, public_key, last_seq, last_sha256 "
    "FROM agents WHERE machine_id = $1";
static const char agent_lock_machine_sql[] =
    "SELECT agent_id, machine_id, department_id, public_key, last_seq, last_sha256 "
    "FROM agents WHERE machine_id = $1 FOR UPDATE";

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

static int hosts_delta(struct ef_store *s, int64_t department_id, int delta)
{
    struct pg_args a = {0};

    pa_int(&a, department_id);
    pa_int(&a, delta);
    return pg_cmd(s, "UPDATE dept_counts SET hosts = hosts + $2 WHERE department_id = $1", &a,
                  "update department hosts", NULL);
}

struct enroll_ctx {
    const struct ef_enrollment *e;
    struct ef_agent *out;
};

static int enroll_tx(struct ef_store *s, void *ctx)
{
    const struct ef_enrollment *e = ((struct enroll_ctx *)ctx)->e;
    struct ef_agent old;
    struct pg_args a = {0};
    char now[32];
    int found, moved = 0;
    int64_t changed = 0;

    /* The agent row, locked: concurrent enrollments of one machine run one at a time. */
    found = agent_select(s, agent_lock_machine_sql, e->machine_id, &old);
    if (found == EF_STORE_ERR)
        return EF_STORE_ERR;
    now_text(now);
    if (found == EF_STORE_OK) {
        int key_changed = !ef_ct_equal(old.public_key, e->public_key, EF_ED25519_PUB_LEN);

        moved = old.department_id != e->department_id;
        if (moved && (pg_agent_uncount(s, old.agent_id) != EF_STORE_OK ||
                      hosts_delta(s, old.department_id, -1) != EF_STORE_OK ||
                      hosts_delta(s, e->department_id, 1) != EF_STORE_OK))
            return EF_STORE_ERR;
        pa_bin(&a, e->public_key, EF_ED25519_PUB_LEN);
        pa_text(&a, e->hostname);
        pa_int(&a, e->department_id);
        pa_text(&a, now);
        pa_int(&a, key_changed);
        pa_text(&a, old.agent_id);
        pa_int(&a, moved);
        if (pg_cmd(s,
                   "UPDATE agents SET public_key = $1, hostname = $2, department_id = $3, "
                   "enrolled_at = $4, last_seq = CASE WHEN $5::int <> 0 THEN 0 ELSE last_seq END, "
                   "counted = CASE WHEN $7::int <> 0 THEN 0 ELSE counted END "
                   "WHERE agent_id = $6",
                   &a, "store agent", NULL) != EF_STORE_OK)
            return EF_STORE_ERR;
    } else {
        pa_text(&a, e->new_agent_id);
        pa_text(&a, e->machine_id);
        pa_int(&a, e->department_id);
        pa_bin(&a, e->public_key, EF_ED25519_PUB_LEN);
        pa_text(&a, e->hostname);
        pa_text(&a, now);
        if (pg_cmd(s,
                   "INSERT INTO agents (agent_id, machine_id, department_id, public_key, "
                   "hostname, enrolled_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
                   &a, "store agent", &changed) != EF_STORE_OK)
            return EF_STORE_ERR;
        /* Another collector enrolled this machine meanwhile: start again, as a
         * re-enrollment. */
        if (changed != 1)
            return PG_RETRY;
        if (hosts_delta(s, e->department_id, 1) != EF_STORE_OK)
            return EF_STORE_ERR;
    }
    memset(&a, 0, sizeof(a));
    pa_text(&a, e->machine_id);
    if (pg_cmd(s,
               "INSERT INTO agent_keys (agent_id, public_key, first_enrolled_at) "
               "SELECT agent_id, public_key, enrolled_at FROM agents WHERE machine_id = $1 "
               "ON CONFLICT DO NOTHING",
               &a, "record agent key", NULL) != EF_STORE_OK)
        return EF_STORE_ERR;
    if (moved && pg_agent_rebuild(s, old.agent_id, ef_coll_now()) != EF_STORE_OK)
        return EF_STORE_ERR;
    return agent_select(s, agent_by_machine_sql, e->machine_id, ((struct enroll_ctx *)ctx)->out) ==
                   EF_STORE_OK
               ? EF_STORE_OK
               : EF_STORE_ERR;
}

static int pg_agent_enroll(struct ef_store *s, const struct ef_enrollment *e, struct ef_agent *out)
{
    struct enroll_ctx c = {e, out};

    return pg_tx(s, PG_SHARED, enroll_tx, &c);
}

/* ---- reports ---- */

/* A growing text buffer for PostgreSQL array literals. */
struct sbuf {
    char *p;
    size_t len, cap;
    int oom;
};

static void sb_add(struct sbuf *b, const char *v, size_t n)
{
    char *np;

    if (b->oom)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;

        while (cap < b->len + n + 1)
            cap *= 2;
        if ((np = realloc(b->p, cap)) == NULL) {
            b->oom = 1;
            return;
        }
        b->p = np;
        b->cap = cap;
    }
    memcpy(b->p + b->len, v, n);
    b->len += n;
    b->p[b->len] = '\0';
}

/* Append one element (NULL: SQL NULL) to an array literal being built as "{a,b,...". */
static void arr_add(struct sbuf *b, const char *v)
{
    const char *q;

    sb_add(b, b->len == 0 ? "{" : ",", 1);
    if (v == NULL) {
        sb_add(b, "NULL", 4);
        return;
    }
    sb_add(b, "\"", 1);
    for (q = v; *q != '\0'; q++) {
        if (*q == '"' || *q == '\\')
            sb_add(b, "\\", 1);
        sb_add(b, q, 1);
    }
    sb_add(b, "\"", 1);
}

static void arr_int(struct sbuf *b, int64_t v)
{
    char num[24];

    snprintf(num, sizeof(num), "%lld", (long long)v);
    arr_add(b, num);
}

static void arr_end(struct sbuf *b)
{
    sb_add(b, b->len == 0 ? "{}" : "}", b->len == 0 ? 2 : 1);
}

/* Feed the agent's stored latest results to the diff. */
static int load_prev(struct ef_store *s, const char *agent_id, struct ef_result_diff *d)
{
    struct pg_args a = {0};
    PGresult *r;
    int i, rows;

    pa_text(&a, agent_id);
    r = pg_q(s,
             "SELECT check_id, status, evidence, severity, level, controls, accepted_by, since "
             "FROM latest_results WHERE agent_id = $1",
             &a, "previous results");
    if (r == NULL)
        return EF_STORE_ERR;
    rows = PQntuples(r);
    for (i = 0; i < rows; i++)
        if (ef_diff_prev(d, PQgetvalue(r, i, 0), PQgetvalue(r, i, 1), PQgetvalue(r, i, 2),
                         PQgetvalue(r, i, 3), PQgetvalue(r, i, 4), PQgetvalue(r, i, 5),
                         pg_col_int(r, i, 6), pg_col_int(r, i, 7), s->err, sizeof(s->err)) != 0) {
            PQclear(r);
            return EF_STORE_ERR;
        }
    PQclear(r);
    return EF_STORE_OK;
}

struct store_ctx {
    const struct ef_report_record *rec;
    int catch_up; /* holding the counters lock exclusively to close past days first */
};

/* The changed and new results as arrays, one element per result, for one INSERT ... unnest. */
enum { A_CHECK, A_STATUS, A_EVIDENCE, A_SEVERITY, A_LEVEL, A_CONTROLS, A_ACCEPTED, A_SINCE, A_N };
/* The counter deltas as arrays. */
enum { D_CHECK, D_CONTROLS, D_SEVERITY, D_KIND0, D_N = D_KIND0 + EF_KINDS };

static int arrays_done(struct ef_store *s, struct sbuf *arr, int n)
{
    int k;

    for (k = 0; k < n; k++) {
        arr_end(&arr[k]);
        if (arr[k].oom) {
            snprintf(s->err, sizeof(s->err), "out of memory");
            return EF_STORE_ERR;
        }
    }
    return EF_STORE_OK;
}

/* Write what changed in the agent's latest results: changed and new rows in place (and into
 * the history), rows of checks no longer reported deleted. */
static int write_changes(struct ef_store *s, const struct ef_report_record *rec, int64_t report_id,
                         const struct ef_result_diff *d)
{
    const struct ef_report *r = rec->report;
    struct sbuf arr[A_N], gone = {0};
    struct pg_args a = {0};
    size_t i, nchanged = 0;
    int k, ret = EF_STORE_ERR;

    memset(arr, 0, sizeof(arr));
    for (i = 0; i < r->nresults; i++) {
        const struct ef_result *res = &r->results[i];

        if (d->old[i].same)
            continue;
        nchanged++;
        arr_add(&arr[A_CHECK], res->check);
        arr_add(&arr[A_STATUS], ef_status_name(res->status));
        arr_add(&arr[A_EVIDENCE], res->evidence);
        arr_add(&arr[A_SEVERITY], ef_severity_name(res->severity));
        arr_add(&arr[A_LEVEL], ef_level_name(res->level));
        arr_add(&arr[A_CONTROLS], d->ctl[i]);
        if (d->acc[i])
            arr_int(&arr[A_ACCEPTED], d->acc[i]);
        else
            arr_add(&arr[A_ACCEPTED], NULL);
        arr_int(&arr[A_SINCE], ef_diff_since(d, i, (int64_t)rec->received_at));
    }
    for (i = 0; i < d->ngone; i++)
        arr_add(&gone, d->gone[i].check);
    if (arrays_done(s, arr, A_N) != EF_STORE_OK || arrays_done(s, &gone, 1) != EF_STORE_OK)
        goto out;
    pa_text(&a, rec->agent_id);
    if (d->ngone > 0) {
        pa_text(&a, gone.p);
        if (pg_cmd(s, "DELETE FROM latest_results WHERE agent_id = $1 AND check_id = ANY($2)", &a,
                   "delete results", NULL) != EF_STORE_OK)
            goto out;
        a.n = 1;
    }
    if (nchanged > 0) {
        for (k = 0; k < A_N; k++)
            pa_text(&a, arr[k].p);
        pa_int(&a, report_id);
        if (pg_cmd(s,
                   "WITH n AS (SELECT * FROM unnest($2::text[], $3::text[], $4::text[], "
                   "$5::text[], $6::text[], $7::text[], $8::bigint[], $9::bigint[]) "
                   "AS u(check_id, status, evidence, severity, level, controls, accepted_by, "
                   "since)), "
                   "h AS (INSERT INTO results_history (agent_id, check_id, status, evidence, "
                   "severity, level, controls, report_id) SELECT $1, check_id, status, "
                   "evidence, severity, level, controls, $10 FROM n) "
                   "INSERT INTO latest_results (agent_id, check_id, status, evidence, severity, "
                   "level, controls, report_id, accepted_by, since) SELECT $1, check_id, "
                   "status, evidence, severity, level, controls, $10, accepted_by, since FROM n "
                   "ON CONFLICT (agent_id, check_id) DO UPDATE SET status = excluded.status, "
                   "evidence = excluded.evidence, severity = excluded.severity, "
                   "level = excluded.level, controls = excluded.controls, "
                   "report_id = excluded.report_id, accepted_by = excluded.accepted_by, "
                   "since = excluded.since",
                   &a, "write results", NULL) != EF_STORE_OK)
            goto out;
    }
    ret = EF_STORE_OK;
out:
    for (k = 0; k < A_N; k++)
        free(arr[k].p);
    free(gone.p);
    return ret;
}

/* A counted agent's report: the diff's counter deltas, in (check, controls) order so that
 * concurrent ingests lock the shared rows in one order. */
static int apply_deltas(struct ef_store *s, int64_t department_id, const struct ef_result_diff *d)
{
    struct sbuf arr[D_N];
    struct pg_args a = {0};
    size_t i;
    int k, any = 0, ret = EF_STORE_ERR;

    memset(arr, 0, sizeof(arr));
    if (d->ndelta > 0) {
        for (i = 0; i < d->ndelta; i++) {
            arr_add(&arr[D_CHECK], d->delta[i].check);
            arr_add(&arr[D_CONTROLS], d->delta[i].controls);
            arr_add(&arr[D_SEVERITY], d->delta[i].severity);
            for (k = 0; k < EF_KINDS; k++)
                arr_int(&arr[D_KIND0 + k], d->delta[i].d[k]);
        }
        if (arrays_done(s, arr, D_N) != EF_STORE_OK)
            goto out;
        pa_int(&a, department_id);
        for (k = 0; k < D_N; k++)
            pa_text(&a, arr[k].p);
        if (pg_cmd(s,
                   "INSERT INTO dept_check_counts (department_id, check_id, controls, severity, "
                   "pass, fail, na, unknown, error, accepted) "
                   "SELECT $1::bigint, u.* FROM unnest($2::text[], $3::text[], $4::text[], "
                   "$5::bigint[], $6::bigint[], $7::bigint[], $8::bigint[], $9::bigint[], "
                   "$10::bigint[]) AS u(check_id, controls, severity, pass, fail, na, unknown, "
                   "error, accepted) ORDER BY check_id, controls "
                   "ON CONFLICT (department_id, check_id, controls) DO UPDATE SET "
                   "severity = excluded.severity, "
                   "pass = dept_check_counts.pass + excluded.pass, "
                   "fail = dept_check_counts.fail + excluded.fail, "
                   "na = dept_check_counts.na + excluded.na, "
                   "unknown = dept_check_counts.unknown + excluded.unknown, "
                   "error = dept_check_counts.error + excluded.error, "
                   "accepted = dept_check_counts.accepted + excluded.accepted",
                   &a, "update check counters", NULL) != EF_STORE_OK)
            goto out;
    }
    for (k = 0; k < EF_KINDS; k++)
        any |= d->dept[k] != 0;
    if (any) {
        memset(&a, 0, sizeof(a));
        pa_int(&a, department_id);
        for (k = 0; k < EF_KINDS; k++)
            pa_int(&a, d->dept[k]);
        if (pg_cmd(s,
                   "UPDATE dept_counts SET pass = pass + $2, fail = fail + $3, na = na + $4, "
                   "unknown = unknown + $5, error = error + $6, accepted = accepted + $7 "
                   "WHERE department_id = $1",
                   &a, "update department counters", NULL) != EF_STORE_OK)
            goto out;
    }
    ret = EF_STORE_OK;
out:
    for (k = 0; k < D_N; k++)
        free(arr[k].p);
    return ret;
}

static int report_store_tx(struct ef_store *s, void *ctx)
{
    const struct ef_report_record *rec = ((struct store_ctx *)ctx)->rec;
    const struct ef_report *r = rec->report;
    char received[32];
    int64_t report_id, department_id, counted, n_old[EF_KINDS];
    struct ef_result_diff d;
    struct pg_args a = {0};
    PGresult *res;
    size_t i;
    int k, same_counts = 1, ret = EF_STORE_ERR;

    ef_time_rfc3339(rec->received_at, received);
    /* A new day's first report first closes the days before it (their snapshots). */
    if (((struct store_ctx *)ctx)->catch_up &&
        pg_catch_up(s, rec->received_at, s->stale_days) != EF_STORE_OK)
        return EF_STORE_ERR;

    /* Claim the seq first. The row lock this takes makes a concurrent upload of the same
     * agent (on this or another collector) wait; it then finds last_seq no longer lower,
     * changes no row and is refused. */
    pa_int(&a, (int64_t)r->seq);
    pa_text(&a, rec->sha256);
    pa_int(&a, (int64_t)rec->received_at);
    pa_text(&a, r->host.hostname);
    pa_text(&a, r->host.os_pretty);
    pa_text(&a, r->host.kernel);
    pa_text(&a, rec->agent_id);
    if (rec->public_key != NULL)
        pa_bin(&a, rec->public_key, EF_ED25519_PUB_LEN);
    else
        pa_bin(&a, NULL, 0); /* a NULL value: no key condition */
    res = pg_q(s,
               "UPDATE agents SET last_seq = $1, last_sha256 = $2, last_seen = $3, "
               "hostname = $4, os_pretty = $5, kernel = $6 "
               "WHERE agent_id = $7 AND last_seq < $1 "
               "AND ($8::bytea IS NULL OR public_key = $8) RETURNING department_id, counted, "
               "n_pass, n_fail, n_na, n_unknown, n_error, n_accepted",
               &a, "update agent");
    if (res == NULL)
        return EF_STORE_ERR;
    if (PQntuples(res) != 1) {
        PQclear(res);
        return EF_STORE_EXISTS;
    }
    department_id = pg_col_int(res, 0, 0);
    counted = pg_col_int(res, 0, 1);
    for (k = 0; k < EF_KINDS; k++)
        n_old[k] = pg_col_int(res, 0, 2 + k);
    PQclear(res);

    memset(&a, 0, sizeof(a));
    pa_text(&a, rec->agent_id);
    pa_int(&a, (int64_t)r->seq);
    pa_bin(&a, rec->body, rec->body_len);
    pa_bin(&a, rec->signature, EF_ED25519_SIG_LEN);
    pa_text(&a, rec->sha256);
    pa_text(&a, r->generated_at);
    pa_text(&a, received);
    pa_int(&a, department_id);
    res = pg_q(s,
               "INSERT INTO reports (agent_id, seq, body, signature, sha256, generated_at, "
               "received_at, department_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) "
               "RETURNING id",
               &a, "insert report");
    if (res == NULL)
        return EF_STORE_ERR;
    report_id = pg_col_int(res, 0, 0);
    PQclear(res);

    /* Each failure matched against the active acceptances, then compared with the stored
     * row of its check: only what differs is written. The counter rows are shared by every
     * agent of the department, so they are changed last, just before COMMIT. */
    if (ef_diff_init(&d, r, s->err, sizeof(s->err)) != 0)
        return EF_STORE_ERR;
    for (i = 0; i < r->nresults; i++)
        if (r->results[i].status == EF_FAIL &&
            pg_acceptance_match(s, department_id, r->results[i].check, rec->agent_id, &d.acc[i]) !=
                EF_STORE_OK)
            goto out;
    if (load_prev(s, rec->agent_id, &d) != EF_STORE_OK ||
        ef_diff_finish(&d, s->err, sizeof(s->err)) != 0 ||
        write_changes(s, rec, report_id, &d) != EF_STORE_OK)
        goto out;

    /* Its own counts, and it is counted: it was seen just now. A counted agent's counters
     * get the deltas; one that was not counted (new, or stale until now) enters wholesale. */
    for (k = 0; k < EF_KINDS; k++)
        same_counts &= d.counts[k] == n_old[k];
    if (!counted || !same_counts) {
        memset(&a, 0, sizeof(a));
        pa_text(&a, rec->agent_id);
        for (k = 0; k < EF_KINDS; k++)
            pa_int(&a, d.counts[k]);
        if (pg_cmd(s,
                   "UPDATE agents SET counted = 1, n_pass = $2, n_fail = $3, n_na = $4, "
                   "n_unknown = $5, n_error = $6, n_accepted = $7 WHERE agent_id = $1",
                   &a, "update agent counts", NULL) != EF_STORE_OK)
            goto out;
    }
    if (counted ? apply_deltas(s, department_id, &d) != EF_STORE_OK
                : pg_agent_apply(s, rec->agent_id, department_id, 1) != EF_STORE_OK)
        goto out;
    ret = EF_STORE_OK;
out:
    ef_diff_free(&d);
    return ret;
}

static int pg_report_store(struct ef_store *s, const struct ef_report_record *rec)
{
    struct store_ctx c = {.rec = rec};
    int due = 0;

    if (rec->body_len > (size_t)EF_BODY_MAX || rec->report->seq > (uint64_t)INT64_MAX) {
        snprintf(s->err, sizeof(s->err), "report out of range");
        return EF_STORE_ERR;
    }
    /* Whether past days must be closed first decides the lock: exclusive when so (the
     * sweep's work), shared otherwise. Once a day has been closed, no later check says
     * so again, so an ingest holding the lock shared never runs before the close. */
    if (pg_due(s, rec->received_at, s->stale_days, &due) != EF_STORE_OK)
        return EF_STORE_ERR;
    c.catch_up = due;
    return pg_tx(s, due ? PG_EXCLUSIVE : PG_SHARED, report_store_tx, &c);
}

/* ---- API tokens ---- */

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
    .department_add = pg_department_add,
    .department_get = core_department_get,
    .department_list = core_department_list,
    .agent_enroll = pg_agent_enroll,
    .agent_get = core_agent_get,
    .report_store = pg_report_store,
    .token_add = core_token_add,
    .token_get = core_token_get,
    .host_rows = core_host_rows,
    .sweep = pg_sweep,
    .dept_counts = core_dept_counts,
    .check_counts = core_check_counts,
    .host_results = core_host_results,
    .acceptance_add = pg_acceptance_add,
    .acceptance_list = core_acceptance_list,
    .acceptance_revoke = pg_acceptance_revoke,
    .audit_add = core_audit_add,
    .audit_list = core_audit_list,
    .snapshots = core_snapshots,
    .agent_list = core_agent_list,
    .report_iter = core_report_iter,
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
