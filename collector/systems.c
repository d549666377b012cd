/* SPDX-License-Identifier: EUPL-1.2 */
/* Systems and how their machines stand (systems.h). */
#include <stdlib.h>
#include <string.h>

#include "aggregate.h"
#include "inventory.h"
#include "systems.h"

/* A host row's key (ef_inv_host_key), for matching ties in a sorted array. */
struct keyed {
    char key[EF_NAME_MAX + 1];
    size_t row;
};

static int by_key(const void *a, const void *b)
{
    return strcmp(((const struct keyed *)a)->key, ((const struct keyed *)b)->key);
}

/* One machine's latest results into counts and per-aspect sums. */
static int add_host(struct ef_store *s, const struct ef_check_catalogs *cs, const char *agent_id,
                    int64_t counts[EF_KINDS], int64_t asp[EF_ASPECTS][EF_KINDS],
                    int64_t own[EF_KINDS])
{
    struct ef_result_row *r = NULL;
    size_t n = 0;

    memset(own, 0, sizeof(int64_t) * EF_KINDS);
    if (s->ops->host_results(s, agent_id, &r, &n) != EF_OK)
        return EF_ERR;
    for (size_t i = 0; i < n; i++) {
        int kind = r[i].accepted ? EF_ACCEPTED : (int)r[i].status;
        unsigned a = ef_check_aspects(cs, r[i].check);

        if (kind < 0 || kind >= EF_KINDS)
            continue;
        counts[kind]++;
        own[kind]++;
        for (int k = 0; k < EF_ASPECTS; k++)
            if (a & (1u << k))
                asp[k][kind]++;
    }
    free(r);
    return EF_OK;
}

/* not const: a const 2-D array parameter is not ISO C17 for a non-const argument */
static json_t *aspects_json(int64_t asp[EF_ASPECTS][EF_KINDS])
{
    json_t *arr = json_array();

    for (int k = 0; arr != NULL && k < EF_ASPECTS; k++) {
        json_t *o = json_pack("{s:s}", "aspect", ef_aspect_letters[k]);

        if (o == NULL || ef_counts_json(o, asp[k]) != 0 || json_array_append_new(arr, o) != 0) {
            json_decref(o);
            json_decref(arr);
            return NULL;
        }
    }
    return arr;
}

/* The system's machines: each tie matched against the host rows (sorted by key). */
static int system_json(struct ef_store *s, const struct ef_check_catalogs *cs,
                       const struct ef_system *y, const struct ef_system_host *ties, size_t nt,
                       const struct ef_host_row *h, const struct keyed *keys, size_t nh,
                       const char *only_dept, json_t **out)
{
    int64_t counts[EF_KINDS] = {0}, asp[EF_ASPECTS][EF_KINDS], own[EF_KINDS];
    json_t *o, *machines = json_array();
    int64_t reporting = 0, tied = 0;

    memset(asp, 0, sizeof(asp));
    *out = NULL;
    if (machines == NULL)
        return EF_NOMEM;
    for (size_t i = 0; i < nt; i++) {
        struct keyed want, *at;
        int found = 0;

        if (strcmp(ties[i].system, y->name) != 0)
            continue;
        tied++;
        snprintf(want.key, sizeof(want.key), "%s", ties[i].host_key);
        at = bsearch(&want, keys, nh, sizeof(*keys), by_key);
        while (at != NULL && at > keys && strcmp(at[-1].key, want.key) == 0)
            at--;
        for (; at != NULL && at < keys + nh && strcmp(at->key, want.key) == 0; at++) {
            const struct ef_host_row *r = &h[at->row];
            json_t *m;

            if (!ef_inv_host_match(ties[i].hostname, r->hostname) ||
                (only_dept != NULL && strcmp(r->department, only_dept) != 0))
                continue;
            found = 1;
            memset(own, 0, sizeof(own));
            if (!r->stale) {
                reporting++;
                if (add_host(s, cs, r->agent_id, counts, asp, own) != EF_OK) {
                    json_decref(machines);
                    return EF_ERR;
                }
            }
            m = json_pack("{s:s, s:s, s:s, s:b}", "hostname", r->hostname, "agent_id", r->agent_id,
                          "department", r->department, "stale", r->stale);
            if (m == NULL || ef_counts_json(m, own) != 0 || json_array_append_new(machines, m)) {
                json_decref(m);
                json_decref(machines);
                return EF_NOMEM;
            }
        }
        /* tied by name but no agent of that name: listed, so the gap shows */
        if (!found && only_dept == NULL &&
            json_array_append_new(machines, json_pack("{s:s, s:n, s:n, s:b, s:n}", "hostname",
                                                      ties[i].hostname, "agent_id", "department",
                                                      "stale", 1, "compliance_pct")) != 0) {
            json_decref(machines);
            return EF_NOMEM;
        }
    }
    o = json_pack("{s:s, s:s, s:s, s:i, s:i, s:i, s:s, s:I, s:I}", "name", y->name, "owner",
                  y->owner, "info_owner", y->info_owner, "k", y->k, "r", y->r, "t", y->t,
                  "department", y->department, "hosts", (json_int_t)tied, "reporting",
                  (json_int_t)reporting);
    if (o == NULL) {
        json_decref(machines);
        return EF_NOMEM;
    }
    if (ef_counts_json(o, counts) != 0 ||
        json_object_set_new(o, "aspects", aspects_json(asp)) != 0 ||
        json_object_set_new(o, "machines", machines) != 0) {
        json_decref(o);
        return EF_NOMEM;
    }
    *out = o;
    return EF_OK;
}

