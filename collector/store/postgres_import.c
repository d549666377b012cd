/* SPDX-License-Identifier: EUPL-1.2 */
/* Bulk import into an empty PostgreSQL store, for `efterlev-collector migrate` (see
 * postgres.h). One transaction holds the whole import, under the migration and counters
 * advisory locks, so no collector can write in between and a failed import leaves the
 * database as empty as it was. Rows travel with COPY ... FROM STDIN (text format), which is
 * how PostgreSQL loads data fastest; table and column names come from the database's own
 * catalog and are quoted with PQescapeIdentifier. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/postgres.h"
#include "store/postgres_internal.h"

/* Parents before children; tables added by later versions go after these, by name. */
static const char *const table_order[] = {
    "departments",
    "agents",
    "reports",
    "latest_results",
    "results_history",
    "api_tokens",
    "dept_counts",
    "dept_check_counts",
    "acceptances",
    "snapshots",
    "meta",
    "audit_log",
    "agent_keys",
    "users",
    "sessions",
    "inventory_imports",
    "inventory_devices",
    "department_events",
    "site_policies",
    "policy_assignments",
    "policy_overrides",
    "policy_versions",
    "policy_served",
    "deviations",
    "systems",
    "system_hosts",
    "alert_outbox",
    "alert_state",
};

static void abort_tx(struct ef_store *s)
{
    char keep[sizeof(s->err)];

    memcpy(keep, s->err, sizeof(keep));
    PQclear(PQexec(pg_of(s)->conn, "ROLLBACK"));
    memcpy(s->err, keep, sizeof(keep));
}

int ef_pg_import_begin(struct ef_store *s)
{
    struct pg_args a = {0}, b = {0};
    int64_t used = 0;

    pa_int(&a, PG_LOCK_NS);
    pa_int(&a, PG_LOCK_MIGRATE);
    pa_int(&b, PG_LOCK_NS);
    pa_int(&b, PG_LOCK_COUNTERS);
    if (pg_exec(s, "BEGIN") != EF_OK)
        return EF_ERR;
    if (pg_cmd(s, "SELECT pg_advisory_xact_lock($1::int, $2::int)", &a, "lock", NULL) != EF_OK ||
        pg_cmd(s, "SELECT pg_advisory_xact_lock($1::int, $2::int)", &b, "lock", NULL) != EF_OK ||
        pg_get_int(s,
                   "SELECT (EXISTS (SELECT 1 FROM departments) OR EXISTS (SELECT 1 FROM agents) "
                   "OR EXISTS (SELECT 1 FROM reports) OR EXISTS (SELECT 1 FROM api_tokens))::int",
                   NULL, 0, &used) != EF_OK) {
        abort_tx(s);
        return EF_ERR;
    }
    if (used) {
        snprintf(s->err, sizeof(s->err),
                 "the target database already holds collector data; migrate only into an "
                 "empty one");
        abort_tx(s);
        return EF_EXISTS;
    }
    /* Counter rows and meta that an earlier open created are replaced by the source's. */
    if (pg_exec(s, "DELETE FROM dept_counts; DELETE FROM meta") != EF_OK) {
        abort_tx(s);
        return EF_ERR;
    }
    return EF_OK;
}

static int order_of(const char *name)
{
    size_t i;

    for (i = 0; i < sizeof(table_order) / sizeof(table_order[0]); i++)
        if (strcmp(table_order[i], name) == 0)
            return (int)i;
    return (int)(sizeof(table_order) / sizeof(table_order[0]));
}

static int table_cmp(const void *a, const void *b)
{
    const char *x = a, *y = b;
    int ox = order_of(x), oy = order_of(y);

    return ox != oy ? ox - oy : strcmp(x, y);
}

int ef_pg_import_tables(struct ef_store *s, char (**names)[64], size_t *n)
{
    PGresult *r;
    int i, rows;

    *names = NULL;
    *n = 0;
    r = pg_q(s,
             "SELECT table_name::text FROM information_schema.tables "
             "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' "
             "AND table_name <> 'schema_version'",
             NULL, "list tables");
    if (r == NULL)
        return EF_ERR;
    rows = PQntuples(r);
    if (rows > 0 && (*names = calloc((size_t)rows, sizeof(**names))) == NULL) {
        snprintf(s->err, sizeof(s->err), "out of memory");
        PQclear(r);
        return EF_ERR;
    }
    for (i = 0; i < rows; i++)
        if (pg_col_text(s, r, i, 0, (*names)[i], sizeof((*names)[i])) != EF_OK) {
            PQclear(r);
            free(*names);
            *names = NULL;
            return EF_ERR;
        }
    PQclear(r);
    qsort(*names, (size_t)rows, sizeof(**names), table_cmp);
    *n = (size_t)rows;
    return EF_OK;
}

