/* SPDX-License-Identifier: EUPL-1.2 */
/* The store's domain code: policies served by the collector (schema 9). Every change is one
 * transaction with its audit row and raises the version of each department it affects. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/core.h"

#define DB(s) ((s)->db)

void ef_site_policies_free(struct ef_site_policy *v, size_t n)
{
    for (size_t i = 0; i < n && v != NULL; i++)
        free(v[i].yaml);
    free(v);
}

void ef_dept_policy_free(struct ef_dept_policy *p)
{
    ef_site_policies_free(p->files, p->nfiles);
    free(p->ov);
    memset(p, 0, sizeof(*p));
}

/* The department's id (its row locked in a write transaction) and level; NOTFOUND with
 * s->err when no such name. */
static int dept_of(struct ef_store *s, const char *name, int lock, int64_t *id, int64_t *level)
{
    static const char sql[] = "SELECT id, level FROM departments WHERE name = $1";
    static const char sql_lock[] = "SELECT id, level FROM departments WHERE name = $1 FOR UPDATE";
    struct ef_db_stmt *st = core_prepare(s, lock ? sql_lock : sql);
    int rc;

    if (st == NULL)
        return EF_ERR;
    DB(s)->bind_text(st, 1, name);
    if ((rc = core_row(s, st, "select department")) != EF_OK) {
        if (rc == EF_NOTFOUND)
            snprintf(s->err, sizeof(s->err), "no department named \"%s\"", name);
        return rc;
    }
    *id = DB(s)->col_int(st, 0);
    *level = DB(s)->col_int(st, 1);
    DB(s)->done(st);
    return EF_OK;
}

/* A change that affects department id: its policy version goes up by one. */
static int bump(struct ef_store *s, int64_t id, time_t now)
{
    static const char sql[] =
        "INSERT INTO policy_versions (department_id, version, changed_at) VALUES ($1, 1, $2) "
        "ON CONFLICT (department_id) DO UPDATE SET version = policy_versions.version + 1, "
        "changed_at = $2";
    struct ef_db_stmt *st = core_prepare(s, sql);

    if (st == NULL)
        return EF_ERR;
    DB(s)->bind_int(st, 1, id);
    DB(s)->bind_int(st, 2, (int64_t)now);
    return core_exec(s, st, "raise policy version");
}

struct add_ctx {
    struct ef_site_policy *p;
    int replace;
    time_t now;
};

/* A site policy's new text: every department it is assigned to gets a new version. */
static int replace_tx(struct ef_store *s, struct add_ctx *c)
{
    static const char upd_sql[] = "UPDATE site_policies SET platform = $2, yaml = $3, sha256 = $4, "
                                  "added_at = $5, actor = $6 WHERE name = $1 RETURNING id";
    static const char bump_sql[] =
        "INSERT INTO policy_versions (department_id, version, changed_at) SELECT department_id, "
        "1, $2 FROM policy_assignments WHERE policy_id = $1 ON CONFLICT (department_id) DO "
        "UPDATE SET version = policy_versions.version + 1, changed_at = excluded.changed_at";
    struct ef_db_stmt *st = core_prepare(s, upd_sql);
    int rc;

    if (st == NULL)
        return EF_ERR;
    DB(s)->bind_text(st, 1, c->p->name);
    DB(s)->bind_text(st, 2, c->p->platform);
    DB(s)->bind_text(st, 3, c->p->yaml);
    DB(s)->bind_text(st, 4, c->p->sha256);
    DB(s)->bind_int(st, 5, (int64_t)c->now);
    DB(s)->bind_text(st, 6, c->p->actor);
    c->p->id = 0;
    if ((rc = core_int(s, st, 0, &c->p->id, "replace site policy")) != EF_OK)
        return rc;
    if (c->p->id == 0) {
        snprintf(s->err, sizeof(s->err), "no site policy named \"%s\" (policy list)", c->p->name);
        return EF_NOTFOUND;
    }
    if ((st = core_prepare(s, bump_sql)) == NULL)
        return EF_ERR;
    DB(s)->bind_int(st, 1, c->p->id);
    DB(s)->bind_int(st, 2, (int64_t)c->now);
    if ((rc = core_exec(s, st, "raise policy versions")) != EF_OK)
        return rc;
    return core_audit_json(s, c->now, c->p->actor, "policy.replace",
                           json_pack("{s:s, s:s, s:s}", "name", c->p->name, "platform",
                                     c->p->platform, "sha256", c->p->sha256));
}

