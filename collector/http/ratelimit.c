/* SPDX-License-Identifier: EUPL-1.2 */
#include <stdio.h>
#include <string.h>

#include "http/ratelimit.h"

void ef_rl_init(struct ef_ratelimit *rl, double per_minute, double burst)
{
    memset(rl, 0, sizeof(*rl));
    rl->rate_per_sec = per_minute / 60.0;
    rl->burst = burst;
}

int ef_rl_take(struct ef_ratelimit *rl, const char *addr, double now)
{
    struct ef_rl_slot *s = NULL, *empty = NULL, *lru = NULL;
    size_t i;

    for (i = 0; i < EF_RL_SLOTS; i++) {
        struct ef_rl_slot *c = &rl->slots[i];

        if (c->addr[0] == '\0') {
            if (empty == NULL)
                empty = c;
        } else if (strcmp(c->addr, addr) == 0) {
            s = c;
            break;
        } else if (lru == NULL || c->last < lru->last) {
            lru = c;
        }
    }
    if (s == NULL) {
        s = empty != NULL ? empty : lru;
        memset(s, 0, sizeof(*s));
        snprintf(s->addr, sizeof(s->addr), "%s", addr[0] != '\0' ? addr : "?");
        s->tokens = rl->burst;
        s->last = now;
    }
    s->tokens += (now - s->last) * rl->rate_per_sec;
    if (s->tokens > rl->burst)
        s->tokens = rl->burst;
    s->last = now;
    if (s->tokens < 1.0)
        return 0;
    s->tokens -= 1.0;
    return 1;
}
