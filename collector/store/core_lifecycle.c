/* SPDX-License-Identifier: EUPL-1.2 */
/* The store's domain code for departments as municipalities reorganise them (issue 14):
 * renamed, re-levelled and merged, each change kept in department_events with its time. The
 * department keeps its id, so its hosts, counters, acceptances and daily snapshots (the
 * trend) carry on under the new name; the roles of API tokens and dashboard users that name
 * it ("department:NAME") follow the rename in the same transaction. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "efterlev/util.h"
#include "store/core.h"

#define DB(s) ((s)->db)

static int event_add(struct ef_store *s, int64_t dept, time_t now, const char *event,
                     const char *old_value, const char *new_value)
{
    static const char sql[] = "INSERT INTO department_events (department_id, at, event, "
                              "old_value, new_value) VALUES ($1, $2, $3, $4, $5)";
    struct ef_db_stmt *st = core_prepare(s, sql);

    if (st == NULL)
        return EF_ERR;
    DB(s)->bind_int(st, 1, dept);
    DB(s)->bind_int(st, 2, (int64_t)now);
    DB(s)->bind_text(st, 3, event);
    DB(s)->bind_text(st, 4, old_value);
    DB(s)->bind_text(st, 5, new_value);
    return core_exec(s, st, "record department event");
}

/* The department's id and level, its row locked; NOTFOUND when no such name. */
static int dept_lock(struct ef_store *s, const char *name, int64_t *id, int64_t *level)
{
    static const char sql[] = "SELECT id, level FROM departments WHERE name = $1 FOR UPDATE";
    struct ef_db_stmt *st = core_prepare(s, sql);
    int rc;

    if (st == NULL)
        return EF_ERR;
    DB(s)->bind_text(st, 1, name);
    if ((rc = core_row(s, st, "select department")) != EF_OK)
        return rc;
    *id = DB(s)->col_int(st, 0);
    *level = DB(s)->col_int(st, 1);
    DB(s)->done(st);
    return EF_OK;
}

static int agent_id_row(struct ef_store *s, struct ef_db_stmt *st, void *elem)
{
    return core_col_text(s, st, 0, (char *)elem, EF_ID_MAX + 1);
}

struct change_ctx {
    const char *name, *new_name;
    ef_level level;
    time_t now;
};

static int rename_tx(struct ef_store *s, void *ctx)
{
    static const char dept_sql[] = "UPDATE departments SET name = $2 WHERE id = $1";
    static const char tokens_sql[] = "UPDATE api_tokens SET role = $2 WHERE role = $1";
    static const char users_sql[] = "UPDATE users SET role = $2 WHERE role = $1";
    const struct change_ctx *c = ctx;
    char old_role[EF_ROLE_MAX + 1], new_role[EF_ROLE_MAX + 1];
    struct ef_db_stmt *st;
    int64_t id, level;
    int rc;

    if ((rc = dept_lock(s, c->name, &id, &level)) != EF_OK)
        return rc;
    if ((st = core_prepare(s, dept_sql)) == NULL)
        return EF_ERR;
    DB(s)->bind_int(st, 1, id);
    DB(s)->bind_text(st, 2, c->new_name);
    if ((rc = core_exec(s, st, "rename department")) != EF_OK)
        return rc; /* EF_EXISTS: the new name is taken */
    snprintf(old_role, sizeof(old_role), "department:%s", c->name);
    snprintf(new_role, sizeof(new_role), "department:%s", c->new_name);
    for (int i = 0; i < 2; i++) {
        if ((st = core_prepare(s, i == 0 ? tokens_sql : users_sql)) == NULL)
            return EF_ERR;
        DB(s)->bind_text(st, 1, old_role);
        DB(s)->bind_text(st, 2, new_role);
        if (core_exec(s, st, i == 0 ? "rename token roles" : "rename user roles") != EF_OK)
            return EF_ERR;
    }
    return event_add(s, id, c->now, "rename", c->name, c->new_name);
}

int core_department_rename(struct ef_store *s, const char *name, const char *new_name, time_t now)
{
    struct change_ctx c = {name, new_name, EF_LEVEL_BASIC, now};

    return DB(s)->tx(s, EF_DB_SHARED, rename_tx, &c);
}

static int level_tx(struct ef_store *s, void *ctx)
{
    static const char sql[] = "UPDATE departments SET level = $2 WHERE id = $1";
    const struct change_ctx *c = ctx;
    struct ef_db_stmt *st;
    int64_t id, level;
    int rc;

    if ((rc = dept_lock(s, c->name, &id, &level)) != EF_OK)
        return rc;
    if (level == (int64_t)c->level)
        return EF_OK;
    if ((st = core_prepare(s, sql)) == NULL)
        return EF_ERR;
    DB(s)->bind_int(st, 1, id);
    DB(s)->bind_int(st, 2, (int64_t)c->level);
    if (core_exec(s, st, "set department level") != EF_OK)
        return EF_ERR;
    return event_add(s, id, c->now, "level", ef_level_name(core_level_of(level)),
                     ef_level_name(c->level));
}

int core_department_set_level(struct ef_store *s, const char *name, ef_level level, time_t now)
{
    struct change_ctx c = {name, NULL, level, now};

    return DB(s)->tx(s, EF_DB_SHARED, level_tx, &c);
}

struct merge_ctx {
    const char *from, *into, *actor;
    time_t now;
    struct ef_merge_result *out;
};

