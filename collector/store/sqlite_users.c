/* The SQLite store: dashboard users and their sessions (schema version 3). */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "efterlev/util.h"
#include "store/sqlite_internal.h"
#include "store/sqlite_ops.h"
#include "store/store.h"

int sq_user_add(struct ef_store *s, const char *name, const char *role, const char *password_hash,
                int64_t *id)
{
    sqlite3_stmt *st;
    char now[32];
    int rc;

    st = sq_prepare(s, "INSERT INTO users (name, role, password_hash, created_at) "
                       "VALUES (?1, ?2, ?3, ?4)");
    if (st == NULL)
        return EF_STORE_ERR;
    ef_now_rfc3339(now);
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, role, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, password_hash, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, now, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc == SQLITE_CONSTRAINT)
        return EF_STORE_EXISTS;
    if (rc != SQLITE_DONE)
        return sq_fail(s, "insert user");
    *id = sqlite3_last_insert_rowid(db_of(s));
    return EF_STORE_OK;
}

static int user_row(struct ef_store *s, sqlite3_stmt *st, struct ef_user *u, int with_hash)
{
    memset(u, 0, sizeof(*u));
    u->id = sqlite3_column_int64(st, 0);
    if (sq_col_text(s, st, 1, u->name, sizeof(u->name)) != EF_STORE_OK ||
        sq_col_text(s, st, 2, u->role, sizeof(u->role)) != EF_STORE_OK ||
        (with_hash &&
         sq_col_text(s, st, 3, u->password_hash, sizeof(u->password_hash)) != EF_STORE_OK))
        return EF_STORE_ERR;
    u->failed_logins = sqlite3_column_int64(st, 4);
    u->locked_until = sqlite3_column_int64(st, 5);
    return EF_STORE_OK;
}

int sq_user_get(struct ef_store *s, const char *name, struct ef_user *out)
{
    sqlite3_stmt *st;
    int rc, ret;

    st = sq_prepare(s, "SELECT id, name, role, password_hash, failed_logins, locked_until "
                       "FROM users WHERE name = ?1");
    if (st == NULL)
        return EF_STORE_ERR;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        ret = user_row(s, st, out, 1);
    else if (rc == SQLITE_DONE)
        ret = EF_STORE_NOTFOUND;
    else
        ret = sq_fail(s, "select user");
    sqlite3_finalize(st);
    return ret;
}

static int user_list_row(struct ef_store *s, sqlite3_stmt *st, void *elem)
{
    return user_row(s, st, elem, 0);
}

int sq_user_list(struct ef_store *s, struct ef_user **out, size_t *n)
{
    sqlite3_stmt *st;
    void *v;
    size_t len;

    *out = NULL;
    *n = 0;
    st = sq_prepare(s, "SELECT id, name, role, '', failed_logins, locked_until FROM users "
                       "ORDER BY name");
    if (st == NULL)
        return EF_STORE_ERR;
    if (sq_collect(s, st, sizeof(struct ef_user), user_list_row, NULL, &v, &len, "list users") !=
        EF_STORE_OK)
        return EF_STORE_ERR;
    *out = v;
    *n = len;
    return EF_STORE_OK;
}

/* Run st (bound), finalized; NOTFOUND when it changed no row. */
static int run_changed(struct ef_store *s, sqlite3_stmt *st, const char *what)
{
    if (sq_run(s, st, what) != EF_STORE_OK)
        return EF_STORE_ERR;
    return sqlite3_changes(db_of(s)) > 0 ? EF_STORE_OK : EF_STORE_NOTFOUND;
}

int sq_user_set_password(struct ef_store *s, const char *name, const char *password_hash)
{
    sqlite3_stmt *st;
    int rc;

    if (sq_exec(s, "BEGIN IMMEDIATE") != EF_STORE_OK)
        return EF_STORE_ERR;
    st = sq_prepare(s, "UPDATE users SET password_hash = ?2, failed_logins = 0, "
                       "locked_until = 0 WHERE name = ?1");
    if (st == NULL)
        goto err;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, password_hash, -1, SQLITE_STATIC);
    rc = run_changed(s, st, "update user");
    if (rc == EF_STORE_ERR)
        goto err;
    if (rc == EF_STORE_OK) {
        /* A new password ends every session made with the old one. */
        st = sq_prepare(s, "DELETE FROM sessions WHERE user_id = "
                           "(SELECT id FROM users WHERE name = ?1)");
        if (st == NULL)
            goto err;
        sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
        if (sq_run(s, st, "delete sessions") != EF_STORE_OK)
            goto err;
    }
    if (sq_exec(s, "COMMIT") != EF_STORE_OK)
        goto err;
    return rc;
err:
    sq_rollback(s);
    return EF_STORE_ERR;
}

