/* SPDX-License-Identifier: EUPL-1.2 */
/* Ed25519 with OpenSSL 3: keys as PKCS#8 PEM on disk, raw 32-byte public keys on the wire. */
#include "efterlev/sign.h"

#include "efterlev/b64.h"
#include "efterlev/os.h"
#include "efterlev/util.h"

#include <errno.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define KEY_FILE_MAX 16384

static void ssl_err(char *err, size_t errlen, const char *what, const char *path)
{
    unsigned long e = ERR_get_error();
    char buf[256] = "unknown OpenSSL error";
    if (e != 0)
        ERR_error_string_n(e, buf, sizeof(buf));
    snprintf(err, errlen, "%s %s: %s", what, path, buf);
    ERR_clear_error();
}

EVP_PKEY *ef_key_load(const char *path, char *err, size_t errlen)
{
    if (ef_os_key_exposed(path, err, errlen) != 0)
        return NULL;
    char *pem = NULL;
    size_t len = 0;
    int rc = ef_read_file(path, KEY_FILE_MAX, &pem, &len);
    if (rc != 0) {
        snprintf(err, errlen, "cannot read key %s: %s", path, strerror(-rc));
        return NULL;
    }
    BIO *bio = BIO_new_mem_buf(pem, (int)len);
    EVP_PKEY *key = bio ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : NULL;
    BIO_free(bio);
    OPENSSL_cleanse(pem, len);
    free(pem);
    if (key == NULL) {
        ssl_err(err, errlen, "cannot parse key", path);
        return NULL;
    }
    if (EVP_PKEY_get_id(key) != EVP_PKEY_ED25519) {
        snprintf(err, errlen, "key %s is not an Ed25519 key", path);
        EVP_PKEY_free(key);
        return NULL;
    }
    return key;
}

static EVP_PKEY *key_create(const char *path, char *err, size_t errlen)
{
    EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    if (key == NULL) {
        ssl_err(err, errlen, "cannot generate key for", path);
        return NULL;
    }
    BIO *bio = BIO_new(BIO_s_secmem());
    if (bio == NULL || !PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL)) {
        ssl_err(err, errlen, "cannot encode key for", path);
        BIO_free(bio);
        EVP_PKEY_free(key);
        return NULL;
    }
    char *data = NULL;
    long n = BIO_get_mem_data(bio, &data);
    int rc = ef_write_file_atomic(path, data, (size_t)n, 0600, err, errlen);
    BIO_free(bio);
    if (rc != 0) {
        EVP_PKEY_free(key);
        return NULL;
    }
    return key;
}

EVP_PKEY *ef_key_load_or_create(const char *path, char *err, size_t errlen)
{
    struct stat st;
    if (ef_stat(path, &st) != 0 && errno == ENOENT)
        return key_create(path, err, errlen);
    return ef_key_load(path, err, errlen);
}

int ef_key_public_raw(EVP_PKEY *key, unsigned char out[EF_ED25519_PUB_LEN])
{
    size_t len = EF_ED25519_PUB_LEN;
    if (!EVP_PKEY_get_raw_public_key(key, out, &len) || len != EF_ED25519_PUB_LEN)
        return -1;
    return 0;
}

char *ef_key_public_b64(EVP_PKEY *key)
{
    unsigned char raw[EF_ED25519_PUB_LEN];
    if (ef_key_public_raw(key, raw) != 0)
        return NULL;
    return ef_b64_encode(raw, sizeof(raw));
}

int ef_sign(EVP_PKEY *key, const void *msg, size_t len, unsigned char sig[EF_ED25519_SIG_LEN])
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    size_t siglen = EF_ED25519_SIG_LEN;
    int ok = ctx != NULL && EVP_DigestSignInit(ctx, NULL, NULL, NULL, key) == 1 &&
             EVP_DigestSign(ctx, sig, &siglen, msg, len) == 1 && siglen == EF_ED25519_SIG_LEN;
    EVP_MD_CTX_free(ctx);
    return ok ? 0 : -1;
}

char *ef_sign_header(EVP_PKEY *key, const void *msg, size_t len)
{
    unsigned char sig[EF_ED25519_SIG_LEN];
    if (ef_sign(key, msg, len, sig) != 0)
        return NULL;
    char *b64 = ef_b64_encode(sig, sizeof(sig));
    if (b64 == NULL)
        return NULL;
    size_t n = strlen("ed25519=") + strlen(b64) + 1;
    char *out = malloc(n);
    if (out != NULL)
        snprintf(out, n, "ed25519=%s", b64);
    free(b64);
    return out;
}

/* The encodings of Ed25519's points of small order (the identity, the point of order 2, the
 * two of order 4 and the two of order 8), and the non-canonical encodings p and p + 1 of y = 0
 * and y = 1; the sign bit (bit 255) is masked off before comparing. A public key among them
 * lets one signature verify for any message (the same set libsodium refuses). */
