/* SPDX-License-Identifier: EUPL-1.2 */
/* registry: rules (Windows): the value `value` of the first key of the list that holds it
 * decides (policy keys first, then the component's own: Group Policy and MDM override local
 * settings), tested with equals, in, min, max, matches or exists; when no key holds it, the
 * rule's `missing` verdict (default fail). Without `value`, `exists` tests the key itself
 * (any key of the list). The evidence names key, value, data, type and which one decided.
 * A scan without a registry (a Linux system) leaves registry rules unknown. */
#include "rules.h"

#include "platform/registry.h"

#include "efterlev/textlist.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* "policy" for keys Group Policy or MDM write (...\Policies\..., PolicyManager), else
 * "local". */
static const char *origin(const char *key)
{
    char low[1100];
    size_t i;
    /* room for the '\\' and the NUL after the copy (keys are at most 1 KiB: lib/policy.c) */
    for (i = 0; key[i] && i + 2 < sizeof(low); i++)
        low[i] = (char)tolower((unsigned char)key[i]);
    low[i] = '\\';
    low[i + 1] = '\0';
    return strstr(low, "\\policies\\") || strstr(low, "\\policymanager\\") ? "policy" : "local";
}

/* The data for evidence: '\n' between REG_MULTI_SZ items shown as " | ". */
static void shown(const struct ef_reg_value *v, char *out, size_t outlen)
{
    size_t o = 0;
    for (const char *p = v->text; *p && o + 4 < outlen; p++) {
        if (*p == '\n') {
            memcpy(out + o, " | ", 3);
            o += 3;
        } else {
            out[o++] = *p;
        }
    }
    out[o] = '\0';
    if (v->truncated && o + 4 < outlen)
        strcpy(out + o, "...");
}

static int parse_ll(const char *s, long long *out)
{
    char *end;
    if (*s == '\0')
        return -1;
    long long v = strtoll(s, &end, 0); /* decimal, or 0x... as regedit shows DWORDs */
    if (*end != '\0')
        return -1;
    *out = v;
    return 0;
}

/* The value as an integer: a DWORD or QWORD, or a REG_SZ holding a decimal number (Windows
 * keeps some numbers as text, e.g. ScreenSaveTimeOut). */
static int as_int(const struct ef_reg_value *v, long long *out)
{
    if (v->numeric) {
        *out = (long long)v->num;
        return 0;
    }
    if (v->type != EF_REG_SZ && v->type != EF_REG_EXPAND_SZ)
        return -1;
    return parse_ll(v->text, out);
}

/* equals / in: numbers compare as numbers, text case-insensitively as Windows reads it. */
static int same(const struct ef_reg_value *v, const char *want)
{
    long long a, b;
    if (as_int(v, &a) == 0 && parse_ll(want, &b) == 0)
        return a == b;
    if (v->numeric)
        return 0;
    return ef_reg_name_eq(v->text, want);
}

static void judge_key_only(const struct ef_ctx *ctx, const struct ef_rule *r, struct ef_reg *reg,
                           ef_reg_view view, struct ef_eval *out)
{
    const struct ef_param *ex = ef_p(r, EF_P_EXISTS);
    int want = ex ? (int)ex->num[ctx->level] : 1;
    char why[400];

    for (size_t i = 0; i < r->nkeys; i++) {
        ef_reg_status st = ef_reg_key_exists(reg, r->keys[i], view, why, sizeof(why));
        if (st == EF_REG_CANNOT_READ) {
            ef_eval_set(out, EF_UNKNOWN, "%s", why);
            return;
        }
        if (st == EF_REG_PRESENT) {
            ef_eval_set(out, want ? EF_PASS : EF_FAIL, "%s exists (%s key)%s", r->keys[i],
                        origin(r->keys[i]), want ? "" : " (expected absent)");
            return;
        }
    }
    ef_eval_set(out, want ? EF_FAIL : EF_PASS, "%s%s does not exist%s", r->keys[0],
                r->nkeys > 1 ? " (nor the other keys of the rule)" : "",
                want ? " (expected to exist)" : "");
}

