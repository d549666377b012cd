/* SPDX-License-Identifier: EUPL-1.2 */
/* Password hashing (scrypt through OpenSSL's EVP_KDF), lockout and session lifetimes. */
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "efterlev/b64.h"
#include "efterlev/util.h"
#include "tokens.h"

#define LN_MIN 10
#define LN_MAX 20
#define R_MAX 32
#define P_MAX 16

static int scrypt_derive(const char *password, size_t len, const unsigned char *salt,
                         size_t saltlen, int ln, unsigned r, unsigned p, unsigned char *out,
                         size_t outlen)
{
    EVP_KDF *kdf = EVP_KDF_fetch(NULL, OSSL_KDF_NAME_SCRYPT, NULL);
    EVP_KDF_CTX *kctx = kdf != NULL ? EVP_KDF_CTX_new(kdf) : NULL;
    uint64_t n = (uint64_t)1 << ln;
    uint32_t r32 = r, p32 = p;
    /* 128 * N * r * p bytes plus scrypt's own blocks; refuse anything beyond. */
    uint64_t maxmem = 128 * n * r * p + 4 * 1024 * 1024;
    OSSL_PARAM params[7];
    int ok;

    if (kctx == NULL) {
        EVP_KDF_free(kdf);
        ERR_clear_error();
        return -1;
    }
    params[0] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PASSWORD, (void *)password, len);
    params[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)salt, saltlen);
    params[2] = OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_N, &n);
    params[3] = OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_R, &r32);
    params[4] = OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_P, &p32);
    params[5] = OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_MAXMEM, &maxmem);
    params[6] = OSSL_PARAM_construct_end();
    ok = EVP_KDF_derive(kctx, out, outlen, params) == 1;
    EVP_KDF_CTX_free(kctx);
    EVP_KDF_free(kdf);
    if (!ok)
        ERR_clear_error();
    return ok ? 0 : -1;
}

/* Unpadded base64 of data into out (outlen bytes). 0 or -1. */
static int b64_nopad(const unsigned char *data, size_t len, char *out, size_t outlen)
{
    char *b = ef_b64_encode(data, len);
    size_t n;

    if (b == NULL)
        return -1;
    n = strcspn(b, "=");
    if (n >= outlen) {
        free(b);
        return -1;
    }
    memcpy(out, b, n);
    out[n] = '\0';
    free(b);
    return 0;
}

/* Decode unpadded base64 of exactly want bytes. 0 or -1. */
static int b64_nopad_decode(const char *in, size_t inlen, unsigned char *out, size_t want)
{
    char buf[128];
    size_t n = inlen;
    long got;

    if (inlen + 3 >= sizeof(buf))
        return -1;
    memcpy(buf, in, inlen);
    while (n % 4 != 0)
        buf[n++] = '=';
    buf[n] = '\0';
    got = ef_b64_decode(buf, out, want);
    return got == (long)want ? 0 : -1;
}

int ef_password_hash_params(const char *password, size_t len, int ln, unsigned r, unsigned p,
                            char out[EF_PW_HASH_MAX + 1])
{
    unsigned char salt[EF_SCRYPT_SALT_LEN], key[EF_SCRYPT_KEY_LEN];
    char salt64[32], key64[48];
    int rc = -1, n;

    if (ln < LN_MIN || ln > LN_MAX || r < 1 || r > R_MAX || p < 1 || p > P_MAX ||
        len > EF_PASSWORD_MAX)
        return -1;
    if (ef_random(salt, sizeof(salt)) != 0 ||
        scrypt_derive(password, len, salt, sizeof(salt), ln, r, p, key, sizeof(key)) != 0 ||
        b64_nopad(salt, sizeof(salt), salt64, sizeof(salt64)) != 0 ||
        b64_nopad(key, sizeof(key), key64, sizeof(key64)) != 0)
        goto out;
    n = snprintf(out, EF_PW_HASH_MAX + 1, "$scrypt$ln=%d,r=%u,p=%u$%s$%s", ln, r, p, salt64, key64);
    rc = n > 0 && n <= EF_PW_HASH_MAX ? 0 : -1;
out:
    OPENSSL_cleanse(key, sizeof(key));
    return rc;
}

int ef_password_hash(const char *password, size_t len, char out[EF_PW_HASH_MAX + 1])
{
    return ef_password_hash_params(password, len, EF_SCRYPT_LN, EF_SCRYPT_R, EF_SCRYPT_P, out);
}

