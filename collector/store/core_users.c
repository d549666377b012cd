/* SPDX-License-Identifier: EUPL-1.2 */
/* The store's domain code: dashboard users and their sessions, and API tokens. */
#include <stdio.h>
#include <string.h>

#include "efterlev/util.h"
#include "store/core.h"

#define DB(s) ((s)->db)

/* ---- API tokens ---- */

/* A named row with a role and a secret's hash: an API token or a dashboard user (sql has
 * the parameters name, role, hash, created_at and returns the new id). */
static int insert_named(struct ef_store *s, const char *sql, const char *name, const char *role,
                        const char *hash, time_t now, int64_t *id, const char *what)
{
    struct ef_db_stmt *st = core_prepare(s, sql);
    char created[32];

    if (st == NULL)
        return EF_ERR;
    ef_time_rfc3339(now, created);
    DB(s)->bind_text(st, 1, name);
    DB(s)->bind_text(st, 2, role);
    DB(s)->bind_text(st, 3, hash);
    DB(s)->bind_text(st, 4, created);
    return core_int(s, st, 0, id, what);
}

int core_token_add(struct ef_store *s, const char *name, const char *role, const char *token_hash,
                   time_t now, int64_t *id)
{
    static const char sql[] = "INSERT INTO api_tokens (name, role, token_hash, created_at) "
                              "VALUES ($1, $2, $3, $4) RETURNING id";

    return insert_named(s, sql, name, role, token_hash, now, id, "insert token");
}

int core_token_get(struct ef_store *s, int64_t id, struct ef_api_token *out)
{
    static const char sql[] = "SELECT id, name, role, token_hash FROM api_tokens WHERE id = $1";
    struct ef_db_stmt *st = core_prepare(s, sql);
    int rc;

    if (st == NULL)
        return EF_ERR;
    DB(s)->bind_int(st, 1, id);
    if ((rc = core_row(s, st, "select token")) != EF_OK)
        return rc;
    memset(out, 0, sizeof(*out));
    out->id = DB(s)->col_int(st, 0);
    if (core_col_text(s, st, 1, out->name, sizeof(out->name)) != EF_OK ||
        core_col_text(s, st, 2, out->role, sizeof(out->role)) != EF_OK ||
        core_col_text(s, st, 3, out->token_hash, sizeof(out->token_hash)) != EF_OK)
        rc = EF_ERR;
    DB(s)->done(st);
    return rc;
}

static int token_list_row(struct ef_store *s, struct ef_db_stmt *st, void *elem)
{
    struct ef_api_token *t = elem;
    t->id = DB(s)->col_int(st, 0);
    if (core_col_text(s, st, 1, t->name, sizeof(t->name)) != EF_OK ||
        core_col_text(s, st, 2, t->role, sizeof(t->role)) != EF_OK)
        return EF_ERR;
    return EF_OK;
}

int core_token_list(struct ef_store *s, struct ef_api_token **out, size_t *n)
{
    static const char sql[] = "SELECT id, name, role FROM api_tokens ORDER BY name";

    return core_collect(s, core_prepare(s, sql), sizeof(struct ef_api_token), token_list_row, NULL,
                        (void **)out, n, "list tokens");
}

int core_token_revoke(struct ef_store *s, const char *name)
{
    static const char sql[] = "DELETE FROM api_tokens WHERE name = $1";
    struct ef_db_stmt *st = core_prepare(s, sql);

    if (st == NULL)
        return EF_ERR;
    DB(s)->bind_text(st, 1, name);
    return core_exec_changed(s, st, "delete token");
}

/* ---- users ---- */

int core_user_add(struct ef_store *s, const char *name, const char *role, const char *password_hash,
                  time_t now, int64_t *id)
{
    static const char sql[] = "INSERT INTO users (name, role, password_hash, created_at) "
                              "VALUES ($1, $2, $3, $4) RETURNING id";

    return insert_named(s, sql, name, role, password_hash, now, id, "insert user");
}

