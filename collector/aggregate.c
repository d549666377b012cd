/* Summary computation. Stale agents are listed but never counted: a department's numbers
 * describe only the machines that reported within the staleness window. */
#include <stdlib.h>
#include <string.h>

#include "aggregate.h"

double ef_compliance_pct(const int64_t counts[EF_STATUS_COUNT])
{
    int64_t judged = counts[EF_PASS] + counts[EF_FAIL];

    if (judged <= 0)
        return -1;
    return 100.0 * (double)counts[EF_PASS] / (double)judged;
}

void ef_summary_free(struct ef_summary *sum)
{
    free(sum->depts);
    free(sum->hosts);
    memset(sum, 0, sizeof(*sum));
}

int ef_summary_build(struct ef_store *s, const char *only_dept, int stale_days, time_t now,
                     struct ef_summary *out)
{
    struct ef_department *depts = NULL;
    struct ef_host_row *hosts = NULL;
    size_t nd = 0, nh = 0, i, j, kd = 0, kh = 0;
    time_t cutoff = now - (time_t)stale_days * 24 * 60 * 60;
    int k;

    memset(out, 0, sizeof(*out));
    out->generated_at = now;
    out->stale_days = stale_days;
    if (s->ops->department_list(s, &depts, &nd) != EF_STORE_OK)
        return EF_STORE_ERR;
    if (s->ops->host_rows(s, &hosts, &nh) != EF_STORE_OK) {
        free(depts);
        return EF_STORE_ERR;
    }
    out->depts = calloc(nd ? nd : 1, sizeof(*out->depts));
    if (out->depts == NULL) {
        snprintf(s->err, sizeof(s->err), "out of memory");
        free(depts);
        free(hosts);
        return EF_STORE_ERR;
    }
    for (i = 0; i < nd; i++) {
        struct ef_dept_summary *d;

        if (only_dept != NULL && strcmp(depts[i].name, only_dept) != 0)
            continue;
        d = &out->depts[kd++];
        memcpy(d->name, depts[i].name, sizeof(d->name));
        d->level = depts[i].level;
    }
    free(depts);
    if (only_dept != NULL && kd == 0) {
        free(hosts);
        ef_summary_free(out);
        return EF_STORE_NOTFOUND;
    }
    out->ndepts = kd;

    /* Keep the hosts of the selected departments, in place, and add up the fresh ones. */
    for (i = 0; i < nh; i++) {
        struct ef_host_row *h = &hosts[i];
        struct ef_dept_summary *d = NULL;

        for (j = 0; j < kd && d == NULL; j++)
            if (strcmp(out->depts[j].name, h->department) == 0)
                d = &out->depts[j];
        if (d == NULL)
            continue;
        h->stale = h->last_seen <= 0 || (time_t)h->last_seen < cutoff;
        d->hosts++;
        if (h->stale)
            d->stale_hosts++;
        else
            for (k = 0; k < EF_STATUS_COUNT; k++)
                d->counts[k] += h->counts[k];
        if (kh != i)
            hosts[kh] = *h;
        kh++;
    }
    out->hosts = hosts;
    out->nhosts = kh;
    return EF_STORE_OK;
}
