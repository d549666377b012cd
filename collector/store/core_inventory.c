/* SPDX-License-Identifier: EUPL-1.2 */
/* The store's domain code: the municipality's device list (schema 7). An import replaces
 * the whole list in one transaction, so a reader sees the old list or the new one, never a
 * mix, and a failed import leaves the old one. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/core.h"

#define DB(s) ((s)->db)

struct replace_ctx {
    struct ef_inventory_info *info;
    const struct ef_device *v;
    size_t n;
    const char *details;
    time_t now;
};

static int insert_device(struct ef_store *s, int64_t import_id, const struct ef_device *d)
{
    static const char sql[] =
        "INSERT INTO inventory_devices (import_id, line, hostname, host_key, department, os, "
        "serial, last_logon) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
    struct ef_db_stmt *st = core_prepare(s, sql);

    if (st == NULL)
        return EF_ERR;
    DB(s)->bind_int(st, 1, import_id);
    DB(s)->bind_int(st, 2, d->line);
    DB(s)->bind_text(st, 3, d->hostname);
    DB(s)->bind_text(st, 4, d->host_key);
    DB(s)->bind_text(st, 5, d->department);
    DB(s)->bind_text(st, 6, d->os);
    DB(s)->bind_text(st, 7, d->serial);
    DB(s)->bind_text(st, 8, d->last_logon);
    return core_exec(s, st, "insert device");
}

static int replace_tx(struct ef_store *s, void *ctx)
{
    static const char del_sql[] = "DELETE FROM inventory_devices";
    static const char ins_sql[] = "INSERT INTO inventory_imports (imported_at, file, actor, "
                                  "devices) VALUES ($1, $2, $3, $4) RETURNING id";
    struct replace_ctx *c = ctx;
    struct ef_db_stmt *st;
    int64_t id = 0;
    size_t i;
    int rc;

    if ((rc = core_exec(s, core_prepare(s, del_sql), "delete devices")) != EF_OK)
        return rc;
    if ((st = core_prepare(s, ins_sql)) == NULL)
        return EF_ERR;
    DB(s)->bind_int(st, 1, (int64_t)c->now);
    DB(s)->bind_text(st, 2, c->info->file);
    DB(s)->bind_text(st, 3, c->info->actor);
    DB(s)->bind_int(st, 4, (int64_t)c->n);
    if ((rc = core_int(s, st, 0, &id, "insert import")) != EF_OK)
        return rc;
    for (i = 0; i < c->n; i++)
        if ((rc = insert_device(s, id, &c->v[i])) != EF_OK)
            return rc;
    if ((rc = core_audit(s, c->now, c->info->actor, "inventory.import", c->details)) != EF_OK)
        return rc;
    c->info->id = id;
    return EF_OK;
}

int core_inventory_replace(struct ef_store *s, struct ef_inventory_info *info,
                           const struct ef_device *v, size_t n, const char *details, time_t now)
{
    struct replace_ctx c = {info, v, n, details, now};
    int rc;

    if (n > EF_INV_DEVICES_MAX) {
        snprintf(s->err, sizeof(s->err), "%zu devices, at most %d in one list", n,
                 EF_INV_DEVICES_MAX);
        return EF_ERR;
    }
    rc = DB(s)->tx(s, EF_DB_NO_LOCK, replace_tx, &c);
    if (rc == EF_OK) {
        info->imported_at = (int64_t)now;
        info->devices = (int64_t)n;
    }
    return rc;
}

static int device_row(struct ef_store *s, struct ef_db_stmt *st, void *elem)
{
    struct ef_device *d = elem;

    d->line = DB(s)->col_int(st, 0);
    d->import_id = DB(s)->col_int(st, 7);
    if (core_col_text(s, st, 1, d->hostname, sizeof(d->hostname)) != EF_OK ||
        core_col_text(s, st, 2, d->host_key, sizeof(d->host_key)) != EF_OK ||
        core_col_text(s, st, 3, d->department, sizeof(d->department)) != EF_OK ||
        core_col_text(s, st, 4, d->os, sizeof(d->os)) != EF_OK ||
        core_col_text(s, st, 5, d->serial, sizeof(d->serial)) != EF_OK ||
        core_col_text(s, st, 6, d->last_logon, sizeof(d->last_logon)) != EF_OK)
        return EF_ERR;
    return EF_OK;
}

/* The import of id (0: the latest). */
static int import_row(struct ef_store *s, int64_t id, struct ef_inventory_info *info)
{
    static const char sql[] = "SELECT id, imported_at, file, actor, devices FROM inventory_imports "
                              "WHERE $1 = 0 OR id = $1 ORDER BY id DESC LIMIT 1";
    struct ef_db_stmt *st = core_prepare(s, sql);
    int rc;

    if (st == NULL)
        return EF_ERR;
    DB(s)->bind_int(st, 1, id);
    if ((rc = core_row(s, st, "select import")) != EF_OK)
        return rc;
    memset(info, 0, sizeof(*info));
    info->id = DB(s)->col_int(st, 0);
    info->imported_at = DB(s)->col_int(st, 1);
    info->devices = DB(s)->col_int(st, 4);
    if (core_col_text(s, st, 2, info->file, sizeof(info->file)) != EF_OK ||
        core_col_text(s, st, 3, info->actor, sizeof(info->actor)) != EF_OK)
        rc = EF_ERR;
    DB(s)->done(st);
    return rc;
}

int core_inventory_get(struct ef_store *s, struct ef_inventory_info *info, struct ef_device **v,
                       size_t *n)
{
    /* inventory_devices holds the current list only: one statement reads it whole (one
     * snapshot, whatever an import does meanwhile), and its import follows from the rows
     * (imports are never deleted). */
    static const char sql[] =
        "SELECT line, hostname, host_key, department, os, serial, last_logon, import_id "
        "FROM inventory_devices ORDER BY department, hostname, line";
    int rc;

    if (v == NULL)
        return import_row(s, 0, info);
    rc = core_collect(s, core_prepare(s, sql), sizeof(struct ef_device), device_row, NULL,
                      (void **)v, n, "list devices");
    if (rc != EF_OK)
        return rc;
    rc = import_row(s, *n > 0 ? (*v)[0].import_id : 0, info);
    if (rc != EF_OK) {
        free(*v);
        *v = NULL;
        *n = 0;
    }
    return rc;
}
