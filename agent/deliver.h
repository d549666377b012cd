/* SPDX-License-Identifier: EUPL-1.2 */
/* Delivering the spool to the collector, oldest report first. */
#ifndef EFTERLEV_AGENT_DELIVER_H
#define EFTERLEV_AGENT_DELIVER_H

#include "agent.h"
#include "agent_state.h"

struct deliver_result {
    long delivered;   /* accepted (202) or already there (200, 409) */
    long rejected;    /* refused for good (400, 413): moved to spool/rejected */
    long remaining;   /* still spooled */
    char error[1100]; /* why delivery stopped, if it did */
};

/* Send every spooled report in seq order; stop at the first one the collector could not
 * take now (unreachable, 401, 5xx). A changed protection level in an answer is saved to the
 * enrollment. Returns 0 when the spool is empty afterwards, 1 otherwise. */
int deliver_spool(struct agent_ctx *ctx, struct enrollment *en, struct deliver_result *res);

#endif
