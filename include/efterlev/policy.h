/* SPDX-License-Identifier: EUPL-1.2 */
/* Policies: YAML files holding checks (DESIGN §3, docs/policy-format.md). The loader is
 * strict: any unknown key, missing field, bad control number, bad pattern, duplicate id or
 * unknown level is an error naming file, line and what is wrong. */
#ifndef EFTERLEV_POLICY_H
#define EFTERLEV_POLICY_H

#include "efterlev/report.h"

#include <stddef.h>

struct ef_cond; /* a condition (all/any/none) over rules; defined in lib/policy_internal.h */

/* The aspects of information security a check protects (the municipalities' K/R/T plus
 * traceability): konfidentialitet, riktighet, tillgänglighet, spårbarhet. A bit set. */
enum {
    EF_ASPECT_K = 1 << 0,
    EF_ASPECT_R = 1 << 1,
    EF_ASPECT_T = 1 << 2,
    EF_ASPECT_S = 1 << 3,
    EF_ASPECTS = 4 /* how many */
};
/* "K", "R", "T", "S" for aspect index 0..3 (bit 1 << i). */
extern const char *const ef_aspect_letters[EF_ASPECTS];
/* The index of "K", "R", "T" or "S", or -1. */
int ef_aspect_index(const char *letter);

/* A host's protection level per aspect (indexed like ef_aspect_letters): the highest of its
 * department's and its systems' (docs/figures.md, "Levels per aspect"). A check is judged at
 * the highest of the levels of the aspects it protects; a check naming no aspect at the
 * highest of all four. */
ef_level ef_check_level(unsigned aspects, const ef_level levels[EF_ASPECTS]);
/* Every aspect at level: a host judged at one level throughout. */
void ef_levels_fill(ef_level levels[EF_ASPECTS], ef_level level);
/* The highest of the four: the level a host is judged at overall. */
ef_level ef_levels_max(const ef_level levels[EF_ASPECTS]);

/* KLASSA's consequence levels 1..4 of an information class per aspect; a policy header's
 * classes: maps each to the protection level it requires. */
#define EF_CLASSES 4

struct ef_check {
    char id[EF_ID_MAX + 1];
    char *title;
    char *title_sv;   /* Swedish title, or NULL (optional) */
    char *summary;    /* one-sentence English description, or NULL (optional) */
    char *summary_sv; /* one-sentence Swedish description, or NULL (optional) */
    char *description;
    char *rationale;
    char *remediation;
    char controls[EF_CONTROLS_MAX][EF_CONTROL_MAX + 1];
    size_t ncontrols;
    ef_severity severity;
    ef_level level;             /* lowest protection level that requires the check */
    unsigned aspects;           /* EF_ASPECT_* it protects; 0 when the policy names none */
    char **platforms;           /* NULL-terminated os ids, or NULL for all */
    struct ef_cond *applies_if; /* NULL: always applies */
    char *na_reason;            /* why applies_if limits the check ("data on servers"), or NULL */
    struct ef_cond *condition;
    char *file; /* where it was declared, for messages */
    int line;
};

struct ef_policy_set {
    struct ef_check *checks;
    size_t nchecks;
    char id[EF_ID_MAX + 1]; /* "a+b" when several files are loaded */
    char version[EF_SHORT_MAX + 1];
    char sha256[65]; /* over the loaded files' bytes, in load order */
    /* The header's classes: (docs/policy-format.md): the protection level consequence level
     * 1..4 requires; classes[0] unused, all 0 when no file stated them. */
    ef_level classes[EF_CLASSES + 1];
    struct ef_policy_priv *priv; /* loader state (running hash); opaque */
    int trusted_only;            /* set after ef_policy_init: refuse policy files anyone but
                                    root and the caller could change (ef_file_untrusted); the
                                    agent sets it when it runs as root */
};

void ef_policy_init(struct ef_policy_set *ps);
void ef_policy_free(struct ef_policy_set *ps);

/* Load a policy file, or every *.yml in a directory (sorted by name), adding its checks to
 * ps. controls_file is the ISO/IEC 27002:2022 catalog every control number is checked
 * against (NULL skips that check). Returns 0, or -1 with err as "FILE:LINE: what". */
int ef_policy_load(struct ef_policy_set *ps, const char *path, const char *controls_file, char *err,
                   size_t errlen);

/* The files path stands for, in the order ef_policy_load loads them: the file itself, or a
 * folder's *.yml files (not hidden ones) sorted by name, as full paths; a folder without
 * any is an error. 0 with *out (n of them, free with ef_policy_files_free), or -1 with err. */
int ef_policy_files(const char *path, char ***out, size_t *n, char *err, size_t errlen);
void ef_policy_files_free(char **v, size_t n);

/* The same for one policy file's text held in memory (a policy the collector served), named
 * name in messages; hashed into ps->sha256 like a file. 0, or -1 with err. */
int ef_policy_load_mem(struct ef_policy_set *ps, const char *name, const char *buf, size_t len,
                       const char *controls_file, char *err, size_t errlen);

/* Set the tunable parameter name of check (docs/policy-format.md, "Tunable parameters") to
 * value at every level: 0, or -1 with err (no such check or tunable, value not an integer
 * within the bounds the policy declares). What the collector's `policy set` changes. */
int ef_policy_tune(struct ef_policy_set *ps, const char *check, const char *name, const char *value,
                   char *err, size_t errlen);
/* The check's tunables as text ("max_days (max, 1..60, now 30)"), for messages; -1 when
 * no such check. */
int ef_policy_tunables(const struct ef_policy_set *ps, const char *check, char *out, size_t outlen);

/* Look up a check by id; NULL when absent. */
const struct ef_check *ef_policy_find(const struct ef_policy_set *ps, const char *id);

#endif
