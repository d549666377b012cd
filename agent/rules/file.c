/* SPDX-License-Identifier: EUPL-1.2 */
/* file: PATH rules: existence, mode, owner and group (names from the root's own
 * /etc/passwd and /etc/group), line patterns, and the effective value of a key in "key
 * value" / "key=value" files. Evidence quotes only what a pattern matched, never whole
 * lines, so secrets in files like /etc/shadow stay out of reports. The tests are shared
 * with dir: rules (file_tests.h). */
#include "file_tests.h"

#include "probes/root_open.h"

#include "efterlev/util.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#define FILE_MAX EF_FT_FILE_MAX
#define QUOTE_MAX 80  /* bytes of matched text quoted in evidence */
#define MATCHES_MAX 8 /* matches listed before "and N more" */

/* Name of id in the root's passwd (field 3) or group (field 3) file; the number when absent
 * or unreadable. */
static void id_name(const char *root, const char *file, unsigned long id, char *out, size_t outlen)
{
    char *buf, *line, *save = NULL;
    size_t len;

    snprintf(out, outlen, "%lu", id);
    if (ef_root_read(root, file, FILE_MAX, &buf, &len) != 0)
        return;
    for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *c1 = strchr(line, ':');
        char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        char *end;
        if (c2 == NULL || c1 == line)
            continue;
        errno = 0;
        unsigned long v = strtoul(c2 + 1, &end, 10);
        if (errno != 0 || end == c2 + 1 || (*end != ':' && *end != '\0') || v != id)
            continue;
        *c1 = '\0';
        out[0] = '\0';
        ef_text_append(out, outlen, line, strlen(line));
        break;
    }
    free(buf);
}

#define acc ef_ftacc

static void quote_match(char *out, size_t outlen, const char *s, size_t len)
{
    out[0] = '\0';
    if (len > QUOTE_MAX) {
        ef_text_append(out, outlen, s, QUOTE_MAX);
        ef_text_append(out, outlen, "...", 3);
    } else {
        ef_text_append(out, outlen, s, len);
    }
}

/* Match re against each line of buf. want_match: line_matches (pass on first match);
 * otherwise no_line_matches (fail listing matches). */
void ef_ft_lines(const char *label, const char *buf, size_t len, pcre2_code *re,
                 const char *pattern, int want_match, struct acc *a)
{
    pcre2_match_data *md = pcre2_match_data_create_from_pattern(re, NULL);
    pcre2_match_context *mc = pcre2_match_context_create(NULL);
    char list[EF_EVIDENCE_MAX + 1], piece[EF_EVIDENCE_MAX + 1];
    struct ef_textlist found; /* the matching lines, when they fail the rule */
    size_t matches = 0, lineno = 0;
    int err = 0;

    if (md == NULL || mc == NULL) {
        ef_evidence_add(a->unknown, sizeof(a->unknown), "out of memory");
        goto out;
    }
    ef_textlist_init(&found, list, sizeof(list), ", ", MATCHES_MAX);
    pcre2_set_match_limit(mc, 1000000);
    for (size_t pos = 0; pos < len;) {
        const char *nl = memchr(buf + pos, '\n', len - pos);
        size_t llen = nl ? (size_t)(nl - (buf + pos)) : len - pos;
        lineno++;
        int rc = pcre2_match(re, (PCRE2_SPTR)(buf + pos), llen, 0, 0, md, mc);
        if (rc >= 0) {
            PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
            char q[QUOTE_MAX * 4 + 8];
            quote_match(q, sizeof(q), buf + pos + ov[0], ov[1] - ov[0]);
            matches++;
            if (want_match) {
                ef_text_printf(piece, sizeof(piece), "%s line %zu: %s", label, lineno, q);
                ef_evidence_add(a->ok, sizeof(a->ok), piece);
                goto out;
            }
            ef_textlist_addf(&found, "line %zu: %s", lineno, q);
        } else if (rc != PCRE2_ERROR_NOMATCH) {
            err = rc;
            break;
        }
        pos += llen + 1;
    }
    if (err) {
        PCRE2_UCHAR m[128];
        if (pcre2_get_error_message(err, m, sizeof(m)) < 0)
            strlcpy((char *)m, "match error", sizeof(m));
        ef_text_printf(piece, sizeof(piece), "%s line %zu: cannot match '%s': %s", label, lineno,
                       pattern, (const char *)m);
        ef_evidence_add(a->unknown, sizeof(a->unknown), piece);
    } else if (want_match) {
        ef_text_printf(piece, sizeof(piece), "%s: no line matches '%s'", label, pattern);
        ef_evidence_add(a->fail, sizeof(a->fail), piece);
    } else if (matches) {
        ef_text_printf(piece, sizeof(piece), "%s %s", label, ef_textlist_end(&found));
        ef_evidence_add(a->fail, sizeof(a->fail), piece);
    } else {
        ef_text_printf(piece, sizeof(piece), "%s: no line matches '%s'", label, pattern);
        ef_evidence_add(a->ok, sizeof(a->ok), piece);
    }
out:
    pcre2_match_context_free(mc);
    pcre2_match_data_free(md);
}

