/* SPDX-License-Identifier: EUPL-1.2 */
/* Day arithmetic in UTC, shared by the collector's store and its commands. */
#ifndef EFTERLEV_DAYS_H
#define EFTERLEV_DAYS_H

#include <stdint.h>
#include <time.h>

/* The day number (days since 1970-01-01, UTC) of t. */
int64_t ef_day_of(time_t t);
/* "YYYY-MM-DD" of a day number. */
void ef_day_text(int64_t day, char out[11]);
/* Parse "YYYY-MM-DD" (start of that day, UTC) or an RFC 3339 time. 0 or -1. */
int ef_parse_date(const char *s, time_t *out);
/* The same as the end of a period: "YYYY-MM-DD" is through that day (the start of the next,
 * UTC); an RFC 3339 time is that time. For due dates and "until" dates. 0 or -1. */
int ef_parse_date_through(const char *s, time_t *out);

#endif
