/* SPDX-License-Identifier: EUPL-1.2 */
/* fact: NAME rules: compare a probe's fact with equals, min, max, mode_max, matches, in. */
#include "rules.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void value_text(const struct ef_fact *f, char *out, size_t outlen)
{
    switch (f->type) {
    case EF_FACT_BOOL:
        snprintf(out, outlen, "%s", f->b ? "true" : "false");
        break;
    case EF_FACT_INT:
        snprintf(out, outlen, "%lld", f->i);
        break;
    default:
        out[0] = '\0';
        ef_text_append(out, outlen, f->s, strlen(f->s));
    }
}

void ef_rule_fact(const struct ef_ctx *ctx, const struct ef_rule *r, struct ef_eval *out)
{
    const struct ef_fact *f = ef_facts_get(ctx->facts, r->target);
    const struct ef_param *p;
    char val[EF_FACT_STR_MAX + 1], why[256] = "";
    int lv = ctx->level, ok = 1;

    if (f == NULL) {
        ef_eval_set(out, EF_ERROR, "line %d: unknown fact '%s'", r->line, r->target);
        return;
    }
    if (!f->known) {
        ef_eval_set(out, EF_UNKNOWN, "%s unknown: %s", f->name, f->evidence);
        return;
    }
    value_text(f, val, sizeof(val));
    const struct ef_param *mm = ef_p(r, EF_P_MODE_MAX);
    if (mm != NULL) {
        if (f->type != EF_FACT_INT || f->i < 0 || f->i > 07777) {
            ef_eval_set(out, EF_ERROR, "line %d: mode_max needs a file mode fact; %s is not",
                        r->line, f->name);
            return;
        }
        snprintf(val, sizeof(val), "%04llo", f->i); /* a mode reads in octal */
        if ((unsigned long long)f->i & ~(unsigned long long)mm->num[lv])
            ok = 0, snprintf(why, sizeof(why), " (bits beyond %04llo)", mm->num[lv]);
    }

    if ((p = ef_p(r, EF_P_EQUALS)) != NULL) {
        const char *want = p->str[lv];
        if (f->type == EF_FACT_BOOL && strcmp(want, "true") != 0 && strcmp(want, "false") != 0) {
            ef_eval_set(out, EF_ERROR, "line %d: %s is a boolean; equals must be true or false",
                        r->line, f->name);
            return;
        }
        if (f->type == EF_FACT_INT) {
            char *end;
            long long w = strtoll(want, &end, 10);
            if (*want == '\0' || *end != '\0') {
                ef_eval_set(out, EF_ERROR, "line %d: %s is an integer; equals must be one", r->line,
                            f->name);
                return;
            }
            if (w != f->i)
                ok = 0, snprintf(why, sizeof(why), " (expected %lld)", w);
        } else if (strcmp(want, val) != 0) {
            ok = 0;
            snprintf(why, sizeof(why), " (expected %.120s)", want);
        }
    }
    const struct ef_param *mn = ef_p(r, EF_P_MIN), *mx = ef_p(r, EF_P_MAX);
    if ((mn || mx) && f->type != EF_FACT_INT) {
        ef_eval_set(out, EF_ERROR, "line %d: min/max need an integer fact; %s is not", r->line,
                    f->name);
        return;
    }
    if (ok && mn && f->i < mn->num[lv])
        ok = 0, snprintf(why, sizeof(why), " (min %lld)", mn->num[lv]);
    if (ok && mx && f->i > mx->num[lv])
        ok = 0, snprintf(why, sizeof(why), " (max %lld)", mx->num[lv]);
    if (ok && (p = ef_p(r, EF_P_MATCHES)) != NULL) {
        pcre2_match_data *md = pcre2_match_data_create_from_pattern(p->re[lv], NULL);
        int rc = md ? pcre2_match(p->re[lv], (PCRE2_SPTR)val, strlen(val), 0, 0, md, NULL)
                    : PCRE2_ERROR_NOMEMORY;
        pcre2_match_data_free(md);
        if (rc == PCRE2_ERROR_NOMATCH) {
            ok = 0;
            snprintf(why, sizeof(why), " (does not match '%.120s')", p->str[lv]);
        } else if (rc < 0) {
            ef_eval_set(out, EF_UNKNOWN, "%s: cannot match (PCRE2 error %d)", f->name, rc);
            return;
        }
    }
    if (ok && r->list != NULL) {
        int found = 0;
        for (char **v = r->list; *v && !found; v++)
            found = strcmp(*v, val) == 0;
        if (!found)
            ok = 0, snprintf(why, sizeof(why), " (not in the allowed list)");
    }
    /* A pass that counts something (92 pending updates, a reboot pending for 5 days) says
     * why it passes, after what was seen: within the limit this level allows. */
    char tail[96] = "";
    if (ok && why[0] == '\0' && f->i > 0 && mx != NULL && mx->num[lv] < EF_FACT_NO_LIMIT)
        snprintf(tail, sizeof(tail), "; passes: %lld is within the %s limit of %lld", f->i,
                 ef_level_name(lv), mx->num[lv]);
    /* The reason must survive the evidence limit: what was seen gives way, cut at a
     * character boundary and marked. */
    size_t seen = strlen(f->evidence), fixed = strlen(f->name) + strlen(val) + strlen(why) + 5;
    const char *cut = "";
    if (tail[0] != '\0' && fixed + seen + strlen(tail) > EF_EVIDENCE_MAX) {
        seen = fixed + strlen(tail) + 3 < EF_EVIDENCE_MAX
                   ? EF_EVIDENCE_MAX - fixed - strlen(tail) - 3
                   : 0;
        while (seen > 0 && ((unsigned char)f->evidence[seen] & 0xc0) == 0x80)
            seen--;
        cut = "...";
    }
    ef_eval_set(out, ok ? EF_PASS : EF_FAIL, "%s = %s%s: %.*s%s%s", f->name, val, why, (int)seen,
                f->evidence, cut, tail);
}
