/* SPDX-License-Identifier: EUPL-1.2 */
/* The collector's check catalog: lib/policy.c parses, this keeps what counting needs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "check_catalog.h"
#include "controls.h"
#include "efterlev/policy.h"
#include "store/store.h"

const char *ef_check_catalog_default_path(void)
{
    struct stat st;

    return stat(EF_CHECKS_INSTALL_DIR, &st) == 0 && S_ISDIR(st.st_mode) ? EF_CHECKS_INSTALL_DIR
                                                                        : EF_CHECKS_SOURCE_DIR;
}

const char *ef_check_catalog_windows_default_path(void)
{
    struct stat st;

    return stat(EF_CHECKS_WINDOWS_INSTALL_DIR, &st) == 0 && S_ISDIR(st.st_mode)
               ? EF_CHECKS_WINDOWS_INSTALL_DIR
               : EF_CHECKS_WINDOWS_SOURCE_DIR;
}

static int by_id(const void *a, const void *b)
{
    return strcmp(((const struct ef_catalog_check *)a)->id,
                  ((const struct ef_catalog_check *)b)->id);
}

const ef_level ef_default_classes[EF_CLASSES + 1] = {0, EF_LEVEL_BASIC, EF_LEVEL_BASIC,
                                                     EF_LEVEL_ELEVATED, EF_LEVEL_HIGH};

/* What the catalog keeps of a policy check (its texts move over separately, or not). */
static void entry_of(struct ef_catalog_check *e, const struct ef_check *k)
{
    memcpy(e->id, k->id, sizeof(e->id));
    memcpy(e->controls, k->controls, sizeof(e->controls));
    e->ncontrols = k->ncontrols;
    e->severity = k->severity;
    e->level = k->level;
    e->aspects = k->aspects;
}

int ef_check_catalog_load(struct ef_check_catalog *c, const char *path, char *err, size_t errlen)
{
    struct ef_policy_set ps;
    const char *controls;
    struct stat st;
    size_t i;

    memset(c, 0, sizeof(*c));
    if (strlen(path) >= sizeof(c->path)) {
        snprintf(err, errlen, "path too long");
        return -1;
    }
    /* Control numbers are checked against the ISO/IEC 27002 catalog when it is there (serve
     * runs without it too, with a warning: titles and coverage are then missing). */
    controls = ef_catalog_default_path();
    if (stat(controls, &st) != 0)
        controls = NULL;
    ef_policy_init(&ps);
    if (ef_policy_load(&ps, path, controls, err, errlen) != 0) {
        ef_policy_free(&ps);
        return -1;
    }
    if (ps.nchecks == 0) {
        snprintf(err, errlen, "%s: no checks (a policy file, or a folder of *.yml files)", path);
        ef_policy_free(&ps);
        return -1;
    }
    if ((c->v = calloc(ps.nchecks, sizeof(*c->v))) == NULL) {
        snprintf(err, errlen, "out of memory");
        ef_policy_free(&ps);
        return -1;
    }
    for (i = 0; i < ps.nchecks; i++) {
        struct ef_check *k = &ps.checks[i];
        struct ef_catalog_check *e = &c->v[i];

        entry_of(e, k);
        /* The texts move over (the loader bounded them at 8192 bytes, valid UTF-8). */
        e->title = k->title;
        e->title_sv = k->title_sv;
        e->summary = k->summary;
        e->summary_sv = k->summary_sv;
        k->title = k->title_sv = k->summary = k->summary_sv = NULL;
    }
    c->n = ps.nchecks;
    /* The loader refuses duplicate ids, so the order is total. */
    qsort(c->v, c->n, sizeof(*c->v), by_id);
    snprintf(c->path, sizeof(c->path), "%s", path);
    snprintf(c->policy_id, sizeof(c->policy_id), "%s", ps.id);
    snprintf(c->policy_version, sizeof(c->policy_version), "%s", ps.version);
    snprintf(c->policy_sha256, sizeof(c->policy_sha256), "%s", ps.sha256);
    memcpy(c->classes, ps.classes[1] != 0 ? ps.classes : ef_default_classes, sizeof(c->classes));
    ef_policy_free(&ps);
    return 0;
}

