/* SPDX-License-Identifier: EUPL-1.2 */
/* wmi: rules (Windows): the rows of a WMI class (agent/platform/winsys.h, live or recorded),
 * filtered by the rule's `where` (PROP = VALUE [and ...], evaluated here on the rows, never
 * sent as WQL), then `property` of each selected row tested with equals, in, min, max,
 * matches or contains (an array property holds the value). rows: all (default) needs every
 * selected row to satisfy, any one of them. No row selected, or the class absent from the
 * machine: the rule's `missing` verdict (default unknown). A class the agent may not read is
 * unknown "needs Administrator", never fail. A scan without WMI (Linux, or a recorded
 * registry without a recording) leaves the rule unknown, saying which. The evidence names
 * namespace, class, property, each row by a key property and its value. */
#include "rules.h"

#include "platform/winsys.h"

#include "efterlev/textlist.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define DEFAULT_NS "root\\CIMV2"

/* Properties that name a row, in order of preference (the first present and not null). */
static const char *const row_keys[] = {"DriveLetter", "DeviceID", "Name", "InstanceName",
                                       "Caption"};

static int parse_ll(const char *s, long long *out)
{
    char *end;
    if (*s == '\0')
        return -1;
    long long v = strtoll(s, &end, 10);
    if (*end != '\0')
        return -1;
    *out = v;
    return 0;
}

/* A JSON scalar equals the policy's text: numbers as numbers (a CIM uint64 arrives as a
 * string of digits), booleans as true/false (or 1/0), strings case-insensitively as WMI
 * compares them. */
static int same(const json_t *v, const char *want)
{
    long long a, b;
    if (json_is_boolean(v)) {
        if (strcasecmp(want, "true") == 0 || strcasecmp(want, "false") == 0)
            return json_is_true(v) == (strcasecmp(want, "true") == 0);
        return parse_ll(want, &b) == 0 && (long long)json_is_true(v) == b;
    }
    if (json_is_integer(v))
        return parse_ll(want, &b) == 0 && (long long)json_integer_value(v) == b;
    if (json_is_real(v)) {
        char *end;
        double d = strtod(want, &end);
        return *want && *end == '\0' && d == json_real_value(v);
    }
    if (json_is_string(v)) {
        const char *s = json_string_value(v);
        if (parse_ll(s, &a) == 0 && parse_ll(want, &b) == 0)
            return a == b;
        return strcasecmp(s, want) == 0;
    }
    return 0;
}

/* The row matches every term of the where-filter. */
static int selected(const json_t *row, const struct ef_wmi_term *t, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        long long num;
        int b;
        const char *s;
        switch (t[i].type) {
        case EF_WMI_V_NUM:
            if (ef_win_int(row, t[i].prop, &num) != 0 || num != t[i].num)
                return 0;
            break;
        case EF_WMI_V_BOOL:
            if (ef_win_bool(row, t[i].prop, &b) != 0 || b != t[i].num)
                return 0;
            break;
        case EF_WMI_V_STR:
            if ((s = ef_win_str(row, t[i].prop)) == NULL || strcasecmp(s, t[i].str) != 0)
                return 0;
            break;
        }
    }
    return 1;
}

/* "DriveLetter C:, " naming a row, or "row N, " when no key property is present and there
 * are several rows; "" for a single row without one. */
static void row_name(const json_t *row, size_t i, size_t nrows, char *out, size_t outlen)
{
    for (size_t k = 0; k < sizeof(row_keys) / sizeof(row_keys[0]); k++) {
        const json_t *v = json_object_get(row, row_keys[k]);
        if (v != NULL && !json_is_null(v)) {
            char txt[160];
            ef_win_text(row, row_keys[k], txt, sizeof(txt));
            snprintf(out, outlen, "%s %s, ", row_keys[k], txt);
            return;
        }
    }
    if (nrows > 1)
        snprintf(out, outlen, "row %zu, ", i + 1);
    else
        out[0] = '\0';
}

