/* SPDX-License-Identifier: EUPL-1.2 */
/* ISO/IEC 27002 controls on the collector side: the 2022 catalog (checks/iso27002-2022.yml,
 * with the 2013 controls each replaces) and the per-control sums built from per-check
 * counters. */
#ifndef EF_COLLECTOR_CONTROLS_H
#define EF_COLLECTOR_CONTROLS_H

#include <stddef.h>
#include <stdint.h>

#include "store/control_sums.h"
#include "store/store.h"

struct ef_catalog_control {
    char number[EF_CONTROL_NUM_MAX + 1];
    char theme[16]; /* organizational, people, physical, technological */
    char title[160];
    char title_sv[160]; /* the project's short Swedish name; empty when the catalog has none */
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
const char *ef_catalog_default_path(void);
int ef_catalog_load_default(struct ef_catalog *c, char *err, size_t errlen);
void ef_catalog_free(struct ef_catalog *c);
const struct ef_catalog_control *ef_catalog_find(const struct ef_catalog *c, const char *number);
/* A control's title in lang ("sv": title_sv when the catalog has one; else the English). */
const char *ef_catalog_control_title(const struct ef_catalog_control *cc, const char *lang);

/* The 2013 numbering of a sum (ef_control_sums) through the catalog: every 2022 control
 * counts for each 2013 control it replaces; controls new in 2022 drop out. */
struct ef_control_map ef_control_map_2013(const struct ef_catalog *c);

#endif
