/* SPDX-License-Identifier: EUPL-1.2 */
/* The database the collector's store tests run against: the PostgreSQL database named by
 * EF_TEST_DATABASE (a postgresql:// URI; tests/integration/pg_run.sh makes one per test
 * program), else a SQLite file in the test's temporary folder. The same tests run against
 * both: ctest registers each store test twice (unit.NAME and unit.NAME.pg). */
#ifndef EF_TEST_DB_H
#define EF_TEST_DB_H

#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef EF_HAVE_POSTGRES
#include <libpq-fe.h>
#endif

static inline const char *test_db_pg(void)
{
    const char *u = getenv("EF_TEST_DATABASE");

    return u != NULL && (strncmp(u, "postgresql://", 13) == 0 || strncmp(u, "postgres://", 11) == 0)
               ? u
               : NULL;
}

/* The store URL: the PostgreSQL URI, else "sqlite:" + sqlite_path. */
static inline void test_db_url(const char *sqlite_path, char *url, size_t len)
{
    if (test_db_pg() != NULL)
        snprintf(url, len, "%s", test_db_pg());
    else
        snprintf(url, len, "sqlite:%s", sqlite_path);
}

#ifdef EF_HAVE_POSTGRES
static inline PGconn *test_db_pg_connect(void)
{
    PGconn *c = PQconnectdb(test_db_pg());

    if (PQstatus(c) != CONNECTION_OK) {
        fprintf(stderr, "test database: %s", PQerrorMessage(c));
        abort();
    }
    return c;
}
#endif

/* Run SQL text (several statements) on the test database; 0 or -1. */
static inline int test_db_exec(const char *sqlite_path, const char *sql)
{
    if (test_db_pg() == NULL) {
        sqlite3 *db;
        int rc;

        if (sqlite3_open(sqlite_path, &db) != SQLITE_OK)
            return -1;
        rc = sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
        sqlite3_close(db);
        return rc;
    }
#ifdef EF_HAVE_POSTGRES
    {
        PGconn *c = test_db_pg_connect();
        PGresult *r = PQexec(c, sql);
        int rc =
            PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK ? 0 : -1;

        if (rc != 0)
            fprintf(stderr, "test database: %s", PQresultErrorMessage(r));
        PQclear(r);
        PQfinish(c);
        return rc;
    }
#else
    return -1;
#endif
}

/* Start from an empty database: PostgreSQL's public schema is dropped and made again
 * (SQLite files are new in each test's folder anyway). */
static inline void test_db_reset(void)
{
    if (test_db_pg() != NULL &&
        test_db_exec(NULL,
                     "SET client_min_messages = warning; DROP SCHEMA IF EXISTS public CASCADE; "
                     "CREATE SCHEMA public") != 0)
        abort();
}

/* The integer in the first column of the first row of sql. */
static inline int64_t test_db_int(const char *sqlite_path, const char *sql)
{
    int64_t n = -1;

    if (test_db_pg() == NULL) {
        sqlite3 *db;
        sqlite3_stmt *st;

        if (sqlite3_open_v2(sqlite_path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
            sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK) {
            if (sqlite3_step(st) == SQLITE_ROW)
                n = sqlite3_column_int64(st, 0);
            sqlite3_finalize(st);
        }
        sqlite3_close(db);
        return n;
    }
#ifdef EF_HAVE_POSTGRES
    {
        PGconn *c = test_db_pg_connect();
        PGresult *r = PQexec(c, sql);

        if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0)
            n = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
        else
            fprintf(stderr, "test database: %s", PQresultErrorMessage(r));
        PQclear(r);
        PQfinish(c);
    }
#endif
    return n;
}

#endif
