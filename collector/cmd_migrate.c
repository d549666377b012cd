/* SPDX-License-Identifier: EUPL-1.2 */
/* migrate: move a collector's data from its SQLite database into an empty PostgreSQL one,
 * every row as it is: report bodies and signatures byte for byte (so exports verify the
 * same before and after), ids (enrollment and API tokens name their row id), counters,
 * snapshots, acceptances and the audit log.
 *
 * The source is read in one read transaction (a consistent snapshot even while a collector
 * is still writing to it; WAL mode lets it). The target is written in one transaction that
 * holds the PostgreSQL store's migration and counters locks (postgres_import.c), so a
 * failure leaves it empty. Both databases are first brought to the current schema version
 * by opening them as stores, so their tables match; a column the source has and the
 * target lacks is an error, never silently dropped. */
#include <errno.h>
#include <getopt.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "efterlev/buf.h"
#include "efterlev/log.h"
#include "store/postgres.h"

int cmd_migrate(int argc, char **argv);

static const char help[] =
    "Usage: efterlev-collector migrate --from sqlite:PATH --to postgresql://...\n"
    "\n"
    "Copy everything in the collector's SQLite database (departments, agents and their keys,\n"
    "every report with its body and signature unchanged, latest results and history,\n"
    "counters, daily snapshots, acceptances, API tokens, users, the device list, the served\n"
    "policies, the audit log) into an empty PostgreSQL database, in one transaction. The\n"
    "target's tables are created if missing; a target that already holds collector data is\n"
    "refused. Stop the collector first (agents keep their reports spooled meanwhile), then\n"
    "point database: in collector.yml at the PostgreSQL URI and start it again\n"
    "(docs/operations.md).\n"
    "\n"
    "Options:\n"
    "  --from sqlite:PATH         the database to copy (it is not changed, except that an\n"
    "                             older schema version is upgraded first)\n"
    "  --to postgresql://...      the target database (libpq URI; postgres:// works too)\n"
    "\n"
    "Example:\n"
    "  efterlev-collector migrate --from sqlite:/var/lib/efterlev-collector/efterlev.db \\\n"
    "      --to postgresql://efterlev@db.example.se/efterlev\n";

#ifdef EF_HAVE_POSTGRES

/* Rows are sent to COPY a megabyte at a time; one row is at most a report body (1 MiB) with
 * every byte escaped as hex, plus the other columns: 16 MiB leaves ample room. */
#define COPY_FLUSH (1 << 20)
#define COPY_BUF_MAX (16 << 20)
/* The SELECT naming every column of one table. */
#define SELECT_SQL_MAX (1 << 20)

/* A value in COPY's text format: backslash, newline, carriage return and tab escaped. */
static int add_text(struct ef_buf *b, const unsigned char *v, size_t n)
{
    size_t i;
    int rc = 0;

    for (i = 0; i < n && rc == 0; i++) {
        switch (v[i]) {
        case '\\':
            rc = ef_buf_add(b, "\\\\", 2);
            break;
        case '\n':
            rc = ef_buf_add(b, "\\n", 2);
            break;
        case '\r':
            rc = ef_buf_add(b, "\\r", 2);
            break;
        case '\t':
            rc = ef_buf_add(b, "\\t", 2);
            break;
        default:
            rc = ef_buf_add(b, &v[i], 1);
        }
    }
    return rc;
}

/* A bytea value: "\\x" and hex ("\x" once COPY has taken its escape off). */
static int add_bytes(struct ef_buf *b, const unsigned char *v, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    size_t i;
    char two[2];

    if (ef_buf_add(b, "\\\\x", 3) != 0)
        return -1;
    for (i = 0; i < n; i++) {
        two[0] = hex[v[i] >> 4];
        two[1] = hex[v[i] & 15];
        if (ef_buf_add(b, two, 2) != 0)
            return -1;
    }
    return 0;
}

/* 1 when the SQLite table has the column (name quoted for PRAGMA by binding). */
static int sqlite_columns(sqlite3 *db, const char *table, char ***names, size_t *n)
{
    sqlite3_stmt *st;
    char **v = NULL, **nv;
    size_t len = 0;

    *names = NULL;
    *n = 0;
    if (sqlite3_prepare_v2(db, "SELECT name FROM pragma_table_info(?1)", -1, &st, NULL) !=
        SQLITE_OK)
        return -1;
    sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
    while (sqlite3_step(st) == SQLITE_ROW) {
        if ((nv = reallocarray(v, len + 1, sizeof(*v))) == NULL)
            break;
        v = nv;
        if ((v[len] = strdup((const char *)sqlite3_column_text(st, 0))) == NULL)
            break;
        len++;
    }
    sqlite3_finalize(st);
    *names = v;
    *n = len;
    return 0;
}

