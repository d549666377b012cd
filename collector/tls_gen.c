/* SPDX-License-Identifier: EUPL-1.2 */
/* Certificate generation with the OpenSSL 3 X509 API. Names go into the subjectAltName as
 * GENERAL_NAMEs built one by one, never through a config string, so no name can inject
 * another entry. */
#include <arpa/inet.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "efterlev/util.h"
#include "tls_gen.h"

#define CA_NAME "efterlev collector CA"
#define SERVER_NAME "efterlev collector"

int ef_tls_name_valid(const char *name)
{
    unsigned char buf[16];
    size_t i, len = strlen(name);

    if (len == 0 || len > 253)
        return 0;
    if (inet_pton(AF_INET, name, buf) == 1 || inet_pton(AF_INET6, name, buf) == 1)
        return 1;
    for (i = 0; i < len; i++) {
        char ch = name[i];

        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '-' || ch == '.' || (ch == '*' && i == 0 && name[1] == '.')))
            return 0;
    }
    return name[0] != '.' && name[0] != '-';
}

static void ssl_err(char *err, size_t errlen, const char *what)
{
    unsigned long e = ERR_get_error();
    char buf[200];

    ERR_error_string_n(e, buf, sizeof(buf));
    snprintf(err, errlen, "%s: %s", what, e ? buf : "failed");
    ERR_clear_error();
}

static int add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509_EXTENSION *ext;
    int ok;

    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
    ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
    if (ext == NULL)
        return -1;
    ok = X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
    return ok ? 0 : -1;
}

static int add_name(GENERAL_NAMES *gens, const char *name)
{
    unsigned char ip[16];
    int iplen = 0;
    GENERAL_NAME *gen = GENERAL_NAME_new();

    if (gen == NULL)
        return -1;
    if (inet_pton(AF_INET, name, ip) == 1)
        iplen = 4;
    else if (inet_pton(AF_INET6, name, ip) == 1)
        iplen = 16;
    if (iplen > 0) {
        ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();

        if (os == NULL || !ASN1_OCTET_STRING_set(os, ip, iplen)) {
            ASN1_OCTET_STRING_free(os);
            GENERAL_NAME_free(gen);
            return -1;
        }
        GENERAL_NAME_set0_value(gen, GEN_IPADD, os);
    } else {
        ASN1_IA5STRING *s = ASN1_IA5STRING_new();

        if (s == NULL || !ASN1_STRING_set(s, name, (int)strlen(name))) {
            ASN1_IA5STRING_free(s);
            GENERAL_NAME_free(gen);
            return -1;
        }
        GENERAL_NAME_set0_value(gen, GEN_DNS, s);
    }
    if (!sk_GENERAL_NAME_push(gens, gen)) {
        GENERAL_NAME_free(gen);
        return -1;
    }
    return 0;
}

static int add_san(X509 *cert, const char *const *names, size_t n)
{
    GENERAL_NAMES *gens = sk_GENERAL_NAME_new_null();
    size_t i;
    int rc = -1;

    if (gens == NULL)
        return -1;
    for (i = 0; i < n; i++)
        if (add_name(gens, names[i]) != 0)
            goto out;
    if (X509_add1_ext_i2d(cert, NID_subject_alt_name, gens, 0, 0) == 1)
        rc = 0;
out:
    GENERAL_NAMES_free(gens);
    return rc;
}

/* A new certificate for key, valid for days, with subject CN=cn, not yet signed. */
static X509 *new_cert(EVP_PKEY *key, const char *cn, long days)
{
    unsigned char serial[16];
    BIGNUM *bn = NULL;
    X509 *cert = X509_new();
    X509_NAME *name;

    if (cert == NULL || ef_random(serial, sizeof(serial)) != 0)
        goto fail;
    serial[0] &= 0x7f; /* positive */
    bn = BN_bin2bn(serial, sizeof(serial), NULL);
    if (bn == NULL || BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert)) == NULL)
        goto fail;
    name = X509_get_subject_name(cert);
    if (!X509_set_version(cert, X509_VERSION_3) ||
        X509_gmtime_adj(X509_getm_notBefore(cert), -60 * 60) == NULL ||
        X509_gmtime_adj(X509_getm_notAfter(cert), days * 24 * 60 * 60) == NULL ||
        !X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, (const unsigned char *)"efterlev", -1,
                                    -1, 0) ||
        !X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1,
                                    0) ||
        !X509_set_pubkey(cert, key))
        goto fail;
    BN_free(bn);
    return cert;
fail:
    BN_free(bn);
    X509_free(cert);
    return NULL;
}

