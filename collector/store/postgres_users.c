/* The PostgreSQL store: dashboard users and their sessions (schema version 3), as
 * sqlite_users.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "efterlev/util.h"
#include "store/postgres_internal.h"
#include "store/postgres_ops.h"
#include "store/store.h"

int pg_user_add(struct ef_store *s, const char *name, const char *role, const char *password_hash,
                int64_t *id)
{
    struct pg_args a = {0};
    char now[32];
    PGresult *r;

    ef_now_rfc3339(now);
    pa_text(&a, name);
    pa_text(&a, role);
    pa_text(&a, password_hash);
    pa_text(&a, now);
    r = pg_q(s,
             "INSERT INTO users (name, role, password_hash, created_at) VALUES ($1, $2, $3, $4) "
             "RETURNING id",
             &a, "insert user");
    if (r == NULL)
        return strcmp(pg_of(s)->sqlstate, "23505") == 0 ? EF_STORE_EXISTS : EF_STORE_ERR;
    *id = pg_col_int(r, 0, 0);
    PQclear(r);
    return EF_STORE_OK;
}

static int user_row(struct ef_store *s, const PGresult *r, int i, struct ef_user *u, int with_hash)
{
    memset(u, 0, sizeof(*u));
    u->id = pg_col_int(r, i, 0);
    if (pg_col_text(s, r, i, 1, u->name, sizeof(u->name)) != EF_STORE_OK ||
        pg_col_text(s, r, i, 2, u->role, sizeof(u->role)) != EF_STORE_OK ||
        (with_hash &&
         pg_col_text(s, r, i, 3, u->password_hash, sizeof(u->password_hash)) != EF_STORE_OK))
        return EF_STORE_ERR;
    u->failed_logins = pg_col_int(r, i, 4);
    u->locked_until = pg_col_int(r, i, 5);
    return EF_STORE_OK;
}

int pg_user_get(struct ef_store *s, const char *name, struct ef_user *out)
{
    struct pg_args a = {0};
    PGresult *r;
    int ret;

    pa_text(&a, name);
    r = pg_q(s,
             "SELECT id, name, role, password_hash, failed_logins, locked_until FROM users "
             "WHERE name = $1",
             &a, "select user");
    if (r == NULL)
        return EF_STORE_ERR;
    ret = PQntuples(r) == 0 ? EF_STORE_NOTFOUND : user_row(s, r, 0, out, 1);
    PQclear(r);
    return ret;
}

static int user_list_row(struct ef_store *s, const PGresult *r, int i, void *elem)
{
    return user_row(s, r, i, elem, 0);
}

int pg_user_list(struct ef_store *s, struct ef_user **out, size_t *n)
{
    PGresult *r;
    void *v;
    size_t len;

    *out = NULL;
    *n = 0;
    r = pg_q(s, "SELECT id, name, role, '', failed_logins, locked_until FROM users ORDER BY name",
             NULL, "list users");
    if (pg_collect(s, r, sizeof(struct ef_user), user_list_row, NULL, &v, &len) != EF_STORE_OK)
        return EF_STORE_ERR;
    *out = v;
    *n = len;
    return EF_STORE_OK;
}

struct user_ctx {
    const char *name, *password_hash;
    int found;
};

static int set_password_tx(struct ef_store *s, void *ctx)
{
    struct user_ctx *c = ctx;
    struct pg_args a = {0}, b = {0};
    int64_t changed = 0;

    pa_text(&a, c->name);
    pa_text(&a, c->password_hash);
    if (pg_cmd(s,
               "UPDATE users SET password_hash = $2, failed_logins = 0, locked_until = 0 "
               "WHERE name = $1",
               &a, "update user", &changed) != EF_STORE_OK)
        return EF_STORE_ERR;
    c->found = changed > 0;
    if (!c->found)
        return EF_STORE_OK;
    /* A new password ends every session made with the old one. */
    pa_text(&b, c->name);
    return pg_cmd(s, "DELETE FROM sessions WHERE user_id = (SELECT id FROM users WHERE name = $1)",
                  &b, "delete sessions", NULL);
}

int pg_user_set_password(struct ef_store *s, const char *name, const char *password_hash)
{
    struct user_ctx c = {name, password_hash, 0};
    int rc = pg_tx(s, PG_NO_LOCK, set_password_tx, &c);

    return rc != EF_STORE_OK ? rc : c.found ? EF_STORE_OK : EF_STORE_NOTFOUND;
}

