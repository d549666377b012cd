/* SPDX-License-Identifier: EUPL-1.2 */
/* sysctl: NAME rules: a kernel parameter read from ROOT/proc/sys (dots become slashes),
 * compared with equals (text, whitespace folded), min and max (its first number). */
#include "rules.h"

#include "probes/root_open.h"

#include "efterlev/util.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Fold runs of white space to one space and trim: "4\t4\t1\t7\n" -> "4 4 1 7". */
static void fold_space(char *s)
{
    char *w = s;
    int space = 0;
    for (char *p = s; *p; p++) {
        if (isspace((unsigned char)*p)) {
            space = w != s;
            continue;
        }
        if (space)
            *w++ = ' ';
        space = 0;
        *w++ = *p;
    }
    *w = '\0';
}

void ef_rule_sysctl(const struct ef_ctx *ctx, const struct ef_rule *r, struct ef_eval *out)
{
    char rel[512], path[4096], *text = NULL;
    int lv = ctx->level;

    if ((size_t)snprintf(rel, sizeof(rel), "/proc/sys/%s", r->target) >= sizeof(rel) ||
        ef_path_join(path, sizeof(path), ctx->root, rel) != 0) {
        ef_eval_set(out, EF_ERROR, "line %d: sysctl name too long", r->line);
        return;
    }
    for (char *p = rel + strlen(rel) - strlen(r->target); *p; p++)
        if (*p == '.')
            *p = '/';
    int rc = ef_root_read(ctx->root, rel, 4096, &text, NULL);
    if (rc != 0) {
        ef_eval_set(out, EF_UNKNOWN, "cannot read sysctl %s: %s", r->target,
                    rc == -ENOENT ? "no such parameter (module not loaded?)" : ef_root_errtext(rc));
        return;
    }
    fold_space(text);

    const struct ef_param *eq = ef_p(r, EF_P_EQUALS), *mn = ef_p(r, EF_P_MIN),
                          *mx = ef_p(r, EF_P_MAX);
    char why[160] = "";
    int ok = 1;
    if (eq != NULL) {
        char want[256];
        strlcpy(want, eq->str[lv], sizeof(want));
        fold_space(want);
        if (strcmp(want, text) != 0)
            ok = 0, snprintf(why, sizeof(why), " (expected %.120s)", want);
    }
    if (ok && (mn || mx)) {
        char *end;
        errno = 0;
        long long v = strtoll(text, &end, 10);
        if (errno != 0 || end == text) {
            ef_eval_set(out, EF_ERROR, "line %d: sysctl %s = %.100s is not a number", r->line,
                        r->target, text);
            free(text);
            return;
        }
        if (mn && v < mn->num[lv])
            ok = 0, snprintf(why, sizeof(why), " (min %lld)", mn->num[lv]);
        else if (mx && v > mx->num[lv])
            ok = 0, snprintf(why, sizeof(why), " (max %lld)", mx->num[lv]);
    }
    ef_eval_set(out, ok ? EF_PASS : EF_FAIL, "sysctl %s = %.200s%s", r->target, text, why);
    free(text);
}
