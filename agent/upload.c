#include "upload.h"

#include <curl/curl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "efterlev/log.h"

#define RESPONSE_MAX (64 * 1024)

int upload_url_check(const char *url, char *err, size_t errlen)
{
    CURLU *u = curl_url();
    char *scheme = NULL, *host = NULL;
    int rc = -1;
    if (u == NULL || curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
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
    curl_free(scheme);
    curl_free(host);
    curl_url_cleanup(u);
    return rc;
}

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    struct http_response *r = userdata;
    size_t n = size * nmemb;
    if (r->len + n > RESPONSE_MAX)
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

/* Retry-After: N (seconds); the HTTP-date form is ignored. */
static size_t on_header(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    struct http_response *r = userdata;
    size_t n = size * nmemb;
    static const char name[] = "retry-after:";
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

int upload_post(const char *base_url, const char *path, const char *ca_file, const char *agent_id,
                const char *signature, const char *body, size_t len, long timeout_s,
                struct http_response *resp)
{
    memset(resp, 0, sizeof(*resp));
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
    CURL *c = curl_easy_init();
    if (c == NULL) {
        snprintf(resp->error, sizeof(resp->error), "cannot initialise libcurl");
        return -1;
    }
    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
    h = curl_slist_append(h, "Expect:"); /* no 100-continue round trip */
    if (agent_id != NULL) {
        snprintf(hdr_agent, sizeof(hdr_agent), "Efterlev-Agent: %s", agent_id);
        h = curl_slist_append(h, hdr_agent);
    }
    if (signature != NULL) {
        size_t n = strlen(signature) + 32;
        hdr_sig = malloc(n);
        if (hdr_sig != NULL) {
            snprintf(hdr_sig, n, "Efterlev-Signature: %s", signature);
            h = curl_slist_append(h, hdr_sig);
        }
    }
    char ua[64];
    snprintf(ua, sizeof(ua), "efterlev-agent/%s", EFTERLEV_VERSION);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https,http");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    curl_easy_setopt(c, CURLOPT_USERAGENT, ua);
    curl_easy_setopt(c, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
    if (ca_file != NULL && ca_file[0] != '\0')
        curl_easy_setopt(c, CURLOPT_CAINFO, ca_file);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, timeout_s);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, resp);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, resp);
    char curl_err[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, curl_err);

    CURLcode rc = curl_easy_perform(c);
    int ret = 0;
    if (rc != CURLE_OK) {
        snprintf(resp->error, sizeof(resp->error), "%.200s: %.300s", url,
                 curl_err[0] ? curl_err : curl_easy_strerror(rc));
        resp->retryable = transient(rc);
        ret = -1;
    } else {
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp->status);
        resp->retryable = resp->status == 429 || resp->status == 502 || resp->status == 503 ||
                          resp->status == 504;
    }
    curl_slist_free_all(h);
    free(hdr_sig);
    curl_easy_cleanup(c);
    return ret;
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