static const unsigned char small_order[][EF_ED25519_PUB_LEN] = {
    {0x01},
    {0x00},
    {0xec, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f},
    {0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4,
     0x89, 0xf2, 0xef, 0x98, 0xf0, 0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6,
     0x33, 0x39, 0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53, 0xfc, 0x05},
    {0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f, 0xba, 0x3c, 0x0b,
     0x76, 0x0d, 0x10, 0x67, 0x0f, 0x2a, 0x20, 0x53, 0xfa, 0x2c, 0x39,
     0xcc, 0xc6, 0x4e, 0xc7, 0xfd, 0x77, 0x92, 0xac, 0x03, 0x7a},
    {0xed, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f},
    {0xee, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f},
};

int ef_pub_weak(const unsigned char pub[EF_ED25519_PUB_LEN])
{
    for (size_t i = 0; i < sizeof(small_order) / sizeof(small_order[0]); i++) {
        const unsigned char *w = small_order[i];

        if (memcmp(pub, w, EF_ED25519_PUB_LEN - 1) == 0 &&
            (pub[EF_ED25519_PUB_LEN - 1] & 0x7f) == w[EF_ED25519_PUB_LEN - 1])
            return 1;
    }
    return 0;
}

int ef_verify(const unsigned char pub[EF_ED25519_PUB_LEN], const void *msg, size_t len,
              const unsigned char sig[EF_ED25519_SIG_LEN])
{
    if (ef_pub_weak(pub))
        return 0; /* any signature could be made to verify */
    EVP_PKEY *key = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pub, EF_ED25519_PUB_LEN);
    if (key == NULL) {
        ERR_clear_error();
        return 0;
    }
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int ok = ctx != NULL && EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, key) == 1 &&
             EVP_DigestVerify(ctx, sig, EF_ED25519_SIG_LEN, msg, len) == 1;
    EVP_MD_CTX_free(ctx);
    EVP_PKEY_free(key);
    ERR_clear_error();
    return ok;
}

int ef_sig_header_parse(const char *value, unsigned char sig[EF_ED25519_SIG_LEN])
{
    static const char prefix[] = "ed25519=";
    if (value == NULL || strncmp(value, prefix, sizeof(prefix) - 1) != 0)
        return -1;
    const char *b64 = value + sizeof(prefix) - 1;
    if (strlen(b64) != 88) /* 64 bytes -> 88 base64 characters */
        return -1;
    return ef_b64_decode(b64, sig, EF_ED25519_SIG_LEN) == EF_ED25519_SIG_LEN ? 0 : -1;
}

int ef_enroll_message(char *out, size_t outlen, const char *token, const char *machine_id,
                      const char *hostname, const char *public_key_b64)
{
    int n = snprintf(out, outlen, "efterlev-enroll-v1\n%s\n%s\n%s\n%s\n", token, machine_id,
                     hostname, public_key_b64);

    return n < 0 || (size_t)n >= outlen ? -1 : n;
}

char *ef_enroll_proof(EVP_PKEY *key, const char *token, const char *machine_id,
                      const char *hostname, const char *public_key_b64)
{
    char msg[8192];
    unsigned char sig[EF_ED25519_SIG_LEN];
    int n = ef_enroll_message(msg, sizeof(msg), token, machine_id, hostname, public_key_b64);

    if (n < 0 || ef_sign(key, msg, (size_t)n, sig) != 0)
        return NULL;
    return ef_b64_encode(sig, sizeof(sig));
}

/* The signed bytes of a policy document: the prefix, then the document. NULL: no memory. */
static unsigned char *policy_message(const void *doc, size_t len, size_t *outlen)
{
    static const char prefix[] = EF_POLICY_SIG_PREFIX;
    size_t plen = sizeof(prefix) - 1;
    unsigned char *m = len <= SIZE_MAX - plen ? malloc(plen + len + 1) : NULL;

    if (m == NULL)
        return NULL;
    memcpy(m, prefix, plen);
    if (len > 0)
        memcpy(m + plen, doc, len);
    *outlen = plen + len;
    return m;
}

char *ef_policy_sign(EVP_PKEY *key, const void *doc, size_t len)
{
    size_t n;
    unsigned char *m = policy_message(doc, len, &n);
    char *hdr = m != NULL ? ef_sign_header(key, m, n) : NULL;

    free(m);
    return hdr;
}

int ef_policy_verify(const unsigned char pub[EF_ED25519_PUB_LEN], const void *doc, size_t len,
                     const char *sig_header)
{
    unsigned char sig[EF_ED25519_SIG_LEN];
    size_t n;
    unsigned char *m;
    int ok;

    if (ef_sig_header_parse(sig_header, sig) != 0)
        return 0;
    if ((m = policy_message(doc, len, &n)) == NULL)
        return 0;
    ok = ef_verify(pub, m, n, sig);
    free(m);
    return ok;
}

int ef_get_message(char *out, size_t outlen, const char *agent_id, const char *date,
                   const char *target)
{
    int n = snprintf(out, outlen, "efterlev-get-v1\n%s\n%s\n%s\n", agent_id, date, target);

    return n < 0 || (size_t)n >= outlen ? -1 : n;
}
