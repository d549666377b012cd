/* SPDX-License-Identifier: EUPL-1.2 */
/* Rule evaluators: each judges one rule of a check against the scan's root and facts. */
#ifndef EFTERLEV_AGENT_RULES_H
#define EFTERLEV_AGENT_RULES_H

#include "efterlev/attr.h"
#include "facts.h"
#include "policy_internal.h"

#include <stdarg.h>

/* A `max` of this or more means "no limit at this level" (a per-level map must name every
 * level): a pass against it names no limit in its evidence. */
#define EF_FACT_NO_LIMIT 1000000

struct ef_eval {
    ef_status status; /* EF_PASS, EF_FAIL, EF_UNKNOWN or EF_ERROR */
    char evidence[EF_EVIDENCE_MAX + 1];
};

struct ef_ctx {
    const char *root;
    ef_level level;
    struct ef_facts *facts;
};

void ef_eval_set(struct ef_eval *e, ef_status st, const char *fmt, ...) EF_PRINTF(3, 4);

void ef_rule_file(const struct ef_ctx *ctx, const struct ef_rule *r, struct ef_eval *out);
void ef_rule_command(const struct ef_ctx *ctx, const struct ef_rule *r, struct ef_eval *out);
void ef_rule_fact(const struct ef_ctx *ctx, const struct ef_rule *r, struct ef_eval *out);
void ef_rule_sysctl(const struct ef_ctx *ctx, const struct ef_rule *r, struct ef_eval *out);
void ef_rule_service(const struct ef_ctx *ctx, const struct ef_rule *r, struct ef_eval *out);
void ef_rule_dir(const struct ef_ctx *ctx, const struct ef_rule *r, struct ef_eval *out);
void ef_rule_package(const struct ef_ctx *ctx, const struct ef_rule *r, struct ef_eval *out);
void ef_rule_registry(const struct ef_ctx *ctx, const struct ef_rule *r, struct ef_eval *out);
void ef_rule_wmi(const struct ef_ctx *ctx, const struct ef_rule *r, struct ef_eval *out);
/* A service rule on a Windows scan (api:Services, rules/service_win.c): 1 when judged into
 * out, 0 when the scan is not of a Windows system. */
int ef_rule_service_windows(const struct ef_ctx *ctx, const struct ef_rule *r, struct ef_eval *out);
void ef_rule_running(const struct ef_ctx *ctx, const struct ef_rule *r, struct ef_eval *out);

/* The value of a parameter at the context's level. */
static inline const struct ef_param *ef_p(const struct ef_rule *r, ef_param_id id)
{
    return r->p[id].set ? &r->p[id] : NULL;
}

#endif
