/* SPDX-License-Identifier: EUPL-1.2 */
#include "upload.h"

#include "curl_api.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "efterlev/log.h"

#define RESPONSE_MAX (64 * 1024)

int upload_url_check(const char *url, char *err, size_t errlen)
{
    err[0] = '\0';
    const struct curl_api *C = curl_api(err, errlen);
    if (C == NULL)
        return -1;
    CURLU *u = C->url();
    char *scheme = NULL, *host = NULL;
    int rc = -1;
    if (u == NULL || C->url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
        C->url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        C->url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
        snprintf(err, errlen, "\"%s\" is not a valid URL (expected https://HOST:PORT)", url);
        goto out;
    }
    if (strcmp(scheme, "https") == 0) {
        rc = 0;
    } else if (strcmp(scheme, "http") == 0) {
        /* Unencrypted only where nothing crosses a network. */
        if (strncmp(host, "127.", 4) == 0 || strcmp(host, "[::1]") == 0 ||
            strcmp(host, "localhost") == 0)
            rc = 0;
        else
            snprintf(err, errlen,
                     "refusing plain http:// to %s: reports travel only over https:// (http is "
                     "allowed to loopback only)",
                     host);
    } else {
        snprintf(err, errlen, "unsupported URL scheme \"%s\" (expected https)", scheme);
    }
out:
    C->free(scheme);
    C->free(host);
    C->url_cleanup(u);
    return rc;
}

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    struct http_response *r = userdata;
    size_t n = size * nmemb;
    if (r->len + n > (r->max ? r->max : RESPONSE_MAX))
        return 0; /* a collector never answers this much: abort */
    char *nb = realloc(r->body, r->len + n + 1);
    if (nb == NULL)
        return 0;
    r->body = nb;
    memcpy(r->body + r->len, ptr, n);
    r->len += n;
    r->body[r->len] = '\0';
    return n;
}

/* The value of header line ptr (n bytes) named name ("etag:"), trimmed, into out; "" when
 * it does not fit. */
static void header_value(const char *ptr, size_t n, const char *name, char *out, size_t cap)
{
    size_t nl = strlen(name);

    if (n <= nl || strncasecmp(ptr, name, nl) != 0)
        return;
    ptr += nl;
    n -= nl;
    while (n > 0 && (*ptr == ' ' || *ptr == '\t'))
        ptr++, n--;
    while (n > 0 && (ptr[n - 1] == '\r' || ptr[n - 1] == '\n' || ptr[n - 1] == ' '))
        n--;
    if (n >= cap) {
        out[0] = '\0';
        return;
    }
    memcpy(out, ptr, n);
    out[n] = '\0';
}

/* Retry-After: N (seconds); the HTTP-date form is ignored. ETag, Efterlev-Signature. */
static size_t on_header(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    struct http_response *r = userdata;
    size_t n = size * nmemb;
    static const char name[] = "retry-after:";

    header_value(ptr, n, "etag:", r->etag, sizeof(r->etag));
    header_value(ptr, n, "efterlev-signature:", r->signature, sizeof(r->signature));
    header_value(ptr, n, "efterlev-levels:", r->levels, sizeof(r->levels));
    if (n > sizeof(name) && strncasecmp(ptr, name, sizeof(name) - 1) == 0) {
        char buf[32];
        size_t len = n - (sizeof(name) - 1);
        if (len >= sizeof(buf))
            len = sizeof(buf) - 1;
        memcpy(buf, ptr + sizeof(name) - 1, len);
        buf[len] = '\0';
        char *end;
        long v = strtol(buf, &end, 10);
        if (end != buf && v > 0)
            r->retry_after = v;
    }
    return n;
}

/* After a certificate that did not verify: which CAs were trusted, and how to name the
 * collector's. Newcomers meet this on their first enrollment without --ca. */