int ef_pg_import_columns(struct ef_store *s, const char *table, struct ef_pg_column **cols,
                         size_t *n)
{
    struct pg_args a = {0};
    PGresult *r;
    int i, rows;

    *cols = NULL;
    *n = 0;
    pa_text(&a, table);
    r = pg_q(s,
             "SELECT column_name::text, (data_type = 'bytea')::int "
             "FROM information_schema.columns WHERE table_schema = current_schema() "
             "AND table_name = $1 ORDER BY ordinal_position",
             &a, "list columns");
    if (r == NULL)
        return EF_ERR;
    rows = PQntuples(r);
    if (rows > 0 && (*cols = calloc((size_t)rows, sizeof(**cols))) == NULL) {
        snprintf(s->err, sizeof(s->err), "out of memory");
        PQclear(r);
        return EF_ERR;
    }
    for (i = 0; i < rows; i++) {
        if (pg_col_text(s, r, i, 0, (*cols)[i].name, sizeof((*cols)[i].name)) != EF_OK) {
            PQclear(r);
            free(*cols);
            *cols = NULL;
            return EF_ERR;
        }
        (*cols)[i].bytea = (int)pg_col_int(r, i, 1);
    }
    PQclear(r);
    *n = (size_t)rows;
    return EF_OK;
}

/* Append the quoted identifier name to sql (size len); -1 when it does not fit. */
static int add_ident(struct ef_store *s, char *sql, size_t len, const char *name)
{
    char *q = PQescapeIdentifier(pg_of(s)->conn, name, strlen(name));
    size_t used = strlen(sql);
    int n;

    if (q == NULL)
        return -1;
    n = snprintf(sql + used, len - used, "%s", q);
    PQfreemem(q);
    return n < 0 || (size_t)n >= len - used ? -1 : 0;
}

int ef_pg_import_copy_start(struct ef_store *s, const char *table, const struct ef_pg_column *cols,
                            size_t n)
{
    char sql[4096] = "COPY ";
    PGresult *r;
    size_t i;

    if (add_ident(s, sql, sizeof(sql), table) != 0)
        goto long_sql;
    for (i = 0; i < n; i++) {
        if (strlen(sql) + 3 >= sizeof(sql))
            goto long_sql;
        strcat(sql, i ? ", " : " (");
        if (add_ident(s, sql, sizeof(sql), cols[i].name) != 0)
            goto long_sql;
    }
    if (strlen(sql) + 20 >= sizeof(sql))
        goto long_sql;
    strcat(sql, ") FROM STDIN");
    r = PQexec(pg_of(s)->conn, sql);
    if (PQresultStatus(r) != PGRES_COPY_IN) {
        snprintf(s->err, sizeof(s->err), "COPY %s: %s", table, PQerrorMessage(pg_of(s)->conn));
        PQclear(r);
        return EF_ERR;
    }
    PQclear(r);
    return EF_OK;
long_sql:
    snprintf(s->err, sizeof(s->err), "COPY %s: too many columns", table);
    return EF_ERR;
}

int ef_pg_import_copy_data(struct ef_store *s, const char *data, size_t len)
{
    if (len > 0 && PQputCopyData(pg_of(s)->conn, data, (int)len) != 1) {
        snprintf(s->err, sizeof(s->err), "COPY: %s", PQerrorMessage(pg_of(s)->conn));
        return EF_ERR;
    }
    return EF_OK;
}

int ef_pg_import_copy_end(struct ef_store *s, int64_t *rows)
{
    PGconn *c = pg_of(s)->conn;
    PGresult *r;
    int ret = EF_OK;

    if (PQputCopyEnd(c, NULL) != 1) {
        snprintf(s->err, sizeof(s->err), "COPY: %s", PQerrorMessage(c));
        return EF_ERR;
    }
    while ((r = PQgetResult(c)) != NULL) {
        if (PQresultStatus(r) != PGRES_COMMAND_OK) {
            snprintf(s->err, sizeof(s->err), "COPY: %s", PQresultErrorMessage(r));
            ret = EF_ERR;
        } else if (rows != NULL) {
            *rows = strtoll(PQcmdTuples(r), NULL, 10);
        }
        PQclear(r);
    }
    return ret;
}

int ef_pg_import_commit(struct ef_store *s)
{
    char sql[512];
    PGresult *r, *x;
    int i, rows;

    /* Identity columns: the next id follows the largest imported one. */
    r = pg_q(s,
             "SELECT table_name::text, column_name::text FROM information_schema.columns "
             "WHERE table_schema = current_schema() AND is_identity = 'YES'",
             NULL, "identity columns");
    if (r == NULL)
        goto err;
    rows = PQntuples(r);
    for (i = 0; i < rows; i++) {
        struct pg_args a = {0};

        pa_text(&a, PQgetvalue(r, i, 0));
        pa_text(&a, PQgetvalue(r, i, 1));
        snprintf(sql, sizeof(sql), "SELECT setval(pg_get_serial_sequence($1, $2), coalesce(max(");
        if (add_ident(s, sql, sizeof(sql), PQgetvalue(r, i, 1)) != 0 ||
            strlen(sql) + 30 >= sizeof(sql))
            goto err_r;
        strcat(sql, "), 0) + 1, false) FROM ");
        if (add_ident(s, sql, sizeof(sql), PQgetvalue(r, i, 0)) != 0)
            goto err_r;
        x = pg_q_once(s, sql, &a, 0, "move sequence");
        if (x == NULL)
            goto err_r;
        PQclear(x);
    }
    PQclear(r);
    if (pg_exec(s, "COMMIT") != EF_OK)
        return EF_ERR;
    return EF_OK;
err_r:
    if (s->err[0] == '\0')
        snprintf(s->err, sizeof(s->err), "identifier too long");
    PQclear(r);
err:
    abort_tx(s);
    return EF_ERR;
}

void ef_pg_import_abort(struct ef_store *s)
{
    abort_tx(s);
}
