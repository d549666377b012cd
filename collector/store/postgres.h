/* SPDX-License-Identifier: EUPL-1.2 */
/* The PostgreSQL store's entry points outside the store interface: opening it, and the
 * bulk import that `efterlev-collector migrate` uses. Declared whether or not the build has
 * PostgreSQL (EF_HAVE_POSTGRES); defined only when it has. */
#ifndef EF_COLLECTOR_POSTGRES_H
#define EF_COLLECTOR_POSTGRES_H

#include <stddef.h>
#include <string.h>

#include "store/store.h"

/* 1 when url names a PostgreSQL database (postgresql:// or postgres://). */
static inline int ef_store_url_is_postgres(const char *url)
{
    return strncmp(url, "postgresql://", 13) == 0 || strncmp(url, "postgres://", 11) == 0;
}

/* Connect to url (a libpq connection URI); create the tables when the database has none,
 * else migrate them to the current version. */
struct ef_store *ef_store_pg_open(const char *url, int create, char *err, size_t errlen);

/* Bulk import into an empty store, in one transaction (migrate --to). begin refuses a
 * database that holds any department, agent, report or token (EF_EXISTS). */
struct ef_pg_column {
    char name[64];
    int bytea;
};
int ef_pg_import_begin(struct ef_store *s);
/* The store's tables, parents before children (for the foreign keys), schema_version
 * left out. Caller frees *names (one block). */
int ef_pg_import_tables(struct ef_store *s, char (**names)[64], size_t *n);
/* Columns of table in their order. Caller frees *cols. */
int ef_pg_import_columns(struct ef_store *s, const char *table, struct ef_pg_column **cols,
                         size_t *n);
/* COPY table (cols) FROM STDIN in text format; rows are lines in COPY's text format. */
int ef_pg_import_copy_start(struct ef_store *s, const char *table, const struct ef_pg_column *cols,
                            size_t n);
int ef_pg_import_copy_data(struct ef_store *s, const char *data, size_t len);
int ef_pg_import_copy_end(struct ef_store *s, int64_t *rows);
/* Move every identity column's sequence past the imported ids, then COMMIT. */
int ef_pg_import_commit(struct ef_store *s);
void ef_pg_import_abort(struct ef_store *s);

#endif