static void tls_hint(const struct curl_api *C, CURL *c, const char *ca_file, char *out,
                     size_t outlen)
{
    if (ca_file != NULL && ca_file[0] != '\0') {
        snprintf(out, outlen,
                 " (verified against the CA file %.300s: is it the collector's CA, the ca.pem "
                 "that 'efterlev-collector init' wrote in its tls/ folder?)",
                 ca_file);
        return;
    }
    const char *sys = NULL;
#if LIBCURL_VERSION_NUM >= 0x075400 /* CURLINFO_CAINFO: 7.84.0 */
    char *def = NULL;
    if (C->easy_getinfo(c, CURLINFO_CAINFO, &def) == CURLE_OK)
        sys = def;
#else
    (void)C, (void)c;
#endif
    snprintf(out, outlen,
             " (verified against the system's CA certificates%s%.200s, as no --ca was given: "
             "pass the collector's CA with --ca FILE, or ca: FILE in agent.yml; it is the "
             "ca.pem that 'efterlev-collector init' wrote in its tls/ folder)",
             sys ? ", " : "", sys ? sys : "");
}

/* Failures another attempt may cure. A certificate that does not verify is not one. */
static int transient(CURLcode rc)
{
    switch (rc) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
        return 1;
    default:
        return 0;
    }
}

/* One request: a POST of body (body non-NULL) or a GET; extra (may be NULL) more header
 * lines. */
static int perform(const char *base_url, const char *path, const char *ca_file,
                   const char *agent_id, const char *signature, const char *body, size_t len,
                   const char *const *extra, long timeout_s, struct http_response *resp)
{
    if (upload_url_check(base_url, resp->error, sizeof(resp->error)) != 0)
        return -1;
    char url[1024], hdr_agent[256], *hdr_sig = NULL;
    size_t bl = strlen(base_url);
    while (bl > 0 && base_url[bl - 1] == '/')
        bl--;
    if (snprintf(url, sizeof(url), "%.*s%s", (int)bl, base_url, path) >= (int)sizeof(url)) {
        snprintf(resp->error, sizeof(resp->error), "collector URL too long");
        return -1;
    }
    /* upload_url_check loaded libcurl; this cannot fail now. */
    const struct curl_api *C = curl_api(resp->error, sizeof(resp->error));
    CURL *c = C ? C->easy_init() : NULL;
    if (c == NULL) {
        snprintf(resp->error, sizeof(resp->error), "cannot initialise libcurl");
        return -1;
    }
    struct curl_slist *h = body != NULL ? C->slist_append(NULL, "Content-Type: application/json")
                                        : C->slist_append(NULL, "Accept: application/json");
    h = C->slist_append(h, "Expect:"); /* no 100-continue round trip */
    for (size_t i = 0; extra != NULL && extra[i] != NULL; i++)
        h = C->slist_append(h, extra[i]);
    if (agent_id != NULL) {
        snprintf(hdr_agent, sizeof(hdr_agent), "Efterlev-Agent: %s", agent_id);
        h = C->slist_append(h, hdr_agent);
    }
    if (signature != NULL) {
        size_t n = strlen(signature) + 32;
        hdr_sig = malloc(n);
        if (hdr_sig != NULL) {
            snprintf(hdr_sig, n, "Efterlev-Signature: %s", signature);
            h = C->slist_append(h, hdr_sig);
        }
    }
    char ua[64];
    snprintf(ua, sizeof(ua), "efterlev-agent/%s", EFTERLEV_VERSION);
    C->easy_setopt(c, CURLOPT_URL, url);
    C->easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https,http");
    C->easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    C->easy_setopt(c, CURLOPT_HTTPHEADER, h);
    if (body != NULL) {
        C->easy_setopt(c, CURLOPT_POST, 1L);
        C->easy_setopt(c, CURLOPT_POSTFIELDS, body);
        C->easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    } else {
        C->easy_setopt(c, CURLOPT_HTTPGET, 1L);
    }
    C->easy_setopt(c, CURLOPT_USERAGENT, ua);
    C->easy_setopt(c, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
    C->easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
    C->easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
    /* The enrollment CA, and nothing else; without one, the system's CA certificates: on
     * Linux libcurl's default bundle, on Windows (libcurl with OpenSSL, no bundle of its
     * own) the Windows certificate store, which CURLSSLOPT_NATIVE_CA asks for there and
     * other systems ignore. Never both: a given CA must not widen to the system's. */
    if (ca_file != NULL && ca_file[0] != '\0')
        C->easy_setopt(c, CURLOPT_CAINFO, ca_file);
    else
        C->easy_setopt(c, CURLOPT_SSL_OPTIONS, (long)CURLSSLOPT_NATIVE_CA);
    C->easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
    C->easy_setopt(c, CURLOPT_TIMEOUT, timeout_s);
    C->easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    C->easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    C->easy_setopt(c, CURLOPT_WRITEDATA, resp);
    C->easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    C->easy_setopt(c, CURLOPT_HEADERDATA, resp);
    char curl_err[CURL_ERROR_SIZE] = "";
    C->easy_setopt(c, CURLOPT_ERRORBUFFER, curl_err);

    CURLcode rc = C->easy_perform(c);
    int ret = 0;
    if (rc != CURLE_OK) {
        char hint[600] = "";
        if (rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CACERT_BADFILE)
            tls_hint(C, c, ca_file, hint, sizeof(hint));
        snprintf(resp->error, sizeof(resp->error), "%.200s: %.300s%s", url,
                 curl_err[0] ? curl_err : C->easy_strerror(rc), hint);
        resp->retryable = transient(rc);
        ret = -1;
    } else {
        C->easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp->status);
        resp->retryable = resp->status == 429 || resp->status == 502 || resp->status == 503 ||
                          resp->status == 504;
    }
    C->slist_free_all(h);
    free(hdr_sig);
    C->easy_cleanup(c);
    return ret;
}