static int add_tx(struct ef_store *s, void *ctx)
{
    static const char sql[] = "INSERT INTO site_policies (name, platform, yaml, sha256, added_at, "
                              "actor) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id";
    struct add_ctx *c = ctx;
    struct ef_db_stmt *st;
    int rc;

    if (c->replace)
        return replace_tx(s, c);
    if ((st = core_prepare(s, sql)) == NULL)
        return EF_ERR;
    DB(s)->bind_text(st, 1, c->p->name);
    DB(s)->bind_text(st, 2, c->p->platform);
    DB(s)->bind_text(st, 3, c->p->yaml);
    DB(s)->bind_text(st, 4, c->p->sha256);
    DB(s)->bind_int(st, 5, (int64_t)c->now);
    DB(s)->bind_text(st, 6, c->p->actor);
    if ((rc = core_int(s, st, 0, &c->p->id, "insert site policy")) != EF_OK)
        return rc;
    return core_audit_json(s, c->now, c->p->actor, "policy.add",
                           json_pack("{s:s, s:s, s:s}", "name", c->p->name, "platform",
                                     c->p->platform, "sha256", c->p->sha256));
}

int core_policy_add(struct ef_store *s, struct ef_site_policy *p, int replace, time_t now)
{
    struct add_ctx c = {p, replace, now};

    if (p->yaml == NULL || strlen(p->yaml) > EF_POLICY_YAML_MAX) {
        snprintf(s->err, sizeof(s->err), "a site policy is at most %d bytes", EF_POLICY_YAML_MAX);
        return EF_ERR;
    }
    return DB(s)->tx(s, EF_DB_NO_LOCK, add_tx, &c);
}

static int policy_row(struct ef_store *s, struct ef_db_stmt *st, void *elem)
{
    struct ef_site_policy *p = elem;

    p->id = DB(s)->col_int(st, 0);
    p->added_at = DB(s)->col_int(st, 4);
    if (core_col_text(s, st, 1, p->name, sizeof(p->name)) != EF_OK ||
        core_col_text(s, st, 2, p->platform, sizeof(p->platform)) != EF_OK ||
        core_col_text(s, st, 3, p->sha256, sizeof(p->sha256)) != EF_OK ||
        core_col_text(s, st, 5, p->actor, sizeof(p->actor)) != EF_OK)
        return EF_ERR;
    return EF_OK;
}

static int policy_row_yaml(struct ef_store *s, struct ef_db_stmt *st, void *elem)
{
    struct ef_site_policy *p = elem;

    if (policy_row(s, st, elem) != EF_OK)
        return EF_ERR;
    if ((p->yaml = strdup(core_col_str(s, st, 6))) == NULL) {
        snprintf(s->err, sizeof(s->err), "out of memory");
        return EF_ERR;
    }
    return EF_OK;
}

static void free_policies(void *v, size_t n)
{
    ef_site_policies_free(v, n);
}

int core_policy_list(struct ef_store *s, struct ef_site_policy **out, size_t *n)
{
    static const char sql[] = "SELECT id, name, platform, sha256, added_at, actor FROM "
                              "site_policies ORDER BY name";

    return core_collect(s, core_prepare(s, sql), sizeof(struct ef_site_policy), policy_row,
                        free_policies, (void **)out, n, "list site policies");
}

struct assign_ctx {
    const char *name, *dept, *actor;
    int remove;
    time_t now;
};

