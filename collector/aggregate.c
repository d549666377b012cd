/* SPDX-License-Identifier: EUPL-1.2 */
/* Figures from the store's counters. Every entry point sweeps first, so staleness and
 * acceptance expiry are current at `now`; after that each figure is a read of counters:
 * departments O(departments), controls O(departments x checks), a host O(its results). */
#include <stdlib.h>
#include <string.h>

#include "aggregate.h"
#include "efterlev/util.h"
#include "now.h"

const char *const ef_platform_names[EF_PLATS] = {EF_PLATFORM_LINUX, EF_PLATFORM_WINDOWS};
const char *const ef_platform_titles[EF_PLATS] = {"Linux", "Windows"};

int ef_platform_index(const char *platform)
{
    for (int i = 0; i < EF_PLATS; i++)
        if (strcmp(platform, ef_platform_names[i]) == 0)
            return i;
    return -1;
}

int ef_dept_platforms(struct ef_store *s, const char *only_dept, struct ef_dept_summary *d,
                      size_t nd)
{
    struct ef_platform_count *pc = NULL;
    size_t n = 0, i, j = 0;
    int p;

    if (s->ops->platform_counts(s, only_dept, &pc, &n) != EF_OK)
        return EF_ERR;
    /* Both lists are ordered by department name (bytes): one merge. */
    for (i = 0; i < n; i++) {
        while (j < nd && strcmp(d[j].name, pc[i].department) < 0)
            j++;
        if (j == nd)
            break;
        if (strcmp(d[j].name, pc[i].department) != 0)
            continue;
        d[j].assigned_hosts += pc[i].fresh_assigned;
        if ((p = ef_platform_index(pc[i].platform)) < 0)
            continue;
        d[j].platform_hosts[p] = pc[i].hosts;
        d[j].platform_stale[p] = pc[i].hosts - pc[i].fresh_hosts;
    }
    free(pc);
    return EF_OK;
}

json_t *ef_platforms_json(const struct ef_dept_summary *d)
{
    json_t *o = json_object();

    for (int p = 0; o != NULL && p < EF_PLATS; p++)
        if (json_object_set_new(o, ef_platform_names[p],
                                json_pack("{s:I, s:I}", "hosts", (json_int_t)d->platform_hosts[p],
                                          "stale_hosts", (json_int_t)d->platform_stale[p])) != 0) {
            json_decref(o);
            return NULL;
        }
    return o;
}

static const char *const kind_keys[EF_KINDS] = {"pass",  "fail",     "na",     "unknown",
                                                "error", "accepted", "missing"};

void ef_counts_from_json(const json_t *o, int64_t counts[EF_KINDS])
{
    for (int k = 0; k < EF_KINDS; k++)
        counts[k] = json_integer_value(json_object_get(o, kind_keys[k]));
}

double ef_compliance_pct(const int64_t counts[EF_KINDS])
{
    /* A required check missing from a report counts against the figure, as a failure
     * would: a host cannot raise its department's figure by leaving checks out. */
    int64_t judged = counts[EF_PASS] + counts[EF_FAIL] + counts[EF_MISSING];

    if (judged <= 0)
        return -1;
    return 100.0 * (double)counts[EF_PASS] / (double)judged;
}

double ef_pct_round(double pct)
{
    return (double)(long)(pct * 10 + 0.5) / 10;
}

void ef_pct_text(const int64_t counts[EF_KINDS], int comma, int empty_dash, char *out,
                 size_t outlen)
{
    double pct = ef_compliance_pct(counts);
    char *dot;

    if (pct < 0) {
        snprintf(out, outlen, "%s", empty_dash ? "-" : "");
        return;
    }
    snprintf(out, outlen, "%.1f", ef_pct_round(pct));
    if (comma && (dot = strchr(out, '.')) != NULL)
        *dot = ',';
}

int ef_counts_json(json_t *o, const int64_t counts[EF_KINDS])
{
    double pct = ef_compliance_pct(counts);
    int k;

    if (o == NULL)
        return -1;
    for (k = 0; k < EF_KINDS; k++)
        if (json_object_set_new(o, kind_keys[k], json_integer(counts[k])) != 0)
            return -1;
    return json_object_set_new(o, "compliance_pct",
                               pct < 0 ? json_null() : json_real(ef_pct_round(pct)));
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
    return ef_summary_build_mode(s, only_dept, stale_days, now, EF_HOSTS_ALL, out);
}

