/* SPDX-License-Identifier: EUPL-1.2 */
/* coverage.h: the device list against the enrolled agents. Matching sorts the agents by
 * their key (inventory.h: the short host name, case-folded) once and looks each device up,
 * O((devices + agents) log agents). */
#include "coverage.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "aggregate.h"
#include "efterlev/array.h"
#include "efterlev/util.h"
#include "inventory.h"

struct keyed {
    char key[EF_NAME_MAX + 1];
    size_t i; /* into hosts */
};

static int keyed_cmp(const void *a, const void *b)
{
    return strcmp(((const struct keyed *)a)->key, ((const struct keyed *)b)->key);
}

int ef_coverage_match(const struct ef_device *devices, size_t n, const struct ef_host_row *hosts,
                      size_t nh, enum ef_cov_status *status, int *unlisted)
{
    struct keyed *k = calloc(nh ? nh : 1, sizeof(*k));
    size_t nk = 0, i, j;

    if (k == NULL)
        return -1;
    for (j = 0; j < nh; j++) {
        unlisted[j] = !hosts[j].stale;
        if (ef_inv_host_key(hosts[j].hostname, k[nk].key) == 0)
            k[nk++].i = j;
    }
    qsort(k, nk, sizeof(*k), keyed_cmp);
    for (i = 0; i < n; i++) {
        struct keyed want;
        const struct keyed *hit;
        size_t lo;

        status[i] = EF_COV_NEVER;
        memcpy(want.key, devices[i].host_key, sizeof(want.key));
        hit = bsearch(&want, k, nk, sizeof(*k), keyed_cmp);
        if (hit == NULL)
            continue;
        /* Every agent with this key: back to the first, then forward. */
        for (lo = (size_t)(hit - k); lo > 0 && strcmp(k[lo - 1].key, want.key) == 0; lo--)
            ;
        for (j = lo; j < nk && strcmp(k[j].key, want.key) == 0; j++) {
            const struct ef_host_row *h = &hosts[k[j].i];

            if (!ef_inv_host_match(devices[i].hostname, h->hostname))
                continue;
            unlisted[k[j].i] = 0;
            if (!h->stale)
                status[i] = EF_COV_REPORTING;
            else if (status[i] == EF_COV_NEVER)
                status[i] = EF_COV_STALE;
        }
    }
    free(k);
    return 0;
}

double ef_coverage_pct(int64_t reporting, int64_t listed)
{
    return listed > 0 ? ef_pct_round(100.0 * (double)reporting / (double)listed) : -1;
}

void ef_coverage_free(struct ef_coverage *c)
{
    free(c->devices);
    free(c->status);
    free(c->depts);
    free(c->unlisted);
    memset(c, 0, sizeof(*c));
}

/* The row of department name in c->depts, added (in_collector as given) when absent. */
static struct ef_cov_dept *dept_of(struct ef_coverage *c, size_t *cap, const char *name,
                                   int in_collector)
{
    struct ef_cov_dept *g;

    for (size_t i = 0; i < c->ndepts; i++)
        if (strcmp(c->depts[i].name, name) == 0)
            return &c->depts[i];
    g = ef_array_grow(c->depts, c->ndepts, cap, sizeof(*g), 16, EF_ARRAY_NO_MAX);
    if (g == NULL)
        return NULL;
    c->depts = g;
    g = &c->depts[c->ndepts++];
    memset(g, 0, sizeof(*g));
    strlcpy(g->name, name, sizeof(g->name));
    g->in_collector = in_collector;
    return g;
}

static int dept_cmp(const void *a, const void *b)
{
    return strcmp(((const struct ef_cov_dept *)a)->name, ((const struct ef_cov_dept *)b)->name);
}

int ef_coverage_build(struct ef_store *s, const char *only_dept, int stale_days, time_t now,
                      struct ef_coverage *out)
{
    struct ef_department *dl = NULL;
    struct ef_host_row *hosts = NULL;
    int *unl = NULL;
    size_t ndl = 0, nh = 0, cap = 0, i, k;
    int rc;