static int assign_tx(struct ef_store *s, void *ctx)
{
    static const char pol_sql[] = "SELECT id FROM site_policies WHERE name = $1";
    static const char ins_sql[] =
        "INSERT INTO policy_assignments (department_id, policy_id, at, actor) "
        "VALUES ($1, $2, $3, $4)";
    static const char del_sql[] =
        "DELETE FROM policy_assignments WHERE department_id = $1 AND policy_id = $2";
    struct assign_ctx *c = ctx;
    struct ef_db_stmt *st;
    int64_t dept, level, pol = 0;
    int rc;

    if ((rc = dept_of(s, c->dept, 1, &dept, &level)) != EF_OK)
        return rc;
    if ((st = core_prepare(s, pol_sql)) == NULL)
        return EF_ERR;
    DB(s)->bind_text(st, 1, c->name);
    if ((rc = core_int(s, st, 0, &pol, "select site policy")) != EF_OK)
        return rc;
    if (pol == 0) {
        snprintf(s->err, sizeof(s->err), "no site policy named \"%s\" (policy list)", c->name);
        return EF_NOTFOUND;
    }
    if ((st = core_prepare(s, c->remove ? del_sql : ins_sql)) == NULL)
        return EF_ERR;
    DB(s)->bind_int(st, 1, dept);
    DB(s)->bind_int(st, 2, pol);
    if (!c->remove) {
        DB(s)->bind_int(st, 3, (int64_t)c->now);
        DB(s)->bind_text(st, 4, c->actor);
        rc = core_exec(s, st, "assign policy");
    } else {
        rc = core_exec_changed(s, st, "unassign policy");
        if (rc == EF_NOTFOUND)
            rc = EF_EXISTS;
    }
    if (rc == EF_EXISTS) {
        snprintf(s->err, sizeof(s->err), "\"%s\" is %s assigned to %s", c->name,
                 c->remove ? "not" : "already", c->dept);
        return rc;
    }
    if (rc != EF_OK || (rc = bump(s, dept, c->now)) != EF_OK)
        return rc;
    return core_audit_json(s, c->now, c->actor, c->remove ? "policy.unassign" : "policy.assign",
                           json_pack("{s:s, s:s}", "policy", c->name, "department", c->dept));
}

int core_policy_assign(struct ef_store *s, const char *name, const char *dept, int remove,
                       const char *actor, time_t now)
{
    struct assign_ctx c = {name, dept, actor, remove, now};

    return DB(s)->tx(s, EF_DB_NO_LOCK, assign_tx, &c);
}

struct override_ctx {
    const char *dept;
    const struct ef_policy_override *o;
    int remove;
    time_t now;
};

