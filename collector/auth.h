/* SPDX-License-Identifier: EUPL-1.2 */
/* People who log in to the dashboard: password hashing with scrypt (OpenSSL's EVP_KDF
 * "SCRYPT"), the lockout after failed logins, and session lifetimes. Pure functions, no
 * store and no HTTP, so the unit tests (tests/unit/test_collector_auth.c) reach all of it.
 *
 * A password hash is one string holding everything needed to verify it:
 *   $scrypt$ln=17,r=8,p=1$<salt, base64>$<derived key, base64>
 * (N = 2^ln). The parameters are read back from the string, so raising the defaults later
 * keeps old hashes verifiable. */
#ifndef EF_COLLECTOR_AUTH_H
#define EF_COLLECTOR_AUTH_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "store/store.h"

/* OWASP's minimum for scrypt: N = 2^17 (128 MiB), r = 8, p = 1. About 0.3 s per hash. */
#define EF_SCRYPT_LN 17
#define EF_SCRYPT_R 8
#define EF_SCRYPT_P 1
#define EF_SCRYPT_SALT_LEN 16
#define EF_SCRYPT_KEY_LEN 32
#define EF_PW_HASH_MAX EF_PW_HASH_LEN /* length of the hash string */
#define EF_PASSWORD_MIN 10            /* bytes */
#define EF_PASSWORD_MAX 1024
#define EF_USER_NAME_MAX EF_USER_NAME_LEN

/* Session lifetimes: idle (no request for this long) and absolute (since login). */
#define EF_SESSION_IDLE_SECS (30 * 60)
#define EF_SESSION_ABSOLUTE_SECS (8 * 3600)
/* last_seen is written at most this often, so reading pages does not write every time. */
#define EF_SESSION_TOUCH_SECS 60

/* Failed logins: the first EF_LOGIN_FREE_FAILURES in a row cost nothing; from then on each
 * failure locks the user for 5 s, doubling per further failure, at most 15 minutes. */
#define EF_LOGIN_FREE_FAILURES 3
#define EF_LOGIN_LOCK_BASE_SECS 5
#define EF_LOGIN_LOCK_MAX_SECS 900

/* Hash password with the default parameters (or with ln, r, p for tests). 0 or -1. */
int ef_password_hash(const char *password, size_t len, char out[EF_PW_HASH_MAX + 1]);
int ef_password_hash_params(const char *password, size_t len, int ln, unsigned r, unsigned p,
                            char out[EF_PW_HASH_MAX + 1]);
/* 1 when password matches hash (compared in constant time), 0 when not or when hash is
 * malformed. A malformed or missing hash still costs one default-cost derivation, so the
 * answer time does not tell whether a user exists. */
int ef_password_verify(const char *password, size_t len, const char *hash);
/* Spend the time of one verification (for unknown users). */
void ef_password_dummy(const char *password, size_t len);
/* 0 when the password is acceptable, else -1 with why set (a static string). */
int ef_password_check(const char *password, size_t len, const char **why);

/* Seconds the account stays locked after its failures-th failure in a row (0: none). */
int64_t ef_login_lock_secs(int64_t failures);

/* 1 when a session created at created and last used at last_seen has expired at now. */
int ef_session_expired(int64_t created, int64_t last_seen, time_t now);

/* Valid user names: 1..EF_USER_NAME_MAX bytes of UTF-8 without control characters. */
int ef_user_name_valid(const char *name);

#endif
