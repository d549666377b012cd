/* SPDX-License-Identifier: EUPL-1.2 */
/* The ISO/IEC 27002:2022 catalog and per-control sums. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <yaml.h>

#include "controls.h"
#include "efterlev/util.h"

#define CATALOG_FILE_MAX (1024 * 1024)

void ef_catalog_free(struct ef_catalog *c)
{
    free(c->v);
    c->v = NULL;
    c->n = 0;
}

static int scalar_copy(const yaml_node_t *n, char *out, size_t outlen)
{
    if (n == NULL || n->type != YAML_SCALAR_NODE || n->data.scalar.length >= outlen)
        return -1;
    memcpy(out, n->data.scalar.value, n->data.scalar.length);
    out[n->data.scalar.length] = '\0';
    return 0;
}

static int load_entry(yaml_document_t *doc, const yaml_node_t *map, struct ef_catalog_control *e)
{
    yaml_node_pair_t *p;
    yaml_node_item_t *it;

    memset(e, 0, sizeof(*e));
    if (map->type != YAML_MAPPING_NODE)
        return -1;
    for (p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
        yaml_node_t *k = yaml_document_get_node(doc, p->key);
        yaml_node_t *v = yaml_document_get_node(doc, p->value);
        const char *key;

        if (k == NULL || v == NULL || k->type != YAML_SCALAR_NODE)
            return -1;
        key = (const char *)k->data.scalar.value;
        if (strcmp(key, "number") == 0) {
            if (scalar_copy(v, e->number, sizeof(e->number)) != 0)
                return -1;
        } else if (strcmp(key, "theme") == 0) {
            if (scalar_copy(v, e->theme, sizeof(e->theme)) != 0)
                return -1;
        } else if (strcmp(key, "title") == 0) {
            if (scalar_copy(v, e->title, sizeof(e->title)) != 0)
                return -1;
        } else if (strcmp(key, "replaces") == 0) {
            if (v->type != YAML_SEQUENCE_NODE)
                return -1;
            for (it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++) {
                if (e->nreplaces == EF_REPLACES_MAX ||
                    scalar_copy(yaml_document_get_node(doc, *it), e->replaces[e->nreplaces],
                                sizeof(e->replaces[0])) != 0)
                    return -1;
                e->nreplaces++;
            }
        } else {
            return -1;
        }
    }
    return e->number[0] != '\0' ? 0 : -1;
}

int ef_catalog_load(const char *path, struct ef_catalog *c, char *err, size_t errlen)
{
    yaml_parser_t parser;
    yaml_document_t doc;
    yaml_node_t *root, *list = NULL;
    yaml_node_pair_t *p;
    yaml_node_item_t *it;
    char *text = NULL;
    size_t len, i;
    int rc = -1;

    memset(c, 0, sizeof(*c));
    if (ef_read_file(path, CATALOG_FILE_MAX, &text, &len) != 0) {
        snprintf(err, errlen, "%s: cannot read the control catalog", path);
        return -1;
    }
    if (!yaml_parser_initialize(&parser)) {
        free(text);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    if (!yaml_parser_load(&parser, &doc)) {
        snprintf(err, errlen, "%s:%zu: %s", path, parser.problem_mark.line + 1,
                 parser.problem != NULL ? parser.problem : "YAML error");
        yaml_parser_delete(&parser);
        free(text);
        return -1;
    }
    root = yaml_document_get_root_node(&doc);
    if (root != NULL && root->type == YAML_MAPPING_NODE)
        for (p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top; p++) {
            yaml_node_t *k = yaml_document_get_node(&doc, p->key);

            if (k != NULL && k->type == YAML_SCALAR_NODE &&
                strcmp((const char *)k->data.scalar.value, "controls") == 0)
                list = yaml_document_get_node(&doc, p->value);
        }
    if (list == NULL || list->type != YAML_SEQUENCE_NODE) {
        snprintf(err, errlen, "%s: no controls list", path);
        goto out;
    }
    len = (size_t)(list->data.sequence.items.top - list->data.sequence.items.start);
    c->v = calloc(len ? len : 1, sizeof(*c->v));
    if (c->v == NULL) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    for (it = list->data.sequence.items.start, i = 0; it < list->data.sequence.items.top;
         it++, i++) {
        yaml_node_t *n = yaml_document_get_node(&doc, *it);

        if (n == NULL || load_entry(&doc, n, &c->v[i]) != 0) {
            snprintf(err, errlen, "%s:%zu: malformed control entry", path,
                     n != NULL ? n->start_mark.line + 1 : 0);
            ef_catalog_free(c);
            goto out;
        }
    }
    c->n = len;
    rc = 0;
out:
    yaml_document_delete(&doc);
    yaml_parser_delete(&parser);
    free(text);
    return rc;
}

int ef_catalog_load_default(struct ef_catalog *c, char *err, size_t errlen)
{
    struct stat st;
    const char *path = stat(EF_CONTROLS_INSTALL_FILE, &st) == 0 && S_ISREG(st.st_mode)
                           ? EF_CONTROLS_INSTALL_FILE
                           : EF_CONTROLS_SOURCE_FILE;

    return ef_catalog_load(path, c, err, errlen);
}

const struct ef_catalog_control *ef_catalog_find(const struct ef_catalog *c, const char *number)
{
    size_t i;

    for (i = 0; c != NULL && i < c->n; i++)
        if (strcmp(c->v[i].number, number) == 0)
            return &c->v[i];
    return NULL;
}

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
static size_t split_controls(const char *text, const struct ef_catalog *map2013,
                             char out[][EF_CONTROL_NUM_MAX + 1], size_t max)
{
    char buf[EF_CONTROLS_TEXT_MAX], *save = NULL, *tok;
    size_t n = 0, i, j;

    snprintf(buf, sizeof(buf), "%s", text);
    for (tok = strtok_r(buf, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
        const struct ef_catalog_control *cc = map2013 ? ef_catalog_find(map2013, tok) : NULL;
        size_t nnum = map2013 ? (cc ? cc->nreplaces : 0) : 1;

        for (j = 0; j < nnum; j++) {
            const char *num = map2013 ? cc->replaces[j] : tok;

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
    if (*len == *cap) {
        size_t ncap = *cap ? *cap * 2 : 64;

        if ((nv = reallocarray(*v, ncap, sizeof(**v))) == NULL)
            return -1;
        *v = nv;
        *cap = ncap;
    }
    memset(&(*v)[*len], 0, sizeof((*v)[*len]));
    (*v)[*len].department_id = department_id;
    memcpy((*v)[*len].control, control, strnlen(control, sizeof((*v)[*len].control) - 1));
    ix->slot[i] = *len + 1;
    return (long)(*len)++;
}

int ef_control_sums(const struct ef_check_counts *rows, size_t n, const struct ef_catalog *map2013,
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
            m = split_controls(rows[i].controls, map2013, nums, EF_ARRAY_LEN(nums));
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
