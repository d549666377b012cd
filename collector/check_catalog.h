/* SPDX-License-Identifier: EUPL-1.2 */
/* The check catalog of the collector (collector.yml `policies`): every check a host may be
 * assigned, with the controls, severity and lowest protection level the catalog gives it.
 * Read once when `serve` starts, with the agents' own policy loader (lib/policy.c), into a
 * small table sorted by id; read-only afterwards, so the ingest threads share it without a
 * lock. What counts at ingest is decided from it (assigned.h). */
#ifndef EF_COLLECTOR_CHECK_CATALOG_H
#define EF_COLLECTOR_CHECK_CATALOG_H

#include <limits.h>
#include <stddef.h>

#include "efterlev/policy.h"
#include "efterlev/report.h"

struct ef_catalog_check {
    char id[EF_ID_MAX + 1];
    char controls[EF_CONTROLS_MAX][EF_CONTROL_MAX + 1]; /* the primary first */
    size_t ncontrols;
    ef_severity severity;
    ef_level level;   /* the lowest protection level that requires the check */
    unsigned aspects; /* EF_ASPECT_* (efterlev/policy.h) it protects; 0 when none named */
    /* Owned texts for people (docs/policy-format.md): title always; title_sv, summary and
     * summary_sv NULL when the policy has none. */
    char *title;
    char *title_sv;
    char *summary;
    char *summary_sv;
};

struct ef_check_catalog {
    struct ef_catalog_check *v; /* sorted by id */
    size_t n;
    char path[PATH_MAX];                   /* what was loaded */
    char policy_id[EF_ID_MAX + 1];         /* "a+b" when the files name several */
    char policy_version[EF_SHORT_MAX + 1]; /* joined like the id */
    char policy_sha256[65];                /* over the loaded files' bytes, in load order */
    /* The protection level each KLASSA consequence level 1..4 requires (the policy header's
     * classes:; 1-2 basic, 3 elevated, 4 high when the catalog states none); [0] unused. */
    ef_level classes[EF_CLASSES + 1];
};

/* The classes of a catalog that states none, and of a platform without a catalog: 1-2
 * basic, 3 elevated, 4 high (what the project's catalogs state). */
extern const ef_level ef_default_classes[EF_CLASSES + 1];

/* The catalogs by the platform a report comes from (host.platform): Linux hosts' results
 * are counted against collector.yml `policies`, Windows hosts' against `policies_windows`.
 * Windows checks reuse Linux ids where the question is the same, with their own controls
 * and levels, so each platform has its own table. windows.n == 0: no Windows catalog. */
struct ef_check_catalogs {
    struct ef_check_catalog linux_checks;
    struct ef_check_catalog windows_checks;
};

/* The catalog for a report's platform; NULL when the collector has none for it (a Windows
 * report without a Windows catalog), so every result of it is set aside. */
const struct ef_check_catalog *ef_check_catalog_for(const struct ef_check_catalogs *cs,
                                                    const char *platform);

/* Load both: linux_path must load; windows_path that does not exist leaves the Windows
 * catalog empty (*windows_absent set), one that exists must load. 0, or -1 with err. */
int ef_check_catalogs_load(struct ef_check_catalogs *cs, const char *linux_path,
                           const char *windows_path, int *windows_absent, char *err, size_t errlen);
void ef_check_catalogs_free(struct ef_check_catalogs *cs);

/* The default of `policies_windows`: the installed folder when it exists, else this source
 * tree's checks/policies-windows (which may not exist either: then no Windows catalog). */
const char *ef_check_catalog_windows_default_path(void);

/* The default of `policies`: the folder the collector package installs, when it is one, else
 * this source tree's checks/policies (a build that was not installed). */
const char *ef_check_catalog_default_path(void);

/* Load a policy file, or every *.yml of a folder, as the agent would (control numbers
 * checked against the collector's ISO/IEC 27002 catalog). A path that does not exist, a file
 * the loader refuses, or no check at all is an error. 0, or -1 with err naming the file. */
int ef_check_catalog_load(struct ef_check_catalog *c, const char *path, char *err, size_t errlen);
void ef_check_catalog_free(struct ef_check_catalog *c);

struct ef_site_policy;
/* For ingest: base and the checks of a department's site policies (collector `policy add`,
 * `policy assign`; their YAML loaded as the agents load it), one table sorted by id, the
 * base's policy id and hash kept. A site check whose id the base holds is the base's. The
 * entries carry no titles. 0, or -1 with err (a site policy the loader refuses). Free with
 * ef_check_catalog_free. */
int ef_check_catalog_with_sites(struct ef_check_catalog *out, const struct ef_check_catalog *base,
                                const struct ef_site_policy *files, size_t nfiles, char *err,
                                size_t errlen);

/* The aspects a check protects, from the catalogs (the Linux one's entry first, then the
 * Windows one's); 0 when neither holds it or names none. */
unsigned ef_check_aspects(const struct ef_check_catalogs *cs, const char *id);

/* The catalog's entry for a check id; NULL when the catalog does not hold it. */
const struct ef_catalog_check *ef_check_catalog_find(const struct ef_check_catalog *c,
                                                     const char *id);

/* A check's title for people in lang ("sv" or "en"): the title in that language, else the
 * other language's, else the id itself. platform (host.platform) picks the catalog; NULL or
 * "" looks in the Linux catalog, then the Windows one (a check that asks the same question
 * on both shares its id). cs may be NULL (then the id). Never NULL. */
const char *ef_check_title(const struct ef_check_catalogs *cs, const char *platform, const char *id,
                           const char *lang);
/* The check's one-sentence summary in lang, else in the other language; NULL when the check
 * has none (or is not in the catalogs). The catalog is picked as for ef_check_title. */
const char *ef_check_summary(const struct ef_check_catalogs *cs, const char *platform,
                             const char *id, const char *lang);

#endif
