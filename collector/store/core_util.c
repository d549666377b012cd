/* SPDX-License-Identifier: EUPL-1.2 */
/* Small helpers of the store's domain code over the driver calls (db.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "efterlev/array.h"
#include "store/core.h"

struct ef_db_stmt *core_prepare(struct ef_store *s, const char *sql)
{
    return s->db->prepare(s, sql);
}

int core_exec(struct ef_store *s, struct ef_db_stmt *st, const char *what)
{
    int rc;

    if (st == NULL)
        return EF_ERR;
    while ((rc = s->db->step(s, st, what)) == EF_DB_ROW)
        ;
    s->db->done(st);
    return rc == EF_DB_DONE ? EF_OK : rc;
}

int core_exec_changed(struct ef_store *s, struct ef_db_stmt *st, const char *what)
{
    int rc;

    if (st == NULL)
        return EF_ERR;
    while ((rc = s->db->step(s, st, what)) == EF_DB_ROW)
        ;
    if (rc == EF_DB_DONE)
        rc = s->db->changes(s, st) > 0 ? EF_OK : EF_NOTFOUND;
    s->db->done(st);
    return rc;
}

int core_int(struct ef_store *s, struct ef_db_stmt *st, int64_t dflt, int64_t *out,
             const char *what)
{
    int rc;

    if (st == NULL)
        return EF_ERR;
    rc = s->db->step(s, st, what);
    if (rc == EF_DB_ROW)
        *out = s->db->col_null(st, 0) ? dflt : s->db->col_int(st, 0);
    else if (rc == EF_DB_DONE)
        *out = dflt;
    s->db->done(st);
    return rc == EF_DB_ROW || rc == EF_DB_DONE ? EF_OK : rc;
}

int core_row(struct ef_store *s, struct ef_db_stmt *st, const char *what)
{
    int rc;

    if (st == NULL)
        return EF_ERR;
    rc = s->db->step(s, st, what);
    if (rc == EF_DB_ROW)
        return EF_OK;
    s->db->done(st);
    return rc == EF_DB_DONE ? EF_NOTFOUND : rc;
}

int core_col_text(struct ef_store *s, struct ef_db_stmt *st, int i, char *dst, size_t dstlen)
{
    size_t n = 0;
    const char *v = s->db->col_text(st, i, &n);

    if (n >= dstlen) {
        snprintf(s->err, sizeof(s->err), "stored value too long in column %d", i);
        return EF_ERR;
    }
    if (n > 0)
        memcpy(dst, v, n);
    dst[n] = '\0';
    return EF_OK;
}

const char *core_col_str(struct ef_store *s, struct ef_db_stmt *st, int i)
{
    size_t n;

    return s->db->col_text(st, i, &n);
}

int core_col_bytes(struct ef_store *s, struct ef_db_stmt *st, int i, void *dst, size_t len)
{
    size_t n = 0;
    const void *v = s->db->col_blob(st, i, &n);

    if (v == NULL || n != len) {
        snprintf(s->err, sizeof(s->err), "stored byte string of %zu bytes, expected %zu", n, len);
        return EF_ERR;
    }
    memcpy(dst, v, len);
    return EF_OK;
}

int core_collect(struct ef_store *s, struct ef_db_stmt *st, size_t elem_size, core_row_fn row,
                 void (*free_rows)(void *v, size_t n), void **out, size_t *n, const char *what)
{
    unsigned char *v = NULL, *nv;
    size_t len = 0, cap = 0;
    int rc;

    *out = NULL;
    *n = 0;
    if (st == NULL)
        return EF_ERR;
    while ((rc = s->db->step(s, st, what)) == EF_DB_ROW) {
        if ((nv = ef_array_grow(v, len, &cap, elem_size, 16, EF_ARRAY_NO_MAX)) == NULL) {
            snprintf(s->err, sizeof(s->err), "out of memory");
            goto err;
        }
        v = nv;
        memset(v + len * elem_size, 0, elem_size);
        if (row(s, st, v + len * elem_size) != EF_OK) {
            len++; /* the failed row may hold something to free */
            goto err;
        }
        len++;
    }
    if (rc != EF_DB_DONE)
        goto err;
    s->db->done(st);
    *out = (void *)v;
    *n = len;
    return EF_OK;
err:
    s->db->done(st);
    if (free_rows != NULL)
        free_rows(v, len);
    else
        free(v);
    return EF_ERR;
}

ef_level core_level_of(int64_t v)
{
    return (v >= EF_LEVEL_BASIC && v <= EF_LEVEL_HIGH) ? (ef_level)v : EF_LEVEL_BASIC;
}