int ef_summary_build_mode(struct ef_store *s, const char *only_dept, int stale_days, time_t now,
                          enum ef_hosts_mode mode, struct ef_summary *out)
{
    struct ef_dept_counts *dc = NULL;
    size_t nd = 0, i, kh = 0;
    int rc;

    memset(out, 0, sizeof(*out));
    out->generated_at = now;
    out->stale_days = stale_days;
    if (s->ops->sweep(s, now, stale_days) != EF_OK)
        return EF_ERR;
    rc = s->ops->dept_counts(s, only_dept, &dc, &nd);
    if (rc != EF_OK)
        return rc;
    out->depts = calloc(nd ? nd : 1, sizeof(*out->depts));
    if (out->depts == NULL) {
        free(dc);
        return EF_NOMEM;
    }
    for (i = 0; i < nd; i++) {
        struct ef_dept_summary *d = &out->depts[i];

        memcpy(d->name, dc[i].name, sizeof(d->name));
        d->level = dc[i].level;
        d->hosts = dc[i].hosts;
        d->stale_hosts = dc[i].hosts - dc[i].fresh_hosts;
        memcpy(d->counts, dc[i].counts, sizeof(d->counts));
    }
    out->ndepts = nd;
    free(dc);
    if (ef_dept_platforms(s, only_dept, out->depts, nd) != EF_OK) {
        ef_summary_free(out);
        return EF_ERR;
    }
    if (mode == EF_HOSTS_NONE)
        return EF_OK;
    if (s->ops->host_rows(s, only_dept, NULL, &out->hosts, &out->nhosts) != EF_OK) {
        ef_summary_free(out);
        return EF_ERR;
    }
    if (mode == EF_HOSTS_STALE) {
        for (i = 0; i < out->nhosts; i++)
            if (out->hosts[i].stale)
                out->hosts[kh++] = out->hosts[i];
        out->nhosts = kh;
    }
    return EF_OK;
}

/* The policy the host's latest report names and whether it was the one assigned; null
 * before its first report. */
static json_t *host_policy_json(const struct ef_host_row *h)
{
    if (h->last_seen <= 0)
        return json_null();
    return json_pack("{s:s, s:s, s:s, s:b}", "id", h->policy_id, "version", h->policy_version,
                     "sha256", h->policy_sha256, "assigned", h->policy_assigned);
}