static int write_pem(const char *path, int is_key, void *obj, mode_t mode, char *err, size_t errlen)
{
    BIO *bio = BIO_new(BIO_s_mem());
    char *data;
    long len;
    int ok, rc;

    if (bio == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (is_key)
        ok = PEM_write_bio_PrivateKey(bio, obj, NULL, NULL, 0, NULL, NULL);
    else
        ok = PEM_write_bio_X509(bio, obj);
    len = BIO_get_mem_data(bio, &data);
    if (!ok || len <= 0) {
        ssl_err(err, errlen, "PEM encoding");
        BIO_free(bio);
        return -1;
    }
    rc = ef_write_file_atomic(path, data, (size_t)len, mode, err, errlen);
    OPENSSL_cleanse(data, (size_t)len);
    BIO_free(bio);
    return rc;
}

static int path_in(char *out, size_t outlen, const char *dir, const char *file)
{
    int n = snprintf(out, outlen, "%s/%s", dir, file);

    return n < 0 || (size_t)n >= outlen ? -1 : 0;
}

int ef_tls_generate(const char *dir, const char *const *hostnames, size_t nhostnames, char *err,
                    size_t errlen)
{
    EVP_PKEY *ca_key = NULL, *key = NULL;
    X509 *ca = NULL, *cert = NULL;
    const char **names = NULL;
    char path[4096];
    size_t i, n = 0;
    int rc = -1;

    names = calloc(nhostnames + 3, sizeof(*names));
    if (names == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    names[n++] = "localhost";
    names[n++] = "127.0.0.1";
    names[n++] = "::1";
    for (i = 0; i < nhostnames; i++) {
        size_t j;
        int dup = 0;

        if (!ef_tls_name_valid(hostnames[i])) {
            snprintf(err, errlen, "\"%s\" is not a valid host name or IP address", hostnames[i]);
            goto out;
        }
        for (j = 0; j < n; j++)
            dup |= strcasecmp(names[j], hostnames[i]) == 0;
        if (!dup)
            names[n++] = hostnames[i];
    }

    ca_key = EVP_EC_gen("P-256");
    key = EVP_EC_gen("P-256");
    if (ca_key == NULL || key == NULL) {
        ssl_err(err, errlen, "key generation");
        goto out;
    }

    ca = new_cert(ca_key, CA_NAME, EF_CA_DAYS);
    if (ca == NULL || !X509_set_issuer_name(ca, X509_get_subject_name(ca)) ||
        add_ext(ca, ca, NID_basic_constraints, "critical,CA:TRUE,pathlen:0") != 0 ||
        add_ext(ca, ca, NID_key_usage, "critical,keyCertSign,cRLSign") != 0 ||
        add_ext(ca, ca, NID_subject_key_identifier, "hash") != 0 ||
        X509_sign(ca, ca_key, EVP_sha256()) == 0) {
        ssl_err(err, errlen, "CA certificate");
        goto out;
    }

    cert = new_cert(key, SERVER_NAME, EF_SERVER_CERT_DAYS);
    if (cert == NULL || !X509_set_issuer_name(cert, X509_get_subject_name(ca)) ||
        add_ext(cert, ca, NID_basic_constraints, "critical,CA:FALSE") != 0 ||
        add_ext(cert, ca, NID_key_usage, "critical,digitalSignature") != 0 ||
        add_ext(cert, ca, NID_ext_key_usage, "serverAuth") != 0 ||
        add_ext(cert, ca, NID_subject_key_identifier, "hash") != 0 ||
        add_ext(cert, ca, NID_authority_key_identifier, "keyid:always") != 0 ||
        add_san(cert, names, n) != 0 || X509_sign(cert, ca_key, EVP_sha256()) == 0) {
        ssl_err(err, errlen, "server certificate");
        goto out;
    }

    if (path_in(path, sizeof(path), dir, "ca-key.pem") != 0 ||
        write_pem(path, 1, ca_key, 0600, err, errlen) != 0 ||
        path_in(path, sizeof(path), dir, "ca.pem") != 0 ||
        write_pem(path, 0, ca, 0644, err, errlen) != 0 ||
        path_in(path, sizeof(path), dir, "key.pem") != 0 ||
        write_pem(path, 1, key, 0600, err, errlen) != 0 ||
        path_in(path, sizeof(path), dir, "cert.pem") != 0 ||
        write_pem(path, 0, cert, 0644, err, errlen) != 0)
        goto out;
    rc = 0;
out:
    X509_free(ca);
    X509_free(cert);
    EVP_PKEY_free(ca_key);
    EVP_PKEY_free(key);
    free(names);
    return rc;
}
