/* SPDX-License-Identifier: EUPL-1.2 */
/* service: NAME rules on a Windows scan: the service control manager's view, api:Services
 * (EnumServicesStatusExW + QueryServiceConfigW), through agent/platform/winsys.h. NAME is
 * the service's key name (WinDefend, winlogbeat), compared case-insensitively as Windows
 * does; `active: true` is state running, `enabled: true` a start type boot, system, auto or
 * delayed-auto. Without the table (no recording, access denied) the rule is unknown. A
 * service that does not exist is neither running nor enabled. */
#include "rules.h"

#include "probes/win_util.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

int ef_rule_service_windows(const struct ef_ctx *ctx, const struct ef_rule *r, struct ef_eval *out)
{
    json_t *rows;
    char why[EF_EVIDENCE_MAX / 2];
    size_t i;
    const json_t *row, *svc = NULL;
    int lv = ctx->level, ok = 1;
    const struct ef_param *en = ef_p(r, EF_P_ENABLED), *ac = ef_p(r, EF_P_ACTIVE);

    if (ctx->facts == NULL || ef_facts_registry(ctx->facts) == NULL)
        return 0; /* not a Windows scan */
    if (ef_win_probe_rows(ctx->facts, "api:Services", &rows, why, sizeof(why)) != EF_WIN_OK) {
        ef_eval_set(out, EF_UNKNOWN, "service %s: %s", r->target, why);
        return 1;
    }
    json_array_foreach(rows, i, row)
    {
        const char *name = ef_win_str(row, "name");
        if (name != NULL && strcasecmp(name, r->target) == 0) {
            svc = row;
            break;
        }
    }
    if (svc == NULL) {
        ef_eval_set(out, (en && en->num[lv]) || (ac && ac->num[lv]) ? EF_FAIL : EF_PASS,
                    "service %s does not exist (api:Services)", r->target);
        return 1;
    }
    const char *state = ef_win_str(svc, "state"), *start = ef_win_str(svc, "start_type");
    state = state ? state : "?";
    start = start ? start : "?";
    int running = strcmp(state, "running") == 0;
    int enabled = strcmp(start, "auto") == 0 || strcmp(start, "delayed-auto") == 0 ||
                  strcmp(start, "boot") == 0 || strcmp(start, "system") == 0;
    if (en != NULL && enabled != (int)en->num[lv])
        ok = 0;
    if (ac != NULL && running != (int)ac->num[lv])
        ok = 0;
    ef_eval_set(out, ok ? EF_PASS : EF_FAIL, "service %s is %s, start type %s (api:Services)",
                r->target, state, start);
    return 1;
}
