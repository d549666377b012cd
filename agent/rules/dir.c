/* SPDX-License-Identifier: EUPL-1.2 */
/* dir: PATH rules: the regular files directly in a folder whose names match
 * files_matching (all when not given), each judged with the file tests.
 *
 *   exists          true: at least one such file; false: none
 *   mode_max, owner, group
 *                   every such file
 *   line_matches    some line of some file matches
 *   no_line_matches no line of any file matches
 *   key + value...  the files are read in name order as one configuration (like a .d
 *                   folder of drop-ins): the last assignment wins
 *
 * A missing folder has no files. Not recursive. Symbolic links are followed on the live
 * system only; under another root they are skipped (their targets name the live system). */
#include "file_tests.h"

#include "efterlev/array.h"
#include "efterlev/util.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DIR_FILES_MAX 4096

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int name_matches(const struct ef_rule *r, int lv, const char *name)
{
    const struct ef_param *fm = ef_p(r, EF_P_FILES_MATCHING);
    if (fm == NULL)
        return 1;
    pcre2_match_data *md = pcre2_match_data_create_from_pattern(fm->re[lv], NULL);
    if (md == NULL)
        return 0;
    int rc = pcre2_match(fm->re[lv], (PCRE2_SPTR)name, strlen(name), 0, 0, md, NULL);
    pcre2_match_data_free(md);
    return rc >= 0;
}

