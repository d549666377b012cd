/* SPDX-License-Identifier: EUPL-1.2 */
/* A host's levels per aspect and why (host_levels.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host_levels.h"
#include "inventory.h"

/* The class of system y for aspect k: its K, R or T; for S the highest of the three. */
static int class_of(const struct ef_system_host *y, int k)
{
    int c[3] = {y->k, y->r, y->t}, m = y->k > y->r ? y->k : y->r;

    return k < 3 ? c[k] : (m > y->t ? m : y->t);
}

void ef_host_levels_compute(ef_level dept, const ef_level *classes, const struct ef_system_host *v,
                            size_t n, struct ef_host_levels *out)
{
    memset(out, 0, sizeof(*out));
    out->dept_level = dept;
    ef_levels_fill(out->lv, dept);
    out->nsystems = n;
    for (size_t i = 0; i < n; i++)
        for (int k = 0; k < EF_ASPECTS; k++) {
            int c = class_of(&v[i], k);
            ef_level lv;

            if (c < 1 || c > EF_CLASSES)
                continue; /* the store holds 1..4 only; nothing else raises a level */
            lv = classes[c];
            /* higher than what decides so far; at the same level a higher class names the
             * system better (the department keeps what it decided alone) */
            if (lv > out->lv[k] || (lv == out->lv[k] && out->system[k][0] && c > out->klass[k])) {
                out->lv[k] = lv;
                out->klass[k] = c;
                snprintf(out->system[k], sizeof(out->system[k]), "%s", v[i].system);
            }
        }
}

int ef_host_levels_load(struct ef_store *s, const char *hostname, ef_level dept,
                        const ef_level *classes, struct ef_host_levels *out)
{
    char key[EF_NAME_MAX + 1];
    struct ef_system_host *v = NULL;
    size_t n = 0, i, kept = 0;
    int rc;

    if (ef_inv_host_key(hostname, key) != 0) {
        ef_host_levels_compute(dept, classes, NULL, 0, out);
        return EF_OK;
    }
    if ((rc = s->ops->system_hosts(s, NULL, key, &v, &n)) != EF_OK)
        return rc;
    /* the key is the short name: a tie to another domain's host of that name is not this */
    for (i = 0; i < n; i++)
        if (ef_inv_host_match(v[i].hostname, hostname))
            v[kept++] = v[i];
    ef_host_levels_compute(dept, classes, v, kept, out);
    free(v);
    return EF_OK;
}

static json_t *levels_json(const struct ef_host_levels *h, int names)
{
    json_t *o = json_object();

    for (int k = 0; o != NULL && k < EF_ASPECTS; k++) {
        json_t *a =
            h->system[k][0]
                ? json_pack("{s:s, s:s, s:s*, s:i}", "level", ef_level_name(h->lv[k]), "from",
                            "system", "system", names ? h->system[k] : NULL, "class", h->klass[k])
                : json_pack("{s:s, s:s}", "level", ef_level_name(h->lv[k]), "from", "department");
        if (json_object_set_new(o, ef_aspect_letters[k], a) != 0) {
            json_decref(o);
            return NULL;
        }
    }
    return o;
}

json_t *ef_host_levels_json(const struct ef_host_levels *h)
{
    return levels_json(h, 1);
}

int ef_host_levels_text(const struct ef_host_levels *h, char out[EF_LEVELS_JSON_MAX + 1])
{
    for (int names = 1; names >= 0; names--) {
        json_t *o = levels_json(h, names);
        char *t = o != NULL ? json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
        size_t len = t != NULL ? strlen(t) : 0;

        json_decref(o);
        if (t == NULL)
            return -1;
        if (len <= EF_LEVELS_JSON_MAX) {
            memcpy(out, t, len + 1);
            free(t);
            return 0;
        }
        free(t);
    }
    return -1;
}

void ef_host_levels_header(const struct ef_host_levels *h, char *out, size_t outlen)
{
    snprintf(out, outlen, "K=%s,R=%s,T=%s,S=%s", ef_level_name(h->lv[0]), ef_level_name(h->lv[1]),
             ef_level_name(h->lv[2]), ef_level_name(h->lv[3]));
}
