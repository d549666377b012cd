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
        } else if (strcmp(key, "title_sv") == 0) {
            if (scalar_copy(v, e->title_sv, sizeof(e->title_sv)) != 0)
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

const char *ef_catalog_default_path(void)
{
    struct stat st;

    return stat(EF_CONTROLS_INSTALL_FILE, &st) == 0 && S_ISREG(st.st_mode)
               ? EF_CONTROLS_INSTALL_FILE
               : EF_CONTROLS_SOURCE_FILE;
}

int ef_catalog_load_default(struct ef_catalog *c, char *err, size_t errlen)
{
    return ef_catalog_load(ef_catalog_default_path(), c, err, errlen);
}

const struct ef_catalog_control *ef_catalog_find(const struct ef_catalog *c, const char *number)
{
    size_t i;

    for (i = 0; c != NULL && i < c->n; i++)
        if (strcmp(c->v[i].number, number) == 0)
            return &c->v[i];
    return NULL;
}

const char *ef_catalog_control_title(const struct ef_catalog_control *cc, const char *lang)
{
    if (lang != NULL && strcmp(lang, "sv") == 0 && cc->title_sv[0] != '\0')
        return cc->title_sv;
    return cc->title;
}

/* The 2013 numbers a 2022 control replaces (ef_control_map over the catalog). */
static size_t replaces_2013(const void *arg, const char *number,
                            const char (**out)[EF_CONTROL_NUM_MAX + 1])
{
    const struct ef_catalog_control *cc = ef_catalog_find(arg, number);

    if (cc == NULL)
        return 0;
    *out = (const char(*)[EF_CONTROL_NUM_MAX + 1]) cc->replaces;
    return cc->nreplaces;
}

struct ef_control_map ef_control_map_2013(const struct ef_catalog *c)
{
    struct ef_control_map m = {replaces_2013, c};

    return m;
}
