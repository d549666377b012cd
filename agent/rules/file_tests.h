/* SPDX-License-Identifier: EUPL-1.2 */
/* The tests shared by file: and dir: rules (agent/rules/file.c): mode, owner, group, line
 * patterns and key/value settings. Private to the rules. */
#ifndef EFTERLEV_AGENT_FILE_TESTS_H
#define EFTERLEV_AGENT_FILE_TESTS_H

#include "rules.h"

#include <limits.h>
#include <sys/stat.h>

#define EF_FT_FILE_MAX (16 * 1024 * 1024)

/* Evidence of the tests of one rule, kept apart by outcome. */
struct ef_ftacc {
    char fail[EF_EVIDENCE_MAX + 1];
    char ok[EF_EVIDENCE_MAX + 1];
    char unknown[EF_EVIDENCE_MAX + 1];
};

/* The effective value of a key: the last assignment seen. */
struct ef_kv {
    int found;
    char value[256];
    char file[PATH_MAX];
    size_t line;
};

/* mode_max, owner and group of one file (label names it in evidence). */
void ef_ft_meta(const struct ef_ctx *ctx, const struct ef_rule *r, const char *label,
                const struct stat *st, struct ef_ftacc *a);
/* line_matches (want_match) or no_line_matches over buf. */
void ef_ft_lines(const char *label, const char *buf, size_t len, pcre2_code *re,
                 const char *pattern, int want_match, struct ef_ftacc *a);
/* Scan buf ("key value" or "key=value" lines, '#' comments) for key; each assignment
 * replaces kv (last one wins). */
void ef_kv_scan(const char *buf, size_t len, const char *key, const char *label, struct ef_kv *kv);
/* Judge kv against value / value_min / value_max; where names what was searched. */
void ef_kv_judge(const struct ef_ctx *ctx, const struct ef_rule *r, const struct ef_kv *kv,
                 const char *where, struct ef_ftacc *a);
/* "cannot WHAT PATH: reason" as unknown. */
void ef_ft_unreadable(struct ef_ftacc *a, const char *what, const char *path, int err);
/* fail beats unknown beats pass. */
void ef_ft_finish(struct ef_eval *out, const struct ef_ftacc *a);

#endif
