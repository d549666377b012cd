/* SPDX-License-Identifier: EUPL-1.2 */
/* Delivering the spool to the collector, oldest report first. */
#ifndef EFTERLEV_AGENT_DELIVER_H
#define EFTERLEV_AGENT_DELIVER_H

#include "agent.h"
#include "agent_state.h"

struct deliver_result {
    long delivered; /* accepted (202) or already there (200 "duplicate", 409 "stored") */
    long rejected;  /* refused for good (400, 413): moved to spool/rejected */
    long remaining; /* still spooled */
    /* A catch-up (409 with the collector's last_seq; catch_up.h): the refused report's seq
     * and the fresh seq it got; both 0 when there was none. */
    uint64_t caught_up_from, caught_up_to;
    /* The seq the newest spooled report has after delivery (0: delivered or set aside):
     * the report this run made, re-numbered by a catch-up. */
    uint64_t newest_seq;
    char error[1100]; /* why delivery stopped, if it did */
};

/* Send every spooled report in seq order; stop at the first one the collector could not
 * take now (unreachable, 401, 5xx). A changed protection level in an answer is saved to the
 * enrollment. A report the collector holds already (200 "duplicate", 409 "stored") leaves
 * the spool. A 409 for a report it does not hold (its seq is behind: a restored state
 * folder) catches up once per call: the later reports the collector may hold are asked
 * about first, then the refused report and all after it get fresh seqs above the
 * collector's, in order, and are sent again; a second 409 in the same call stops delivery.
 * Returns 0 when the spool is empty afterwards, 1 otherwise. */
int deliver_spool(struct agent_ctx *ctx, struct enrollment *en, struct deliver_result *res);

#endif