    memset(out, 0, sizeof(*out));
    out->generated_at = now;
    out->stale_days = stale_days;
    if ((rc = s->ops->sweep(s, now, stale_days)) != EF_OK ||
        (rc = s->ops->department_list(s, &dl, &ndl)) != EF_OK ||
        (rc = s->ops->host_rows(s, NULL, NULL, &hosts, &nh)) != EF_OK)
        goto out;
    rc = s->ops->inventory_get(s, &out->info, &out->devices, &out->ndevices);
    if (rc == EF_NOTFOUND)
        rc = EF_OK;
    else if (rc == EF_OK)
        out->have_list = 1;
    else
        goto out;
    rc = EF_ERR;
    out->status = calloc(out->ndevices ? out->ndevices : 1, sizeof(*out->status));
    unl = calloc(nh ? nh : 1, sizeof(*unl));
    if (out->status == NULL || unl == NULL ||
        ef_coverage_match(out->devices, out->ndevices, hosts, nh, out->status, unl) != 0) {
        rc = EF_NOMEM;
        goto out;
    }
    for (i = 0; i < ndl; i++)
        if (dept_of(out, &cap, dl[i].name, 1) == NULL)
            goto oom;
    for (i = 0; i < out->ndevices; i++) {
        struct ef_cov_dept *d = dept_of(out, &cap, out->devices[i].department, 0);

        if (d == NULL)
            goto oom;
        d->listed++;
        d->reporting += out->status[i] == EF_COV_REPORTING;
        d->stale += out->status[i] == EF_COV_STALE;
        d->never_seen += out->status[i] == EF_COV_NEVER;
    }
    /* The unlisted agents, kept in out->unlisted (hosts is ordered by department, hostname). */
    for (i = 0, k = 0; i < nh; i++)
        if (unl[i] && (only_dept == NULL || strcmp(hosts[i].department, only_dept) == 0)) {
            struct ef_cov_dept *d = dept_of(out, &cap, hosts[i].department, 1);

            if (d == NULL)
                goto oom;
            d->unlisted++;
            hosts[k++] = hosts[i];
        }
    out->unlisted = hosts;
    out->nunlisted = k;
    hosts = NULL;
    if (out->ndepts > 1)
        qsort(out->depts, out->ndepts, sizeof(*out->depts), dept_cmp);
    if (only_dept != NULL) {
        /* Keep that department's row and devices only. */
        for (i = 0, k = 0; i < out->ndepts; i++)
            if (strcmp(out->depts[i].name, only_dept) == 0)
                out->depts[k++] = out->depts[i];
        out->ndepts = k;
        if (k == 0) {
            rc = EF_NOTFOUND;
            goto out;
        }
        for (i = 0, k = 0; i < out->ndevices; i++)
            if (strcmp(out->devices[i].department, only_dept) == 0) {
                out->devices[k] = out->devices[i];
                out->status[k++] = out->status[i];
            }
        out->ndevices = k;
    }
    for (i = 0; i < out->ndepts; i++) {
        out->total.listed += out->depts[i].listed;
        out->total.reporting += out->depts[i].reporting;
        out->total.stale += out->depts[i].stale;
        out->total.never_seen += out->depts[i].never_seen;
        out->total.unlisted += out->depts[i].unlisted;
    }
    rc = EF_OK;
    goto out;
oom:
    rc = EF_NOMEM;
out:
    if (rc != EF_OK)
        ef_coverage_free(out);
    free(dl);
    free(hosts);
    free(unl);
    return rc;
}

