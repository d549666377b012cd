/* SPDX-License-Identifier: EUPL-1.2 */
/* The store's domain code for systems and their owners (schema 11, issue 15): a system's
 * information is classified per aspect on KLASSA's four consequence levels, and the hosts
 * tied to it are judged at least at the protection levels those classes require
 * (collector/host_levels.h decides; the store only keeps the facts). Hosts are tied by
 * name, so a machine on the device list can be tied before its agent enrolls. Every change
 * is one transaction with its audit row. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/core.h"

#define DB(s) ((s)->db)

struct add_ctx {
    const struct ef_system *sys;
    int replace;
    const char *actor;
    time_t now;
};

static int add_tx(struct ef_store *s, void *arg)
{
    /* The department by name ("" none): a name that matches no department inserts nothing,
     * told apart from a taken system name by the check below. */
    static const char ins[] =
        "INSERT INTO systems (name, owner, info_owner, k, r, t, department_id, created_at, "
        "updated_at) SELECT $1, $2, $3, $4, $5, $6, d.id, $8, $8 FROM (SELECT 1 AS one) x "
        "LEFT JOIN departments d ON d.name = $7 AND d.merged_into IS NULL "
        "WHERE $7 = '' OR d.id IS NOT NULL RETURNING id";
    static const char upd[] =
        "UPDATE systems SET owner = $2, info_owner = $3, k = $4, r = $5, t = $6, "
        "department_id = (SELECT id FROM departments WHERE name = $7 AND merged_into IS NULL), "
        "updated_at = $8 WHERE name = $1 AND ($7 = '' OR EXISTS (SELECT 1 FROM departments "
        "WHERE name = $7 AND merged_into IS NULL)) RETURNING id";
    struct add_ctx *c = arg;
    const struct ef_system *y = c->sys;
    struct ef_db_stmt *st = core_prepare(s, c->replace ? upd : ins);
    int64_t id = 0, known = 0;
    int rc;

    if (st == NULL)
        return EF_ERR;
    DB(s)->bind_text(st, 1, y->name);
    DB(s)->bind_text(st, 2, y->owner);
    DB(s)->bind_text(st, 3, y->info_owner);
    DB(s)->bind_int(st, 4, y->k);
    DB(s)->bind_int(st, 5, y->r);
    DB(s)->bind_int(st, 6, y->t);
    DB(s)->bind_text(st, 7, y->department);
    DB(s)->bind_int(st, 8, (int64_t)c->now);
    rc = core_int(s, st, 0, &id, c->replace ? "change system" : "add system");
    if (rc == EF_EXISTS)
        snprintf(s->err, sizeof(s->err),
                 "a system named \"%s\" exists (system add --replace "
                 "changes it)",
                 y->name);
    if (rc != EF_OK)
        return rc;
    if (id == 0) {
        if ((st = core_prepare(s, "SELECT count(*) FROM systems WHERE name = $1")) == NULL)
            return EF_ERR;
        DB(s)->bind_text(st, 1, y->name);
        if ((rc = core_int(s, st, 0, &known, "find system")) != EF_OK)
            return rc;
        if (c->replace && known == 0)
            snprintf(s->err, sizeof(s->err), "no system named \"%s\" (system list)", y->name);
        else
            snprintf(s->err, sizeof(s->err), "no department named \"%s\"", y->department);
        return EF_NOTFOUND;
    }
    return core_audit_json(s, c->now, c->actor, c->replace ? "system.change" : "system.add",
                           json_pack("{s:s, s:s, s:s, s:i, s:i, s:i, s:s}", "name", y->name,
                                     "owner", y->owner, "info_owner", y->info_owner, "k", y->k, "r",
                                     y->r, "t", y->t, "department", y->department));
}

int core_system_add(struct ef_store *s, const struct ef_system *sys, int replace, const char *actor,
                    time_t now)
{
    struct add_ctx c = {sys, replace, actor, now};

    return DB(s)->tx(s, EF_DB_NO_LOCK, add_tx, &c);
}

