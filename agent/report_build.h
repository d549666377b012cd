/* SPDX-License-Identifier: EUPL-1.2 */
/* Building a report: load the policies, collect host facts, run the engine. */
#ifndef EFTERLEV_AGENT_REPORT_BUILD_H
#define EFTERLEV_AGENT_REPORT_BUILD_H

#include "agent.h"
#include "efterlev/policy.h"
#include "efterlev/report.h"

/* Run ps against root at levels (per aspect, efterlev/policy.h) into r (host, policy, results,
 * generated_at), leaving out the checks named in skip (NULL-terminated, or NULL). On the live
 * system probes read their state from the agent's state directory, and update it when update_state
 * is set (run). agent_id and seq are left for the caller. Returns 0 or -1 (error printed). */
int agent_build_report(struct agent_ctx *ctx, const struct ef_policy_set *ps, const char *root,
                       const ef_level levels[EF_ASPECTS], const char *const *skip, int update_state,
                       struct ef_report *r);

#endif