static int figures_json(json_t *o, const struct ef_cov_dept *d)
{
    double pct = ef_coverage_pct(d->reporting, d->listed);

    return json_object_set_new(o, "listed", json_integer(d->listed)) |
           json_object_set_new(o, "reporting", json_integer(d->reporting)) |
           json_object_set_new(o, "stale", json_integer(d->stale)) |
           json_object_set_new(o, "never_seen", json_integer(d->never_seen)) |
           json_object_set_new(o, "coverage_pct", pct < 0 ? json_null() : json_real(pct)) |
           json_object_set_new(o, "unlisted", json_integer(d->unlisted));
}

json_t *ef_coverage_json(const struct ef_coverage *c)
{
    static const char *const lists[] = {"never_seen_hosts", "stale_hosts", "reporting_hosts"};
    json_t *j = json_object(), *depts = json_array(), *tot = json_object();
    char when[32];
    int bad = j == NULL || depts == NULL || tot == NULL;

    ef_time_rfc3339(c->generated_at, when);
    bad |= json_object_set_new(j, "generated_at", json_string(when)) |
           json_object_set_new(j, "stale_days", json_integer(c->stale_days));
    if (c->have_list) {
        ef_time_rfc3339((time_t)c->info.imported_at, when);
        bad |= json_object_set_new(j, "inventory",
                                   json_pack("{s:s, s:s, s:I}", "imported_at", when, "file",
                                             c->info.file, "devices",
                                             (json_int_t)c->info.devices)) != 0;
    } else {
        bad |= json_object_set_new(j, "inventory", json_null());
    }
    bad |= figures_json(tot, &c->total);
    for (size_t i = 0; i < c->ndepts && !bad; i++) {
        const struct ef_cov_dept *d = &c->depts[i];
        json_t *o = json_object(), *l[3] = {json_array(), json_array(), json_array()},
               *u = json_array();

        bad |= o == NULL || u == NULL || l[0] == NULL || l[1] == NULL || l[2] == NULL;
        bad |= json_object_set_new(o, "name", json_string(d->name)) |
               json_object_set_new(o, "in_collector", json_boolean(d->in_collector));
        bad |= figures_json(o, d);
        for (size_t k = 0; k < c->ndevices && !bad; k++)
            if (strcmp(c->devices[k].department, d->name) == 0)
                bad |= json_array_append_new(l[c->status[k]], json_string(c->devices[k].hostname));
        for (size_t k = 0; k < c->nunlisted && !bad; k++)
            if (strcmp(c->unlisted[k].department, d->name) == 0)
                bad |= json_array_append_new(u, json_string(c->unlisted[k].hostname));
        for (int k = 0; k < 3; k++)
            bad |= json_object_set_new(o, lists[k], l[k]);
        bad |= json_object_set_new(o, "unlisted_hosts", u);
        bad |= json_array_append_new(depts, o);
    }
    bad |= json_object_set_new(j, "totals", tot) | json_object_set_new(j, "departments", depts);
    if (bad) {
        json_decref(j);
        return NULL;
    }
    return j;
}

static void pct_text(int64_t reporting, int64_t listed, int comma, char *out, size_t len)
{
    double pct = ef_coverage_pct(reporting, listed);
    char *dot;

    if (pct < 0) {
        snprintf(out, len, "-");
        return;
    }
    snprintf(out, len, "%.1f", pct);
    if (comma && (dot = strchr(out, '.')) != NULL)
        *dot = ',';
}

static void row_text(FILE *out, const char *name, const struct ef_cov_dept *d, size_t width)
{
    char pct[16];
    size_t w = ef_text_width(name);

    pct_text(d->reporting, d->listed, 0, pct, sizeof(pct));
    fprintf(out,
            "%s%*s  %6" PRId64 "  %9" PRId64 "  %5" PRId64 "  %10" PRId64 "  %8s%s  %8" PRId64 "\n",
            name, (int)(width > w ? width - w : 0), "", d->listed, d->reporting, d->stale,
            d->never_seen, pct, strcmp(pct, "-") ? "%" : " ", d->unlisted);
}