void ef_rule_dir(const struct ef_ctx *ctx, const struct ef_rule *r, struct ef_eval *out)
{
    char dpath[PATH_MAX], piece[EF_EVIDENCE_MAX + 1], skipped_text[256];
    struct ef_textlist skipped; /* symbolic links not followed: the first, then a count */
    struct ef_ftacc a;
    int lv = ctx->level, live = strcmp(ctx->root, "/") == 0;
    char **names = NULL;
    size_t n = 0, cap = 0, nfiles = 0;
    const struct ef_param *fm = ef_p(r, EF_P_FILES_MATCHING);
    const struct ef_param *lm = ef_p(r, EF_P_LINE_MATCHES);
    const struct ef_param *nlm = ef_p(r, EF_P_NO_LINE_MATCHES);
    const struct ef_param *key = ef_p(r, EF_P_KEY);
    const struct ef_param *ex = ef_p(r, EF_P_EXISTS);

    memset(&a, 0, sizeof(a));
    ef_textlist_init(&skipped, skipped_text, sizeof(skipped_text), ", ", 1);
    if (!key && (ef_p(r, EF_P_VALUE) || ef_p(r, EF_P_VALUE_MIN) || ef_p(r, EF_P_VALUE_MAX))) {
        ef_eval_set(out, EF_ERROR, "line %d: value, value_min and value_max need a key", r->line);
        return;
    }
    if (ef_path_join(dpath, sizeof(dpath), ctx->root, r->target) != 0) {
        ef_eval_set(out, EF_ERROR, "%s: path too long under root %s", r->target, ctx->root);
        return;
    }
    DIR *d = opendir(dpath);
    if (d == NULL && errno != ENOENT && errno != ENOTDIR) {
        ef_ft_unreadable(&a, "read", r->target, errno);
        ef_ft_finish(out, &a);
        return;
    }
    struct dirent *de;
    while (d && (de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.' && (de->d_name[1] == '\0' || strcmp(de->d_name, "..") == 0))
            continue;
        if (!name_matches(r, lv, de->d_name))
            continue;
        char **nn = ef_array_grow(names, n, &cap, sizeof(*nn), 16, DIR_FILES_MAX);
        if (nn == NULL)
            break;
        names = nn;
        if ((names[n] = strdup(de->d_name)) == NULL)
            break;
        n++;
    }
    if (d)
        closedir(d);
    if (n > 1)
        qsort(names, n, sizeof(*names), cmp_names);

    char pattern_note[200] = "";
    if (fm)
        ef_text_printf(pattern_note, sizeof(pattern_note), " matching '%s'", fm->str[lv]);
    struct ef_kv kv = {0};
    int any_line = 0, nlm_bad = 0;
    struct ef_ftacc lines_unknown;
    memset(&lines_unknown, 0, sizeof(lines_unknown));
    for (size_t i = 0; i < n; i++) {
        char full[PATH_MAX], label[PATH_MAX];
        struct stat st;
        if ((size_t)snprintf(full, sizeof(full), "%s/%s", dpath, names[i]) >= sizeof(full) ||
            (size_t)snprintf(label, sizeof(label), "%s/%s", r->target, names[i]) >= sizeof(label))
            continue;
        if (lstat(full, &st) != 0)
            continue;
        if (S_ISLNK(st.st_mode)) {
            if (!live || stat(full, &st) != 0) {
                ef_textlist_addf(&skipped, "skipped symbolic link %s", label);
                continue;
            }
        }
        if (!S_ISREG(st.st_mode))
            continue;
        nfiles++;
        ef_ft_meta(ctx, r, label, &st, &a);
        if (lm || nlm || key) {
            char *buf = NULL;
            size_t len = 0;
            int rc = ef_read_file(full, EF_FT_FILE_MAX, &buf, &len);
            if (rc != 0) {
                ef_ft_unreadable(&a, "read", label, -rc);
                continue;
            }
            if (lm && !any_line) {
                struct ef_ftacc one;
                memset(&one, 0, sizeof(one));
                ef_ft_lines(label, buf, len, lm->re[lv], lm->str[lv], 1, &one);
                if (one.ok[0]) {
                    any_line = 1;
                    ef_evidence_add(a.ok, sizeof(a.ok), one.ok);
                } else if (one.unknown[0]) {
                    ef_evidence_add(lines_unknown.unknown, sizeof(lines_unknown.unknown),
                                    one.unknown);
                }
            }
            if (nlm) {
                struct ef_ftacc one;
                memset(&one, 0, sizeof(one));
                ef_ft_lines(label, buf, len, nlm->re[lv], nlm->str[lv], 0, &one);
                nlm_bad |= one.fail[0] || one.unknown[0];
                ef_evidence_add(a.fail, sizeof(a.fail), one.fail);
                ef_evidence_add(a.unknown, sizeof(a.unknown), one.unknown);
            }
            if (key)
                ef_kv_scan(buf, len, key->str[lv], label, &kv);
            free(buf);
        }
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);

    if (ex) {
        if (nfiles)
            ef_text_printf(piece, sizeof(piece), "%zu file%s in %s%s", nfiles,
                           nfiles == 1 ? "" : "s", r->target, pattern_note);
        else
            ef_text_printf(piece, sizeof(piece), "no file in %s%s", r->target, pattern_note);
        ef_evidence_add((nfiles > 0) == (ex->num[lv] != 0) ? a.ok : a.fail, sizeof(a.ok), piece);
    }
    if (lm && !any_line) {
        if (lines_unknown.unknown[0]) {
            ef_evidence_add(a.unknown, sizeof(a.unknown), lines_unknown.unknown);
        } else {
            if (nfiles)
                ef_text_printf(piece, sizeof(piece),
                               "no line of the %zu file%s in %s%s matches '%s'", nfiles,
                               nfiles == 1 ? "" : "s", r->target, pattern_note, lm->str[lv]);
            else
                ef_text_printf(piece, sizeof(piece), "no file in %s%s (so no line matches '%s')",
                               r->target, pattern_note, lm->str[lv]);
            ef_evidence_add(a.fail, sizeof(a.fail), piece);
        }
    }
    if (nlm && !nlm_bad) {
        ef_text_printf(piece, sizeof(piece), "no line of the %zu file%s in %s%s matches '%s'",
                       nfiles, nfiles == 1 ? "" : "s", r->target, pattern_note, nlm->str[lv]);
        ef_evidence_add(a.ok, sizeof(a.ok), piece);
    }
    if (key) {
        char where[PATH_MAX + 200];
        ef_text_printf(where, sizeof(where), "%s/*%s", r->target, pattern_note);
        ef_kv_judge(ctx, r, &kv, where, &a);
    }
    if (nfiles == 0 && a.ok[0] == '\0' && a.fail[0] == '\0' && a.unknown[0] == '\0') {
        ef_text_printf(piece, sizeof(piece), "no file in %s%s", r->target, pattern_note);
        ef_evidence_add(a.ok, sizeof(a.ok), piece);
    }
    if (skipped.n > 0)
        ef_evidence_add(a.fail[0]      ? a.fail
                        : a.unknown[0] ? a.unknown
                                       : a.ok,
                        sizeof(a.ok), ef_textlist_end(&skipped));
    ef_ft_finish(out, &a);
}
