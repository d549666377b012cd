/* SPDX-License-Identifier: EUPL-1.2 */
/* deps_smoke.exe: the five libraries scripts/windows-deps.sh builds, linked statically into
 * one Windows program, each doing under Wine what the agent will ask of it:
 *   OpenSSL   an Ed25519 key signs a message; the signature verifies, a changed message not
 *   libcurl   its version, HTTPS among its protocols (and nothing but HTTP/HTTPS), its TLS
 *   jansson   a JSON document parsed, values read back (UTF-8 kept)
 *   libyaml   a YAML document parsed, a mapping's key and value read back
 *   PCRE2     a UTF-8 pattern matches a subject with å, ä, ö (caseless, Unicode classes)
 * With CAFILE GOOD_URL BAD_URL (tests/windows/deps_smoke.sh), also the agent's TLS rule:
 *   GOOD_URL (a server whose certificate CAFILE's CA signed) is fetched with CURLOPT_CAINFO;
 *   BAD_URL (a server from another CA) is refused with the same CAINFO; GOOD_URL without a
 *   CAINFO is refused too (libcurl has no CA bundle and no Windows store to fall back on).
 * Arguments arrive as UTF-16 (wmain) and are converted to UTF-8, as the agent will do, so
 * that CAFILE may name a folder with Swedish letters and spaces.
 * Prints one "ok ..." line a step, or "FAIL ..." and exits 1; exits 0 only when all passed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

/* curl.h brings winsock2.h, which must come before windows.h. */
#include <curl/curl.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <yaml.h>

#include <windows.h>

static int failures;

static void ok(const char *what)
{
    printf("ok %s\n", what);
}

static void fail(const char *what)
{
    printf("FAIL %s\n", what);
    failures++;
}

static void check(int cond, const char *what)
{
    if (cond)
        ok(what);
    else
        fail(what);
}

/* OpenSSL: Ed25519 sign and verify, as lib/sign.c does on Linux. */
static void smoke_openssl(void)
{
    static const unsigned char msg[] = "{\"agent\":\"Växjö-PC-17\",\"seq\":1}";
    unsigned char sig[64], bad[sizeof msg];
    size_t siglen = sizeof sig;
    int verified = 0, tampered = 1;
    EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();

    printf("openssl %s\n", OpenSSL_version(OPENSSL_VERSION));
    if (key && ctx && EVP_DigestSignInit(ctx, NULL, NULL, NULL, key) == 1 &&
        EVP_DigestSign(ctx, sig, &siglen, msg, sizeof msg) == 1 && siglen == 64) {
        EVP_MD_CTX_free(ctx);
        ctx = EVP_MD_CTX_new();
        verified = ctx && EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, key) == 1 &&
                   EVP_DigestVerify(ctx, sig, siglen, msg, sizeof msg) == 1;
        memcpy(bad, msg, sizeof msg);
        bad[3] ^= 1;
        EVP_MD_CTX_free(ctx);
        ctx = EVP_MD_CTX_new();
        tampered = ctx && EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, key) == 1 &&
                   EVP_DigestVerify(ctx, sig, siglen, bad, sizeof bad) == 1;
    }
    check(verified, "openssl ed25519 signature verifies");
    check(!tampered, "openssl ed25519 signature of a changed message does not verify");
    EVP_MD_CTX_free(ctx);
    EVP_PKEY_free(key);
}

/* libcurl: built with HTTPS, by OpenSSL, and with no other protocol than HTTP(S). */
static void smoke_curl_version(void)
{
    const curl_version_info_data *v = curl_version_info(CURLVERSION_NOW);
    int https = 0, others = 0;

    printf("curl %s tls %s\n", v->version, v->ssl_version ? v->ssl_version : "none");
    printf("curl protocols");
    for (const char *const *p = v->protocols; *p; p++) {
        printf(" %s", *p);
        if (strcmp(*p, "https") == 0)
            https = 1;
        else if (strcmp(*p, "http") != 0)
            others++;
    }
    printf("\n");
    check(https && (v->features & CURL_VERSION_SSL), "curl supports https");
    check(v->ssl_version && strncmp(v->ssl_version, "OpenSSL/", 8) == 0,
          "curl tls backend is OpenSSL");
    check(others == 0, "curl has no protocol but http and https");
}

static void smoke_jansson(void)
{
    json_error_t err;
    json_t *doc = json_loads("{\"host\":\"Kommunhuset\",\"dept\":\"Förvaltning för miljö\","
                             "\"results\":[{\"id\":\"A.8.5\",\"pass\":true}]}",
                             0, &err);
    const char *dept = doc ? json_string_value(json_object_get(doc, "dept")) : NULL;
    json_t *first = doc ? json_array_get(json_object_get(doc, "results"), 0) : NULL;

    check(dept && strcmp(dept, "Förvaltning för miljö") == 0 &&
              json_is_true(json_object_get(first, "pass")),
          "jansson parses a JSON document");
    json_decref(doc);
}