struct remove_ctx {
    const char *name, *actor;
    time_t now;
};

static int remove_tx(struct ef_store *s, void *arg)
{
    static const char del_hosts[] =
        "DELETE FROM system_hosts WHERE system_id = (SELECT id FROM systems WHERE name = $1)";
    struct remove_ctx *c = arg;
    struct ef_db_stmt *st = core_prepare(s, del_hosts);
    int rc;

    if (st == NULL)
        return EF_ERR;
    DB(s)->bind_text(st, 1, c->name);
    if ((rc = core_exec(s, st, "untie system's hosts")) != EF_OK)
        return rc;
    if ((st = core_prepare(s, "DELETE FROM systems WHERE name = $1")) == NULL)
        return EF_ERR;
    DB(s)->bind_text(st, 1, c->name);
    if ((rc = core_exec_changed(s, st, "remove system")) != EF_OK) {
        if (rc == EF_NOTFOUND)
            snprintf(s->err, sizeof(s->err), "no system named \"%s\" (system list)", c->name);
        return rc;
    }
    return core_audit_json(s, c->now, c->actor, "system.remove",
                           json_pack("{s:s}", "name", c->name));
}

int core_system_remove(struct ef_store *s, const char *name, const char *actor, time_t now)
{
    struct remove_ctx c = {name, actor, now};

    return DB(s)->tx(s, EF_DB_NO_LOCK, remove_tx, &c);
}

static int system_row(struct ef_store *s, struct ef_db_stmt *st, void *elem)
{
    struct ef_system *y = elem;

    y->id = DB(s)->col_int(st, 0);
    if (core_col_text(s, st, 1, y->name, sizeof(y->name)) != EF_OK ||
        core_col_text(s, st, 2, y->owner, sizeof(y->owner)) != EF_OK ||
        core_col_text(s, st, 3, y->info_owner, sizeof(y->info_owner)) != EF_OK ||
        core_col_text(s, st, 7, y->department, sizeof(y->department)) != EF_OK)
        return EF_ERR;
    y->k = (int)DB(s)->col_int(st, 4);
    y->r = (int)DB(s)->col_int(st, 5);
    y->t = (int)DB(s)->col_int(st, 6);
    y->created_at = DB(s)->col_int(st, 8);
    y->updated_at = DB(s)->col_int(st, 9);
    y->nhosts = DB(s)->col_int(st, 10);
    return EF_OK;
}

int core_system_list(struct ef_store *s, struct ef_system **out, size_t *n)
{
    static const char sql[] =
        "SELECT y.id, y.name, y.owner, y.info_owner, y.k, y.r, y.t, coalesce(d.name, ''), "
        "y.created_at, y.updated_at, (SELECT count(*) FROM system_hosts h WHERE h.system_id = "
        "y.id) FROM systems y LEFT JOIN departments d ON d.id = y.department_id ORDER BY y.name";

    return core_collect(s, core_prepare(s, sql), sizeof(struct ef_system), system_row, NULL,
                        (void **)out, n, "list systems");
}

struct assign_ctx {
    const char *system;
    const char *const *hostnames, *const *keys;
    size_t n;
    int remove;
    const char *actor;
    time_t now;
};

