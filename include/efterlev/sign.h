/* SPDX-License-Identifier: EUPL-1.2 */
/* Ed25519 keys and signatures (OpenSSL EVP). The wire form of a public key is the raw
 * 32 bytes in base64; a signature is the raw 64 bytes in base64. */
#ifndef EFTERLEV_SIGN_H
#define EFTERLEV_SIGN_H

#include <openssl/evp.h>
#include <stddef.h>

#define EF_ED25519_PUB_LEN 32
#define EF_ED25519_SIG_LEN 64

/* Load the PKCS#8 PEM private key at path; if the file does not exist, create a new key
 * and write it atomically with mode 0600. A key file readable by group or others is
 * refused. Returns the key or NULL with err filled in. */
EVP_PKEY *ef_key_load_or_create(const char *path, char *err, size_t errlen);
EVP_PKEY *ef_key_load(const char *path, char *err, size_t errlen);

int ef_key_public_raw(EVP_PKEY *key, unsigned char out[EF_ED25519_PUB_LEN]);
/* Public key as base64 of the raw 32 bytes; caller frees. */
char *ef_key_public_b64(EVP_PKEY *key);

int ef_sign(EVP_PKEY *key, const void *msg, size_t len, unsigned char sig[EF_ED25519_SIG_LEN]);
/* The header value "ed25519=<base64>" for msg; caller frees. */
char *ef_sign_header(EVP_PKEY *key, const void *msg, size_t len);

/* 1 when pub is a point of small order (or a non-canonical encoding of one): a key for which
 * one signature verifies any message. Such keys are refused everywhere. */
int ef_pub_weak(const unsigned char pub[EF_ED25519_PUB_LEN]);
/* 1 when sig is a valid signature of msg by pub (never for a weak pub), else 0. */
int ef_verify(const unsigned char pub[EF_ED25519_PUB_LEN], const void *msg, size_t len,
              const unsigned char sig[EF_ED25519_SIG_LEN]);
/* The text an enrollment's proofs sign (docs/protocol.md, "Enrollment"):
 * "efterlev-enroll-v1\n" token "\n" machine_id "\n" hostname "\n" public_key "\n", the
 * fields exactly as sent. Its length, or -1 when it does not fit in out. */
int ef_enroll_message(char *out, size_t outlen, const char *token, const char *machine_id,
                      const char *hostname, const char *public_key_b64);
/* The enrollment proof: key's signature of ef_enroll_message(...) in base64; caller frees.
 * NULL on failure. */
char *ef_enroll_proof(EVP_PKEY *key, const char *token, const char *machine_id,
                      const char *hostname, const char *public_key_b64);
/* Parse "ed25519=<base64>" into sig; 0 or -1. */
int ef_sig_header_parse(const char *value, unsigned char sig[EF_ED25519_SIG_LEN]);

/* Served policies (docs/protocol.md, "Policy"): the collector's policy key signs
 * "efterlev-policy-v1\n" followed by the document's exact bytes, so a policy signature can
 * never be taken for another of the key's signatures. ef_policy_sign: the header value
 * "ed25519=<base64>" (caller frees), NULL on failure. ef_policy_verify: 1 when sig_header
 * is pub's signature of the document, else 0. */
#define EF_POLICY_SIG_PREFIX "efterlev-policy-v1\n"
char *ef_policy_sign(EVP_PKEY *key, const void *doc, size_t len);
int ef_policy_verify(const unsigned char pub[EF_ED25519_PUB_LEN], const void *doc, size_t len,
                     const char *sig_header);

/* A signed agent GET (docs/protocol.md, "Policy"): the text
 * "efterlev-get-v1\n" agent_id "\n" date "\n" target "\n", target the request's path with
 * its query exactly as sent, date the Efterlev-Date header (RFC 3339). Its length, or -1
 * when it does not fit in out. */
int ef_get_message(char *out, size_t outlen, const char *agent_id, const char *date,
                   const char *target);

#endif
