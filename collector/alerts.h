/* SPDX-License-Identifier: EUPL-1.2 */
/* The serving collector's alert thread (docs/alerts.md): on its own store connection it
 * evaluates the departments' figures and the overdue actions every check_interval, and
 * drains the outbox to the webhook and the SMTP relay, one message per event or one digest
 * per interval, retrying with backoff. It never touches the event loop, so a slow receiver
 * delays only alerts. */
#ifndef EF_COLLECTOR_ALERTS_H
#define EF_COLLECTOR_ALERTS_H

#include "config.h"

struct ef_alerts;

/* The channels configured, as the store's bits (EF_ALERT_CH_*). */
unsigned ef_alert_channels(const struct ef_alert_config *a);

/* Load the secrets and start the thread on its own connection to database. NULL with err
 * on failure (a secret file missing or too short, the database). */
struct ef_alerts *ef_alerts_start(const struct ef_alert_config *a, const char *database, char *err,
                                  size_t errlen);
/* Stop the thread (after the message it is sending, if any) and free. NULL is fine. */
void ef_alerts_stop(struct ef_alerts *x);

#endif
