/* SPDX-License-Identifier: EUPL-1.2 */
/* The levels a host is judged at, per aspect, and why (docs/figures.md, "Levels per
 * aspect"): for K, R and T the highest of its department's protection level and the levels
 * its systems' classes of that aspect require (the catalog's classes:, check_catalog.h);
 * for S (spårbarhet, which KLASSA does not class on its own) the highest class of each
 * system decides. "The highest class decides": a system only ever raises a level. */
#ifndef EF_COLLECTOR_HOST_LEVELS_H
#define EF_COLLECTOR_HOST_LEVELS_H

#include <jansson.h>

#include "efterlev/policy.h"
#include "store/store.h"

struct ef_host_levels {
    ef_level dept_level;
    ef_level lv[EF_ASPECTS];
    /* Why: the system whose class decided the aspect, "" when the department's level did
     * (a system of the same level does not take it over), and that class. */
    char system[EF_ASPECTS][EF_SYSTEM_NAME_MAX + 1];
    int klass[EF_ASPECTS];
    size_t nsystems; /* the systems the host is tied to */
};

/* Compute from the department's level, the catalog's classes (EF_CLASSES + 1, [0] unused)
 * and the systems v (n) the host is tied to. */
void ef_host_levels_compute(ef_level dept, const ef_level *classes, const struct ef_system_host *v,
                            size_t n, struct ef_host_levels *out);

/* The same, reading the systems of the host named hostname from the store. EF_OK, or the
 * store's error. A name with no key (empty) has no systems. */
int ef_host_levels_load(struct ef_store *s, const char *hostname, ef_level dept,
                        const ef_level *classes, struct ef_host_levels *out);

/* {"K": {"level": "high", "from": "system", "system": "Journal", "class": 4},
 *  "R": {"level": "basic", "from": "department"}, ...}; NULL when out of memory. */
json_t *ef_host_levels_json(const struct ef_host_levels *h);

/* The same as text of at most EF_LEVELS_JSON_MAX bytes into out (system names left out when
 * they would not fit). 0 or -1. */
int ef_host_levels_text(const struct ef_host_levels *h, char out[EF_LEVELS_JSON_MAX + 1]);

/* "K=high,R=basic,T=basic,S=high": the Efterlev-Levels header of a served policy. */
void ef_host_levels_header(const struct ef_host_levels *h, char *out, size_t outlen);

#endif