static int override_tx(struct ef_store *s, void *ctx)
{
    static const char del_sql[] = "DELETE FROM policy_overrides WHERE department_id = $1 AND "
                                  "check_id = $2 AND kind = $3 AND name = $4";
    static const char ins_sql[] =
        "INSERT INTO policy_overrides (department_id, check_id, kind, name, value, reason, at, "
        "actor) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
    struct override_ctx *c = ctx;
    const struct ef_policy_override *o = c->o;
    struct ef_db_stmt *st;
    const char *action;
    int64_t dept, level;
    int rc;

    if ((rc = dept_of(s, c->dept, 1, &dept, &level)) != EF_OK)
        return rc;
    /* Setting replaces what was set (a new reason, a new value). */
    if ((st = core_prepare(s, del_sql)) == NULL)
        return EF_ERR;
    DB(s)->bind_int(st, 1, dept);
    DB(s)->bind_text(st, 2, o->check);
    DB(s)->bind_text(st, 3, o->kind);
    DB(s)->bind_text(st, 4, o->name);
    rc = core_exec_changed(s, st, "delete override");
    if (rc == EF_NOTFOUND && c->remove) {
        snprintf(s->err, sizeof(s->err), "%s is not %s in %s", o->check,
                 strcmp(o->kind, "disable") == 0 ? "switched off" : "changed", c->dept);
        return rc;
    }
    if (rc != EF_OK && rc != EF_NOTFOUND)
        return rc;
    if (!c->remove) {
        static const char count_sql[] =
            "SELECT count(*) FROM policy_overrides WHERE department_id = $1";
        int64_t n = 0;

        if ((st = core_prepare(s, count_sql)) == NULL)
            return EF_ERR;
        DB(s)->bind_int(st, 1, dept);
        if ((rc = core_int(s, st, 0, &n, "count overrides")) != EF_OK)
            return rc;
        if (n >= EF_POLICY_OVERRIDES_MAX) {
            snprintf(s->err, sizeof(s->err), "%s has %d changes of its policy already, the most",
                     c->dept, EF_POLICY_OVERRIDES_MAX);
            return EF_ERR;
        }
        if ((st = core_prepare(s, ins_sql)) == NULL)
            return EF_ERR;
        DB(s)->bind_int(st, 1, dept);
        DB(s)->bind_text(st, 2, o->check);
        DB(s)->bind_text(st, 3, o->kind);
        DB(s)->bind_text(st, 4, o->name);
        DB(s)->bind_text(st, 5, o->value);
        DB(s)->bind_text(st, 6, o->reason);
        DB(s)->bind_int(st, 7, (int64_t)c->now);
        DB(s)->bind_text(st, 8, o->actor);
        if ((rc = core_exec(s, st, "insert override")) != EF_OK)
            return rc;
    }
    if ((rc = bump(s, dept, c->now)) != EF_OK)
        return rc;
    if (strcmp(o->kind, "disable") == 0)
        action = c->remove ? "policy.enable_check" : "policy.disable_check";
    else
        action = c->remove ? "policy.unset" : "policy.set";
    return core_audit_json(s, c->now, o->actor, action,
                           json_pack("{s:s, s:s, s:s?, s:s?, s:s?}", "department", c->dept, "check",
                                     o->check, "param", o->name[0] ? o->name : NULL, "value",
                                     o->name[0] && !c->remove ? o->value : NULL, "reason",
                                     c->remove ? NULL : o->reason));
}

int core_policy_override(struct ef_store *s, const char *dept, const struct ef_policy_override *o,
                         int remove, time_t now)
{
    struct override_ctx c = {dept, o, remove, now};

    return DB(s)->tx(s, EF_DB_NO_LOCK, override_tx, &c);
}

static int override_row(struct ef_store *s, struct ef_db_stmt *st, void *elem)
{
    struct ef_policy_override *o = elem;

    o->at = DB(s)->col_int(st, 5);
    if (core_col_text(s, st, 0, o->check, sizeof(o->check)) != EF_OK ||
        core_col_text(s, st, 1, o->kind, sizeof(o->kind)) != EF_OK ||
        core_col_text(s, st, 2, o->name, sizeof(o->name)) != EF_OK ||
        core_col_text(s, st, 3, o->value, sizeof(o->value)) != EF_OK ||
        core_col_text(s, st, 4, o->reason, sizeof(o->reason)) != EF_OK ||
        core_col_text(s, st, 6, o->actor, sizeof(o->actor)) != EF_OK)
        return EF_ERR;
    return EF_OK;
}

struct get_ctx {
    const char *dept, *platform;
    struct ef_dept_policy *out;
};