/* Judge one row's property: EF_PASS, EF_FAIL or EF_UNKNOWN, with the item for evidence. */
static ef_status judge_row(const struct ef_ctx *ctx, const struct ef_rule *r, const char *prop,
                           const json_t *row, const char *name, char *item, size_t itemlen)
{
    int lv = ctx->level;
    const json_t *v = json_object_get(row, prop);
    const struct ef_param *p;
    char val[160], why[200] = "";

    if (v == NULL) {
        snprintf(item, itemlen, "%shas no property %s", name, prop);
        return EF_UNKNOWN;
    }
    if (json_is_null(v)) {
        const char *rw = ef_win_str(row, EF_WIN_ROW_WHY);
        snprintf(item, itemlen, "%s%s = null (not read%s%.150s)", name, prop, rw ? ": " : "",
                 rw ? rw : "");
        return EF_UNKNOWN;
    }
    ef_win_text(row, prop, val, sizeof(val));
    if (json_is_string(v)) {
        char q[sizeof(val)];
        memcpy(q, val, sizeof(q));
        snprintf(val, sizeof(val), "\"%.157s\"", q); /* the quotes fit in val */
    }
    int ok = 1;
    if ((p = ef_p(r, EF_P_EQUALS)) != NULL && !same(v, p->str[lv]))
        ok = 0, snprintf(why, sizeof(why), " (expected %.120s)", p->str[lv]);
    if (ok && r->list != NULL) {
        int found = 0;
        for (char **w = r->list; *w && !found; w++)
            found = same(v, *w);
        if (!found) {
            char allowed[150] = "";
            for (char **w = r->list; *w; w++) {
                if (w != r->list)
                    ef_text_append(allowed, sizeof(allowed), ", ", 2);
                ef_text_append(allowed, sizeof(allowed), *w, strlen(*w));
            }
            ok = 0, snprintf(why, sizeof(why), " (expected one of %s)", allowed);
        }
    }
    const struct ef_param *mn = ef_p(r, EF_P_MIN), *mx = ef_p(r, EF_P_MAX);
    long long n = 0;
    if (ok && (mn || mx) && ef_win_int(row, prop, &n) != 0)
        ok = 0, snprintf(why, sizeof(why), " (not a number)");
    else if (ok && mn && n < mn->num[lv])
        ok = 0, snprintf(why, sizeof(why), " (min %lld)", mn->num[lv]);
    else if (ok && mx && n > mx->num[lv])
        ok = 0, snprintf(why, sizeof(why), " (max %lld)", mx->num[lv]);
    if (ok && (p = ef_p(r, EF_P_CONTAINS)) != NULL) {
        int found = 0;
        if (json_is_array(v)) {
            size_t i;
            const json_t *e;
            json_array_foreach(v, i, e) found |= same(e, p->str[lv]);
        } else {
            found = same(v, p->str[lv]);
        }
        if (!found)
            ok = 0, snprintf(why, sizeof(why), " (expected to contain %.120s)", p->str[lv]);
    }
    if (ok && (p = ef_p(r, EF_P_MATCHES)) != NULL) {
        char text[EF_WIN_TABLE_NAME_MAX + 800];
        ef_win_text(row, prop, text, sizeof(text));
        pcre2_match_data *md = pcre2_match_data_create_from_pattern(p->re[lv], NULL);
        int rc = md ? pcre2_match(p->re[lv], (PCRE2_SPTR)text, strlen(text), 0, 0, md, NULL)
                    : PCRE2_ERROR_NOMEMORY;
        pcre2_match_data_free(md);
        if (rc == PCRE2_ERROR_NOMATCH) {
            ok = 0, snprintf(why, sizeof(why), " (does not match '%.120s')", p->str[lv]);
        } else if (rc < 0) {
            snprintf(item, itemlen, "%s%s = %s: cannot match (PCRE2 error %d)", name, prop, val,
                     rc);
            return EF_UNKNOWN;
        }
    }
    snprintf(item, itemlen, "%s%s = %s%s", name, prop, val, why);
    return ok ? EF_PASS : EF_FAIL;
}

static ef_status missing_verdict(const struct ef_rule *r, int lv, const char **meaning)
{
    const struct ef_param *m = ef_p(r, EF_P_MISSING);
    const char *ms = m ? m->str[lv] : "unknown";
    ef_status st = strcmp(ms, "pass") == 0   ? EF_PASS
                   : strcmp(ms, "fail") == 0 ? EF_FAIL
                                             : EF_UNKNOWN;
    *meaning = st == EF_PASS   ? "accepted (missing: pass)"
               : st == EF_FAIL ? "fails (missing: fail)"
                               : "does not decide (missing: unknown)";
    return st;
}

