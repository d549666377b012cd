/* SPDX-License-Identifier: EUPL-1.2 */
/* Dashboard authentication: scrypt password hashes, the lockout after failed logins,
 * session expiry (idle and absolute), logout, and the cookie parser, against a real SQLite
 * store in a temporary folder. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth.h"
#include "sessions.h"
#include "store/store.h"
#include "test_db.h"

#define T0 ((time_t)1790000000) /* 2026-09-21 */

struct fx {
    char dir[64];
    char db[128];
    struct ef_store *s;
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    char url[512], err[256];

    snprintf(f->dir, sizeof(f->dir), "/tmp/ef-auth-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->db, sizeof(f->db), "%s/efterlev.db", f->dir);
    test_db_url(f->db, url, sizeof(url)); /* SQLite, or EF_TEST_DATABASE (test_db.h) */
    test_db_reset();
    f->s = ef_store_open(url, 1, err, sizeof(err));
    assert_non_null(f->s);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    char path[200];

    ef_store_close(f->s);
    snprintf(path, sizeof(path), "%s/efterlev.db", f->dir);
    unlink(path);
    snprintf(path, sizeof(path), "%s/efterlev.db-wal", f->dir);
    unlink(path);
    snprintf(path, sizeof(path), "%s/efterlev.db-shm", f->dir);
    unlink(path);
    rmdir(f->dir);
    free(f);
    return 0;
}

static void test_hash_and_verify(void **state)
{
    char h1[EF_PW_HASH_MAX + 1], h2[EF_PW_HASH_MAX + 1], bad[EF_PW_HASH_MAX + 1];
    const char *pw = "Korrekt häst batteri";

    (void)state;
    assert_int_equal(ef_password_hash_params(pw, strlen(pw), 10, 8, 1, h1), 0);
    assert_int_equal(ef_password_hash_params(pw, strlen(pw), 10, 8, 1, h2), 0);
    /* Parameters and salt are in the string; two hashes of one password differ (salt). */
    assert_int_equal(strncmp(h1, "$scrypt$ln=10,r=8,p=1$", 22), 0);
    assert_string_not_equal(h1, h2);
    assert_true(ef_password_verify(pw, strlen(pw), h1));
    assert_true(ef_password_verify(pw, strlen(pw), h2));
    assert_false(ef_password_verify("Korrekt häst batteri ", strlen(pw) + 1, h1));
    assert_false(ef_password_verify(pw, strlen(pw) - 1, h1));
    assert_false(ef_password_verify("", 0, h1));
    /* A changed parameter, salt or key, or a malformed string, never verifies. */
    snprintf(bad, sizeof(bad), "%s", h1);
    bad[12] = '1'; /* ln=11 */
    assert_false(ef_password_verify(pw, strlen(pw), bad));
    snprintf(bad, sizeof(bad), "%s", h1);
    bad[25] = bad[25] == 'A' ? 'B' : 'A'; /* in the salt */
    assert_false(ef_password_verify(pw, strlen(pw), bad));
    snprintf(bad, sizeof(bad), "%s", h1);
    bad[strlen(bad) - 2] = bad[strlen(bad) - 2] == 'A' ? 'B' : 'A'; /* in the key */
    assert_false(ef_password_verify(pw, strlen(pw), bad));
    assert_false(ef_password_verify(pw, strlen(pw), ""));
    assert_false(ef_password_verify(pw, strlen(pw), "$scrypt$ln=99,r=8,p=1$AAAA$AAAA"));
    assert_false(ef_password_verify(pw, strlen(pw), "$2b$12$abcdefghijklmnopqrstuv"));
    assert_false(ef_password_verify(pw, strlen(pw), NULL));
    /* Out-of-range parameters are refused when hashing too. */
    assert_int_equal(ef_password_hash_params(pw, strlen(pw), 9, 8, 1, bad), -1);
    assert_int_equal(ef_password_hash_params(pw, strlen(pw), 10, 0, 1, bad), -1);
}

static void test_default_cost(void **state)
{
    char h[EF_PW_HASH_MAX + 1];
    const char *pw = "lösenord-med-åäö";

    (void)state;
    /* The production parameters: N = 2^17, r = 8, p = 1 (128 MiB). */
    assert_int_equal(ef_password_hash(pw, strlen(pw), h), 0);
    assert_int_equal(strncmp(h, "$scrypt$ln=17,r=8,p=1$", 22), 0);
    assert_true(ef_password_verify(pw, strlen(pw), h));
    assert_false(ef_password_verify("lösenord-med-åäo", strlen(pw) - 1, h));
}

static void test_password_rules(void **state)
{
    const char *why;
    char big[EF_PASSWORD_MAX + 2];

    (void)state;
    assert_int_equal(ef_password_check("kort", 4, &why), -1);
    assert_int_equal(ef_password_check("tillräckligt långt", strlen("tillräckligt långt"), &why),
                     0);
    assert_int_equal(ef_password_check("abc\0defghijk", 12, &why), -1);
    assert_int_equal(ef_password_check("\xff\xfe\xfd\xfc\xfb\xfa\xf9\xf8\xf7\xf6", 10, &why), -1);
    memset(big, 'a', sizeof(big));
    assert_int_equal(ef_password_check(big, EF_PASSWORD_MAX + 1, &why), -1);
}

static void test_lock_schedule(void **state)
{
    (void)state;
    assert_int_equal(ef_login_lock_secs(0), 0);
    assert_int_equal(ef_login_lock_secs(1), 0);
    assert_int_equal(ef_login_lock_secs(2), 0);
    assert_int_equal(ef_login_lock_secs(3), 5);
    assert_int_equal(ef_login_lock_secs(4), 10);
    assert_int_equal(ef_login_lock_secs(5), 20);
    assert_int_equal(ef_login_lock_secs(10), 640);
    assert_int_equal(ef_login_lock_secs(11), 900);
    assert_int_equal(ef_login_lock_secs(1000000), 900);
}

static void test_expiry_rules(void **state)
{
    (void)state;
    /* Idle: 30 minutes without a request. */
    assert_false(ef_session_expired(T0, T0, T0 + EF_SESSION_IDLE_SECS - 1));
    assert_true(ef_session_expired(T0, T0, T0 + EF_SESSION_IDLE_SECS));
    /* Absolute: 8 hours after login, however busy. */
    assert_false(ef_session_expired(T0, T0 + EF_SESSION_ABSOLUTE_SECS - 60,
                                    T0 + EF_SESSION_ABSOLUTE_SECS - 1));
    assert_true(
        ef_session_expired(T0, T0 + EF_SESSION_ABSOLUTE_SECS - 60, T0 + EF_SESSION_ABSOLUTE_SECS));
    /* A clock far behind the session's creation is not trusted. */
    assert_true(ef_session_expired(T0, T0, T0 - 3600));
}

static int64_t add_user(struct fx *f, const char *name, const char *role, const char *pw)
{
    char h[EF_PW_HASH_MAX + 1];
    int64_t id = 0;

    assert_int_equal(ef_password_hash_params(pw, strlen(pw), 10, 8, 1, h), 0);
    assert_int_equal(f->s->ops->user_add(f->s, name, role, h, time(NULL), &id), EF_OK);
    return id;
}

static void test_login_and_lockout(void **state)
{
    struct fx *f = *state;
    struct ef_user u;
    int64_t retry, failures, id;
    const char *pw = "rätt lösenord 1";

    id = add_user(f, "karin", "coordinator", pw);
    assert_int_equal(f->s->ops->user_add(f->s, "karin", "auditor", "x", time(NULL), &id),
                     EF_EXISTS);
    assert_int_equal(ef_login(f->s, NULL, "karin", pw, strlen(pw), T0, &u, &retry, &failures),
                     EF_LOGIN_OK);
    assert_string_equal(u.role, "coordinator");
    /* Unknown users and wrong passwords get the same answer. */
    assert_int_equal(ef_login(f->s, NULL, "nobody", pw, strlen(pw), T0, &u, &retry, &failures),
                     EF_LOGIN_BAD);
    assert_int_equal(ef_login(f->s, NULL, "", pw, strlen(pw), T0, &u, &retry, &failures),
                     EF_LOGIN_BAD);
    /* Two failures are free, the third locks for 5 s, the next for 10 s. */
    assert_int_equal(ef_login(f->s, NULL, "karin", "fel", 3, T0, &u, &retry, &failures),
                     EF_LOGIN_BAD);
    assert_int_equal(retry, 0);
    assert_int_equal(ef_login(f->s, NULL, "karin", "fel", 3, T0, &u, &retry, &failures),
                     EF_LOGIN_BAD);
    assert_int_equal(retry, 0);
    assert_int_equal(ef_login(f->s, NULL, "karin", "fel", 3, T0, &u, &retry, &failures),
                     EF_LOGIN_BAD);
    assert_int_equal(failures, 3);
    assert_int_equal(retry, 5);
    /* Locked: even the right password is refused until the time is up. */
    assert_int_equal(ef_login(f->s, NULL, "karin", pw, strlen(pw), T0 + 4, &u, &retry, &failures),
                     EF_LOGIN_LOCKED);
    assert_int_equal(retry, 1);
    assert_int_equal(ef_login(f->s, NULL, "karin", "fel", 3, T0 + 5, &u, &retry, &failures),
                     EF_LOGIN_BAD);
    assert_int_equal(retry, 10);
    assert_int_equal(ef_login(f->s, NULL, "karin", pw, strlen(pw), T0 + 14, &u, &retry, &failures),
                     EF_LOGIN_LOCKED);
    /* After the lock, the right password works and clears the count. */
    assert_int_equal(ef_login(f->s, NULL, "karin", pw, strlen(pw), T0 + 15, &u, &retry, &failures),
                     EF_LOGIN_OK);
    assert_int_equal(f->s->ops->user_get(f->s, "karin", &u), EF_OK);
    assert_int_equal(u.failed_logins, 0);
    assert_int_equal(u.locked_until, 0);
    assert_int_equal(ef_login(f->s, NULL, "karin", "fel", 3, T0 + 16, &u, &retry, &failures),
                     EF_LOGIN_BAD);
    assert_int_equal(retry, 0);
}

/* A name that is no user fails and locks exactly like a user given wrong passwords: the
 * same result, Retry-After and failure count at every step (issue 17: user names were
 * discoverable through the lockout). */
static void test_login_unknown_like_known(void **state)
{
    struct fx *f = *state;
    struct ef_login_ghosts *g = calloc(1, sizeof(*g));
    struct ef_user u;
    int64_t r1, f1, r2, f2;
    time_t t = T0;
    int i;

    assert_non_null(g);
    add_user(f, "lena", "auditor", "rätt lösenord 3");
    for (i = 0; i < 6; i++, t += 3) {
        enum ef_login_result known = ef_login(f->s, g, "lena", "fel lösenord", 12, t, &u, &r1, &f1);
        enum ef_login_result unknown =
            ef_login(f->s, g, "ingen-alls", "fel lösenord", 12, t, &u, &r2, &f2);

        assert_int_equal(known, unknown);
        assert_int_equal(r1, r2);
        assert_int_equal(f1, f2);
        if (i >= 3)
            assert_true(known == EF_LOGIN_LOCKED || r1 > 0);
    }
    free(g);
}

static void test_sessions(void **state)
{
    struct fx *f = *state;
    char secret[EF_SECRET_LEN + 1], csrf[EF_SECRET_LEN + 1], s2[EF_SECRET_LEN + 1];
    char wrong[EF_SECRET_LEN + 1], csrf2[EF_SECRET_LEN + 1];
    struct ef_session sess;
    struct ef_user *list;
    size_t n;
    int64_t id = add_user(f, "soc-chef", "department:Socialförvaltningen", "rätt lösenord 2");

    assert_int_equal(ef_session_create(f->s, id, T0, secret, csrf), EF_OK);
    assert_int_equal(strlen(secret), EF_SECRET_LEN);
    assert_string_not_equal(secret, csrf);
    assert_int_equal(ef_session_lookup(f->s, secret, T0 + 10, &sess), EF_OK);
    assert_string_equal(sess.user, "soc-chef");
    assert_string_equal(sess.role, "department:Socialförvaltningen");
    assert_string_equal(sess.csrf, csrf);
    /* Only the hash is stored: the secret is not the key. */
    assert_int_not_equal(strcmp(sess.id_hash, secret), 0);
    assert_int_equal(strlen(sess.id_hash), 64);
    /* Unknown, malformed and too long values are not sessions. */
    memcpy(wrong, secret, sizeof(wrong));
    wrong[0] = wrong[0] == 'A' ? 'B' : 'A';
    assert_int_equal(ef_session_lookup(f->s, wrong, T0 + 10, &sess), EF_NOTFOUND);
    assert_int_equal(ef_session_lookup(f->s, "", T0, &sess), EF_NOTFOUND);
    assert_int_equal(ef_session_lookup(f->s, "1' OR '1'='1", T0, &sess), EF_NOTFOUND);

    /* Idle expiry, kept alive by use: a request every 20 minutes keeps it for hours... */
    for (time_t t = T0 + 20 * 60; t < T0 + EF_SESSION_ABSOLUTE_SECS; t += 20 * 60)
        assert_int_equal(ef_session_lookup(f->s, secret, t, &sess), EF_OK);
    /* ...but not past the absolute limit. */
    assert_int_equal(ef_session_lookup(f->s, secret, T0 + EF_SESSION_ABSOLUTE_SECS, &sess),
                     EF_NOTFOUND);
    /* And it is gone for good, also at an earlier time. */
    assert_int_equal(ef_session_lookup(f->s, secret, T0 + 60, &sess), EF_NOTFOUND);

    /* 30 minutes of silence end a session. */
    assert_int_equal(ef_session_create(f->s, id, T0, s2, csrf2), EF_OK);
    assert_int_equal(ef_session_lookup(f->s, s2, T0 + EF_SESSION_IDLE_SECS, &sess), EF_NOTFOUND);

    /* Logout deletes it. */
    assert_int_equal(ef_session_create(f->s, id, T0, s2, csrf2), EF_OK);
    assert_int_equal(ef_session_end(f->s, s2), EF_OK);
    assert_int_equal(ef_session_lookup(f->s, s2, T0 + 1, &sess), EF_NOTFOUND);
    assert_int_equal(ef_session_end(f->s, s2), EF_OK);

    /* A new password ends every session; deleting the user too. */
    assert_int_equal(ef_session_create(f->s, id, T0, s2, csrf2), EF_OK);
    assert_int_equal(f->s->ops->user_set_password(f->s, "soc-chef", "$scrypt$x"), EF_OK);
    assert_int_equal(ef_session_lookup(f->s, s2, T0 + 1, &sess), EF_NOTFOUND);
    assert_int_equal(f->s->ops->user_set_password(f->s, "nobody", "$scrypt$x"), EF_NOTFOUND);
    assert_int_equal(ef_session_create(f->s, id, T0, s2, csrf2), EF_OK);
    assert_int_equal(f->s->ops->user_list(f->s, &list, &n), EF_OK);
    assert_int_equal(n, 1);
    assert_string_equal(list[0].password_hash, ""); /* the list never carries hashes */
    free(list);
    assert_int_equal(f->s->ops->user_delete(f->s, "soc-chef"), EF_OK);
    assert_int_equal(ef_session_lookup(f->s, s2, T0 + 1, &sess), EF_NOTFOUND);
    assert_int_equal(f->s->ops->user_delete(f->s, "soc-chef"), EF_NOTFOUND);
}

static void test_cookie_parser(void **state)
{
    char v[64];

    (void)state;
    assert_int_equal(
        ef_cookie_value("__Host-efterlev_session=abc", EF_SESSION_COOKIE, v, sizeof(v)), 0);
    assert_string_equal(v, "abc");
    assert_int_equal(
        ef_cookie_value("a=1; __Host-efterlev_session=xyz ; b=2", EF_SESSION_COOKIE, v, sizeof(v)),
        0);
    assert_string_equal(v, "xyz");
    assert_int_equal(
        ef_cookie_value("x__Host-efterlev_session=no", EF_SESSION_COOKIE, v, sizeof(v)), -1);
    assert_int_equal(
        ef_cookie_value("__Host-efterlev_sessionX=no", EF_SESSION_COOKIE, v, sizeof(v)), -1);
    assert_int_equal(ef_cookie_value("", EF_SESSION_COOKIE, v, sizeof(v)), -1);
    assert_int_equal(ef_cookie_value("__Host-efterlev_session=0123456789", EF_SESSION_COOKIE, v, 5),
                     -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hash_and_verify),
        cmocka_unit_test(test_default_cost),
        cmocka_unit_test(test_password_rules),
        cmocka_unit_test(test_lock_schedule),
        cmocka_unit_test(test_expiry_rules),
        cmocka_unit_test_setup_teardown(test_login_and_lockout, setup, teardown),
        cmocka_unit_test_setup_teardown(test_login_unknown_like_known, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sessions, setup, teardown),
        cmocka_unit_test(test_cookie_parser),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
