/* SPDX-License-Identifier: EUPL-1.2 */
/* Per-source-address token buckets, in memory, for enrollment. A fixed table: when full,
 * the least recently used address is forgotten, so memory stays bounded whatever the
 * number of sources. */
#ifndef EF_COLLECTOR_RATELIMIT_H
#define EF_COLLECTOR_RATELIMIT_H

#include <time.h>

#define EF_RL_SLOTS 1024
#define EF_RL_ADDR_MAX 64

struct ef_rl_slot {
    char addr[EF_RL_ADDR_MAX];
    double tokens;
    double last; /* seconds, monotonic */
};

struct ef_ratelimit {
    double rate_per_sec;
    double burst;
    struct ef_rl_slot slots[EF_RL_SLOTS];
};

void ef_rl_init(struct ef_ratelimit *rl, double per_minute, double burst);
/* Take one token for addr at time now (seconds); 1 allowed, 0 refused. */
int ef_rl_take(struct ef_ratelimit *rl, const char *addr, double now);

#endif
