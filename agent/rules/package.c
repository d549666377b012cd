/* package: NAME rules: installed, min_version (dpkg status or the rpm database). */
#include "rules.h"

void ef_rule_package(const struct ef_ctx *ctx, const struct ef_rule *r, struct ef_eval *out)
{
    (void)ctx;
    ef_eval_set(out, EF_ERROR, "line %d: package rules are not evaluated yet", r->line);
}