static int user_row(struct ef_store *s, struct ef_db_stmt *st, struct ef_user *u, int with_hash)
{
    memset(u, 0, sizeof(*u));
    u->id = DB(s)->col_int(st, 0);
    if (core_col_text(s, st, 1, u->name, sizeof(u->name)) != EF_OK ||
        core_col_text(s, st, 2, u->role, sizeof(u->role)) != EF_OK ||
        (with_hash && core_col_text(s, st, 3, u->password_hash, sizeof(u->password_hash)) != EF_OK))
        return EF_ERR;
    u->failed_logins = DB(s)->col_int(st, 4);
    u->locked_until = DB(s)->col_int(st, 5);
    return EF_OK;
}

int core_user_get(struct ef_store *s, const char *name, struct ef_user *out)
{
    static const char sql[] = "SELECT id, name, role, password_hash, failed_logins, "
                              "locked_until FROM users WHERE name = $1";
    struct ef_db_stmt *st = core_prepare(s, sql);
    int rc;

    if (st == NULL)
        return EF_ERR;
    DB(s)->bind_text(st, 1, name);
    if ((rc = core_row(s, st, "select user")) != EF_OK)
        return rc;
    rc = user_row(s, st, out, 1);
    DB(s)->done(st);
    return rc;
}

static int user_list_row(struct ef_store *s, struct ef_db_stmt *st, void *elem)
{
    return user_row(s, st, elem, 0);
}

int core_user_list(struct ef_store *s, struct ef_user **out, size_t *n)
{
    static const char sql[] = "SELECT id, name, role, '', failed_logins, locked_until "
                              "FROM users ORDER BY name";

    return core_collect(s, core_prepare(s, sql), sizeof(struct ef_user), user_list_row, NULL,
                        (void **)out, n, "list users");
}

struct user_ctx {
    const char *name, *password_hash;
    int found;
};

static const char delete_sessions_sql[] =
    "DELETE FROM sessions WHERE user_id = (SELECT id FROM users WHERE name = $1)";

static int set_password_tx(struct ef_store *s, void *ctx)
{
    static const char sql[] = "UPDATE users SET password_hash = $2, failed_logins = 0, "
                              "locked_until = 0 WHERE name = $1";
    struct user_ctx *c = ctx;
    struct ef_db_stmt *st = core_prepare(s, sql);
    int rc;

    if (st == NULL)
        return EF_ERR;
    DB(s)->bind_text(st, 1, c->name);
    DB(s)->bind_text(st, 2, c->password_hash);
    rc = core_exec_changed(s, st, "update user");
    c->found = rc == EF_OK;
    if (rc != EF_OK)
        return rc == EF_NOTFOUND ? EF_OK : rc;
    /* A new password ends every session made with the old one. */
    if ((st = core_prepare(s, delete_sessions_sql)) == NULL)
        return EF_ERR;
    DB(s)->bind_text(st, 1, c->name);
    return core_exec(s, st, "delete sessions");
}

int core_user_set_password(struct ef_store *s, const char *name, const char *password_hash)
{
    struct user_ctx c = {name, password_hash, 0};
    int rc = DB(s)->tx(s, EF_DB_NO_LOCK, set_password_tx, &c);

    return rc != EF_OK ? rc : c.found ? EF_OK : EF_NOTFOUND;
}

static int user_delete_tx(struct ef_store *s, void *ctx)
{
    static const char sql[] = "DELETE FROM users WHERE name = $1";
    struct user_ctx *c = ctx;
    struct ef_db_stmt *st = core_prepare(s, delete_sessions_sql);
    int rc;

    if (st == NULL)
        return EF_ERR;
    DB(s)->bind_text(st, 1, c->name);
    if (core_exec(s, st, "delete sessions") != EF_OK || (st = core_prepare(s, sql)) == NULL)
        return EF_ERR;
    DB(s)->bind_text(st, 1, c->name);
    rc = core_exec_changed(s, st, "delete user");
    c->found = rc == EF_OK;
    return rc == EF_NOTFOUND ? EF_OK : rc;
}

int core_user_delete(struct ef_store *s, const char *name)
{
    struct user_ctx c = {name, NULL, 0};
    int rc = DB(s)->tx(s, EF_DB_NO_LOCK, user_delete_tx, &c);

    return rc != EF_OK ? rc : c.found ? EF_OK : EF_NOTFOUND;
}