static int user_delete_tx(struct ef_store *s, void *ctx)
{
    struct user_ctx *c = ctx;
    struct pg_args a = {0};
    int64_t changed = 0;

    pa_text(&a, c->name);
    if (pg_cmd(s, "DELETE FROM sessions WHERE user_id = (SELECT id FROM users WHERE name = $1)", &a,
               "delete sessions", NULL) != EF_STORE_OK ||
        pg_cmd(s, "DELETE FROM users WHERE name = $1", &a, "delete user", &changed) != EF_STORE_OK)
        return EF_STORE_ERR;
    c->found = changed > 0;
    return EF_STORE_OK;
}

int pg_user_delete(struct ef_store *s, const char *name)
{
    struct user_ctx c = {name, NULL, 0};
    int rc = pg_tx(s, PG_NO_LOCK, user_delete_tx, &c);

    return rc != EF_STORE_OK ? rc : c.found ? EF_STORE_OK : EF_STORE_NOTFOUND;
}

int pg_user_login_state(struct ef_store *s, int64_t id, int64_t failed_logins, int64_t locked_until)
{
    struct pg_args a = {0};

    pa_int(&a, id);
    pa_int(&a, failed_logins);
    pa_int(&a, locked_until);
    return pg_cmd(s, "UPDATE users SET failed_logins = $2, locked_until = $3 WHERE id = $1", &a,
                  "update login state", NULL);
}

int pg_session_add(struct ef_store *s, const struct ef_session *sess)
{
    struct pg_args a = {0};

    pa_text(&a, sess->id_hash);
    pa_int(&a, sess->user_id);
    pa_text(&a, sess->csrf);
    pa_int(&a, sess->created_at);
    pa_int(&a, sess->last_seen);
    return pg_cmd(s,
                  "INSERT INTO sessions (id_hash, user_id, csrf, created_at, last_seen) "
                  "VALUES ($1, $2, $3, $4, $5)",
                  &a, "insert session", NULL);
}

int pg_session_get(struct ef_store *s, const char *id_hash, struct ef_session *out)
{
    struct pg_args a = {0};
    PGresult *r;
    int ret = EF_STORE_OK;

    pa_text(&a, id_hash);
    r = pg_q(s,
             "SELECT x.id_hash, x.user_id, u.name, u.role, x.csrf, x.created_at, x.last_seen "
             "FROM sessions x JOIN users u ON u.id = x.user_id WHERE x.id_hash = $1",
             &a, "select session");
    if (r == NULL)
        return EF_STORE_ERR;
    if (PQntuples(r) == 0) {
        PQclear(r);
        return EF_STORE_NOTFOUND;
    }
    memset(out, 0, sizeof(*out));
    out->user_id = pg_col_int(r, 0, 1);
    out->created_at = pg_col_int(r, 0, 5);
    out->last_seen = pg_col_int(r, 0, 6);
    if (pg_col_text(s, r, 0, 0, out->id_hash, sizeof(out->id_hash)) != EF_STORE_OK ||
        pg_col_text(s, r, 0, 2, out->user, sizeof(out->user)) != EF_STORE_OK ||
        pg_col_text(s, r, 0, 3, out->role, sizeof(out->role)) != EF_STORE_OK ||
        pg_col_text(s, r, 0, 4, out->csrf, sizeof(out->csrf)) != EF_STORE_OK)
        ret = EF_STORE_ERR;
    PQclear(r);
    return ret;
}

int pg_session_touch(struct ef_store *s, const char *id_hash, int64_t last_seen)
{
    struct pg_args a = {0};

    pa_text(&a, id_hash);
    pa_int(&a, last_seen);
    return pg_cmd(s, "UPDATE sessions SET last_seen = $2 WHERE id_hash = $1", &a, "touch session",
                  NULL);
}

int pg_session_delete(struct ef_store *s, const char *id_hash)
{
    struct pg_args a = {0};

    pa_text(&a, id_hash);
    return pg_cmd(s, "DELETE FROM sessions WHERE id_hash = $1", &a, "delete session", NULL);
}

int pg_session_purge(struct ef_store *s, int64_t idle_before, int64_t created_before)
{
    struct pg_args a = {0};

    pa_int(&a, idle_before);
    pa_int(&a, created_before);
    return pg_cmd(s, "DELETE FROM sessions WHERE last_seen < $1 OR created_at < $2", &a,
                  "purge sessions", NULL);
}