int ef_check_catalog_with_sites(struct ef_check_catalog *out, const struct ef_check_catalog *base,
                                const struct ef_site_policy *files, size_t nfiles, char *err,
                                size_t errlen)
{
    struct ef_policy_set *ps = calloc(nfiles ? nfiles : 1, sizeof(*ps));
    const char *controls = ef_catalog_default_path();
    struct stat st;
    size_t i, j, n = base->n;
    int rc = -1;

    memset(out, 0, sizeof(*out));
    if (ps == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (stat(controls, &st) != 0)
        controls = NULL;
    for (i = 0; i < nfiles; i++) {
        ef_policy_init(&ps[i]);
        if (files[i].yaml == NULL ||
            ef_policy_load_mem(&ps[i], files[i].name, files[i].yaml, strlen(files[i].yaml),
                               controls, err, errlen) != 0)
            goto out;
        n += ps[i].nchecks;
    }
    if ((out->v = calloc(n ? n : 1, sizeof(*out->v))) == NULL) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    /* The base's entries without their texts (they stay the base's: ingest needs none). */
    for (i = 0; i < base->n; i++) {
        out->v[i] = base->v[i];
        out->v[i].title = out->v[i].title_sv = out->v[i].summary = out->v[i].summary_sv = NULL;
    }
    out->n = base->n;
    for (i = 0; i < nfiles; i++)
        for (j = 0; j < ps[i].nchecks; j++) {
            const struct ef_check *k = &ps[i].checks[j];
            struct ef_catalog_check *e = &out->v[out->n];

            /* policy add refuses a site check that repeats a catalog id; two site policies
             * may still share one: the first assigned (by name) holds it */
            if (ef_check_catalog_find(base, k->id) != NULL)
                continue;
            entry_of(e, k);
            out->n++;
        }
    qsort(out->v, out->n, sizeof(*out->v), by_id);
    for (i = j = 0; i < out->n; i++) /* drop the later of two site checks with one id */
        if (j == 0 || strcmp(out->v[j - 1].id, out->v[i].id) != 0)
            out->v[j++] = out->v[i];
    out->n = j;
    memcpy(out->path, base->path, sizeof(out->path));
    memcpy(out->policy_id, base->policy_id, sizeof(out->policy_id));
    memcpy(out->policy_version, base->policy_version, sizeof(out->policy_version));
    memcpy(out->policy_sha256, base->policy_sha256, sizeof(out->policy_sha256));
    memcpy(out->classes, base->classes, sizeof(out->classes));
    rc = 0;
out:
    for (i = 0; i < nfiles; i++)
        ef_policy_free(&ps[i]);
    free(ps);
    if (rc != 0)
        ef_check_catalog_free(out);
    return rc;
}

void ef_check_catalog_free(struct ef_check_catalog *c)
{
    if (c == NULL)
        return;
    for (size_t i = 0; i < c->n; i++) {
        free(c->v[i].title);
        free(c->v[i].title_sv);
        free(c->v[i].summary);
        free(c->v[i].summary_sv);
    }
    free(c->v);
    memset(c, 0, sizeof(*c));
}

const struct ef_catalog_check *ef_check_catalog_find(const struct ef_check_catalog *c,
                                                     const char *id)
{
    struct ef_catalog_check key;

    if (c == NULL || c->n == 0 || strlen(id) >= sizeof(key.id))
        return NULL;
    memcpy(key.id, id, strlen(id) + 1);
    return bsearch(&key, c->v, c->n, sizeof(*c->v), by_id);
}

unsigned ef_check_aspects(const struct ef_check_catalogs *cs, const char *id)
{
    const struct ef_catalog_check *k;

    if (cs == NULL)
        return 0;
    if ((k = ef_check_catalog_find(&cs->linux_checks, id)) != NULL ||
        (k = ef_check_catalog_find(&cs->windows_checks, id)) != NULL)
        return k->aspects;
    return 0;
}

const struct ef_check_catalog *ef_check_catalog_for(const struct ef_check_catalogs *cs,
                                                    const char *platform)
{
    if (cs == NULL)
        return NULL;
    if (strcmp(platform, EF_PLATFORM_WINDOWS) == 0)
        return cs->windows_checks.n > 0 ? &cs->windows_checks : NULL;
    return &cs->linux_checks; /* "linux", and reports from before platforms existed */
}

int ef_check_catalogs_load(struct ef_check_catalogs *cs, const char *linux_path,
                           const char *windows_path, int *windows_absent, char *err, size_t errlen)
{
    struct stat st;

    memset(cs, 0, sizeof(*cs));
    *windows_absent = 0;
    if (ef_check_catalog_load(&cs->linux_checks, linux_path, err, errlen) != 0)
        return -1;
    if (windows_path == NULL || windows_path[0] == '\0' || stat(windows_path, &st) != 0) {
        *windows_absent = 1;
        return 0;
    }
    if (ef_check_catalog_load(&cs->windows_checks, windows_path, err, errlen) != 0) {
        ef_check_catalog_free(&cs->linux_checks);
        return -1;
    }
    return 0;
}

void ef_check_catalogs_free(struct ef_check_catalogs *cs)
{
    if (cs == NULL)
        return;
    ef_check_catalog_free(&cs->linux_checks);
    ef_check_catalog_free(&cs->windows_checks);
}

static const struct ef_catalog_check *find_in(const struct ef_check_catalogs *cs,
                                              const char *platform, const char *id)
{
    const struct ef_catalog_check *k;

    if (cs == NULL)
        return NULL;
    if (platform != NULL && platform[0] != '\0')
        return ef_check_catalog_find(ef_check_catalog_for(cs, platform), id);
    k = ef_check_catalog_find(&cs->linux_checks, id);
    return k != NULL ? k : ef_check_catalog_find(&cs->windows_checks, id);
}

const char *ef_check_title(const struct ef_check_catalogs *cs, const char *platform, const char *id,
                           const char *lang)
{
    const struct ef_catalog_check *k = find_in(cs, platform, id);
    int sv = lang != NULL && strcmp(lang, "sv") == 0;

    if (k == NULL)
        return id;
    if (sv && k->title_sv != NULL)
        return k->title_sv;
    if (k->title != NULL)
        return k->title;
    return k->title_sv != NULL ? k->title_sv : id;
}

const char *ef_check_summary(const struct ef_check_catalogs *cs, const char *platform,
                             const char *id, const char *lang)
{
    const struct ef_catalog_check *k = find_in(cs, platform, id);
    int sv = lang != NULL && strcmp(lang, "sv") == 0;

    if (k == NULL)
        return NULL;
    if (sv)
        return k->summary_sv != NULL ? k->summary_sv : k->summary;
    return k->summary != NULL ? k->summary : k->summary_sv;
}
