/* SPDX-License-Identifier: EUPL-1.2 */
/* service: NAME rules: a systemd unit's enablement (unit files and .wants links) and
 * whether it is active; on a Windows scan the service control manager's (service_win.c). */
#include "rules.h"

#include "probes/systemd_units.h"

#include <stdio.h>
#include <string.h>

void ef_rule_service(const struct ef_ctx *ctx, const struct ef_rule *r, struct ef_eval *out)
{
    char unit[300], ev[EF_EVIDENCE_MAX + 1] = "", one[512];
    int lv = ctx->level, ok = 1, unknown = 0;
    const struct ef_param *en = ef_p(r, EF_P_ENABLED), *ac = ef_p(r, EF_P_ACTIVE);

    if (ef_rule_service_windows(ctx, r, out))
        return;
    if (ef_unit_name(r->target, unit, sizeof(unit)) != 0) {
        ef_eval_set(out, EF_ERROR, "line %d: unit name too long", r->line);
        return;
    }
    if (en != NULL) {
        int is = ef_unit_enabled(ctx->root, unit, one, sizeof(one));
        ef_evidence_add(ev, sizeof(ev), one);
        if (is != (int)en->num[lv])
            ok = 0;
    }
    if (ac != NULL) {
        int is = ef_unit_active(ctx->root, unit, one, sizeof(one));
        ef_evidence_add(ev, sizeof(ev), one);
        if (is < 0)
            unknown = 1;
        else if (is != (int)ac->num[lv])
            ok = 0;
    }
    /* A definite mismatch decides even when the other half is unknown. */
    ef_eval_set(out, !ok ? EF_FAIL : unknown ? EF_UNKNOWN : EF_PASS, "%s", ev);
}
