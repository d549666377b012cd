/* SPDX-License-Identifier: EUPL-1.2 */
/* The collector's clock. */
#ifndef EF_COLLECTOR_NOW_H
#define EF_COLLECTOR_NOW_H

#include <stdint.h>
#include <time.h>

#include "efterlev/days.h" /* the day arithmetic the clock is used with */

/* The time the collector judges by: EFTERLEV_NOW (RFC 3339) when set, else the clock. This
 * is the only place the collector reads the override (tests use it to move time forward:
 * staleness, expiring acceptances, daily snapshots). An unparsable value is ignored with a
 * warning, once. */
time_t ef_coll_now(void);

#endif