/* The ids of the agents of a department, retired ones too. */
static int agents_of(struct ef_store *s, int64_t dept, char (**ids)[EF_ID_MAX + 1], size_t *n)
{
    static const char sql[] = "SELECT agent_id FROM agents WHERE department_id = $1 "
                              "ORDER BY agent_id";
    struct ef_db_stmt *st = core_prepare(s, sql);

    if (st != NULL)
        DB(s)->bind_int(st, 1, dept);
    return core_collect(s, st, sizeof(**ids), agent_id_row, NULL, (void **)ids, n,
                        "agents of the department");
}

static int count_of(struct ef_store *s, const char *sql, int64_t dept, int64_t *out)
{
    struct ef_db_stmt *st = core_prepare(s, sql);

    if (st == NULL)
        return EF_ERR;
    DB(s)->bind_int(st, 1, dept);
    return core_int(s, st, 0, out, "count acceptances");
}

static int merge_tx(struct ef_store *s, void *ctx)
{
    static const char merged_sql[] = "SELECT merged_into FROM departments WHERE id = $1";
    static const char n_host_acc[] = "SELECT count(*) FROM acceptances WHERE department_id = $1 "
                                     "AND agent_id <> '' AND state = 0";
    static const char n_dept_acc[] = "SELECT count(*) FROM acceptances WHERE department_id = $1 "
                                     "AND agent_id = '' AND state = 0";
    static const char move_acc[] = "UPDATE acceptances SET department_id = $2 "
                                   "WHERE department_id = $1 AND agent_id <> '' AND state = 0";
    static const char revoke_acc[] =
        "UPDATE acceptances SET state = 2, ended_at = $2, ended_by = $3 "
        "WHERE department_id = $1 AND agent_id = '' AND state = 0";
    static const char mark_sql[] = "UPDATE departments SET merged_into = $2, token_hash = '' "
                                   "WHERE id = $1";
    const struct merge_ctx *c = ctx;
    char(*ids)[EF_ID_MAX + 1] = NULL;
    struct ef_db_stmt *st;
    int64_t from, into, level, merged;
    size_t n = 0, i;
    int rc;

    memset(c->out, 0, sizeof(*c->out));
    if ((rc = dept_lock(s, c->from, &from, &level)) != EF_OK ||
        (rc = dept_lock(s, c->into, &into, &level)) != EF_OK)
        return rc;
    if (from == into)
        return EF_INVALID;
    for (i = 0; i < 2; i++) {
        if ((st = core_prepare(s, merged_sql)) == NULL)
            return EF_ERR;
        DB(s)->bind_int(st, 1, i == 0 ? from : into);
        if (core_int(s, st, 0, &merged, "merged department") != EF_OK)
            return EF_ERR;
        if (merged != 0)
            return EF_INVALID;
    }
    /* Acceptances first, so that each machine meets its own ones in its new department. */
    if (count_of(s, n_host_acc, from, &c->out->acceptances_moved) != EF_OK ||
        count_of(s, n_dept_acc, from, &c->out->acceptances_revoked) != EF_OK ||
        (st = core_prepare(s, move_acc)) == NULL)
        return EF_ERR;
    DB(s)->bind_int(st, 1, from);
    DB(s)->bind_int(st, 2, into);
    if (core_exec(s, st, "move acceptances") != EF_OK || (st = core_prepare(s, revoke_acc)) == NULL)
        return EF_ERR;
    DB(s)->bind_int(st, 1, from);
    DB(s)->bind_int(st, 2, (int64_t)c->now);
    DB(s)->bind_text(st, 3, c->actor);
    if (core_exec(s, st, "revoke department acceptances") != EF_OK)
        return EF_ERR;
    if (agents_of(s, from, &ids, &n) != EF_OK)
        return EF_ERR;
    for (i = 0; i < n; i++)
        if (core_agent_move_in(s, ids[i], into, c->actor, c->now) != EF_OK) {
            free(ids);
            return EF_ERR;
        }
    free(ids);
    c->out->hosts = (int64_t)n;
    if ((st = core_prepare(s, mark_sql)) == NULL)
        return EF_ERR;
    DB(s)->bind_int(st, 1, from);
    DB(s)->bind_int(st, 2, into);
    if (core_exec(s, st, "mark department merged") != EF_OK ||
        event_add(s, from, c->now, "merge", c->from, c->into) != EF_OK)
        return EF_ERR;
    return event_add(s, into, c->now, "merge", c->from, c->into);
}

int core_department_merge(struct ef_store *s, const char *from, const char *into, const char *actor,
                          time_t now, struct ef_merge_result *out)
{
    struct merge_ctx c = {from, into, actor, now, out};

    return DB(s)->tx(s, EF_DB_SHARED, merge_tx, &c);
}

static int event_row(struct ef_store *s, struct ef_db_stmt *st, void *elem)
{
    struct ef_department_event *e = elem;

    e->at = DB(s)->col_int(st, 0);
    if (core_col_text(s, st, 1, e->event, sizeof(e->event)) != EF_OK ||
        core_col_text(s, st, 2, e->old_value, sizeof(e->old_value)) != EF_OK ||
        core_col_text(s, st, 3, e->new_value, sizeof(e->new_value)) != EF_OK)
        return EF_ERR;
    return EF_OK;
}

int core_department_events(struct ef_store *s, const char *name, struct ef_department_event **out,
                           size_t *n)
{
    static const char sql[] = "SELECT e.at, e.event, e.old_value, e.new_value "
                              "FROM department_events e JOIN departments d "
                              "ON d.id = e.department_id WHERE d.name = $1 ORDER BY e.at, e.id";
    struct ef_db_stmt *st = core_prepare(s, sql);

    if (st != NULL)
        DB(s)->bind_text(st, 1, name);
    return core_collect(s, st, sizeof(struct ef_department_event), event_row, NULL, (void **)out, n,
                        "department events");
}
