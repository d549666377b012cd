/* SPDX-License-Identifier: EUPL-1.2 */
/* The collector's check catalog: lib/policy.c parses, this keeps what counting needs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "check_catalog.h"
#include "controls.h"
#include "efterlev/policy.h"

const char *ef_check_catalog_default_path(void)
{
    struct stat st;

    return stat(EF_CHECKS_INSTALL_DIR, &st) == 0 && S_ISDIR(st.st_mode) ? EF_CHECKS_INSTALL_DIR
                                                                        : EF_CHECKS_SOURCE_DIR;
}

static int by_id(const void *a, const void *b)
{
    return strcmp(((const struct ef_catalog_check *)a)->id,
                  ((const struct ef_catalog_check *)b)->id);
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
        const struct ef_check *k = &ps.checks[i];
        struct ef_catalog_check *e = &c->v[i];

        memcpy(e->id, k->id, sizeof(e->id));
        memcpy(e->controls, k->controls, sizeof(e->controls));
        e->ncontrols = k->ncontrols;
        e->severity = k->severity;
        e->level = k->level;
    }
    c->n = ps.nchecks;
    /* The loader refuses duplicate ids, so the order is total. */
    qsort(c->v, c->n, sizeof(*c->v), by_id);
    snprintf(c->path, sizeof(c->path), "%s", path);
    snprintf(c->policy_id, sizeof(c->policy_id), "%s", ps.id);
    snprintf(c->policy_version, sizeof(c->policy_version), "%s", ps.version);
    snprintf(c->policy_sha256, sizeof(c->policy_sha256), "%s", ps.sha256);
    ef_policy_free(&ps);
    return 0;
}

void ef_check_catalog_free(struct ef_check_catalog *c)
{
    if (c == NULL)
        return;
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