/* libyaml: the value of the key "department" in a small agent.yml. */
static void smoke_libyaml(void)
{
    static const char yml[] = "collector: https://efterlev.example.se:8443\n"
                              "department: Barn- och utbildningsförvaltningen\n"
                              "interval_hours: 6\n";
    yaml_parser_t parser;
    yaml_event_t ev;
    int done = 0, last_was_key = 0, events = 0;
    char value[128] = "";

    if (!yaml_parser_initialize(&parser)) {
        fail("libyaml parser");
        return;
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)yml, strlen(yml));
    while (!done && yaml_parser_parse(&parser, &ev)) {
        events++;
        if (ev.type == YAML_SCALAR_EVENT) {
            const char *s = (const char *)ev.data.scalar.value;
            if (last_was_key)
                snprintf(value, sizeof value, "%s", s);
            last_was_key = strcmp(s, "department") == 0;
        }
        done = ev.type == YAML_STREAM_END_EVENT;
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&parser);
    check(done && strcmp(value, "Barn- och utbildningsförvaltningen") == 0,
          "libyaml parses a YAML document");
}

/* PCRE2: UTF-8 with Unicode properties, as a policy's "matches" rule is compiled. */
static void smoke_pcre2(void)
{
    const char *pattern = "^(\\p{L}+) ÅÄÖ (\\p{Lu}\\p{Ll}+)$";
    const char *subject = "Småland åäö Växjö";
    int errcode;
    PCRE2_SIZE erroff, len = 0;
    PCRE2_UCHAR *group = NULL;
    pcre2_code *re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED,
                                   PCRE2_UTF | PCRE2_UCP | PCRE2_CASELESS, &errcode, &erroff, NULL);
    pcre2_match_data *md = re ? pcre2_match_data_create_from_pattern(re, NULL) : NULL;
    int rc = md ? pcre2_match(re, (PCRE2_SPTR)subject, PCRE2_ZERO_TERMINATED, 0, 0, md, NULL) : -1;

    if (rc == 3)
        pcre2_substring_get_bynumber(md, 2, &group, &len);
    check(group && strcmp((const char *)group, "Växjö") == 0,
          "pcre2 matches a UTF-8 subject with å ä ö");
    if (group)
        pcre2_substring_free(group);
    pcre2_match_data_free(md);
    pcre2_code_free(re);
}

static size_t discard(char *p, size_t size, size_t n, void *u)
{
    (void)p;
    (void)u;
    return size * n;
}

/* fetch URL, trusting only CAFILE (NULL: no CAINFO at all); the libcurl result. */
static CURLcode fetch(const char *url, const char *cafile, long *status)
{
    CURL *c = curl_easy_init();
    CURLcode rc;

    if (!c)
        return CURLE_FAILED_INIT;
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https");
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 20L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    if (cafile)
        curl_easy_setopt(c, CURLOPT_CAINFO, cafile);
    rc = curl_easy_perform(c);
    *status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
    curl_easy_cleanup(c);
    return rc;
}

static void smoke_https(const char *cafile, const char *good, const char *bad)
{
    long status;
    CURLcode rc;
    char what[256];

    rc = fetch(good, cafile, &status);
    snprintf(what, sizeof what,
             "https with CAINFO fetches from the CA's server (curl %d, HTTP %ld)", rc, status);
    check(rc == CURLE_OK && status == 200, what);
    rc = fetch(bad, cafile, &status);
    snprintf(what, sizeof what, "https with CAINFO refuses another CA's server (curl %d: %s)", rc,
             curl_easy_strerror(rc));
    check(rc == CURLE_PEER_FAILED_VERIFICATION, what);
    rc = fetch(good, NULL, &status);
    snprintf(what, sizeof what, "https without CAINFO trusts no server (curl %d: %s)", rc,
             curl_easy_strerror(rc));
    check(rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CACERT_BADFILE, what);
}

/* A UTF-16 argument as UTF-8 (malloc'd), or NULL. */
static char *utf8(const wchar_t *w)
{
    int n = WideCharToMultiByte(CP_UTF8, 0, w, -1, NULL, 0, NULL, NULL);
    char *s = n > 0 ? malloc((size_t)n) : NULL;

    if (s && WideCharToMultiByte(CP_UTF8, 0, w, -1, s, n, NULL, NULL) != n) {
        free(s);
        s = NULL;
    }
    return s;
}

int wmain(int argc, wchar_t **argv)
{
    char *args[3] = {NULL, NULL, NULL};

    if (argc != 1 && argc != 4) {
        fprintf(stderr, "usage: deps_smoke.exe [CAFILE GOOD_URL BAD_URL]\n");
        return 2;
    }
    for (int i = 1; i < argc; i++)
        if (!(args[i - 1] = utf8(argv[i]))) {
            fprintf(stderr, "deps_smoke: argument %d is not valid UTF-16\n", i);
            return 2;
        }
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        fail("curl_global_init");
        return 1;
    }
    smoke_openssl();
    smoke_curl_version();
    smoke_jansson();
    smoke_libyaml();
    smoke_pcre2();
    if (argc == 4)
        smoke_https(args[0], args[1], args[2]);
    curl_global_cleanup();
    for (int i = 0; i < 3; i++)
        free(args[i]);
    printf("%s\n", failures ? "deps_smoke: FAILED" : "deps_smoke: all steps passed");
    return failures ? 1 : 0;
}
