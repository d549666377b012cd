/* SPDX-License-Identifier: EUPL-1.2 */
#include <openssl/sha.h>
#include <stdio.h>
#include <string.h>

#include "efterlev/log.h"
#include "efterlev/util.h"
#include "sessions.h"

/* The ghost of name: its slot, or (create set) a new or the least recently used slot. */
static struct ef_login_ghost *ghost_of(struct ef_login_ghosts *g, const char *name, time_t now,
                                       int create)
{
    unsigned char h[32];
    struct ef_login_ghost *oldest = &g->g[0];
    size_t i;

    (void)SHA256((const unsigned char *)name, strlen(name), h);
    for (i = 0; i < EF_LOGIN_GHOSTS; i++) {
        if (g->g[i].used && memcmp(g->g[i].name_hash, h, sizeof(h)) == 0) {
            g->g[i].last = (int64_t)now;
            return &g->g[i];
        }
        if (!g->g[i].used || (oldest->used && g->g[i].last < oldest->last))
            oldest = &g->g[i];
    }
    if (!create)
        return NULL;
    memset(oldest, 0, sizeof(*oldest));
    memcpy(oldest->name_hash, h, sizeof(h));
    oldest->used = 1;
    oldest->last = (int64_t)now;
    return oldest;
}

enum ef_login_result ef_login_begin(struct ef_store *s, struct ef_login_ghosts *ghosts,
                                    const char *name, time_t now, char hash[EF_PW_HASH_MAX + 1],
                                    int64_t *retry_after, int64_t *failures)
{
    struct ef_login_ghost *gh;
    struct ef_user u;
    int rc = EF_NOTFOUND;

    *retry_after = 0;
    *failures = 0;
    hash[0] = '\0';
    if (ef_user_name_valid(name))
        rc = s->ops->user_get(s, name, &u);
    if (rc == EF_ERR)
        return EF_LOGIN_ERR;
    if (rc == EF_OK) {
        if (u.locked_until > (int64_t)now) {
            *retry_after = u.locked_until - (int64_t)now;
            *failures = u.failed_logins;
            return EF_LOGIN_LOCKED;
        }
        snprintf(hash, EF_PW_HASH_MAX + 1, "%s", u.password_hash);
        return EF_LOGIN_VERIFY;
    }
    /* No such user: the same lock as a user with these failures would have. */
    if (ghosts != NULL && (gh = ghost_of(ghosts, name, now, 0)) != NULL &&
        gh->locked_until > (int64_t)now) {
        *retry_after = gh->locked_until - (int64_t)now;
        *failures = gh->failures;
        return EF_LOGIN_LOCKED;
    }
    return EF_LOGIN_VERIFY;
}

int ef_login_verify(const char *password, size_t pwlen, const char *hash)
{
    if (hash[0] == '\0') {
        /* Spend the same time as for a real user. */
        ef_password_dummy(password, pwlen);
        return 0;
    }
    return ef_password_verify(password, pwlen, hash);
}

enum ef_login_result ef_login_finish(struct ef_store *s, struct ef_login_ghosts *ghosts,
                                     const char *name, int verified, time_t now, struct ef_user *u,
                                     int64_t *retry_after, int64_t *failures)
{
    struct ef_login_ghost *gh;
    int64_t lock;
    int rc = EF_NOTFOUND;

    *retry_after = 0;
    *failures = 0;
    /* Read again: other logins of the same name may have finished meanwhile. */
    if (ef_user_name_valid(name))
        rc = s->ops->user_get(s, name, u);
    if (rc == EF_ERR)
        return EF_LOGIN_ERR;
    if (rc != EF_OK) {
        if (ghosts == NULL || (gh = ghost_of(ghosts, name, now, 1)) == NULL)
            return EF_LOGIN_BAD;
        *failures = ++gh->failures;
        lock = ef_login_lock_secs(*failures);
        gh->locked_until = lock > 0 ? (int64_t)now + lock : 0;
        *retry_after = lock;
        return EF_LOGIN_BAD;
    }
    if (verified) {
        if ((u->failed_logins != 0 || u->locked_until != 0) &&
            s->ops->user_login_state(s, u->id, 0, 0) != EF_OK)
            return EF_LOGIN_ERR;
        u->failed_logins = u->locked_until = 0;
        return EF_LOGIN_OK;
    }
    *failures = u->failed_logins + 1;
    lock = ef_login_lock_secs(*failures);
    if (s->ops->user_login_state(s, u->id, *failures, lock > 0 ? (int64_t)now + lock : 0) != EF_OK)
        return EF_LOGIN_ERR;
    *retry_after = lock;
    return EF_LOGIN_BAD;
}