void ef_rule_wmi(const struct ef_ctx *ctx, const struct ef_rule *r, struct ef_eval *out)
{
    int lv = ctx->level;
    const struct ef_param *pns = ef_p(r, EF_P_NAMESPACE), *pw = ef_p(r, EF_P_WHERE),
                          *pr = ef_p(r, EF_P_ROWS);
    const char *ns = pns ? pns->str[lv] : DEFAULT_NS, *cls = r->target;
    const char *prop = ef_p(r, EF_P_PROPERTY) ? r->p[EF_P_PROPERTY].str[lv] : "?";
    int any = pr && strcmp(pr->str[lv], "any") == 0;
    struct ef_win *w = ef_facts_win(ctx->facts);
    char base[EF_WMI_NS_MAX + EF_WMI_NAME_MAX + 1200], what[sizeof(base) + EF_WMI_NAME_MAX + 2];
    char why[700];
    struct ef_wmi_term terms[EF_WMI_WHERE_MAX];
    size_t nterms = 0;
    const char *meaning;

    snprintf(base, sizeof(base), "wmi %s %s%s%s%s", ns, cls, pw ? " (where " : "",
             pw ? pw->str[lv] : "", pw ? ")" : "");
    snprintf(what, sizeof(what), "%s.%s", base, prop);
    if (pw &&
        ef_wmi_where_parse(pw->str[lv], terms, EF_WMI_WHERE_MAX, &nterms, why, sizeof(why)) != 0) {
        ef_eval_set(out, EF_ERROR, "line %d: where: %s", r->line, why);
        return;
    }
    if (ef_facts_registry(ctx->facts) == NULL) {
        ef_eval_set(out, EF_UNKNOWN, "no Windows system in this scan (a %s system): %s not read",
                    ef_facts_platform(ctx->facts), what);
        return;
    }
    if (w == NULL) {
        ef_eval_set(out, EF_UNKNOWN,
                    "no recording of this machine's WMI and API results (scan --recording "
                    "FILE.json): %s not read",
                    what);
        return;
    }
    json_t *rows = NULL;
    ef_win_status st = ef_win_wmi(w, ns, cls, &rows, why, sizeof(why));
    switch (st) {
    case EF_WIN_DENIED:
        ef_eval_set(out, EF_UNKNOWN, "%s: needs Administrator (%s)", what, why);
        return;
    case EF_WIN_ERROR:
        ef_eval_set(out, EF_UNKNOWN, "%s: cannot be read: %s", what, why);
        return;
    case EF_WIN_ABSENT: {
        ef_status v = missing_verdict(r, lv, &meaning);
        ef_eval_set(out, v, "%s: not on this machine (%s): %s", what, why, meaning);
        return;
    }
    case EF_WIN_OK:
        break;
    }

    size_t nrows = json_array_size(rows), nsel = 0, npass = 0, nfail = 0, nunk = 0, i;
    const json_t *row;
    char pass_ev[EF_EVIDENCE_MAX + 1] = "", fail_ev[EF_EVIDENCE_MAX + 1] = "",
                                   unk_ev[EF_EVIDENCE_MAX + 1] = "";
    json_array_foreach(rows, i, row)
    {
        if (!selected(row, terms, nterms))
            continue;
        nsel++;
        char name[200], item[500];
        row_name(row, i, nrows, name, sizeof(name));
        ef_status rs = judge_row(ctx, r, prop, row, name, item, sizeof(item));
        if (rs == EF_PASS)
            npass++, ef_evidence_add(pass_ev, sizeof(pass_ev), item);
        else if (rs == EF_FAIL)
            nfail++, ef_evidence_add(fail_ev, sizeof(fail_ev), item);
        else
            nunk++, ef_evidence_add(unk_ev, sizeof(unk_ev), item);
    }
    if (nsel == 0) {
        ef_status v = missing_verdict(r, lv, &meaning);
        ef_eval_set(out, v, "%s: no row%s (%zu in the class): %s", what,
                    pw ? " matches the where-filter" : "", nrows, meaning);
        return;
    }
    ef_status verdict;
    const char *ev, *how;
    size_t count;
    if (!any) {
        verdict = nfail ? EF_FAIL : nunk ? EF_UNKNOWN : EF_PASS;
        ev = nfail ? fail_ev : nunk ? unk_ev : pass_ev;
        how = nfail ? "fail" : nunk ? "cannot be judged" : "pass";
        count = nfail ? nfail : nunk ? nunk : npass;
    } else {
        verdict = npass ? EF_PASS : nunk ? EF_UNKNOWN : EF_FAIL;
        ev = npass ? pass_ev : nunk ? unk_ev : fail_ev;
        how = npass ? "pass" : nunk ? "cannot be judged" : "fail";
        count = npass ? npass : nunk ? nunk : nfail;
    }
    if (nsel == 1)
        ef_eval_set(out, verdict, "%s: %s", base, ev);
    else
        ef_eval_set(out, verdict, "%s: %zu of %zu rows %s (rows: %s): %s", base, count, nsel, how,
                    any ? "any" : "all", ev);
}