int sq_user_delete(struct ef_store *s, const char *name)
{
    sqlite3_stmt *st;
    int rc;

    if (sq_exec(s, "BEGIN IMMEDIATE") != EF_STORE_OK)
        return EF_STORE_ERR;
    st = sq_prepare(s, "DELETE FROM sessions WHERE user_id = "
                       "(SELECT id FROM users WHERE name = ?1)");
    if (st == NULL)
        goto err;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    if (sq_run(s, st, "delete sessions") != EF_STORE_OK)
        goto err;
    st = sq_prepare(s, "DELETE FROM users WHERE name = ?1");
    if (st == NULL)
        goto err;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    rc = run_changed(s, st, "delete user");
    if (rc == EF_STORE_ERR || sq_exec(s, "COMMIT") != EF_STORE_OK)
        goto err;
    return rc;
err:
    sq_rollback(s);
    return EF_STORE_ERR;
}

int sq_user_login_state(struct ef_store *s, int64_t id, int64_t failed_logins, int64_t locked_until)
{
    sqlite3_stmt *st;

    st = sq_prepare(s, "UPDATE users SET failed_logins = ?2, locked_until = ?3 WHERE id = ?1");
    if (st == NULL)
        return EF_STORE_ERR;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, failed_logins);
    sqlite3_bind_int64(st, 3, locked_until);
    return sq_run(s, st, "update login state");
}

int sq_session_add(struct ef_store *s, const struct ef_session *sess)
{
    sqlite3_stmt *st;

    st = sq_prepare(s, "INSERT INTO sessions (id_hash, user_id, csrf, created_at, last_seen) "
                       "VALUES (?1, ?2, ?3, ?4, ?5)");
    if (st == NULL)
        return EF_STORE_ERR;
    sqlite3_bind_text(st, 1, sess->id_hash, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, sess->user_id);
    sqlite3_bind_text(st, 3, sess->csrf, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, sess->created_at);
    sqlite3_bind_int64(st, 5, sess->last_seen);
    return sq_run(s, st, "insert session");
}

int sq_session_get(struct ef_store *s, const char *id_hash, struct ef_session *out)
{
    sqlite3_stmt *st;
    int rc, ret = EF_STORE_OK;

    st = sq_prepare(s, "SELECT x.id_hash, x.user_id, u.name, u.role, x.csrf, x.created_at, "
                       "x.last_seen FROM sessions x JOIN users u ON u.id = x.user_id "
                       "WHERE x.id_hash = ?1");
    if (st == NULL)
        return EF_STORE_ERR;
    sqlite3_bind_text(st, 1, id_hash, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        memset(out, 0, sizeof(*out));
        out->user_id = sqlite3_column_int64(st, 1);
        out->created_at = sqlite3_column_int64(st, 5);
        out->last_seen = sqlite3_column_int64(st, 6);
        if (sq_col_text(s, st, 0, out->id_hash, sizeof(out->id_hash)) != EF_STORE_OK ||
            sq_col_text(s, st, 2, out->user, sizeof(out->user)) != EF_STORE_OK ||
            sq_col_text(s, st, 3, out->role, sizeof(out->role)) != EF_STORE_OK ||
            sq_col_text(s, st, 4, out->csrf, sizeof(out->csrf)) != EF_STORE_OK)
            ret = EF_STORE_ERR;
    } else if (rc == SQLITE_DONE) {
        ret = EF_STORE_NOTFOUND;
    } else {
        ret = sq_fail(s, "select session");
    }
    sqlite3_finalize(st);
    return ret;
}

int sq_session_touch(struct ef_store *s, const char *id_hash, int64_t last_seen)
{
    sqlite3_stmt *st;

    st = sq_prepare(s, "UPDATE sessions SET last_seen = ?2 WHERE id_hash = ?1");
    if (st == NULL)
        return EF_STORE_ERR;
    sqlite3_bind_text(st, 1, id_hash, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, last_seen);
    return sq_run(s, st, "touch session");
}

int sq_session_delete(struct ef_store *s, const char *id_hash)
{
    sqlite3_stmt *st;

    st = sq_prepare(s, "DELETE FROM sessions WHERE id_hash = ?1");
    if (st == NULL)
        return EF_STORE_ERR;
    sqlite3_bind_text(st, 1, id_hash, -1, SQLITE_STATIC);
    return sq_run(s, st, "delete session");
}

int sq_session_purge(struct ef_store *s, int64_t idle_before, int64_t created_before)
{
    sqlite3_stmt *st;

    st = sq_prepare(s, "DELETE FROM sessions WHERE last_seen < ?1 OR created_at < ?2");
    if (st == NULL)
        return EF_STORE_ERR;
    sqlite3_bind_int64(st, 1, idle_before);
    sqlite3_bind_int64(st, 2, created_before);
    return sq_run(s, st, "purge sessions");
}
