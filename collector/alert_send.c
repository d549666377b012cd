/* SPDX-License-Identifier: EUPL-1.2 */
/* libcurl for the two channels. No redirects (a signed body goes only where it was
 * configured to), only the configured protocols, timeouts so a hung receiver delays the
 * alert thread by seconds, not forever. SMTP with CURLUSESSL_ALL: STARTTLS on smtp://
 * (implicit TLS on smtps://) is required, and a relay that does not offer it is an error,
 * never a fallback to plain text. */
#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert_format.h"
#include "alert_send.h"
#include "efterlev/util.h"

#define CONNECT_SECS 10L
#define TOTAL_SECS 60L

int ef_alert_secret_load(const char *path, size_t min, char *out, size_t *len, char *err,
                         size_t errlen)
{
    char *text = NULL;
    size_t n = 0;
    int rc = ef_read_file(path, EF_ALERT_SECRET_MAX + 2, &text, &n);

    if (rc != 0) {
        snprintf(err, errlen, "cannot read %s: %s", path,
                 rc == -EFBIG ? "file too large" : strerror(-rc));
        return -1;
    }
    while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == '\r'))
        n--;
    if (n < min || n > EF_ALERT_SECRET_MAX || memchr(text, '\0', n) != NULL) {
        snprintf(err, errlen, "%s must hold %zu to %d bytes (without NUL)", path, min,
                 EF_ALERT_SECRET_MAX);
        free(text);
        return -1;
    }
    memcpy(out, text, n);
    out[n] = '\0';
    *len = n;
    /* Wipe the copy: the file's content is a secret. */
    memset(text, 0, n);
    free(text);
    return 0;
}

static size_t discard(char *p, size_t size, size_t n, void *arg)
{
    (void)p;
    (void)arg;
    return size * n;
}

/* libcurl's own detail when it gave one (it says more: the host, the TLS error), else the
 * code's text. */
static int curl_fail(CURLcode c, const char *detail, char *err, size_t errlen)
{
    snprintf(err, errlen, "%s", detail[0] != '\0' ? detail : curl_easy_strerror(c));
    return -1;
}

int ef_alert_post(const struct ef_alert_config *a, const char *secret, size_t secretlen,
                  const char *body, size_t len, time_t ts, char *err, size_t errlen)
{
    char tsbuf[24], sig[EF_ALERT_SIG_LEN], h1[64], h2[128], detail[CURL_ERROR_SIZE] = "";
    struct curl_slist *hdr = NULL, *h;
    CURL *c = curl_easy_init();
    CURLcode cc;
    long code = 0;
    int rc = -1;

    snprintf(tsbuf, sizeof(tsbuf), "%lld", (long long)ts);
    if (c == NULL || ef_alert_sign(secret, secretlen, tsbuf, body, len, sig) != 0) {
        snprintf(err, errlen, "out of memory");
        curl_easy_cleanup(c);
        return -1;
    }
    snprintf(h1, sizeof(h1), "Efterlev-Timestamp: %s", tsbuf);
    snprintf(h2, sizeof(h2), "Efterlev-Signature: %s", sig);
    if ((h = curl_slist_append(hdr, "Content-Type: application/json")) == NULL ||
        (hdr = h, h = curl_slist_append(hdr, h1)) == NULL ||
        (hdr = h, h = curl_slist_append(hdr, h2)) == NULL ||
        (hdr = h, h = curl_slist_append(hdr, "Expect:")) == NULL) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    hdr = h;
    curl_easy_setopt(c, CURLOPT_URL, a->webhook_url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https");
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, CONNECT_SECS);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, TOTAL_SECS);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, detail);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "efterlev-collector");
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
    if (a->webhook_ca_file[0] != '\0')
        curl_easy_setopt(c, CURLOPT_CAINFO, a->webhook_ca_file);
    if ((cc = curl_easy_perform(c)) != CURLE_OK) {
        curl_fail(cc, detail, err, errlen);
        goto out;
    }
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    if (code < 200 || code > 299) {
        snprintf(err, errlen, "the webhook answered HTTP %ld", code);
        goto out;
    }
    rc = 0;
out:
    curl_slist_free_all(hdr);
    curl_easy_cleanup(c);
    return rc;
}

struct reader {
    const char *p;
    size_t left;
};

static size_t feed(char *dst, size_t size, size_t n, void *arg)
{
    struct reader *r = arg;
    size_t take = size * n < r->left ? size * n : r->left;

    memcpy(dst, r->p, take);
    r->p += take;
    r->left -= take;
    return take;
}

int ef_alert_smtp(const struct ef_alert_config *a, const char *password, const char *msg,
                  size_t len, char *err, size_t errlen)
{
    char from[EF_ALERT_ADDR_MAX + 3], rcpt[EF_ALERT_ADDR_MAX + 3], detail[CURL_ERROR_SIZE] = "";
    struct curl_slist *to = NULL, *h;
    struct reader r = {msg, len};
    CURL *c = curl_easy_init();
    CURLcode cc;
    int rc = -1;

    if (c == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (int i = 0; i < a->smtp_nto; i++) {
        snprintf(rcpt, sizeof(rcpt), "<%s>", a->smtp_to[i]);
        if ((h = curl_slist_append(to, rcpt)) == NULL) {
            snprintf(err, errlen, "out of memory");
            goto out;
        }
        to = h;
    }
    snprintf(from, sizeof(from), "<%s>", a->smtp_from);
    curl_easy_setopt(c, CURLOPT_URL, a->smtp_url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(c, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, CONNECT_SECS);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, TOTAL_SECS);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, detail);
    curl_easy_setopt(c, CURLOPT_MAIL_FROM, from);
    curl_easy_setopt(c, CURLOPT_MAIL_RCPT, to);
    curl_easy_setopt(c, CURLOPT_READFUNCTION, feed);
    curl_easy_setopt(c, CURLOPT_READDATA, &r);
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)len);
    if (a->smtp_ca_file[0] != '\0')
        curl_easy_setopt(c, CURLOPT_CAINFO, a->smtp_ca_file);
    if (password != NULL) {
        curl_easy_setopt(c, CURLOPT_USERNAME, a->smtp_username);
        curl_easy_setopt(c, CURLOPT_PASSWORD, password);
    }
    if ((cc = curl_easy_perform(c)) != CURLE_OK) {
        curl_fail(cc, detail, err, errlen);
        goto out;
    }
    rc = 0;
out:
    curl_slist_free_all(to);
    curl_easy_cleanup(c);
    return rc;
}