int ef_coverage_text(const struct ef_coverage *c, FILE *out)
{
    size_t width = strlen("DEPARTMENT"), i, k;
    char when[32], name[EF_DEPT_NAME_MAX + 8];
    int foreign = 0;

    if (!c->have_list)
        fprintf(out, "No device list imported (efterlev-collector inventory import FILE): "
                     "only the reporting hosts are known.\n\n");
    else {
        ef_time_rfc3339((time_t)c->info.imported_at, when);
        fprintf(out, "Device list: %s, imported %s by %s, %" PRId64 " devices.\n\n", c->info.file,
                when, c->info.actor, c->info.devices);
    }
    for (i = 0; i < c->ndepts; i++)
        if (ef_text_width(c->depts[i].name) + 2 > width)
            width = ef_text_width(c->depts[i].name) + 2;
    fprintf(out, "%-*s  %6s  %9s  %5s  %10s  %9s  %8s\n", (int)width, "DEPARTMENT", "LISTED",
            "REPORTING", "STALE", "NEVER SEEN", "COVERAGE", "UNLISTED");
    for (i = 0; i < c->ndepts; i++) {
        snprintf(name, sizeof(name), "%s%s", c->depts[i].name,
                 c->depts[i].in_collector ? "" : " *");
        foreign |= !c->depts[i].in_collector;
        row_text(out, name, &c->depts[i], width);
    }
    row_text(out, "Total", &c->total, width);
    if (foreign)
        fprintf(out, "* not a department of the collector: named only by the device list\n");
    for (i = 0; i < c->ndepts; i++) {
        int first = 1;

        for (k = 0; k < c->ndevices; k++)
            if (c->status[k] == EF_COV_NEVER &&
                strcmp(c->devices[k].department, c->depts[i].name) == 0) {
                if (first)
                    fprintf(out, "\nNever seen, %s: ", c->depts[i].name);
                fprintf(out, "%s%s", first ? "" : ", ", c->devices[k].hostname);
                first = 0;
            }
        if (!first)
            fputc('\n', out);
    }
    for (i = 0; i < c->ndepts; i++) {
        int first = 1;

        for (k = 0; k < c->nunlisted; k++)
            if (strcmp(c->unlisted[k].department, c->depts[i].name) == 0) {
                if (first)
                    fprintf(out, "\nReporting, not in the device list, %s: ", c->depts[i].name);
                fprintf(out, "%s%s", first ? "" : ", ", c->unlisted[k].hostname);
                first = 0;
            }
        if (!first)
            fputc('\n', out);
    }
    return ferror(out) ? -1 : 0;
}

int ef_coverage_csv(const struct ef_coverage *c, const struct ef_csv_dialect *d, FILE *out)
{
    static const char *const head[] = {"department", "in_collector", "listed",       "reporting",
                                       "stale",      "never_seen",   "coverage_pct", "unlisted"};
    char pct[16];

    ef_csv_begin(d, out);
    for (size_t k = 0; k < sizeof(head) / sizeof(head[0]); k++)
        ef_csv_str(d, out, head[k], k + 1 == sizeof(head) / sizeof(head[0]));
    for (size_t i = 0; i <= c->ndepts; i++) {
        const struct ef_cov_dept *r = i < c->ndepts ? &c->depts[i] : &c->total;

        ef_csv_str(d, out, i < c->ndepts ? r->name : "Total", 0);
        ef_csv_str(d, out, i < c->ndepts ? (r->in_collector ? "true" : "false") : "", 0);
        ef_csv_int(d, out, r->listed, 0);
        ef_csv_int(d, out, r->reporting, 0);
        ef_csv_int(d, out, r->stale, 0);
        ef_csv_int(d, out, r->never_seen, 0);
        pct_text(r->reporting, r->listed, d->decimal_comma, pct, sizeof(pct));
        ef_csv_str(d, out, strcmp(pct, "-") ? pct : "", 0);
        ef_csv_int(d, out, r->unlisted, 1);
    }
    return ferror(out) ? -1 : 0;
}