void ef_ft_unreadable(struct acc *a, const char *what, const char *path, int err)
{
    char piece[EF_EVIDENCE_MAX + 1];

    ef_text_printf(piece, sizeof(piece), "cannot %s %s: %s", what, path, ef_root_errtext(err));
    ef_evidence_add(a->unknown, sizeof(a->unknown), piece);
}

void ef_ft_meta(const struct ef_ctx *ctx, const struct ef_rule *r, const char *label,
                const struct stat *st, struct acc *a)
{
    char piece[EF_EVIDENCE_MAX + 1];
    const struct ef_param *p;
    int lv = ctx->level;

    if ((p = ef_p(r, EF_P_MODE_MAX)) != NULL) {
        unsigned mode = st->st_mode & 07777, max = (unsigned)p->num[lv];
        if (mode & ~max)
            ef_text_printf(piece, sizeof(piece), "%s mode %04o exceeds %04o", label, mode, max);
        else
            ef_text_printf(piece, sizeof(piece), "%s mode %04o", label, mode);
        ef_evidence_add((mode & ~max) ? a->fail : a->ok, sizeof(a->ok), piece);
    }
    if ((p = ef_p(r, EF_P_OWNER)) != NULL) {
        char name[64];
        id_name(ctx->root, "/etc/passwd", st->st_uid, name, sizeof(name));
        int ok = strcmp(name, p->str[lv]) == 0;
        if (ok)
            ef_text_printf(piece, sizeof(piece), "%s owner %s", label, name);
        else
            ef_text_printf(piece, sizeof(piece), "%s owner %s (expected %s)", label, name,
                           p->str[lv]);
        ef_evidence_add(ok ? a->ok : a->fail, sizeof(a->ok), piece);
    }
    if (r->list != NULL) {
        char name[64];
        int ok = 0;
        id_name(ctx->root, "/etc/group", st->st_gid, name, sizeof(name));
        for (char **g = r->list; *g && !ok; g++)
            ok = strcmp(*g, name) == 0;
        if (ok)
            ef_text_printf(piece, sizeof(piece), "%s group %s", label, name);
        else
            ef_text_printf(piece, sizeof(piece), "%s group %s (expected %s%s)", label, name,
                           r->list[0], r->nlist > 1 ? " or another allowed group" : "");
        ef_evidence_add(ok ? a->ok : a->fail, sizeof(a->ok), piece);
    }
}

/* Trim spaces and tabs at both ends of [*s, *e). */
static void trim(const char **s, const char **e)
{
    while (*s < *e && (**s == ' ' || **s == '\t' || **s == '\r'))
        (*s)++;
    while (*e > *s && ((*e)[-1] == ' ' || (*e)[-1] == '\t' || (*e)[-1] == '\r'))
        (*e)--;
}

void ef_kv_scan(const char *buf, size_t len, const char *key, const char *label, struct ef_kv *kv)
{
    size_t klen = strlen(key), lineno = 0;

    for (size_t pos = 0; pos < len;) {
        const char *nl = memchr(buf + pos, '\n', len - pos);
        const char *s = buf + pos, *e = nl ? nl : buf + len;
        pos = (size_t)(e - buf) + 1;
        lineno++;
        trim(&s, &e);
        if (s == e || *s == '#')
            continue;
        if ((size_t)(e - s) < klen || memcmp(s, key, klen) != 0)
            continue;
        const char *v = s + klen;
        if (v < e && *v != ' ' && *v != '\t' && *v != '=')
            continue; /* a longer key */
        while (v < e && (*v == ' ' || *v == '\t'))
            v++;
        if (v < e && *v == '=')
            v++;
        trim(&v, &e);
        if (e - v >= 2 && (*v == '"' || *v == '\'') && e[-1] == *v)
            v++, e--;
        kv->found = 1;
        kv->value[0] = '\0';
        ef_text_append(kv->value, sizeof(kv->value), v, (size_t)(e - v));
        strlcpy(kv->file, label, sizeof(kv->file));
        kv->line = lineno;
    }
}

