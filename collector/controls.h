/* SPDX-License-Identifier: EUPL-1.2 */
/* ISO/IEC 27002 controls on the collector side: the 2022 catalog (checks/iso27002-2022.yml,
 * with the 2013 controls each replaces) and the per-control sums built from per-check
 * counters. */
#ifndef EF_COLLECTOR_CONTROLS_H
#define EF_COLLECTOR_CONTROLS_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

#define EF_CONTROL_NUM_MAX 15 /* "5.17", "18.1.4" */
#define EF_REPLACES_MAX 8

struct ef_catalog_control {
    char number[EF_CONTROL_NUM_MAX + 1];
    char theme[16]; /* organizational, people, physical, technological */
    char title[160];
    char replaces[EF_REPLACES_MAX][EF_CONTROL_NUM_MAX + 1]; /* 2013 numbers */
    size_t nreplaces;
};

struct ef_catalog {
    struct ef_catalog_control *v;
    size_t n;
};

/* Read the catalog from path. 0, or -1 with err as "FILE:LINE: what". */
int ef_catalog_load(const char *path, struct ef_catalog *c, char *err, size_t errlen);
/* The installed catalog (EF_CONTROLS_INSTALL_FILE), else the source tree's. */
int ef_catalog_load_default(struct ef_catalog *c, char *err, size_t errlen);
void ef_catalog_free(struct ef_catalog *c);
const struct ef_catalog_control *ef_catalog_find(const struct ef_catalog *c, const char *number);

/* Order of control numbers: component by component, numerically ("5.9" < "5.10"). */
int ef_control_cmp(const char *a, const char *b);

struct ef_control_sum {
    int64_t department_id; /* 0 when summed over departments */
    char control[EF_CONTROL_NUM_MAX + 1];
    int64_t counts[EF_KINDS];
    int64_t checks; /* distinct checks evidencing it (per department when kept apart) */
};

/* Sum check counters per control. Every result counts once for each distinct control its
 * check lists (2022 numbering); with map2013, once for each distinct 2013 control that
 * any of its 2022 controls replaces (2022 controls new in 2022 drop out). per_department
 * keeps departments apart. Sorted by department, then control. 0 or -1 (out of memory). */
int ef_control_sums(const struct ef_check_counts *rows, size_t n, const struct ef_catalog *map2013,
                    int per_department, struct ef_control_sum **out, size_t *nout);

#endif
