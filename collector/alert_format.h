/* SPDX-License-Identifier: EUPL-1.2 */
/* What an alert message says (docs/alerts.md): the webhook's JSON body and its signature,
 * and the e-mail (RFC 5322, MIME, UTF-8). Pure functions of the events: no network, no
 * store, so they are tested byte for byte. */
#ifndef EF_COLLECTOR_ALERT_FORMAT_H
#define EF_COLLECTOR_ALERT_FORMAT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "store/store.h"

/* "sha256=" and 64 hex digits, NUL. */
#define EF_ALERT_SIG_LEN (7 + 64 + 1)
/* The largest message: a digest lists at most 1,000 events of a few KiB each. */
#define EF_ALERT_MSG_MAX ((size_t)16 << 20)

/* One message: the n events v listed, standing for total events (total - n "more"); id
 * names the message (the claim token), now is when it is made. */
struct ef_alert_msg {
    const struct ef_alert_event *v;
    size_t n;
    int64_t total;
    const char *id;
    time_t now;
};

/* The webhook body: compact JSON, sorted keys (docs/alerts.md, "Webhook"). Caller frees;
 * NULL when out of memory. */
char *ef_alert_json(const struct ef_alert_msg *m, size_t *len);

/* The signature of body at timestamp ts (unix seconds as decimal text): "sha256=" and the
 * hex HMAC-SHA256, under key, of "TS.BODY". 0 or -1. */
int ef_alert_sign(const void *key, size_t keylen, const char *ts, const char *body, size_t len,
                  char out[EF_ALERT_SIG_LEN]);

/* The subject line in Swedish, UTF-8, unencoded ("efterlev: 3 nya avvikelser"). */
void ef_alert_subject(const struct ef_alert_msg *m, char *out, size_t outlen);

/* The whole e-mail, CRLF line ends: Date, From, To (every address of to), Subject (RFC 2047
 * encoded-words when not ASCII), Message-ID (<id@from's domain>), MIME-Version and a
 * text/plain UTF-8 body in base64. Caller frees; NULL when out of memory or too large. */
char *ef_alert_mail(const struct ef_alert_msg *m, const char *from, const char *const *to,
                    size_t nto, size_t *len);

#endif
