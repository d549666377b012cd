/* SPDX-License-Identifier: EUPL-1.2 */
/* Per-control sums of the store's per-check counters (control_sums.c). */
#ifndef EF_COLLECTOR_STORE_CONTROL_SUMS_H
#define EF_COLLECTOR_STORE_CONTROL_SUMS_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

#define EF_CONTROL_NUM_MAX 15 /* "5.17", "18.1.4" */
#define EF_REPLACES_MAX 8     /* 2013 controls one 2022 control replaces, at most */

/* Order of control numbers: component by component, numerically ("5.9" < "5.10"). */
int ef_control_cmp(const char *a, const char *b);

struct ef_control_sum {
    int64_t department_id; /* 0 when summed over departments */
    char control[EF_CONTROL_NUM_MAX + 1];
    int64_t counts[EF_KINDS];
    int64_t checks; /* distinct checks evidencing it (per department when kept apart) */
};

/* Another numbering of the controls: map() gives the numbers a 2022 control stands for
 * (*out, the count returned; 0 drops it). */
struct ef_control_map {
    size_t (*map)(const void *arg, const char *number, const char (**out)[EF_CONTROL_NUM_MAX + 1]);
    const void *arg;
};

/* Sum check counters per control. Every result counts once for each distinct control its
 * check lists (2022 numbering); with map, once for each distinct number the map gives for
 * any of them. per_department keeps departments apart. rows come ordered by check. Sorted by
 * department, then control. 0 or -1 (out of memory). */
int ef_control_sums(const struct ef_check_counts *rows, size_t n, const struct ef_control_map *map,
                    int per_department, struct ef_control_sum **out, size_t *nout);

#endif