int ef_systems_json(struct ef_store *s, const struct ef_check_catalogs *cs, const char *only,
                    const char *only_dept, int stale_days, time_t now, json_t **out)
{
    struct ef_system *y = NULL;
    struct ef_system_host *ties = NULL;
    struct ef_host_row *h = NULL;
    struct keyed *keys = NULL;
    size_t ny = 0, nt = 0, nh = 0, nk = 0, i;
    json_t *arr = NULL;
    int rc = EF_ERR, any = 0;

    *out = NULL;
    if (s->ops->sweep(s, now, stale_days) != EF_OK || s->ops->system_list(s, &y, &ny) != EF_OK ||
        s->ops->system_hosts(s, only, NULL, &ties, &nt) != EF_OK ||
        s->ops->host_rows(s, NULL, NULL, &h, &nh) != EF_OK)
        goto out;
    rc = EF_NOMEM;
    if ((keys = calloc(nh ? nh : 1, sizeof(*keys))) == NULL || (arr = json_array()) == NULL)
        goto out;
    for (i = 0; i < nh; i++)
        if (ef_inv_host_key(h[i].hostname, keys[nk].key) == 0)
            keys[nk++].row = i;
    qsort(keys, nk, sizeof(*keys), by_key);
    for (i = 0; i < ny; i++) {
        json_t *o;
        int own_dept = only_dept == NULL || strcmp(y[i].department, only_dept) == 0;

        if (only != NULL && strcmp(y[i].name, only) != 0)
            continue;
        any = 1;
        if ((rc = system_json(s, cs, &y[i], ties, nt, h, keys, nk, own_dept ? NULL : only_dept,
                              &o)) != EF_OK)
            goto out;
        /* another department's system: shown to a department user only for its machines */
        if (!own_dept && json_array_size(json_object_get(o, "machines")) == 0) {
            json_decref(o);
            continue;
        }
        if (json_array_append_new(arr, o) != 0) {
            rc = EF_NOMEM;
            goto out;
        }
    }
    if (only != NULL && !any) {
        rc = EF_NOTFOUND;
        goto out;
    }
    *out = arr;
    arr = NULL;
    rc = EF_OK;
out:
    json_decref(arr);
    free(keys);
    free(h);
    free(ties);
    free(y);
    return rc;
}
