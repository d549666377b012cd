/* SPDX-License-Identifier: EUPL-1.2 */
/* Per-control sums of per-check counters: each result counts once for each distinct control
 * its check lists. Used by the store (daily snapshots) and by the collector's views. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "efterlev/array.h"
#include "efterlev/util.h"
#include "store/control_sums.h"

int ef_control_cmp(const char *a, const char *b)
{
    while (*a != '\0' && *b != '\0') {
        char *ea, *eb;
        unsigned long x = strtoul(a, &ea, 10), y = strtoul(b, &eb, 10);

        if (ea == a || eb == b)
            return strcmp(a, b);
        if (x != y)
            return x < y ? -1 : 1;
        a = *ea == '.' ? ea + 1 : ea;
        b = *eb == '.' ? eb + 1 : eb;
        if (*ea != '.' || *eb != '.')
            break;
    }
    return strcmp(a, b);
}

static int sum_cmp(const void *x, const void *y)
{
    const struct ef_control_sum *a = x, *b = y;

    if (a->department_id != b->department_id)
        return a->department_id < b->department_id ? -1 : 1;
    return ef_control_cmp(a->control, b->control);
}

/* Split "8.9,5.17" into distinct numbers (2022, or mapped to 2013). */
static size_t split_controls(const char *text, const struct ef_control_map *map,
                             char out[][EF_CONTROL_NUM_MAX + 1], size_t max)
{
    char buf[EF_CONTROLS_TEXT_MAX], *save = NULL, *tok;
    size_t n = 0, i, j;

    snprintf(buf, sizeof(buf), "%s", text);
    for (tok = strtok_r(buf, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
        const char(*mapped)[EF_CONTROL_NUM_MAX + 1] = NULL;
        size_t nnum = map != NULL ? map->map(map->arg, tok, &mapped) : 1;

        for (j = 0; j < nnum; j++) {
            const char *num = map != NULL ? mapped[j] : tok;

            for (i = 0; i < n; i++)
                if (strcmp(out[i], num) == 0)
                    break;
            if (i == n && n < max)
                snprintf(out[n++], EF_CONTROL_NUM_MAX + 1, "%s", num);
        }
    }
    return n;
}

/* Open-addressing index of the sums by (department, control): slots hold index + 1. */
struct sum_index {
    size_t *slot;
    size_t cap; /* a power of two, at least twice the entries */
};

static size_t sum_hash(int64_t department_id, const char *control)
{
    uint64_t h = 14695981039346656037ULL ^ (uint64_t)department_id;

    for (; *control != '\0'; control++)
        h = (h ^ (unsigned char)*control) * 1099511628211ULL;
    return (size_t)(h ^ (h >> 29));
}

/* The sum of (department_id, control) in *v, added (zeroed) when new; -1 when out of memory. */
static long sum_find(struct sum_index *ix, struct ef_control_sum **v, size_t *len, size_t *cap,
                     int64_t department_id, const char *control)
{
    struct ef_control_sum *nv;
    size_t i, j, *ns;

    if (2 * (*len + 1) > ix->cap) {
        size_t ncap = ix->cap ? ix->cap * 2 : 256;

        if ((ns = calloc(ncap, sizeof(*ns))) == NULL)
            return -1;
        for (j = 0; j < *len; j++) {
            for (i = sum_hash((*v)[j].department_id, (*v)[j].control) & (ncap - 1); ns[i] != 0;
                 i = (i + 1) & (ncap - 1))
                ;
            ns[i] = j + 1;
        }
        free(ix->slot);
        ix->slot = ns;
        ix->cap = ncap;
    }
    for (i = sum_hash(department_id, control) & (ix->cap - 1); ix->slot[i] != 0;
         i = (i + 1) & (ix->cap - 1)) {
        const struct ef_control_sum *e = &(*v)[ix->slot[i] - 1];

        if (e->department_id == department_id && strcmp(e->control, control) == 0)
            return (long)(ix->slot[i] - 1);
    }
    if ((nv = ef_array_grow(*v, *len, cap, sizeof(**v), 64, EF_ARRAY_NO_MAX)) == NULL)
        return -1;
    *v = nv;
    memset(&(*v)[*len], 0, sizeof((*v)[*len]));
    (*v)[*len].department_id = department_id;
    memcpy((*v)[*len].control, control, strnlen(control, sizeof((*v)[*len].control) - 1));
    ix->slot[i] = *len + 1;
    return (long)(*len)++;
}

int ef_control_sums(const struct ef_check_counts *rows, size_t n, const struct ef_control_map *map,
                    int per_department, struct ef_control_sum **out, size_t *nout)
{
    char nums[EF_CONTROLS_MAX * EF_REPLACES_MAX][EF_CONTROL_NUM_MAX + 1];
    size_t idx[EF_ARRAY_LEN(nums)];
    struct sum_index ix = {NULL, 0};
    struct ef_control_sum *v = NULL, *e;
    size_t len = 0, cap = 0, i, j, m = 0, w;
    int64_t dept;
    long at;
    int k, first;

    *out = NULL;
    *nout = 0;
    /* Summed in place per (department, control) through a hash index; rows in a run with the
     * same controls (and department, when kept apart) reuse the previous row's sums. */
    for (i = 0; i < n; i++) {
        dept = per_department ? rows[i].department_id : 0;
        if (i == 0 || strcmp(rows[i - 1].controls, rows[i].controls) != 0 ||
            (per_department && rows[i - 1].department_id != rows[i].department_id)) {
            m = split_controls(rows[i].controls, map, nums, EF_ARRAY_LEN(nums));
            for (j = 0; j < m; j++) {
                if ((at = sum_find(&ix, &v, &len, &cap, dept, nums[j])) < 0) {
                    free(ix.slot);
                    free(v);
                    return -1;
                }
                idx[j] = (size_t)at;
            }
        }
        /* rows come ordered by check: count a check once per (department, control). */
        first = i == 0 || strcmp(rows[i - 1].check, rows[i].check) != 0 ||
                (per_department && rows[i - 1].department_id != rows[i].department_id);
        for (j = 0; j < m; j++) {
            e = &v[idx[j]];
            for (k = 0; k < EF_KINDS; k++)
                e->counts[k] += rows[i].counts[k];
            e->checks += first;
        }
    }
    free(ix.slot);
    if (len > 1)
        qsort(v, len, sizeof(*v), sum_cmp);
    /* Merge neighbours the numbering orders as equal ("5.1" and "5.01"). */
    for (i = 0, w = 0; i < len; i++) {
        if (w > 0 && sum_cmp(&v[w - 1], &v[i]) == 0) {
            for (k = 0; k < EF_KINDS; k++)
                v[w - 1].counts[k] += v[i].counts[k];
            v[w - 1].checks += v[i].checks;
        } else {
            v[w++] = v[i];
        }
    }
    *out = v;
    *nout = w;
    return 0;
}
