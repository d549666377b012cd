/* dir: PATH rules: the files of a folder whose names match files_matching, each judged
 * with the file tests. */
#include "rules.h"

void ef_rule_dir(const struct ef_ctx *ctx, const struct ef_rule *r, struct ef_eval *out)
{
    (void)ctx;
    ef_eval_set(out, EF_ERROR, "line %d: dir rules are not evaluated yet", r->line);
}