static void free_names(char **v, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

/* Copy one table; *rows is how many. 0, or -1 with the reason logged. */
static int copy_table(sqlite3 *db, struct ef_store *dst, const char *table, int64_t *rows)
{
    struct ef_pg_column *cols = NULL, *use = NULL;
    char **have = NULL;
    size_t ncols = 0, nhave = 0, nuse = 0, i, j;
    struct ef_buf b, sql;
    sqlite3_stmt *st = NULL;
    int64_t read = 0, written = -1;
    int rc = -1, found;

    *rows = 0;
    ef_buf_init(&b, COPY_BUF_MAX);
    ef_buf_init(&sql, SELECT_SQL_MAX);
    if (ef_pg_import_columns(dst, table, &cols, &ncols) != EF_OK) {
        ef_error("%s", dst->err);
        return -1;
    }
    if (sqlite_columns(db, table, &have, &nhave) != 0) {
        ef_error("source table %s: %s", table, sqlite3_errmsg(db));
        goto out;
    }
    if (nhave == 0) { /* a table the source does not have yet: nothing to copy */
        rc = 0;
        goto out;
    }
    for (i = 0; i < nhave; i++) {
        for (j = 0, found = 0; j < ncols; j++)
            found |= strcmp(have[i], cols[j].name) == 0;
        if (!found) {
            ef_error("source column %s.%s has no place in the target; is the target's "
                     "collector version older?",
                     table, have[i]);
            goto out;
        }
    }
    /* The target's columns that the source has, in the target's order. */
    if ((use = calloc(ncols, sizeof(*use))) == NULL)
        goto oom;
    for (j = 0; j < ncols; j++)
        for (i = 0; i < nhave; i++)
            if (strcmp(have[i], cols[j].name) == 0)
                use[nuse++] = cols[j];
    /* Names come from the target's catalog and are quoted (SQLite doubles '"'). */
    for (j = 0; j < nuse; j++) {
        char *q = sqlite3_mprintf("%s\"%w\"", j ? ", " : "SELECT ", use[j].name);

        if (q == NULL || ef_buf_add_str(&sql, q) != 0) {
            sqlite3_free(q);
            goto oom;
        }
        sqlite3_free(q);
    }
    {
        char *q = sqlite3_mprintf(" FROM \"%w\"", table);

        if (q == NULL || ef_buf_add_str(&sql, q) != 0) {
            sqlite3_free(q);
            goto oom;
        }
        sqlite3_free(q);
    }
    if (sqlite3_prepare_v2(db, ef_buf_str(&sql), -1, &st, NULL) != SQLITE_OK) {
        ef_error("source table %s: %s", table, sqlite3_errmsg(db));
        goto out;
    }
    if (ef_pg_import_copy_start(dst, table, use, nuse) != EF_OK) {
        ef_error("%s", dst->err);
        goto out;
    }
    while ((found = sqlite3_step(st)) == SQLITE_ROW) {
        for (j = 0; j < nuse; j++) {
            int type = sqlite3_column_type(st, (int)j);
            const unsigned char *v;
            size_t n;
            int bad;

            if (j > 0 && ef_buf_add(&b, "\t", 1) != 0)
                goto oom_copy;
            if (type == SQLITE_NULL) {
                bad = ef_buf_add(&b, "\\N", 2);
            } else if (use[j].bytea || type == SQLITE_BLOB) {
                v = type == SQLITE_BLOB ? sqlite3_column_blob(st, (int)j)
                                        : sqlite3_column_text(st, (int)j);
                n = (size_t)sqlite3_column_bytes(st, (int)j);
                bad = use[j].bytea ? add_bytes(&b, v, n) : add_text(&b, v, n);
            } else {
                v = sqlite3_column_text(st, (int)j);
                n = (size_t)sqlite3_column_bytes(st, (int)j);
                bad = add_text(&b, v, n);
            }
            if (bad != 0)
                goto oom_copy;
        }
        if (ef_buf_add(&b, "\n", 1) != 0)
            goto oom_copy;
        read++;
        if (ef_buf_len(&b) >= COPY_FLUSH) {
            if (ef_pg_import_copy_data(dst, ef_buf_str(&b), ef_buf_len(&b)) != EF_OK) {
                ef_error("%s", dst->err);
                ef_pg_import_copy_end(dst, NULL);
                goto out;
            }
            ef_buf_reset(&b);
        }
    }
    if (found != SQLITE_DONE) {
        ef_error("source table %s: %s", table, sqlite3_errmsg(db));
        ef_pg_import_copy_end(dst, NULL);
        goto out;
    }
    if (ef_pg_import_copy_data(dst, ef_buf_str(&b), ef_buf_len(&b)) != EF_OK ||
        ef_pg_import_copy_end(dst, &written) != EF_OK) {
        ef_error("%s", dst->err);
        goto out;
    }
    if (written != read) {
        ef_error("table %s: read %lld rows, PostgreSQL stored %lld", table, (long long)read,
                 (long long)written);
        goto out;
    }
    *rows = read;
    rc = 0;
    goto out;
oom_copy:
    ef_pg_import_copy_end(dst, NULL);
oom:
    if (ef_buf_error(&b) == -EFBIG)
        ef_error("table %s: a row longer than %d MiB", table, COPY_BUF_MAX >> 20);
    else
        ef_error("out of memory");
out:
    sqlite3_finalize(st);
    ef_buf_free(&sql);
    ef_buf_free(&b);
    free(use);
    free(cols);
    free_names(have, nhave);
    return rc;
}

static int migrate(const char *from, const char *to)
{
    char err[512], (*tables)[64] = NULL;
    struct ef_store *src, *dst;
    size_t ntables = 0, i;
    sqlite3 *db = NULL;
    int64_t rows, total = 0;
    int rc = EF_EXIT_FAIL;

    /* Both at the current schema version first. */
    if ((src = ef_store_open(from, 0, err, sizeof(err))) == NULL) {
        ef_error("%s", err);
        return EF_EXIT_FAIL;
    }
    ef_store_close(src);
    if ((dst = ef_store_open(to, 1, err, sizeof(err))) == NULL) {
        ef_error("%s", err);
        return EF_EXIT_FAIL;
    }
    if (sqlite3_open_v2(from + 7, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
        sqlite3_busy_timeout(db, 5000) != SQLITE_OK ||
        sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
        ef_error("%s: %s", from + 7, db != NULL ? sqlite3_errmsg(db) : "out of memory");
        goto out;
    }
    switch (ef_pg_import_begin(dst)) {
    case EF_OK:
        break;
    case EF_EXISTS:
        ef_error("%s", dst->err);
        goto out;
    default:
        ef_error("target: %s", dst->err);
        goto out;
    }
    if (ef_pg_import_tables(dst, &tables, &ntables) != EF_OK) {
        ef_error("target: %s", dst->err);
        ef_pg_import_abort(dst);
        goto out;
    }
    for (i = 0; i < ntables; i++) {
        if (copy_table(db, dst, tables[i], &rows) != 0) {
            ef_pg_import_abort(dst);
            ef_error("nothing was migrated");
            goto out;
        }
        ef_info("%s: %lld rows", tables[i], (long long)rows);
        total += rows;
    }
    if (ef_pg_import_commit(dst) != EF_OK) {
        ef_error("target: %s; nothing was migrated", dst->err);
        goto out;
    }
    ef_info("migrated %lld rows from %s; next: set database: in collector.yml to the "
            "PostgreSQL URI and start the collector",
            (long long)total, from + 7);
    rc = EF_EXIT_OK;
out:
    free(tables);
    if (db != NULL) {
        sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
        sqlite3_close(db);
    }
    ef_store_close(dst);
    return rc;
}
#endif

int cmd_migrate(int argc, char **argv)
{
    static const struct option opts[] = {{"from", required_argument, NULL, 'f'},
                                         {"to", required_argument, NULL, 't'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *from = NULL, *to = NULL;
    int c;

    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'f':
            from = optarg;
            break;
        case 't':
            to = optarg;
            break;
        case 'h':
            fputs(help, stdout);
            return EF_EXIT_OK;
        default:
            return ef_usage_hint("migrate");
        }
    }
    if (optind != argc || from == NULL || to == NULL) {
        ef_error("migrate needs --from sqlite:PATH and --to postgresql://...");
        return ef_usage_hint("migrate");
    }
    if (strncmp(from, "sqlite:", 7) != 0 || from[7] == '\0') {
        ef_error("--from must be sqlite:PATH");
        return EF_EXIT_USAGE;
    }
    if (!ef_store_url_is_postgres(to)) {
        ef_error("--to must be a postgresql:// URI");
        return EF_EXIT_USAGE;
    }
#ifdef EF_HAVE_POSTGRES
    return migrate(from, to);
#else
    ef_error("this collector was built without PostgreSQL (EFTERLEV_POSTGRES)");
    return EF_EXIT_FAIL;
#endif
}