int core_user_login_state(struct ef_store *s, int64_t id, int64_t failed_logins,
                          int64_t locked_until)
{
    static const char sql[] =
        "UPDATE users SET failed_logins = $2, locked_until = $3 WHERE id = $1";
    struct ef_db_stmt *st = core_prepare(s, sql);

    if (st == NULL)
        return EF_ERR;
    DB(s)->bind_int(st, 1, id);
    DB(s)->bind_int(st, 2, failed_logins);
    DB(s)->bind_int(st, 3, locked_until);
    return core_exec(s, st, "update login state");
}

/* ---- sessions ---- */

int core_session_add(struct ef_store *s, const struct ef_session *sess)
{
    static const char sql[] = "INSERT INTO sessions (id_hash, user_id, csrf, created_at, "
                              "last_seen) VALUES ($1, $2, $3, $4, $5)";
    struct ef_db_stmt *st = core_prepare(s, sql);

    if (st == NULL)
        return EF_ERR;
    DB(s)->bind_text(st, 1, sess->id_hash);
    DB(s)->bind_int(st, 2, sess->user_id);
    DB(s)->bind_text(st, 3, sess->csrf);
    DB(s)->bind_int(st, 4, sess->created_at);
    DB(s)->bind_int(st, 5, sess->last_seen);
    return core_exec(s, st, "insert session");
}

int core_session_get(struct ef_store *s, const char *id_hash, struct ef_session *out)
{
    static const char sql[] =
        "SELECT x.id_hash, x.user_id, u.name, u.role, x.csrf, x.created_at, x.last_seen "
        "FROM sessions x JOIN users u ON u.id = x.user_id WHERE x.id_hash = $1";
    struct ef_db_stmt *st = core_prepare(s, sql);
    int rc;

    if (st == NULL)
        return EF_ERR;
    DB(s)->bind_text(st, 1, id_hash);
    if ((rc = core_row(s, st, "select session")) != EF_OK)
        return rc;
    memset(out, 0, sizeof(*out));
    out->user_id = DB(s)->col_int(st, 1);
    out->created_at = DB(s)->col_int(st, 5);
    out->last_seen = DB(s)->col_int(st, 6);
    if (core_col_text(s, st, 0, out->id_hash, sizeof(out->id_hash)) != EF_OK ||
        core_col_text(s, st, 2, out->user, sizeof(out->user)) != EF_OK ||
        core_col_text(s, st, 3, out->role, sizeof(out->role)) != EF_OK ||
        core_col_text(s, st, 4, out->csrf, sizeof(out->csrf)) != EF_OK)
        rc = EF_ERR;
    DB(s)->done(st);
    return rc;
}

int core_session_touch(struct ef_store *s, const char *id_hash, int64_t last_seen)
{
    static const char sql[] = "UPDATE sessions SET last_seen = $2 WHERE id_hash = $1";
    struct ef_db_stmt *st = core_prepare(s, sql);

    if (st == NULL)
        return EF_ERR;
    DB(s)->bind_text(st, 1, id_hash);
    DB(s)->bind_int(st, 2, last_seen);
    return core_exec(s, st, "touch session");
}

int core_session_delete(struct ef_store *s, const char *id_hash)
{
    static const char sql[] = "DELETE FROM sessions WHERE id_hash = $1";
    struct ef_db_stmt *st = core_prepare(s, sql);

    if (st == NULL)
        return EF_ERR;
    DB(s)->bind_text(st, 1, id_hash);
    return core_exec(s, st, "delete session");
}

int core_session_purge(struct ef_store *s, int64_t idle_before, int64_t created_before)
{
    static const char sql[] = "DELETE FROM sessions WHERE last_seen < $1 OR created_at < $2";
    struct ef_db_stmt *st = core_prepare(s, sql);

    if (st == NULL)
        return EF_ERR;
    DB(s)->bind_int(st, 1, idle_before);
    DB(s)->bind_int(st, 2, created_before);
    return core_exec(s, st, "purge sessions");
}