static int assign_tx(struct ef_store *s, void *arg)
{
    static const char tie[] =
        "INSERT INTO system_hosts (system_id, host_key, hostname, assigned_at, assigned_by) "
        "SELECT id, $2, $3, $4, $5 FROM systems WHERE name = $1 "
        "ON CONFLICT (system_id, host_key) DO NOTHING";
    static const char untie[] =
        "DELETE FROM system_hosts WHERE host_key = $2 AND system_id = (SELECT id FROM systems "
        "WHERE name = $1)";
    struct assign_ctx *c = arg;
    struct ef_db_stmt *st = core_prepare(s, "SELECT count(*) FROM systems WHERE name = $1");
    json_t *hosts = json_array();
    int64_t known = 0;
    size_t i;
    int rc;

    if (st == NULL || hosts == NULL) {
        json_decref(hosts);
        return EF_ERR;
    }
    DB(s)->bind_text(st, 1, c->system);
    if ((rc = core_int(s, st, 0, &known, "find system")) != EF_OK || known == 0) {
        if (rc == EF_OK)
            snprintf(s->err, sizeof(s->err), "no system named \"%s\" (system list)", c->system);
        json_decref(hosts);
        return rc == EF_OK ? EF_NOTFOUND : rc;
    }
    for (i = 0; i < c->n; i++) {
        if ((st = core_prepare(s, c->remove ? untie : tie)) == NULL) {
            json_decref(hosts);
            return EF_ERR;
        }
        DB(s)->bind_text(st, 1, c->system);
        DB(s)->bind_text(st, 2, c->keys[i]);
        if (!c->remove) {
            DB(s)->bind_text(st, 3, c->hostnames[i]);
            DB(s)->bind_int(st, 4, (int64_t)c->now);
            DB(s)->bind_text(st, 5, c->actor);
        }
        rc = c->remove ? core_exec_changed(s, st, "untie host") : core_exec(s, st, "tie host");
        if (rc == EF_NOTFOUND)
            snprintf(s->err, sizeof(s->err), "%s is not tied to the system \"%s\"", c->hostnames[i],
                     c->system);
        if (rc != EF_OK || json_array_append_new(hosts, json_string(c->hostnames[i])) != 0) {
            json_decref(hosts);
            return rc != EF_OK ? rc : EF_ERR;
        }
    }
    return core_audit_json(s, c->now, c->actor, c->remove ? "system.unassign" : "system.assign",
                           json_pack("{s:s, s:o}", "system", c->system, "hosts", hosts));
}

int core_system_assign(struct ef_store *s, const char *system, const char *const *hostnames,
                       const char *const *host_keys, size_t n, int remove, const char *actor,
                       time_t now)
{
    struct assign_ctx c = {system, hostnames, host_keys, n, remove, actor, now};

    return DB(s)->tx(s, EF_DB_NO_LOCK, assign_tx, &c);
}

static int host_row(struct ef_store *s, struct ef_db_stmt *st, void *elem)
{
    struct ef_system_host *h = elem;

    if (core_col_text(s, st, 0, h->system, sizeof(h->system)) != EF_OK ||
        core_col_text(s, st, 1, h->hostname, sizeof(h->hostname)) != EF_OK ||
        core_col_text(s, st, 2, h->host_key, sizeof(h->host_key)) != EF_OK ||
        core_col_text(s, st, 7, h->assigned_by, sizeof(h->assigned_by)) != EF_OK)
        return EF_ERR;
    h->k = (int)DB(s)->col_int(st, 3);
    h->r = (int)DB(s)->col_int(st, 4);
    h->t = (int)DB(s)->col_int(st, 5);
    h->assigned_at = DB(s)->col_int(st, 6);
    return EF_OK;
}

int core_system_hosts(struct ef_store *s, const char *system, const char *host_key,
                      struct ef_system_host **out, size_t *n)
{
    static const char sql[] =
        "SELECT y.name, h.hostname, h.host_key, y.k, y.r, y.t, h.assigned_at, h.assigned_by "
        "FROM system_hosts h JOIN systems y ON y.id = h.system_id "
        "WHERE ($1 IS NULL OR y.name = $1) AND ($2 IS NULL OR h.host_key = $2) "
        "ORDER BY y.name, h.host_key, h.hostname";
    struct ef_db_stmt *st = core_prepare(s, sql);

    if (st != NULL) {
        DB(s)->bind_text(st, 1, system);
        DB(s)->bind_text(st, 2, host_key);
    }
    return core_collect(s, st, sizeof(struct ef_system_host), host_row, NULL, (void **)out, n,
                        "list system hosts");
}
