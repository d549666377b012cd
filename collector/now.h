/* SPDX-License-Identifier: EUPL-1.2 */
/* The collector's clock. */
#ifndef EF_COLLECTOR_NOW_H
#define EF_COLLECTOR_NOW_H

#include <stdint.h>
#include <time.h>

/* The time the collector judges by: EFTERLEV_NOW (RFC 3339) when set, else the clock. This
 * is the only place the collector reads the override (tests use it to move time forward:
 * staleness, expiring acceptances, daily snapshots). An unparsable value is ignored with a
 * warning, once. */
time_t ef_coll_now(void);

/* Day arithmetic in UTC: the day number (days since 1970-01-01) of t, and "YYYY-MM-DD". */
int64_t ef_day_of(time_t t);
void ef_day_text(int64_t day, char out[11]);
/* Parse "YYYY-MM-DD" (start of that day, UTC) or an RFC 3339 time. 0 or -1. */
int ef_parse_date(const char *s, time_t *out);

#endif
