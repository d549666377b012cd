/* SPDX-License-Identifier: EUPL-1.2 */
/* Delivering one alert message with libcurl (docs/alerts.md): the webhook's signed HTTPS POST
 * and the e-mail through the SMTP relay, TLS required on both. Blocking, with timeouts: call
 * from the alert thread, never from the event loop. curl_global_init must have run. */
#ifndef EF_COLLECTOR_ALERT_SEND_H
#define EF_COLLECTOR_ALERT_SEND_H

#include <stddef.h>
#include <time.h>

#include "config.h"

#define EF_ALERT_SECRET_MAX 4096
#define EF_ALERT_SECRET_MIN 16

/* A secret file's content without its final newline into out (at most EF_ALERT_SECRET_MAX
 * bytes), at least min bytes. 0, or -1 with err. */
int ef_alert_secret_load(const char *path, size_t min, char *out, size_t *len, char *err,
                         size_t errlen);

/* POST body to the webhook, signed with secret at ts. 0 on an answer 2xx; -1 with err. */
int ef_alert_post(const struct ef_alert_config *a, const char *secret, size_t secretlen,
                  const char *body, size_t len, time_t ts, char *err, size_t errlen);

/* Send the message msg to every recipient through the relay. 0 when the relay accepted it;
 * -1 with err. password NULL: no login. */
int ef_alert_smtp(const struct ef_alert_config *a, const char *password, const char *msg,
                  size_t len, char *err, size_t errlen);

#endif
