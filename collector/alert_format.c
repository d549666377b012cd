/* SPDX-License-Identifier: EUPL-1.2 */
/* Alert messages: the webhook's JSON (jansson) and HMAC (OpenSSL EVP_MAC), and the e-mail.
 * The e-mail's body is base64 (every line of it ASCII, whatever the hosts' evidence holds)
 * and its subject RFC 2047 encoded-words, so text from agents can never break a header. */
#include <jansson.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert_format.h"
#include "efterlev/buf.h"
#include "efterlev/util.h"

#define MORE(m) ((m)->total > (int64_t)(m)->n ? (m)->total - (int64_t)(m)->n : 0)

static int set_str(json_t *o, const char *key, const char *v)
{
    return json_object_set_new(o, key, json_string(v));
}

static json_t *event_json(const struct ef_alert_event *e)
{
    json_t *o = json_object();
    char t[32];
    int rc = 0;

    if (o == NULL)
        return NULL;
    ef_time_rfc3339((time_t)e->created_at, t);
    rc |= json_object_set_new(o, "id", json_integer(e->id));
    rc |= set_str(o, "kind", e->kind);
    rc |= set_str(o, "at", t);
    if (strcmp(e->kind, "test") != 0)
        rc |= set_str(o, "department", e->department);
    if (strcmp(e->kind, "regression") == 0 || strcmp(e->kind, "overdue") == 0) {
        rc |= set_str(o, "host", e->hostname);
        rc |= set_str(o, "agent_id", e->agent_id);
        rc |= set_str(o, "check", e->check);
        rc |= set_str(o, "severity", e->severity);
    }
    if (strcmp(e->kind, "regression") == 0)
        rc |= set_str(o, "evidence", e->detail);
    if (strcmp(e->kind, "department_below") == 0) {
        rc |= set_str(o, "compliance_pct", e->detail);
        rc |= json_object_set_new(o, "threshold_pct", json_integer(e->threshold));
    }
    if (strcmp(e->kind, "overdue") == 0) {
        ef_time_rfc3339((time_t)e->due, t);
        rc |= json_object_set_new(o, "deviation_id", json_integer(e->ref));
        rc |= set_str(o, "owner", e->owner);
        rc |= set_str(o, "action", e->detail);
        rc |= set_str(o, "due", t);
    }
    if (rc != 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

char *ef_alert_json(const struct ef_alert_msg *m, size_t *len)
{
    json_t *root = json_object(), *events = json_array();
    char t[32], *out = NULL;
    int rc = 0;

    if (root == NULL || events == NULL) {
        json_decref(root);
        json_decref(events);
        return NULL;
    }
    ef_time_rfc3339(m->now, t);
    rc |= set_str(root, "type", "efterlev.alerts/1");
    rc |= set_str(root, "id", m->id);
    rc |= set_str(root, "sent_at", t);
    rc |= json_object_set_new(root, "total", json_integer(m->total));
    rc |= json_object_set_new(root, "more", json_integer(MORE(m)));
    for (size_t i = 0; i < m->n && rc == 0; i++)
        rc |= json_array_append_new(events, event_json(&m->v[i]));
    rc |= json_object_set_new(root, "events", events);
    if (rc == 0)
        out = json_dumps(root, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(root);
    if (out != NULL && len != NULL)
        *len = strlen(out);
    return out;
}

int ef_alert_sign(const void *key, size_t keylen, const char *ts, const char *body, size_t len,
                  char out[EF_ALERT_SIG_LEN])
{
    EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    EVP_MAC_CTX *ctx = mac != NULL ? EVP_MAC_CTX_new(mac) : NULL;
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA256", 0),
        OSSL_PARAM_construct_end()};
    unsigned char md[32];
    size_t mdlen = 0;
    int ok = ctx != NULL && EVP_MAC_init(ctx, key, keylen, params) == 1 &&
             EVP_MAC_update(ctx, (const unsigned char *)ts, strlen(ts)) == 1 &&
             EVP_MAC_update(ctx, (const unsigned char *)".", 1) == 1 &&
             EVP_MAC_update(ctx, (const unsigned char *)body, len) == 1 &&
             EVP_MAC_final(ctx, md, &mdlen, sizeof(md)) == 1 && mdlen == sizeof(md);

    EVP_MAC_CTX_free(ctx);
    EVP_MAC_free(mac);
    if (!ok)
        return -1;
    memcpy(out, "sha256=", 7);
    for (size_t i = 0; i < sizeof(md); i++)
        snprintf(out + 7 + 2 * i, 3, "%02x", md[i]);
    return 0;
}

static const char *severity_sv(const char *sev)
{
    static const char *const map[][2] = {{"info", "info"},
                                         {"low", "låg"},
                                         {"medium", "medel"},
                                         {"high", "hög"},
                                         {"critical", "kritisk"}};

    for (size_t i = 0; i < EF_ARRAY_LEN(map); i++)
        if (strcmp(sev, map[i][0]) == 0)
            return map[i][1];
    return sev;
}

/* The figure with a decimal comma, as Swedish writes it. */
static void comma(const char *figure, char *out, size_t outlen)
{
    strlcpy(out, figure, outlen);
    for (char *p = out; *p != '\0'; p++)
        if (*p == '.')
            *p = ',';
}

void ef_alert_subject(const struct ef_alert_msg *m, char *out, size_t outlen)
{
    const struct ef_alert_event *e = m->n > 0 ? &m->v[0] : NULL;
    int same = e != NULL && m->total == (int64_t)m->n;
    char pct[32];

    for (size_t i = 1; i < m->n && same; i++)
        same = strcmp(m->v[i].kind, e->kind) == 0;
    if (e != NULL && m->total == 1) {
        if (strcmp(e->kind, "regression") == 0)
            snprintf(out, outlen, "efterlev: %s klarar inte längre %s (%s)", e->hostname, e->check,
                     severity_sv(e->severity));
        else if (strcmp(e->kind, "department_below") == 0) {
            comma(e->detail, pct, sizeof(pct));
            snprintf(out, outlen, "efterlev: %s under %lld %% (%s %%)", e->department,
                     (long long)e->threshold, pct);
        } else if (strcmp(e->kind, "overdue") == 0)
            snprintf(out, outlen, "efterlev: försenad åtgärd, %s på %s", e->check, e->hostname);
        else
            snprintf(out, outlen, "efterlev: testlarm");
    } else if (same && strcmp(e->kind, "regression") == 0) {
        snprintf(out, outlen, "efterlev: %lld nya avvikelser", (long long)m->total);
    } else if (same && strcmp(e->kind, "overdue") == 0) {
        snprintf(out, outlen, "efterlev: %lld försenade åtgärder", (long long)m->total);
    } else if (same && strcmp(e->kind, "department_below") == 0) {
        snprintf(out, outlen, "efterlev: %lld förvaltningar under målet", (long long)m->total);
    } else {
        snprintf(out, outlen, "efterlev: %lld nya larm", (long long)m->total);
    }
}

static void day_of(int64_t t, char out[11])
{
    char full[32];

    ef_time_rfc3339((time_t)t, full);
    snprintf(out, 11, "%.10s", full);
}

static int body_event(struct ef_buf *b, const struct ef_alert_event *e)
{
    char at[32], due[11], pct[32];
    int rc = 0;

    ef_time_rfc3339((time_t)e->created_at, at);
    if (strcmp(e->kind, "regression") == 0) {
        rc |= ef_buf_printf(b,
                            "Avvikelse: %s (%s) klarar inte längre %s, allvarlighet %s.\n"
                            "  Belägg: %s\n  Upptäckt: %s\n",
                            e->hostname, e->department, e->check, severity_sv(e->severity),
                            e->detail, at);
    } else if (strcmp(e->kind, "department_below") == 0) {
        comma(e->detail, pct, sizeof(pct));
        rc |= ef_buf_printf(b,
                            "Förvaltning under målet: %s, efterlevnad %s %% (mål %lld %%).\n"
                            "  Upptäckt: %s\n",
                            e->department, pct, (long long)e->threshold, at);
    } else if (strcmp(e->kind, "overdue") == 0) {
        day_of(e->due - 1, due); /* due is the end of the due day */
        rc |= ef_buf_printf(b,
                            "Försenad åtgärd (avvikelse %lld): %s på %s (%s).\n"
                            "  Ansvarig: %s\n  Åtgärd: %s\n  Skulle vara klar: %s\n",
                            (long long)e->ref, e->check, e->hostname, e->department,
                            e->owner[0] != '\0' ? e->owner : "(ingen)", e->detail, due);
    } else {
        rc |= ef_buf_printf(b, "Testlarm från efterlev: kanalen fungerar (%s).\n", at);
    }
    return rc;
}

/* RFC 5322's date, in English names whatever the locale. */
static void mail_date(time_t t, char *out, size_t outlen)
{
    static const char *const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    struct tm tm;

    gmtime_r(&t, &tm);
    snprintf(out, outlen, "%s, %02d %s %04d %02d:%02d:%02d +0000", days[tm.tm_wday], tm.tm_mday,
             months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* Base64 of n bytes, lines of 76 characters ending in CRLF. */
static int add_b64(struct ef_buf *b, const unsigned char *p, size_t n)
{
    unsigned char line[80];
    int rc = 0;

    for (size_t off = 0; off < n && rc == 0; off += 57) {
        size_t take = n - off < 57 ? n - off : 57;
        int w = EVP_EncodeBlock(line, p + off, (int)take);

        rc |= ef_buf_add(b, line, (size_t)w);
        rc |= ef_buf_add_str(b, "\r\n");
    }
    return rc;
}

/* The subject as RFC 2047 encoded-words of at most 45 bytes each (60 base64 characters),
 * cut between UTF-8 characters, folded onto continuation lines. ASCII stays as it is. */
static int add_subject(struct ef_buf *b, const char *s)
{
    size_t len = strlen(s), off = 0;
    int ascii = 1, rc = 0;

    for (size_t i = 0; i < len; i++)
        ascii &= (unsigned char)s[i] >= 0x20 && (unsigned char)s[i] < 0x7f;
    if (ascii)
        return ef_buf_printf(b, "Subject: %s\r\n", s);
    rc |= ef_buf_add_str(b, "Subject:");
    while (off < len && rc == 0) {
        size_t take = len - off < 45 ? len - off : 45;
        unsigned char enc[64];
        int w;

        while (off + take < len && ((unsigned char)s[off + take] & 0xc0) == 0x80)
            take--;
        w = EVP_EncodeBlock(enc, (const unsigned char *)s + off, (int)take);
        rc |= ef_buf_printf(b, " =?UTF-8?B?%.*s?=%s", w, (const char *)enc,
                            off + take < len ? "\r\n" : "");
        off += take;
    }
    rc |= ef_buf_add_str(b, "\r\n");
    return rc;
}

char *ef_alert_mail(const struct ef_alert_msg *m, const char *from, const char *const *to,
                    size_t nto, size_t *len)
{
    struct ef_buf body, b;
    const char *domain = strchr(from, '@');
    char subject[512], date[64], *out;
    int rc = 0;

    ef_buf_init(&body, EF_ALERT_MSG_MAX / 2);
    ef_buf_init(&b, EF_ALERT_MSG_MAX);
    rc |= ef_buf_add_str(&body, m->total == 1 ? "Ett nytt larm från efterlev:\n\n"
                                              : "Nya larm från efterlev:\n\n");
    for (size_t i = 0; i < m->n && rc == 0; i++) {
        rc |= body_event(&body, &m->v[i]);
        rc |= ef_buf_add_str(&body, "\n");
    }
    if (MORE(m) > 0)
        rc |= ef_buf_printf(&body, "... och %lld till.\n\n", (long long)MORE(m));
    rc |= ef_buf_add_str(&body, "Alla larm: efterlev-collector alerts list\n"
                                "-- \nefterlev (efterlevnad för kommunens informationssäkerhet)\n");

    ef_alert_subject(m, subject, sizeof(subject));
    mail_date(m->now, date, sizeof(date));
    rc |= ef_buf_printf(&b, "Date: %s\r\nFrom: efterlev <%s>\r\nTo: ", date, from);
    for (size_t i = 0; i < nto; i++)
        rc |= ef_buf_printf(&b, "%s<%s>", i > 0 ? ",\r\n " : "", to[i]);
    rc |= ef_buf_add_str(&b, "\r\n");
    rc |= add_subject(&b, subject);
    rc |= ef_buf_printf(&b,
                        "Message-ID: <%s@%s>\r\nMIME-Version: 1.0\r\n"
                        "Content-Type: text/plain; charset=UTF-8\r\n"
                        "Content-Transfer-Encoding: base64\r\n"
                        "Auto-Submitted: auto-generated\r\n\r\n",
                        m->id, domain != NULL ? domain + 1 : "efterlev.invalid");
    if (rc == 0)
        rc |= add_b64(&b, (const unsigned char *)ef_buf_str(&body), ef_buf_len(&body));
    ef_buf_free(&body);
    if (rc != 0) {
        ef_buf_free(&b);
        return NULL;
    }
    *len = ef_buf_len(&b);
    out = ef_buf_take(&b);
    return out;
}