json_t *ef_host_row_json(const struct ef_host_row *h)
{
    char when[32];
    json_t *o;

    if (h->last_seen > 0)
        ef_time_rfc3339((time_t)h->last_seen, when);
    o = json_pack("{s:s, s:s, s:s, s:o, s:I, s:b}", "hostname", h->hostname, "agent_id",
                  h->agent_id, "department", h->department, "last_seen",
                  h->last_seen > 0 ? json_string(when) : json_null(), "last_seq",
                  (json_int_t)h->last_seq, "stale", h->stale);
    /* After the counts, so earlier clients keep their field order. platform null: the host
     * has not reported yet; edition and build null unless the report named them. */
    if (ef_counts_json(o, h->counts) != 0 ||
        json_object_set_new(o, "platform",
                            h->platform[0] ? json_string(h->platform) : json_null()) != 0 ||
        json_object_set_new(o, "os_edition",
                            h->os_edition[0] ? json_string(h->os_edition) : json_null()) != 0 ||
        json_object_set_new(o, "os_build",
                            h->os_build[0] ? json_string(h->os_build) : json_null()) != 0 ||
        json_object_set_new(o, "policy", host_policy_json(h)) != 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static const char *const state_names[] = {"active", "expired", "revoked"};

json_t *ef_acceptance_json(const struct ef_acceptance *a)
{
    char created[32], until[32], ended[32];

    ef_time_rfc3339((time_t)a->created_at, created);
    ef_time_rfc3339((time_t)a->until, until);
    ef_time_rfc3339((time_t)a->ended_at, ended);
    return json_pack("{s:I, s:s, s:s, s:o, s:o, s:s, s:s, s:s, s:s, s:s, s:o, s:o}", "id",
                     (json_int_t)a->id, "department", a->department, "check", a->check, "host",
                     a->agent_id[0] ? json_string(a->agent_id) : json_null(), "hostname",
                     a->hostname[0] ? json_string(a->hostname) : json_null(), "reason", a->reason,
                     "by", a->by, "created_at", created, "until", until, "state",
                     state_names[a->state <= EF_ACC_REVOKED ? a->state : 0], "ended_at",
                     a->ended_at > 0 ? json_string(ended) : json_null(), "ended_by",
                     a->ended_by[0] ? json_string(a->ended_by) : json_null());
}

/* ---- controls ---- */

static int64_t dept_id_of(struct ef_store *s, const char *department, int *rc)
{
    struct ef_dept_counts *dc = NULL;
    size_t n = 0;
    int64_t id = 0;

    *rc = s->ops->dept_counts(s, department, &dc, &n);
    if (*rc == EF_OK && n > 0)
        id = dc[0].id;
    free(dc);
    return id;
}

int ef_controls_build(struct ef_store *s, const struct ef_catalog *cat, const char *department,
                      int numbering2013, struct ef_control_sum **out, size_t *n)
{
    struct ef_check_counts *rows = NULL;
    size_t nrows = 0;
    int64_t id = 0;
    int rc;

    *out = NULL;
    *n = 0;
    if (department != NULL) {
        id = dept_id_of(s, department, &rc);
        if (rc != EF_OK)
            return rc;
    }
    if (s->ops->check_counts(s, id, &rows, &nrows) != EF_OK)
        return EF_ERR;
    {
        struct ef_control_map m2013 = ef_control_map_2013(cat);

        rc = ef_control_sums(rows, nrows, numbering2013 ? &m2013 : NULL, 0, out, n);
    }
    free(rows);
    if (rc != 0) {
        return EF_NOMEM;
    }
    return EF_OK;
}

/* 2022 controls replacing a 2013 control, as a JSON array. */
static json_t *replaced_by(const struct ef_catalog *cat, const char *num2013)
{
    json_t *a = json_array();
    size_t i, j;

    for (i = 0; a != NULL && cat != NULL && i < cat->n; i++)
        for (j = 0; j < cat->v[i].nreplaces; j++)
            if (strcmp(cat->v[i].replaces[j], num2013) == 0)
                json_array_append_new(a, json_string(cat->v[i].number));
    return a;
}

static json_t *control_json(const struct ef_catalog *cat, int numbering2013,
                            const struct ef_control_sum *c)
{
    const struct ef_catalog_control *cc = numbering2013 ? NULL : ef_catalog_find(cat, c->control);
    json_t *o = json_pack("{s:s, s:I}", "control", c->control, "checks", (json_int_t)c->checks);

    if (o == NULL)
        return NULL;
    if (numbering2013)
        json_object_set_new(o, "replaced_by", replaced_by(cat, c->control));
    else
        json_object_set_new(o, "title", json_string(cc != NULL ? cc->title : ""));
    if (!numbering2013) {
        json_object_set_new(o, "title_sv", json_string(cc != NULL ? cc->title_sv : ""));
        json_object_set_new(o, "theme", json_string(cc != NULL ? cc->theme : ""));
    }
    if (ef_counts_json(o, c->counts) != 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static int has_control(const struct ef_control_sum *v, size_t n, const char *num)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (strcmp(v[i].control, num) == 0)
            return 1;
    return 0;
}

/* The controls list and the catalog's controls no check evidences, into o. */
static int controls_into(json_t *o, const struct ef_catalog *cat, int numbering2013,
                         const struct ef_control_sum *v, size_t n)
{
    json_t *list = json_array(), *unc = json_array();
    size_t i, j, ncat = 0;

    if (list == NULL || unc == NULL)
        goto fail;
    for (i = 0; i < n; i++)
        if (json_array_append_new(list, control_json(cat, numbering2013, &v[i])) != 0)
            goto fail;
    for (i = 0; cat != NULL && i < cat->n; i++) {
        if (!numbering2013) {
            ncat++;
            if (!has_control(v, n, cat->v[i].number))
                json_array_append_new(unc,
                                      json_pack("{s:s, s:s, s:s, s:s}", "control", cat->v[i].number,
                                                "theme", cat->v[i].theme, "title", cat->v[i].title,
                                                "title_sv", cat->v[i].title_sv));
            continue;
        }
        for (j = 0; j < cat->v[i].nreplaces; j++) {
            const char *num = cat->v[i].replaces[j];
            size_t a, b, seen = 0;

            /* Each 2013 number once, at its first appearance in the catalog. */
            for (a = 0; a <= i && !seen; a++)
                for (b = 0; b < cat->v[a].nreplaces && !seen; b++)
                    if ((a < i || b < j) && strcmp(cat->v[a].replaces[b], num) == 0)
                        seen = 1;
            if (seen)
                continue;
            ncat++;
            if (!has_control(v, n, num))
                json_array_append_new(unc, json_pack("{s:s, s:o}", "control", num, "replaced_by",
                                                     replaced_by(cat, num)));
        }
    }
    if (json_object_set_new(o, "controls", list) != 0) {
        list = NULL;
        goto fail;
    }
    json_object_set_new(o, "catalog_controls", json_integer((json_int_t)ncat));
    json_object_set_new(o, "covered_controls",
                        json_integer((json_int_t)(ncat - json_array_size(unc))));
    return json_object_set_new(o, "not_covered", unc);
fail:
    json_decref(list);
    json_decref(unc);
    return -1;
}

int ef_controls_json(struct ef_store *s, const struct ef_catalog *cat, const char *department,
                     int numbering2013, int stale_days, time_t now, json_t **out)
{
    struct ef_control_sum *v = NULL;
    size_t n = 0;
    char when[32];
    json_t *o;
    int rc;

    *out = NULL;
    if (s->ops->sweep(s, now, stale_days) != EF_OK)
        return EF_ERR;
    rc = ef_controls_build(s, cat, department, numbering2013, &v, &n);
    if (rc != EF_OK)
        return rc;
    ef_time_rfc3339(now, when);
    o = json_pack("{s:s, s:i, s:s, s:o}", "generated_at", when, "stale_days", stale_days,
                  "numbering", numbering2013 ? "2013" : "2022", "department",
                  department ? json_string(department) : json_null());
    if (o == NULL || controls_into(o, cat, numbering2013, v, n) != 0) {
        json_decref(o);
        free(v);
        return EF_NOMEM;
    }
    free(v);
    *out = o;
    return EF_OK;
}

/* ---- department ---- */

static json_t *checks_json(const struct ef_check_counts *rows, size_t n)
{
    json_t *a = json_array(), *o, *ctl;
    char buf[EF_CONTROLS_TEXT_MAX], *save = NULL, *tok;
    size_t i;

    for (i = 0; a != NULL && i < n; i++) {
        ctl = json_array();
        snprintf(buf, sizeof(buf), "%s", rows[i].controls);
        for (tok = strtok_r(buf, ",", &save); ctl != NULL && tok != NULL;
             tok = strtok_r(NULL, ",", &save))
            json_array_append_new(ctl, json_string(tok));
        o = json_pack("{s:s, s:s, s:o}", "check", rows[i].check, "severity",
                      ef_severity_name(rows[i].severity), "controls", ctl);
        if (ef_counts_json(o, rows[i].counts) != 0 || json_array_append_new(a, o) != 0) {
            json_decref(o);
            json_decref(a);
            return NULL;
        }
    }
    return a;
}

int ef_department_json(struct ef_store *s, const struct ef_catalog *cat, const char *department,
                       enum ef_hosts_mode mode, int stale_days, time_t now, json_t **out)
{
    struct ef_summary sum;
    struct ef_check_counts *rows = NULL;
    struct ef_control_sum *v = NULL;
    struct ef_acceptance *acc = NULL;
    size_t nrows = 0, nv = 0, nacc = 0, i;
    json_t *o = NULL, *hosts, *accs;
    int64_t id;
    int rc;

    *out = NULL;
    rc = ef_summary_build_mode(s, department, stale_days, now, mode, &sum);
    if (rc != EF_OK)
        return rc;
    rc = EF_ERR;
    id = dept_id_of(s, department, &rc);
    if (rc != EF_OK)
        goto out;
    if (s->ops->check_counts(s, id, &rows, &nrows) != EF_OK ||
        s->ops->acceptance_list(s, 0, &acc, &nacc) != EF_OK) {
        rc = EF_ERR; /* the store's own error text says why */
        goto out;
    }
    if (ef_control_sums(rows, nrows, NULL, 0, &v, &nv) != 0)
        goto oom;
    o = ef_summary_json(&sum);
    if (o == NULL)
        goto oom;
    /* The department's own object, with its lists added. */
    {
        json_t *d = json_incref(json_array_get(json_object_get(o, "departments"), 0));

        hosts = json_incref(json_object_get(o, "hosts"));
        json_object_set_new(d, "generated_at", json_incref(json_object_get(o, "generated_at")));
        json_object_set_new(d, "stale_days", json_integer(stale_days));
        json_decref(o);
        o = d;
    }
    if (o == NULL || controls_into(o, cat, 0, v, nv) != 0 ||
        json_object_set_new(o, "checks", checks_json(rows, nrows)) != 0)
        goto oom_hosts;
    accs = json_array();
    for (i = 0; accs != NULL && i < nacc; i++)
        if (strcmp(acc[i].department, department) == 0)
            json_array_append_new(accs, ef_acceptance_json(&acc[i]));
    if (json_object_set_new(o, "acceptances", accs) != 0 ||
        json_object_set_new(o, "hosts", hosts) != 0)
        goto oom;
    {
        json_t *hist = NULL;
        if ((rc = ef_department_history_json(s, department, &hist)) != EF_OK)
            goto out;
        if (json_object_set_new(o, "history", hist) != 0)
            goto oom;
    }
    *out = o;
    o = NULL;
    rc = EF_OK;
    goto out;
oom_hosts:
    json_decref(hosts);
oom:
    rc = EF_NOMEM;
out:
    json_decref(o);
    ef_summary_free(&sum);
    free(rows);
    free(v);
    free(acc);
    return rc;
}

/* ---- host ---- */

int ef_host_json(struct ef_store *s, const char *agent_id, const char *only_dept, int stale_days,
                 time_t now, json_t **out)
{
    struct ef_host_row *h = NULL;
    struct ef_result_row *r = NULL;
    size_t nh = 0, nr = 0, i;
    json_t *o = NULL, *list, *ctl, *e;
    char when[32], buf[EF_CONTROLS_TEXT_MAX], *save, *tok;
    int rc = EF_ERR;

    *out = NULL;
    if (s->ops->sweep(s, now, stale_days) != EF_OK ||
        s->ops->host_rows(s, only_dept, agent_id, &h, &nh) != EF_OK)
        return EF_ERR;
    if (nh == 0) {
        free(h);
        return EF_NOTFOUND;
    }
    if (s->ops->host_results(s, agent_id, &r, &nr) != EF_OK)
        goto out;
    o = ef_host_row_json(&h[0]);
    list = json_array();
    if (o == NULL || list == NULL) {
        json_decref(list);
        goto oom;
    }
    json_object_set_new(o, "department_level", json_string(ef_level_name(h[0].level)));
    /* As its latest report was judged: per aspect, with why (host_levels.h); the host's
     * level is then the highest of them. null before a report of schema 11. */
    {
        char text[EF_LEVELS_JSON_MAX + 1];
        json_t *lv = s->ops->agent_levels(s, agent_id, text) == EF_OK && text[0]
                         ? json_loads(text, 0, NULL)
                         : NULL;
        ef_level max = h[0].level, l;
        const char *k;
        json_t *a;

        json_object_foreach(lv, k, a)
        {
            const char *name = json_string_value(json_object_get(a, "level"));

            if (name != NULL && ef_level_parse(name, &l) == 0 && l > max)
                max = l;
        }
        json_object_set_new(o, "level", json_string(ef_level_name(max)));
        json_object_set_new(o, "levels", lv != NULL ? lv : json_null());
    }
    json_object_set_new(o, "os_pretty", json_string(h[0].os_pretty));
    json_object_set_new(o, "kernel", json_string(h[0].kernel));
    if (h[0].retired_at > 0)
        ef_time_rfc3339((time_t)h[0].retired_at, when);
    /* A retired host is shown only when asked for by id: its history. */
    json_object_set_new(o, "retired_at", h[0].retired_at > 0 ? json_string(when) : json_null());
    json_object_set_new(o, "results", list);
    for (i = 0; i < nr; i++) {
        ctl = json_array();
        save = NULL;
        snprintf(buf, sizeof(buf), "%s", r[i].controls);
        for (tok = strtok_r(buf, ",", &save); ctl != NULL && tok != NULL;
             tok = strtok_r(NULL, ",", &save))
            json_array_append_new(ctl, json_string(tok));
        ef_time_rfc3339((time_t)r[i].since, when);
        e = json_pack("{s:s, s:s, s:s, s:o, s:s, s:s, s:o, s:s, s:s}", "check", r[i].check,
                      "status", ef_result_status_name(r[i].status), "counted_as",
                      r[i].accepted ? "accepted" : ef_result_status_name(r[i].status), "acceptance",
                      r[i].accepted ? json_integer(r[i].acceptance) : json_null(), "since", when,
                      "evidence", r[i].evidence, "controls", ctl, "severity",
                      ef_severity_name(r[i].severity), "level", ef_level_name(r[i].level));
        if (json_array_append_new(list, e) != 0)
            goto oom;
    }
    *out = o;
    o = NULL;
    rc = EF_OK;
    goto out;
oom:
    rc = EF_NOMEM;
out:
    json_decref(o);
    free(h);
    free(r);
    return rc;
}

/* ---- department history ---- */

int ef_department_history_json(struct ef_store *s, const char *department, json_t **out)
{
    struct ef_department_event *e = NULL;
    size_t n = 0;
    char when[32];
    int rc = s->ops->department_events(s, department, &e, &n);

    if (rc != EF_OK)
        return rc;
    json_t *a = json_array();
    for (size_t i = 0; a != NULL && i < n; i++) {
        ef_time_rfc3339((time_t)e[i].at, when);
        if (json_array_append_new(a,
                                  json_pack("{s:s, s:s, s:s, s:s}", "at", when, "event", e[i].event,
                                            "from", e[i].old_value, "to", e[i].new_value)) != 0) {
            json_decref(a);
            a = NULL;
        }
    }
    free(e);
    *out = a;
    return a != NULL ? EF_OK : EF_NOMEM;
}

/* ---- trend ---- */

int ef_trend_json(struct ef_store *s, const char *department, const char *control,
                  const char *since_day, const char *until_day, int stale_days, time_t now,
                  json_t **out)
{
    struct ef_snapshot_row *rows = NULL;
    struct ef_dept_counts *dc = NULL;
    size_t n = 0, nd = 0, i;
    json_t *o = NULL, *pts, *p = NULL;
    int64_t hosts = 0, fresh = 0, counts[EF_KINDS];
    int rc, k;

    *out = NULL;
    if (s->ops->sweep(s, now, stale_days) != EF_OK)
        return EF_ERR;
    if (department != NULL) {
        rc = s->ops->dept_counts(s, department, &dc, &nd);
        free(dc);
        if (rc != EF_OK)
            return rc;
    }
    if (s->ops->snapshots(s, department, control, since_day, until_day, &rows, &n) != EF_OK)
        return EF_ERR;
    o = json_pack("{s:o, s:o, s:o, s:o, s:[]}", "department",
                  department ? json_string(department) : json_null(), "control",
                  control ? json_string(control) : json_null(), "since",
                  since_day ? json_string(since_day) : json_null(), "until",
                  until_day ? json_string(until_day) : json_null(), "points");
    pts = json_object_get(o, "points");
    memset(counts, 0, sizeof(counts));
    /* Rows come by day: sum the departments of each day into one point. */
    for (i = 0; o != NULL && i < n; i++) {
        hosts += rows[i].hosts;
        fresh += rows[i].fresh_hosts;
        for (k = 0; k < EF_KINDS; k++)
            counts[k] += rows[i].counts[k];
        if (i + 1 < n && strcmp(rows[i + 1].day, rows[i].day) == 0)
            continue;
        p = json_pack("{s:s, s:I, s:I}", "day", rows[i].day, "hosts", (json_int_t)hosts,
                      "stale_hosts", (json_int_t)(hosts - fresh));
        if (ef_counts_json(p, counts) != 0 || json_array_append_new(pts, p) != 0) {
            json_decref(o);
            o = NULL;
            break;
        }
        hosts = fresh = 0;
        memset(counts, 0, sizeof(counts));
    }
    free(rows);
    if (o == NULL) {
        return EF_NOMEM;
    }
    *out = o;
    return EF_OK;
}

/* A check's counts into the sums of each aspect it protects. */
static void add_to_aspects(const struct ef_check_catalogs *cs, const char *id,
                           const int64_t counts[EF_KINDS], int64_t sums[EF_ASPECTS][EF_KINDS])
{
    unsigned a = ef_check_aspects(cs, id);

    for (int k = 0; k < EF_ASPECTS; k++)
        if (a & (1u << k))
            for (int j = 0; j < EF_KINDS; j++)
                sums[k][j] += counts[j];
}

void ef_aspect_sums(const struct ef_check_catalogs *cs, const struct ef_check_counts *rows,
                    size_t n, int64_t out[EF_ASPECTS][EF_KINDS])
{
    memset(out, 0, sizeof(int64_t) * EF_ASPECTS * EF_KINDS);
    for (size_t i = 0; i < n; i++)
        add_to_aspects(cs, rows[i].check, rows[i].counts, out);
}

int ef_json_aspects(json_t *doc, const struct ef_check_catalogs *cs)
{
    int64_t sums[EF_ASPECTS][EF_KINDS];
    json_t *rows = json_object_get(doc, "checks"), *row, *arr = json_array();
    size_t i;

    memset(sums, 0, sizeof(sums));
    json_array_foreach(rows, i, row)
    {
        const char *id = json_string_value(json_object_get(row, "check"));
        int64_t counts[EF_KINDS];

        if (id == NULL)
            continue;
        for (int j = 0; j < EF_KINDS; j++)
            counts[j] = json_integer_value(json_object_get(row, kind_keys[j]));
        add_to_aspects(cs, id, counts, sums);
    }
    for (int k = 0; arr != NULL && k < EF_ASPECTS; k++) {
        json_t *o = json_pack("{s:s}", "aspect", ef_aspect_letters[k]);

        if (o == NULL || ef_counts_json(o, sums[k]) != 0) {
            json_decref(o);
            json_decref(arr);
            return -1;
        }
        if (json_array_append_new(arr, o) != 0) {
            json_decref(arr);
            return -1;
        }
    }
    return arr == NULL || json_object_set_new(doc, "aspects", arr) != 0 ? -1 : 0;
}

void ef_json_check_titles(json_t *rows, const struct ef_check_catalogs *cs, const char *platform,
                          const char *lang)
{
    size_t i;
    json_t *row;

    json_array_foreach(rows, i, row)
    {
        const char *id = json_string_value(json_object_get(row, "check"));

        const char *summary;

        if (id == NULL)
            continue;
        summary = ef_check_summary(cs, platform, id, lang);
        json_object_set_new(row, "title", json_string(ef_check_title(cs, platform, id, lang)));
        json_object_set_new(row, "summary", summary != NULL ? json_string(summary) : json_null());
    }
}

json_t *ef_deviation_json(const struct ef_deviation *v, time_t now)
{
    char opened[32], due[32], closed[32];

    ef_time_rfc3339((time_t)v->opened_at, opened);
    if (v->due > 0)
        ef_time_rfc3339((time_t)v->due, due);
    if (v->closed_at > 0)
        ef_time_rfc3339((time_t)v->closed_at, closed);
    return json_pack(
        "{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:b, s:b, s:o, s:s, s:s}", "id",
        (json_int_t)v->id, "department", v->department, "agent_id", v->agent_id, "hostname",
        v->hostname, "check", v->check, "severity", ef_severity_name(v->severity), "opened_at",
        opened, "owner", v->owner, "action", v->action, "due",
        v->due > 0 ? json_string(due) : json_null(), "overdue",
        v->closed_at == 0 && v->due > 0 &&
                v->due<(int64_t)now, "accepted", v->accepted, "closed_at", v->closed_at> 0
            ? json_string(closed)
            : json_null(),
        "closed_how", v->closed_how, "reason", v->reason);
}

json_t *ef_deviation_pattern_json(const struct ef_deviation_pattern *p)
{
    char first[32];

    ef_time_rfc3339((time_t)p->first_opened, first);
    return json_pack("{s:s, s:s, s:I, s:I, s:I, s:s}", "department", p->department, "check",
                     p->check, "hosts", (json_int_t)p->hosts, "of", (json_int_t)p->of, "assigned",
                     (json_int_t)p->assigned, "first_opened_at", first);
}

int ef_host_in_department(struct ef_store *s, const char *dept, const char *host, char *agent_id,
                          size_t len, char *err, size_t errlen)
{
    struct ef_host_row *h = NULL;
    size_t n = 0, i, hits = 0;

    if (s->ops->host_rows(s, dept, NULL, &h, &n) != EF_OK) {
        snprintf(err, errlen, "%s", s->err);
        return -1;
    }
    for (i = 0; i < n; i++)
        if (strcmp(h[i].agent_id, host) == 0 || strcmp(h[i].hostname, host) == 0) {
            snprintf(agent_id, len, "%s", h[i].agent_id);
            hits++;
        }
    free(h);
    if (hits == 1)
        return 0;
    snprintf(err, errlen,
             hits == 0 ? "no host \"%s\" in department \"%s\""
                       : "several hosts are called \"%s\" in \"%s\"; give the agent id",
             host, dept);
    return -1;
}