int upload_post(const char *base_url, const char *path, const char *ca_file, const char *agent_id,
                const char *signature, const char *body, size_t len, long timeout_s,
                struct http_response *resp)
{
    memset(resp, 0, sizeof(*resp));
    return perform(base_url, path, ca_file, agent_id, signature, body != NULL ? body : "", len,
                   NULL, timeout_s, resp);
}

int upload_get(const char *base_url, const char *target, const char *ca_file, const char *agent_id,
               const char *date, const char *signature, const char *if_none_match, size_t max,
               long timeout_s, struct http_response *resp)
{
    char hdate[96], hinm[128];
    const char *extra[3] = {NULL, NULL, NULL};

    memset(resp, 0, sizeof(*resp));
    resp->max = max;
    if (snprintf(hdate, sizeof(hdate), "Efterlev-Date: %s", date) >= (int)sizeof(hdate) ||
        (if_none_match != NULL &&
         snprintf(hinm, sizeof(hinm), "If-None-Match: %s", if_none_match) >= (int)sizeof(hinm))) {
        snprintf(resp->error, sizeof(resp->error), "header too long");
        return -1;
    }
    extra[0] = hdate;
    if (if_none_match != NULL)
        extra[1] = hinm;
    return perform(base_url, target, ca_file, agent_id, signature, NULL, 0, extra, timeout_s, resp);
}

void http_response_free(struct http_response *r)
{
    free(r->body);
    r->body = NULL;
    r->len = 0;
}

const char *http_response_error(const struct http_response *r, char *buf, size_t cap)
{
    buf[0] = '\0';
    if (r->body == NULL)
        return buf;
    json_t *o = json_loadb(r->body, r->len, 0, NULL);
    const char *e = json_string_value(json_object_get(o, "error"));
    snprintf(buf, cap, "%s", e ? e : r->body);
    json_decref(o);
    /* Keep one line, printable. */
    for (char *p = buf; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    return buf;
}
