/* SPDX-License-Identifier: EUPL-1.2 */
/* Dashboard logins and sessions over the store, without HTTP: the login decision (password,
 * lockout after failures), session creation, lookup with idle and absolute expiry, logout,
 * and reading the session cookie from a Cookie header. http/web.c maps requests onto these;
 * tests/unit/test_collector_auth.c tests them with a real SQLite store. */
#ifndef EF_COLLECTOR_SESSIONS_H
#define EF_COLLECTOR_SESSIONS_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "auth.h"
#include "store/store.h"
#include "tokens.h"

/* The "__Host-" prefix makes the browser insist on Secure, Path=/ and no Domain. */
#define EF_SESSION_COOKIE "__Host-efterlev_session"

enum ef_login_result {
    EF_LOGIN_OK = 0,
    EF_LOGIN_BAD,    /* unknown user or wrong password (the same answer for both) */
    EF_LOGIN_LOCKED, /* too many failures in a row: wait *retry_after seconds */
    EF_LOGIN_ERR     /* store error (s->err) */
};

/* Check name and password at now. On EF_LOGIN_OK *u is the user. On EF_LOGIN_BAD for a
 * known user the failure is counted and may lock the account (*retry_after > 0 then);
 * *failures is the count after this attempt (0 for unknown users). */
enum ef_login_result ef_login(struct ef_store *s, const char *name, const char *password,
                              size_t pwlen, time_t now, struct ef_user *u, int64_t *retry_after,
                              int64_t *failures);

/* A new session for user_id at now: secret is the cookie value, csrf the token the page
 * sends back on logout. Only the secret's SHA-256 is stored. */
int ef_session_create(struct ef_store *s, int64_t user_id, time_t now,
                      char secret[EF_SECRET_LEN + 1], char csrf[EF_SECRET_LEN + 1]);
/* The live session of cookie value secret at now. EF_STORE_NOTFOUND when unknown, malformed
 * or expired (an expired one is deleted). Touches last_seen at most once a minute. */
int ef_session_lookup(struct ef_store *s, const char *secret, time_t now, struct ef_session *out);
/* Delete the session of cookie value secret (absent: OK). */
int ef_session_end(struct ef_store *s, const char *secret);

/* The value of cookie name in a Cookie request header into out. 0, or -1 when absent or
 * too long. */
int ef_cookie_value(const char *header, const char *name, char *out, size_t outlen);

#endif
