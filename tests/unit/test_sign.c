/* SPDX-License-Identifier: EUPL-1.2 */
/* Ed25519 keys on disk and signatures: the agent's identity. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_os.h"
#include "efterlev/sign.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[256];

static int setup(void **state)
{
    (void)state;
    return t_tmpdir(dir, sizeof(dir), "test-sign");
}

static int teardown(void **state)
{
    (void)state;
    return t_rmtree(dir);
}

static void test_key_created_0600_and_reloaded(void **state)
{
    (void)state;
    char path[300], err[256];
    snprintf(path, sizeof(path), "%s/key.pem", dir);
    EVP_PKEY *k1 = ef_key_load_or_create(path, err, sizeof(err));
    assert_non_null(k1);
    /* Readable by nobody else: mode 0600 on Linux, a DACL of SYSTEM, Administrators and this
     * user on Windows (the same question, asked of each system's permissions). */
    char why[512];
    assert_int_equal(ef_os_key_exposed(path, why, sizeof(why)), 0);
#ifndef _WIN32
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
#endif
    EVP_PKEY *k2 = ef_key_load_or_create(path, err, sizeof(err));
    assert_non_null(k2);
    unsigned char p1[32], p2[32];
    assert_int_equal(ef_key_public_raw(k1, p1), 0);
    assert_int_equal(ef_key_public_raw(k2, p2), 0);
    assert_memory_equal(p1, p2, 32); /* the same identity across restarts */
    char *b64 = ef_key_public_b64(k1);
    assert_int_equal(strlen(b64), 44);
    free(b64);
    EVP_PKEY_free(k1);
    EVP_PKEY_free(k2);
}

static void test_group_readable_key_refused(void **state)
{
    (void)state;
    char path[300], err[256];
    snprintf(path, sizeof(path), "%s/loose.pem", dir);
    EVP_PKEY *k = ef_key_load_or_create(path, err, sizeof(err));
    assert_non_null(k);
    EVP_PKEY_free(k);
    assert_int_equal(t_open_to_others(path, 0), 0);
    assert_null(ef_key_load(path, err, sizeof(err)));
    assert_non_null(strstr(err, T_FIX_KEY));
}

static void test_sign_verify_round_trip(void **state)
{
    (void)state;
    char path[300], err[256];
    snprintf(path, sizeof(path), "%s/k.pem", dir);
    EVP_PKEY *k = ef_key_load_or_create(path, err, sizeof(err));
    assert_non_null(k);
    unsigned char pub[32], sig[64];
    assert_int_equal(ef_key_public_raw(k, pub), 0);
    char msg[] = "{\"seq\":1}";
    assert_int_equal(ef_sign(k, msg, strlen(msg), sig), 0);
    assert_int_equal(ef_verify(pub, msg, strlen(msg), sig), 1);

    msg[2] ^= 1; /* one bit of the body */
    assert_int_equal(ef_verify(pub, msg, strlen(msg), sig), 0);
    msg[2] ^= 1;
    sig[10] ^= 0x80; /* one bit of the signature */
    assert_int_equal(ef_verify(pub, msg, strlen(msg), sig), 0);
    sig[10] ^= 0x80;
    pub[0] ^= 1; /* another key */
    assert_int_equal(ef_verify(pub, msg, strlen(msg), sig), 0);
    EVP_PKEY_free(k);
}

/* The identity point as a public key: the signature (R = identity, S = 0) verifies for any
 * message under plain Ed25519 verification (OpenSSL's, shown here), so such keys are refused
 * (ef_pub_weak) and never verify anything (ef_verify). */
static void test_weak_keys_refused(void **state)
{
    (void)state;
    unsigned char identity[EF_ED25519_PUB_LEN] = {0x01}, sig[EF_ED25519_SIG_LEN] = {0x01};
    const char *msg = "{\"all\": \"pass\"}";

    EVP_PKEY *k = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, identity, sizeof(identity));
    assert_non_null(k);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    assert_int_equal(EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, k), 1);
    assert_int_equal(
        EVP_DigestVerify(ctx, sig, sizeof(sig), (const unsigned char *)msg, strlen(msg)),
        1); /* the forgery works against a bare verifier */
    EVP_MD_CTX_free(ctx);
    EVP_PKEY_free(k);

    assert_true(ef_pub_weak(identity));
    assert_int_equal(ef_verify(identity, msg, strlen(msg), sig), 0);
    identity[31] |= 0x80; /* the same point with the sign bit set */
    assert_true(ef_pub_weak(identity));
    unsigned char zero[EF_ED25519_PUB_LEN] = {0};
    assert_true(ef_pub_weak(zero));

    /* A real key is not weak. */
    char err[256];
    char path[300];
    snprintf(path, sizeof(path), "%s/weak.pem", dir);
    EVP_PKEY *real = ef_key_load_or_create(path, err, sizeof(err));
    assert_non_null(real);
    unsigned char pub[EF_ED25519_PUB_LEN];
    assert_int_equal(ef_key_public_raw(real, pub), 0);
    assert_false(ef_pub_weak(pub));
    EVP_PKEY_free(real);
    ef_unlink(path);
}

static void test_signature_header(void **state)
{
    (void)state;
    char path[300], err[256];
    snprintf(path, sizeof(path), "%s/h.pem", dir);
    EVP_PKEY *k = ef_key_load_or_create(path, err, sizeof(err));
    unsigned char pub[32], sig[64];
    ef_key_public_raw(k, pub);
    const char body[] = "report body";
    char *hdr = ef_sign_header(k, body, sizeof(body) - 1);
    assert_non_null(hdr);
    assert_int_equal(strncmp(hdr, "ed25519=", 8), 0);
    assert_int_equal(ef_sig_header_parse(hdr, sig), 0);
    assert_int_equal(ef_verify(pub, body, sizeof(body) - 1, sig), 1);
    assert_int_equal(ef_sig_header_parse("rsa=abcd", sig), -1);
    assert_int_equal(ef_sig_header_parse("ed25519=AAAA", sig), -1);
    assert_int_equal(ef_sig_header_parse(NULL, sig), -1);
    free(hdr);
    EVP_PKEY_free(k);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_key_created_0600_and_reloaded),
        cmocka_unit_test(test_group_readable_key_refused),
        cmocka_unit_test(test_sign_verify_round_trip),
        cmocka_unit_test(test_signature_header),
        cmocka_unit_test(test_weak_keys_refused),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