void ef_kv_judge(const struct ef_ctx *ctx, const struct ef_rule *r, const struct ef_kv *kv,
                 const char *where, struct acc *a)
{
    char piece[EF_EVIDENCE_MAX + 1], why[160] = "";
    const struct ef_param *key = ef_p(r, EF_P_KEY), *p;
    int lv = ctx->level, ok = 1;

    if (key == NULL)
        return;
    if (!kv->found) {
        ef_text_printf(piece, sizeof(piece), "%s not set in %s", key->str[lv], where);
        ef_evidence_add(a->fail, sizeof(a->fail), piece);
        return;
    }
    if ((p = ef_p(r, EF_P_VALUE)) != NULL && strcasecmp(kv->value, p->str[lv]) != 0)
        ok = 0, snprintf(why, sizeof(why), " (expected %.100s)", p->str[lv]);
    const struct ef_param *mn = ef_p(r, EF_P_VALUE_MIN), *mx = ef_p(r, EF_P_VALUE_MAX);
    if (ok && (mn || mx)) {
        char *end;
        errno = 0;
        long long v = strtoll(kv->value, &end, 10);
        if (kv->value[0] == '\0' || *end != '\0' || errno != 0)
            ok = 0, snprintf(why, sizeof(why), " (not a number)");
        else if (mn && v < mn->num[lv])
            ok = 0, snprintf(why, sizeof(why), " (min %lld)", mn->num[lv]);
        else if (mx && v > mx->num[lv])
            ok = 0, snprintf(why, sizeof(why), " (max %lld)", mx->num[lv]);
    }
    ef_text_printf(piece, sizeof(piece), "%s = %s in %s line %zu%s", key->str[lv], kv->value,
                   kv->file, kv->line, why);
    ef_evidence_add(ok ? a->ok : a->fail, sizeof(a->ok), piece);
}

void ef_ft_finish(struct ef_eval *out, const struct acc *a)
{
    if (a->fail[0])
        ef_eval_set(out, EF_FAIL, "%s", a->fail);
    else if (a->unknown[0])
        ef_eval_set(out, EF_UNKNOWN, "%s", a->unknown);
    else
        ef_eval_set(out, EF_PASS, "%s", a->ok);
}

void ef_rule_file(const struct ef_ctx *ctx, const struct ef_rule *r, struct ef_eval *out)
{
    char path[PATH_MAX], piece[EF_EVIDENCE_MAX + 1];
    const struct ef_param *p;
    struct acc a;
    struct stat st;
    int lv = ctx->level;

    memset(&a, 0, sizeof(a));
    if (!ef_p(r, EF_P_KEY) &&
        (ef_p(r, EF_P_VALUE) || ef_p(r, EF_P_VALUE_MIN) || ef_p(r, EF_P_VALUE_MAX))) {
        ef_eval_set(out, EF_ERROR, "line %d: value, value_min and value_max need a key", r->line);
        return;
    }
    if (ef_path_join(path, sizeof(path), ctx->root, r->target) != 0) {
        ef_eval_set(out, EF_ERROR, "%s: path too long under root %s", r->target, ctx->root);
        return;
    }
    int src = ef_root_stat(ctx->root, r->target, &st); /* links resolve inside the root */
    if (src != 0) {
        int err = -src;
        if (err != ENOENT && err != ENOTDIR) {
            ef_ft_unreadable(&a, "stat", r->target, err);
            ef_eval_set(out, EF_UNKNOWN, "%s", a.unknown);
            return;
        }
        p = ef_p(r, EF_P_EXISTS);
        if (p && p->num[lv] == 0)
            ef_eval_set(out, EF_PASS, "%s does not exist", r->target);
        else
            ef_eval_set(out, EF_FAIL, "%s does not exist", r->target);
        return;
    }
    if ((p = ef_p(r, EF_P_EXISTS)) != NULL) {
        ef_text_printf(piece, sizeof(piece), "%s exists", r->target);
        ef_evidence_add(p->num[lv] ? a.ok : a.fail, sizeof(a.ok), piece);
    }
    ef_ft_meta(ctx, r, r->target, &st, &a);
    const struct ef_param *lm = ef_p(r, EF_P_LINE_MATCHES);
    const struct ef_param *nlm = ef_p(r, EF_P_NO_LINE_MATCHES);
    const struct ef_param *key = ef_p(r, EF_P_KEY);
    if (lm || nlm || key) {
        char *buf = NULL;
        size_t len = 0;
        int rc = S_ISDIR(st.st_mode) ? -EISDIR
                                     : ef_root_read(ctx->root, r->target, FILE_MAX, &buf, &len);
        if (rc != 0) {
            ef_ft_unreadable(&a, "read", r->target, -rc);
        } else {
            if (lm)
                ef_ft_lines(r->target, buf, len, lm->re[lv], lm->str[lv], 1, &a);
            if (nlm)
                ef_ft_lines(r->target, buf, len, nlm->re[lv], nlm->str[lv], 0, &a);
            if (key) {
                struct ef_kv kv = {0};
                ef_kv_scan(buf, len, key->str[lv], r->target, &kv);
                ef_kv_judge(ctx, r, &kv, r->target, &a);
            }
            free(buf);
        }
    }
    ef_ft_finish(out, &a);
}