void ef_rule_registry(const struct ef_ctx *ctx, const struct ef_rule *r, struct ef_eval *out)
{
    struct ef_reg *reg = ef_facts_registry(ctx->facts);
    const struct ef_param *p = ef_p(r, EF_P_VIEW), *vn = ef_p(r, EF_P_VALUE);
    int lv = ctx->level;
    ef_reg_view view = p && p->num[lv] == 32 ? EF_REG_VIEW_32 : EF_REG_VIEW_64;
    const char *name = vn ? vn->str[lv] : NULL;
    char why[400], data[EF_REG_TEXT_MAX + 8], tn[24];
    struct ef_reg_value v;
    size_t i;

    if (reg == NULL) {
        ef_eval_set(out, EF_UNKNOWN,
                    "no Windows registry in this scan (a %s system; a recorded registry is "
                    "scanned with --registry FILE.reg): %s%s%s not read",
                    ef_facts_platform(ctx->facts), r->keys[0], name ? "\\" : "", name ? name : "");
        return;
    }
    if (name == NULL) {
        judge_key_only(ctx, r, reg, view, out);
        return;
    }
    ef_reg_status st = EF_REG_ABSENT;
    for (i = 0; i < r->nkeys; i++) {
        st = ef_reg_get(reg, r->keys[i], name, view, &v, why, sizeof(why));
        if (st == EF_REG_CANNOT_READ) {
            /* an unreadable key may hold the deciding value: nothing can be concluded */
            ef_eval_set(out, EF_UNKNOWN, "%s\\%s: %s", r->keys[i], name, why);
            return;
        }
        if (st == EF_REG_PRESENT)
            break;
    }
    const char *viewtxt = view == EF_REG_VIEW_32 ? ", 32-bit view" : "";
    const struct ef_param *ex = ef_p(r, EF_P_EXISTS);
    if (st == EF_REG_ABSENT) {
        ef_status verdict = EF_FAIL;
        const char *meaning = "";
        if (ex) {
            verdict = ex->num[lv] ? EF_FAIL : EF_PASS;
        } else {
            const struct ef_param *m = ef_p(r, EF_P_MISSING);
            const char *ms = m ? m->str[lv] : "fail";
            verdict = strcmp(ms, "pass") == 0      ? EF_PASS
                      : strcmp(ms, "unknown") == 0 ? EF_UNKNOWN
                                                   : EF_FAIL;
            meaning = verdict == EF_PASS      ? " (absent is accepted: the Windows default)"
                      : verdict == EF_UNKNOWN ? " (absent does not decide: unknown)"
                                              : " (not set)";
        }
        char keys[EF_EVIDENCE_MAX / 2] = "";
        for (i = 0; i < r->nkeys; i++) {
            char one[600];
            snprintf(one, sizeof(one), "%s%s (%s)", i ? " nor " : "", r->keys[i],
                     origin(r->keys[i]));
            ef_text_append(keys, sizeof(keys), one, strlen(one));
        }
        ef_eval_set(out, verdict, "no value %s under %s%s%s%s", name, keys, viewtxt, meaning,
                    ex && !ex->num[lv] ? " (expected absent)"
                    : ex               ? " (expected to exist)"
                                       : "");
        return;
    }

    /* the value at keys[i] decides */
    char decided[700];
    if (i == 0)
        snprintf(decided, sizeof(decided), "%s value%s", origin(r->keys[0]),
                 r->nkeys > 1 && strcmp(origin(r->keys[0]), "policy") == 0
                     ? ", overrides the local setting"
                     : "");
    else
        snprintf(decided, sizeof(decided), "%s value, no %s under %s", origin(r->keys[i]), name,
                 r->keys[0]);
    shown(&v, data, sizeof(data));

    int ok = 1;
    char fail_why[300] = "";
    long long n;
    if (ex && !ex->num[lv]) {
        /* the data of a value that must not exist is not shown: it may be a stored password
         * (Winlogon DefaultPassword) */
        ef_eval_set(out, EF_FAIL, "%s\\%s exists (%s%s) (expected absent): %s", r->keys[i], name,
                    ef_reg_type_name(v.type, tn), viewtxt, decided);
        return;
    }
    if (ok && (p = ef_p(r, EF_P_EQUALS)) != NULL && !same(&v, p->str[lv]))
        ok = 0, snprintf(fail_why, sizeof(fail_why), " (expected %.120s)", p->str[lv]);
    if (ok && r->list != NULL) {
        int found = 0;
        for (char **w = r->list; *w && !found; w++)
            found = same(&v, *w);
        if (!found) {
            char allowed[200] = "";
            for (char **w = r->list; *w; w++) {
                ef_text_append(allowed, sizeof(allowed), w == r->list ? "" : ", ",
                               w == r->list ? 0 : 2);
                ef_text_append(allowed, sizeof(allowed), *w, strlen(*w));
            }
            ok = 0, snprintf(fail_why, sizeof(fail_why), " (expected one of %s)", allowed);
        }
    }
    const struct ef_param *mn = ef_p(r, EF_P_MIN), *mx = ef_p(r, EF_P_MAX);
    if (ok && (mn || mx) && as_int(&v, &n) != 0)
        ok = 0, snprintf(fail_why, sizeof(fail_why), " (not a number)");
    else if (ok && mn && n < mn->num[lv])
        ok = 0, snprintf(fail_why, sizeof(fail_why), " (min %lld)", mn->num[lv]);
    else if (ok && mx && n > mx->num[lv])
        ok = 0, snprintf(fail_why, sizeof(fail_why), " (max %lld)", mx->num[lv]);
    if (ok && (p = ef_p(r, EF_P_MATCHES)) != NULL) {
        pcre2_match_data *md = pcre2_match_data_create_from_pattern(p->re[lv], NULL);
        int rc = md ? pcre2_match(p->re[lv], (PCRE2_SPTR)v.text, strlen(v.text), 0, 0, md, NULL)
                    : PCRE2_ERROR_NOMEMORY;
        pcre2_match_data_free(md);
        if (rc == PCRE2_ERROR_NOMATCH) {
            ok = 0;
            snprintf(fail_why, sizeof(fail_why), " (does not match '%.120s')", p->str[lv]);
        } else if (rc < 0) {
            ef_eval_set(out, EF_UNKNOWN, "%s\\%s: cannot match (PCRE2 error %d)", r->keys[i], name,
                        rc);
            return;
        }
    }
    ef_eval_set(out, ok ? EF_PASS : EF_FAIL, "%s\\%s = %s (%s%s)%s: %s", r->keys[i], name, data,
                ef_reg_type_name(v.type, tn), viewtxt, fail_why, decided);
}
