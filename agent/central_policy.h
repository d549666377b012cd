/* SPDX-License-Identifier: EUPL-1.2 */
/* The policy the collector serves (docs/protocol.md, "Policy"): fetched before each run,
 * verified with the policy key pinned at enrollment, kept as the last good one in the state
 * directory (policy.json) for runs without the collector. A served policy that does not
 * verify or load is refused: the last good one is used and the report says so. */
#ifndef EFTERLEV_AGENT_CENTRAL_POLICY_H
#define EFTERLEV_AGENT_CENTRAL_POLICY_H

#include "agent.h"
#include "agent_state.h"

#include "efterlev/policy.h"
#include "efterlev/report.h"

#include <jansson.h>

/* The result a run adds when it refused a served policy (status error). */
#define CENTRAL_REFUSED_CHECK "agent.policy_refused"
#define CENTRAL_DOC_MAX (8 * 1024 * 1024) /* bytes of a served document */
#define CENTRAL_DISABLED_MAX 1024

struct central_policy {
    int used;          /* 1: the policy set came from a served document */
    long long version; /* the department's policy version */
    char sha256[65];   /* of the document: the report's policy.sha256 */
    char refused[700]; /* why a served (or the last good) policy was refused; "" none */
    size_t ndisabled;  /* checks switched off for the department */
    char disabled[CENTRAL_DISABLED_MAX][EF_ID_MAX + 1];
    char *reasons[CENTRAL_DISABLED_MAX]; /* owned */
};

/* Decide the run's policy (and follow the host's levels per aspect the collector sends with
 * it, Efterlev-Levels, into en and the state folder): the served one when this machine was enrolled
 * with a collector that serves policies and there is a good one (fetched now, else the last good
 * one); then ps is loaded and cp->used is 1. Otherwise cp->used is 0 and the caller loads the local
 * policy. Never fails the run: what went wrong is logged and, for a refusal, kept in cp->refused.
 * platform: "linux" or "windows". */
void central_policy_prepare(struct agent_ctx *ctx, struct enrollment *en, const char *platform,
                            struct ef_policy_set *ps, struct central_policy *cp);
void central_policy_free(struct central_policy *cp);

/* Check a served document (len bytes) and load its files into ps (initialised by the
 * caller); the disabled checks into cp. 0, or -1 with err. */
int central_policy_load_doc(const char *doc, size_t len, const char *platform,
                            const char *controls_file, struct ef_policy_set *ps,
                            struct central_policy *cp, char *err, size_t errlen);

/* After the scan: the switched-off checks the scan skipped, as na results saying why, and
 * the refusal, as an error result. */
int central_policy_annotate(const struct central_policy *cp, const struct ef_policy_set *ps,
                            const ef_level levels[EF_ASPECTS], struct ef_report *r);

#endif
