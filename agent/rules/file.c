/* file: PATH rules: existence, mode, owner and group (names from the root's own
 * /etc/passwd and /etc/group), and line patterns. Evidence quotes only what a pattern
 * matched, never whole lines, so secrets in files like /etc/shadow stay out of reports. */
#include "rules.h"

#include "efterlev/util.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define FILE_MAX (16 * 1024 * 1024)
#define QUOTE_MAX 80  /* bytes of matched text quoted in evidence */
#define MATCHES_MAX 8 /* matches listed before "and N more" */

/* Name of id in the root's passwd (field 3) or group (field 3) file; the number when absent
 * or unreadable. */
static void id_name(const char *root, const char *file, unsigned long id, char *out, size_t outlen)
{
    char path[PATH_MAX], *buf, *line, *save = NULL;
    size_t len;

    snprintf(out, outlen, "%lu", id);
    if (ef_path_join(path, sizeof(path), root, file) != 0 ||
        ef_read_file(path, FILE_MAX, &buf, &len) != 0)
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

/* Piece of evidence for one test; pieces of failing tests are kept apart from the rest. */
struct acc {
    char fail[EF_EVIDENCE_MAX + 1];
    char ok[EF_EVIDENCE_MAX + 1];
    char unknown[EF_EVIDENCE_MAX + 1];
};

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
static void lines_test(const struct ef_rule *r, const char *buf, size_t len, pcre2_code *re,
                       const char *pattern, int want_match, struct acc *a)
{
    pcre2_match_data *md = pcre2_match_data_create_from_pattern(re, NULL);
    pcre2_match_context *mc = pcre2_match_context_create(NULL);
    char list[EF_EVIDENCE_MAX + 1] = "", piece[EF_EVIDENCE_MAX + 1];
    size_t matches = 0, lineno = 0;
    int err = 0;

    if (md == NULL || mc == NULL) {
        ef_evidence_add(a->unknown, sizeof(a->unknown), "out of memory");
        goto out;
    }
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
                ef_text_printf(piece, sizeof(piece), "%s line %zu: %s", r->target, lineno, q);
                ef_evidence_add(a->ok, sizeof(a->ok), piece);
                goto out;
            }
            if (matches <= MATCHES_MAX) {
                ef_text_printf(piece, sizeof(piece), "%sline %zu: %s", matches > 1 ? ", " : "",
                               lineno, q);
                ef_text_append(list, sizeof(list), piece, strlen(piece));
            }
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
        ef_text_printf(piece, sizeof(piece), "%s line %zu: cannot match '%s': %s", r->target,
                       lineno, pattern, (const char *)m);
        ef_evidence_add(a->unknown, sizeof(a->unknown), piece);
    } else if (want_match) {
        ef_text_printf(piece, sizeof(piece), "%s: no line matches '%s'", r->target, pattern);
        ef_evidence_add(a->fail, sizeof(a->fail), piece);
    } else if (matches) {
        char more[48] = "";
        if (matches > MATCHES_MAX)
            snprintf(more, sizeof(more), " and %zu more", matches - MATCHES_MAX);
        ef_text_printf(piece, sizeof(piece), "%s %s%s", r->target, list, more);
        ef_evidence_add(a->fail, sizeof(a->fail), piece);
    } else {
        ef_text_printf(piece, sizeof(piece), "%s: no line matches '%s'", r->target, pattern);
        ef_evidence_add(a->ok, sizeof(a->ok), piece);
    }
out:
    pcre2_match_context_free(mc);
    pcre2_match_data_free(md);
}

static void unreadable(struct acc *a, const char *what, const char *path, int err)
{
    char piece[EF_EVIDENCE_MAX + 1];

    if (err == EACCES || err == EPERM)
        ef_text_printf(piece, sizeof(piece), "cannot %s %s: permission denied (run as root)", what,
                       path);
    else
        ef_text_printf(piece, sizeof(piece), "cannot %s %s: %s", what, path, strerror(err));
    ef_evidence_add(a->unknown, sizeof(a->unknown), piece);
}

void ef_rule_file(const struct ef_ctx *ctx, const struct ef_rule *r, struct ef_eval *out)
{
    char path[PATH_MAX], piece[EF_EVIDENCE_MAX + 1];
    const struct ef_param *p;
    struct acc a;
    struct stat st;
    int lv = ctx->level;

    memset(&a, 0, sizeof(a));
    if (ef_path_join(path, sizeof(path), ctx->root, r->target) != 0) {
        ef_eval_set(out, EF_ERROR, "%s: path too long under root %s", r->target, ctx->root);
        return;
    }
    if (stat(path, &st) != 0) {
        int err = errno;
        if (err != ENOENT && err != ENOTDIR) {
            unreadable(&a, "stat", r->target, err);
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
    if ((p = ef_p(r, EF_P_MODE_MAX)) != NULL) {
        unsigned mode = st.st_mode & 07777, max = (unsigned)p->num[lv];
        if (mode & ~max)
            ef_text_printf(piece, sizeof(piece), "%s mode %04o exceeds %04o", r->target, mode, max);
        else
            ef_text_printf(piece, sizeof(piece), "%s mode %04o", r->target, mode);
        ef_evidence_add((mode & ~max) ? a.fail : a.ok, sizeof(a.ok), piece);
    }
    if ((p = ef_p(r, EF_P_OWNER)) != NULL) {
        char name[64];
        id_name(ctx->root, "/etc/passwd", st.st_uid, name, sizeof(name));
        int ok = strcmp(name, p->str[lv]) == 0;
        if (ok)
            ef_text_printf(piece, sizeof(piece), "%s owner %s", r->target, name);
        else
            ef_text_printf(piece, sizeof(piece), "%s owner %s (expected %s)", r->target, name,
                           p->str[lv]);
        ef_evidence_add(ok ? a.ok : a.fail, sizeof(a.ok), piece);
    }
    if (r->list != NULL) {
        char name[64];
        int ok = 0;
        id_name(ctx->root, "/etc/group", st.st_gid, name, sizeof(name));
        for (char **g = r->list; *g && !ok; g++)
            ok = strcmp(*g, name) == 0;
        if (ok)
            ef_text_printf(piece, sizeof(piece), "%s group %s", r->target, name);
        else
            ef_text_printf(piece, sizeof(piece), "%s group %s (expected %s%s)", r->target, name,
                           r->list[0], r->nlist > 1 ? " or another allowed group" : "");
        ef_evidence_add(ok ? a.ok : a.fail, sizeof(a.ok), piece);
    }
    const struct ef_param *lm = ef_p(r, EF_P_LINE_MATCHES);
    const struct ef_param *nlm = ef_p(r, EF_P_NO_LINE_MATCHES);
    if (lm || nlm) {
        char *buf = NULL;
        size_t len = 0;
        int rc = S_ISDIR(st.st_mode) ? -EISDIR : ef_read_file(path, FILE_MAX, &buf, &len);
        if (rc != 0) {
            unreadable(&a, "read", r->target, -rc);
        } else {
            if (lm)
                lines_test(r, buf, len, lm->re[lv], lm->str[lv], 1, &a);
            if (nlm)
                lines_test(r, buf, len, nlm->re[lv], nlm->str[lv], 0, &a);
            free(buf);
        }
    }
    if (a.fail[0])
        ef_eval_set(out, EF_FAIL, "%s", a.fail);
    else if (a.unknown[0])
        ef_eval_set(out, EF_UNKNOWN, "%s", a.unknown);
    else
        ef_eval_set(out, EF_PASS, "%s", a.ok);
}