static int get_tx(struct ef_store *s, void *ctx)
{
    static const char ver_sql[] =
        "SELECT version, changed_at FROM policy_versions WHERE department_id = $1";
    static const char files_sql[] =
        "SELECT p.id, p.name, p.platform, p.sha256, p.added_at, p.actor, p.yaml FROM "
        "site_policies p JOIN policy_assignments a ON a.policy_id = p.id WHERE "
        "a.department_id = $1 AND p.platform = $2 ORDER BY p.name";
    static const char ov_sql[] = "SELECT check_id, kind, name, value, reason, at, actor FROM "
                                 "policy_overrides WHERE department_id = $1 ORDER BY check_id, "
                                 "kind, name";
    struct get_ctx *c = ctx;
    struct ef_dept_policy *p = c->out;
    struct ef_db_stmt *st;
    int64_t level;
    int rc;

    if ((rc = dept_of(s, c->dept, 0, &p->department_id, &level)) != EF_OK)
        return rc;
    p->level = core_level_of(level);
    snprintf(p->department, sizeof(p->department), "%s", c->dept);
    if ((st = core_prepare(s, ver_sql)) == NULL)
        return EF_ERR;
    DB(s)->bind_int(st, 1, p->department_id);
    rc = core_row(s, st, "select policy version");
    if (rc == EF_OK) {
        p->version = DB(s)->col_int(st, 0);
        p->changed_at = DB(s)->col_int(st, 1);
        DB(s)->done(st);
    } else if (rc != EF_NOTFOUND) {
        return rc;
    }
    if ((st = core_prepare(s, files_sql)) == NULL)
        return EF_ERR;
    DB(s)->bind_int(st, 1, p->department_id);
    DB(s)->bind_text(st, 2, c->platform);
    if ((rc = core_collect(s, st, sizeof(struct ef_site_policy), policy_row_yaml, free_policies,
                           (void **)&p->files, &p->nfiles, "assigned policies")) != EF_OK)
        return rc;
    if ((st = core_prepare(s, ov_sql)) == NULL)
        return EF_ERR;
    DB(s)->bind_int(st, 1, p->department_id);
    return core_collect(s, st, sizeof(struct ef_policy_override), override_row, NULL,
                        (void **)&p->ov, &p->nov, "policy overrides");
}

int core_policy_dept_get(struct ef_store *s, const char *dept, const char *platform,
                         struct ef_dept_policy *out)
{
    struct get_ctx c = {dept, platform, out};
    int rc;

    memset(out, 0, sizeof(*out));
    /* One transaction: the version and what it versions are read together. */
    rc = DB(s)->tx(s, EF_DB_SHARED, get_tx, &c);
    if (rc != EF_OK)
        ef_dept_policy_free(out);
    return rc;
}

int core_policy_served_get(struct ef_store *s, int64_t department_id, const char *platform,
                           char sha256[65])
{
    static const char sql[] =
        "SELECT sha256 FROM policy_served WHERE department_id = $1 AND platform = $2";
    struct ef_db_stmt *st = core_prepare(s, sql);
    int rc;

    sha256[0] = '\0';
    if (st == NULL)
        return EF_ERR;
    DB(s)->bind_int(st, 1, department_id);
    DB(s)->bind_text(st, 2, platform);
    rc = core_row(s, st, "select served policy");
    if (rc == EF_NOTFOUND)
        return EF_OK;
    if (rc != EF_OK)
        return rc;
    rc = core_col_text(s, st, 0, sha256, 65);
    DB(s)->done(st);
    return rc;
}

int core_policy_served_set(struct ef_store *s, int64_t department_id, const char *platform,
                           int64_t version, const char *sha256, time_t now)
{
    static const char sql[] =
        "INSERT INTO policy_served (department_id, platform, version, sha256, served_at) "
        "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (department_id, platform) DO UPDATE SET "
        "version = $3, sha256 = $4, served_at = $5";
    char cur[65];
    struct ef_db_stmt *st;
    int rc;

    /* Most requests serve what was served before: a read, no write. */
    if ((rc = core_policy_served_get(s, department_id, platform, cur)) != EF_OK)
        return rc;
    if (strcmp(cur, sha256) == 0)
        return EF_OK;
    if ((st = core_prepare(s, sql)) == NULL)
        return EF_ERR;
    DB(s)->bind_int(st, 1, department_id);
    DB(s)->bind_text(st, 2, platform);
    DB(s)->bind_int(st, 3, version);
    DB(s)->bind_text(st, 4, sha256);
    DB(s)->bind_int(st, 5, (int64_t)now);
    return core_exec(s, st, "record served policy");
}