enum ef_login_result ef_login(struct ef_store *s, struct ef_login_ghosts *ghosts, const char *name,
                              const char *password, size_t pwlen, time_t now, struct ef_user *u,
                              int64_t *retry_after, int64_t *failures)
{
    char hash[EF_PW_HASH_MAX + 1];
    enum ef_login_result r;
    int ok;

    r = ef_login_begin(s, ghosts, name, now, hash, retry_after, failures);
    if (r != EF_LOGIN_VERIFY)
        return r;
    ok = ef_login_verify(password, pwlen, hash);
    explicit_bzero(hash, sizeof(hash));
    return ef_login_finish(s, ghosts, name, ok, now, u, retry_after, failures);
}

int ef_session_create(struct ef_store *s, int64_t user_id, time_t now,
                      char secret[EF_SECRET_LEN + 1], char csrf[EF_SECRET_LEN + 1])
{
    struct ef_session sess;
    char unused[65];
    int rc;

    memset(&sess, 0, sizeof(sess));
    if (ef_secret_new(secret, sess.id_hash) != 0 || ef_secret_new(csrf, unused) != 0) {
        ef_error("session: no randomness for a session secret");
        return EF_SYSTEM;
    }
    memcpy(sess.csrf, csrf, EF_SECRET_LEN + 1);
    sess.user_id = user_id;
    sess.created_at = sess.last_seen = (int64_t)now;
    /* Sessions past their time are removed when someone logs in, so the table stays small. */
    if (s->ops->session_purge(s, (int64_t)now - EF_SESSION_IDLE_SECS,
                              (int64_t)now - EF_SESSION_ABSOLUTE_SECS) != EF_OK)
        return EF_ERR;
    rc = s->ops->session_add(s, &sess);
    if (rc != EF_OK)
        explicit_bzero(secret, EF_SECRET_LEN + 1);
    return rc;
}

/* The hash of a well-formed cookie value; -1 when malformed. */
static int secret_hash(const char *secret, char hash[65])
{
    size_t i;

    if (strnlen(secret, EF_SECRET_LEN + 1) != EF_SECRET_LEN)
        return -1;
    for (i = 0; i < EF_SECRET_LEN; i++) {
        char c = secret[i];

        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_'))
            return -1;
    }
    ef_sha256_hex(secret, EF_SECRET_LEN, hash);
    return 0;
}

int ef_session_lookup(struct ef_store *s, const char *secret, time_t now, struct ef_session *out)
{
    char hash[65];
    int rc;

    if (secret_hash(secret, hash) != 0)
        return EF_NOTFOUND;
    rc = s->ops->session_get(s, hash, out);
    if (rc != EF_OK)
        return rc;
    if (ef_session_expired(out->created_at, out->last_seen, now)) {
        if (s->ops->session_delete(s, hash) != EF_OK)
            return EF_ERR;
        return EF_NOTFOUND;
    }
    if ((int64_t)now - out->last_seen >= EF_SESSION_TOUCH_SECS) {
        if (s->ops->session_touch(s, hash, (int64_t)now) != EF_OK)
            return EF_ERR;
        out->last_seen = (int64_t)now;
    }
    return EF_OK;
}

int ef_session_end(struct ef_store *s, const char *secret)
{
    char hash[65];

    if (secret_hash(secret, hash) != 0)
        return EF_OK;
    return s->ops->session_delete(s, hash);
}

int ef_cookie_value(const char *header, const char *name, char *out, size_t outlen)
{
    size_t nlen = strlen(name), vlen;
    const char *p = header, *end;

    while (p != NULL && *p != '\0') {
        while (*p == ' ' || *p == '\t' || *p == ';')
            p++;
        end = strchr(p, ';');
        if (end == NULL)
            end = p + strlen(p);
        if ((size_t)(end - p) > nlen && strncmp(p, name, nlen) == 0 && p[nlen] == '=') {
            vlen = (size_t)(end - p) - nlen - 1;
            while (vlen > 0 && (p[nlen + 1 + vlen - 1] == ' ' || p[nlen + 1 + vlen - 1] == '\t'))
                vlen--;
            if (vlen >= outlen)
                return -1;
            memcpy(out, p + nlen + 1, vlen);
            out[vlen] = '\0';
            return 0;
        }
        p = end;
    }
    return -1;
}