/* Parse "$scrypt$ln=L,r=R,p=P$SALT$KEY". 0 or -1. */
static int parse_hash(const char *hash, int *ln, unsigned *r, unsigned *p,
                      unsigned char salt[EF_SCRYPT_SALT_LEN], unsigned char key[EF_SCRYPT_KEY_LEN])
{
    const char *s, *k;
    int used = 0;

    if (hash == NULL || strnlen(hash, EF_PW_HASH_MAX + 1) > EF_PW_HASH_MAX ||
        strncmp(hash, "$scrypt$", 8) != 0)
        return -1;
    if (sscanf(hash + 8, "ln=%d,r=%u,p=%u$%n", ln, r, p, &used) != 3 || used == 0)
        return -1;
    if (*ln < LN_MIN || *ln > LN_MAX || *r < 1 || *r > R_MAX || *p < 1 || *p > P_MAX)
        return -1;
    s = hash + 8 + used;
    k = strchr(s, '$');
    if (k == NULL || strchr(k + 1, '$') != NULL)
        return -1;
    if (b64_nopad_decode(s, (size_t)(k - s), salt, EF_SCRYPT_SALT_LEN) != 0 ||
        b64_nopad_decode(k + 1, strlen(k + 1), key, EF_SCRYPT_KEY_LEN) != 0)
        return -1;
    return 0;
}

void ef_password_dummy(const char *password, size_t len)
{
    static const unsigned char salt[EF_SCRYPT_SALT_LEN] = {0};
    unsigned char key[EF_SCRYPT_KEY_LEN];

    (void)scrypt_derive(password, len > EF_PASSWORD_MAX ? EF_PASSWORD_MAX : len, salt, sizeof(salt),
                        EF_SCRYPT_LN, EF_SCRYPT_R, EF_SCRYPT_P, key, sizeof(key));
    OPENSSL_cleanse(key, sizeof(key));
}

int ef_password_verify(const char *password, size_t len, const char *hash)
{
    unsigned char salt[EF_SCRYPT_SALT_LEN], want[EF_SCRYPT_KEY_LEN], got[EF_SCRYPT_KEY_LEN];
    unsigned r, p;
    int ln, ok;

    if (len > EF_PASSWORD_MAX || parse_hash(hash, &ln, &r, &p, salt, want) != 0) {
        ef_password_dummy(password, len);
        return 0;
    }
    if (scrypt_derive(password, len, salt, sizeof(salt), ln, r, p, got, sizeof(got)) != 0)
        return 0;
    ok = CRYPTO_memcmp(got, want, sizeof(got)) == 0;
    OPENSSL_cleanse(got, sizeof(got));
    return ok;
}

int ef_password_check(const char *password, size_t len, const char **why)
{
    if (len < EF_PASSWORD_MIN) {
        *why = "the password must be at least 10 characters";
        return -1;
    }
    if (len > EF_PASSWORD_MAX) {
        *why = "the password must be at most 1024 bytes";
        return -1;
    }
    if (memchr(password, '\0', len) != NULL || !ef_utf8_valid(password, len)) {
        *why = "the password must be UTF-8 text";
        return -1;
    }
    return 0;
}

int64_t ef_login_lock_secs(int64_t failures)
{
    int64_t secs = EF_LOGIN_LOCK_BASE_SECS;
    int64_t i;

    if (failures < EF_LOGIN_FREE_FAILURES)
        return 0;
    for (i = EF_LOGIN_FREE_FAILURES; i < failures && secs < EF_LOGIN_LOCK_MAX_SECS; i++)
        secs *= 2;
    return secs < EF_LOGIN_LOCK_MAX_SECS ? secs : EF_LOGIN_LOCK_MAX_SECS;
}

int ef_session_expired(int64_t created, int64_t last_seen, time_t now)
{
    return (int64_t)now >= created + EF_SESSION_ABSOLUTE_SECS ||
           (int64_t)now >= last_seen + EF_SESSION_IDLE_SECS || (int64_t)now < created - 300;
}

int ef_user_name_valid(const char *name)
{
    return strnlen(name, EF_USER_NAME_MAX + 1) <= EF_USER_NAME_MAX && ef_dept_name_valid(name);
}
