/* SPDX-License-Identifier: EUPL-1.2 */
/* Report acceptance. The checks run in a fixed order (documented in docs/protocol.md) so an
 * agent always learns the first thing that is wrong: the request (size, headers), the agent
 * and its signature, the report itself, then its seq against the stored state.
 *
 * Split in two stages for the server's pipeline (ingest_job.h): ef_ingest_check needs no
 * store and runs on worker threads; ef_ingest_store runs on the writer thread, in the
 * batch transaction, so its seq decisions see every report stored before it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "efterlev/levels.h"
#include "efterlev/log.h"
#include "efterlev/report.h"
#include "efterlev/sign.h"
#include "efterlev/util.h"
#include "assigned.h"
#include "enroll.h"
#include "host_levels.h"
#include "ingest_job.h"
#include "policy_doc.h"
#include "store/report_held.h"

struct ef_job *ef_job_new(enum ef_job_kind kind)
{
    struct ef_job *j = calloc(1, sizeof(*j));

    if (j == NULL)
        return NULL;
    j->kind = kind;
    ef_report_init(&j->report);
    return j;
}

void ef_job_free(struct ef_job *j)
{
    if (j == NULL)
        return;
    ef_report_free(&j->report);
    ef_answer_clear(&j->ans);
    free(j->body);
    free(j);
}

static int department_of(struct ef_store *s, int64_t id, struct ef_dept_cache *dc,
                         struct ef_department *out)
{
    size_t i;
    int rc;

    for (i = 0; dc != NULL && i < dc->n; i++)
        if (dc->d[i].id == id) {
            *out = dc->d[i];
            return EF_OK;
        }
    rc = s->ops->department_get(s, id, out);
    if (rc == EF_OK && dc != NULL && dc->n < EF_DEPT_CACHE)
        dc->d[dc->n++] = *out;
    return rc;
}

void ef_dept_cache_clear(struct ef_dept_cache *dc)
{
    for (size_t i = 0; i < dc->nsc; i++)
        ef_check_catalog_free(&dc->sc[i].cat);
    memset(dc, 0, sizeof(*dc));
}

/* What a host of department d on platform is counted against, looked up once per batch
 * (dc; tmp when the cache is full or absent: the caller then frees tmp->cat): the catalog
 * with the checks of the site policies the department is assigned for the platform
 * (collector `policy`), and the hash of the policy document it was last served. */
static int dept_platform_of(struct ef_store *s, const struct ef_department *d, const char *platform,
                            const struct ef_check_catalog *base, struct ef_dept_cache *dc,
                            struct ef_site_catalog *tmp, struct ef_site_catalog **out)
{
    struct ef_site_catalog *e;
    struct ef_dept_policy dp;
    char err[256];
    int rc;

    for (size_t i = 0; dc != NULL && i < dc->nsc; i++)
        if (dc->sc[i].department_id == d->id && strcmp(dc->sc[i].platform, platform) == 0) {
            *out = &dc->sc[i];
            return EF_OK;
        }
    e = dc != NULL && dc->nsc < EF_SITE_CACHE ? &dc->sc[dc->nsc] : tmp;
    memset(e, 0, sizeof(*e));
    e->department_id = d->id;
    snprintf(e->platform, sizeof(e->platform), "%s", platform);
    if ((rc = ef_assigned_policy_sha256(s, d->id, platform, e->served)) != EF_OK)
        return rc;
    memset(&dp, 0, sizeof(dp));
    if (base != NULL && (rc = s->ops->policy_dept_get(s, d->name, platform, &dp)) != EF_OK)
        return rc;
    if (dp.nfiles > 0) {
        if (ef_check_catalog_with_sites(&e->cat, base, dp.files, dp.nfiles, err, sizeof(err)) != 0)
            /* policy add checked it: a stored site policy that no longer loads is counted
             * as absent, and said so */
            ef_warn("department %s: its site policies are not counted: %s", d->name, err);
        else
            e->sites = 1;
    }
    ef_dept_policy_free(&dp);
    if (e != tmp)
        dc->nsc++;
    *out = e;
    return EF_OK;
}

/* The catalog's classes for the report's platform (the default mapping without one). */
static const ef_level *classes_of(const struct ef_job *j)
{
    const struct ef_check_catalog *c =
        j->checks != NULL ? ef_check_catalog_for(j->checks, j->report.host.platform) : NULL;

    return c != NULL ? c->classes : ef_default_classes;
}

/* The host's levels per aspect (host_levels.h): its department's and its systems', by the
 * name it reports under; one read of its ties per report. */
static int levels_of(struct ef_store *s, const struct ef_job *j, const struct ef_department *d,
                     struct ef_host_levels *hl)
{
    return ef_host_levels_load(s, j->report.host.hostname, d->level, classes_of(j), hl);
}

/* The answer tells the agent the level it is judged at, per aspect too, and its
 * department's name: it follows them. hl: the levels the report was judged at, or NULL
 * (read now). */
static void accepted(struct ef_store *s, const struct ef_agent *a, const struct ef_job *j,
                     const struct ef_host_levels *hl, int status, int duplicate,
                     struct ef_dept_cache *dc, struct ef_answer *ans)
{
    struct ef_host_levels own;
    struct ef_department d;

    if (department_of(s, a->department_id, dc, &d) != EF_OK ||
        (hl == NULL && levels_of(s, j, &d, &own) != EF_OK)) {
        ef_error("report from %s: department lookup: %s", a->agent_id, s->err);
        ef_answer_error(ans, 500, "internal error");
        return;
    }
    if (hl == NULL)
        hl = &own;
    if (duplicate)
        ef_answer_json(ans, status,
                       json_pack("{s:s, s:o, s:s, s:b}", "level",
                                 ef_level_name(ef_levels_max(hl->lv)), "levels",
                                 ef_levels_to_json(hl->lv), "department", d.name, "duplicate", 1));
    else
        ef_answer_json(ans, status,
                       json_pack("{s:s, s:o, s:s}", "level", ef_level_name(ef_levels_max(hl->lv)),
                                 "levels", ef_levels_to_json(hl->lv), "department", d.name));
}

/* Only the results of checks the host was assigned count, as its department requires them,
 * by the catalog of the report's platform (assigned.h); the body is stored whole all the
 * same. */
static int keep_assigned(struct ef_store *s, struct ef_job *j, const struct ef_agent *a,
                         struct ef_dept_cache *dc, int *policy_assigned, struct ef_host_levels *hl,
                         int *have_levels, char levels[EF_LEVELS_JSON_MAX + 1])
{
    const struct ef_check_catalog *base;
    struct ef_site_catalog tmp, *e;
    struct ef_assigned_tally t;
    struct ef_department d;

    *policy_assigned = 0;
    *have_levels = 0;
    levels[0] = '\0';
    if (j->checks == NULL)
        return 0;
    base = ef_check_catalog_for(j->checks, j->report.host.platform);
    if (department_of(s, a->department_id, dc, &d) != EF_OK ||
        dept_platform_of(s, &d,
                         j->report.host.platform[0] ? j->report.host.platform : EF_PLATFORM_LINUX,
                         base, dc, &tmp, &e) != EF_OK ||
        levels_of(s, j, &d, hl) != EF_OK)
        return -1;
    *have_levels = 1;
    if (ef_host_levels_text(hl, levels) != 0)
        levels[0] = '\0';
    /* Where the collector serves the department its policy, the assigned one is the
     * document it last served it (the catalog with the department's changes). */
    ef_assigned_apply(e->sites ? &e->cat : base, hl->lv, e->served, &j->report, &t);
    *policy_assigned = t.policy_assigned;
    if (e == &tmp)
        ef_check_catalog_free(&tmp.cat);
    if (t.not_in_catalog + t.above_level + t.other_level > 0)
        ef_warn("report %llu of %s: %zu results not counted (%zu not in the %s catalog%s, %zu "
                "above the host's level %s; first %s), %zu judged at another level counted as "
                "unknown",
                (unsigned long long)j->report.seq, a->agent_id, t.not_in_catalog + t.above_level,
                t.not_in_catalog, j->report.host.platform, t.no_catalog ? ", which is absent" : "",
                t.above_level, ef_level_name(ef_levels_max(hl->lv)),
                t.first_set_aside[0] != '\0' ? t.first_set_aside : "-", t.other_level);
    if (t.missing > 0)
        ef_warn("report %llu of %s: %zu required checks missing (policy %s %s)",
                (unsigned long long)j->report.seq, a->agent_id, t.missing, j->report.policy_id,
                j->report.policy_version);
    return 0;
}

/* A report whose seq is not above the agent's last: the last report again is an idempotent
 * duplicate (200); anything else a conflict (409), which says the agent's last stored seq
 * and whether this very report (seq and body) is stored, so that an agent can tell a report
 * the collector holds (drop it from the spool) from a seq that fell behind (a restored state
 * folder: catch up past last_seq). Only a request signed by the agent's current key gets
 * this far. */
static void seq_not_above(struct ef_store *s, const struct ef_agent *a, struct ef_job *j,
                          struct ef_dept_cache *dc)
{
    const struct ef_report *r = &j->report;
    int held = 0;

    if (a->last_sha256[0] != '\0' && strcmp(j->sha, a->last_sha256) == 0) {
        accepted(s, a, j, NULL, 200, 1, dc, &j->ans);
        return;
    }
    if (ef_store_report_held(s, a->agent_id, r->seq, j->sha, &held) != EF_OK) {
        ef_error("report from %s: %s", a->agent_id, s->err);
        ef_answer_error(&j->ans, 500, "internal error");
        return;
    }
    ef_answer_error(&j->ans, 409, "seq %llu not greater than last stored %llu",
                    (unsigned long long)r->seq, (unsigned long long)a->last_seq);
    if (j->ans.body != NULL) {
        json_object_set_new(j->ans.body, "last_seq", json_integer((json_int_t)a->last_seq));
        json_object_set_new(j->ans.body, "stored", json_boolean(held));
    }
}

/* The agent's ingest budget, charged only once the report's signature verified with the
 * agent's key, so that nobody else's uploads can spend it. 1 with j->ans set (429 with
 * Retry-After) when spent: then nothing of the report is parsed or stored. */
static int over_budget(struct ef_job *j)
{
    enum ef_budget_verdict v;
    long wait;
    int first;

    if (j->budget == NULL)
        return 0;
    v = ef_budget_charge(j->budget, j->agent_id, j->len, j->now, &wait, &first);
    if (v == EF_BUDGET_OK)
        return 0;
    if (first) /* once a window, not for every refused upload */
        ef_warn("reports from %s refused for %ld s: over %s", j->agent_id, wait,
                v == EF_BUDGET_REPORTS ? "agent_reports_per_hour" : "agent_bytes_per_day");
    ef_answer_error(&j->ans, 429, "over this agent's ingest budget (%s); try again in %ld s",
                    v == EF_BUDGET_REPORTS ? "reports per hour" : "bytes per day", wait);
    j->ans.retry_after = wait;
    return 1;
}

int ef_ingest_check(struct ef_job *j)
{
    struct ef_report *r = &j->report;
    time_t generated;

    if (ef_sig_header_parse(j->sig_hdr, j->sig) != 0) {
        ef_answer_error(&j->ans, 401, "bad signature");
        return 0;
    }
    j->verified = ef_verify(j->key, j->body, j->len, j->sig);
    if (!j->verified && !j->key_cached) {
        ef_answer_error(&j->ans, 401, "bad signature");
        return 0;
    }
    if (j->verified && over_budget(j))
        return 0;
    if (ef_report_parse((const char *)j->body, j->len, r, j->err, sizeof(j->err)) != 0)
        j->bad = 1;
    else if (strcmp(r->agent_id, j->agent_id) != 0) {
        j->bad = 1;
        snprintf(j->err, sizeof(j->err),
                 "agent_id in the report differs from the Efterlev-Agent header");
    } else if (ef_parse_rfc3339(r->generated_at, &generated) != 0) {
        j->bad = 1;
        snprintf(j->err, sizeof(j->err), "generated_at: not an RFC 3339 time");
    } else if (generated > j->now + EF_FUTURE_SKEW) {
        j->bad = 1;
        snprintf(j->err, sizeof(j->err), "generated_at lies more than %d minutes in the future",
                 EF_FUTURE_SKEW / 60);
    }
    if (j->verified && j->bad) {
        ef_answer_error(&j->ans, 400, "%s", j->err);
        return 0;
    }
    if (!j->bad)
        ef_sha256_hex(j->body, j->len, j->sha);
    return 1;
}

void ef_ingest_store(struct ef_store *s, struct ef_job *j, struct ef_dept_cache *dc)
{
    struct ef_report *r = &j->report;
    struct ef_report_record rec;
    char levels[EF_LEVELS_JSON_MAX + 1] = "";
    struct ef_host_levels hl;
    int policy_assigned = 0, have_levels = 0;
    struct ef_agent a;
    int rc;

    rc = s->ops->agent_get(s, j->agent_id, &a);
    if (rc == EF_ERR)
        goto fail;
    if (rc != EF_OK) {
        ef_answer_error(&j->ans, 401, "unknown agent");
        return;
    }
    /* On the writer, with the row as it is now: a machine retired after its report was
     * verified is refused all the same (claim_seq refuses it inside the transaction too). */
    if (a.retired_at != 0) {
        ef_answer_error(&j->ans, 403,
                        "this machine was retired; an administrator returns it to service "
                        "(efterlev-collector agent reset)");
        return;
    }
    /* The key the signature was checked with is no longer the agent's (re-enrolled since):
     * the current one decides, as if the request had arrived now. */
    if (!ef_ct_equal(a.public_key, j->key, EF_ED25519_PUB_LEN)) {
        j->forget_key = 1;
        int was_verified = j->verified;

        memcpy(j->key, a.public_key, EF_ED25519_PUB_LEN);
        j->verified = ef_verify(j->key, j->body, j->len, j->sig);
        if (j->verified && !was_verified && over_budget(j)) /* not charged by the check */
            return;
    }
    if (!j->verified) {
        ef_answer_error(&j->ans, 401, "bad signature");
        return;
    }
    if (j->bad) {
        ef_answer_error(&j->ans, 400, "%s", j->err);
        return;
    }

    if (r->seq <= a.last_seq) {
        seq_not_above(s, &a, j, dc);
        return;
    }
    if (keep_assigned(s, j, &a, dc, &policy_assigned, &hl, &have_levels, levels) != 0)
        goto fail;
    rec = (struct ef_report_record){.agent_id = a.agent_id,
                                    .body = j->body,
                                    .body_len = j->len,
                                    .signature = j->sig,
                                    .sha256 = j->sha,
                                    .received_at = j->now,
                                    .report = r,
                                    .public_key = j->key,
                                    .policy_assigned = policy_assigned,
                                    .levels = levels[0] ? levels : NULL};
    rc = s->ops->report_store(s, &rec);
    if (rc == EF_EXISTS) {
        /* Another upload stored this seq meanwhile, or a re-enrollment (perhaps on another
         * collector sharing the database) replaced the key: answer from the fresh state. */
        if (s->ops->agent_get(s, j->agent_id, &a) != EF_OK)
            goto fail;
        if (!ef_ct_equal(a.public_key, j->key, EF_ED25519_PUB_LEN)) {
            j->forget_key = 1;
            ef_answer_error(&j->ans, 401, "bad signature");
            return;
        }
        seq_not_above(s, &a, j, dc);
        return;
    }
    if (rc != EF_OK)
        goto fail;
    ef_debug("stored report %llu of %s (%zu results)", (unsigned long long)r->seq, a.agent_id,
             r->nresults);
    accepted(s, &a, j, have_levels ? &hl : NULL, 202, 0, dc, &j->ans);
    return;
fail:
    ef_error("report from %s: %s", j->agent_id, s->err);
    ef_answer_error(&j->ans, 500, "internal error");
}

void ef_ingest(struct ef_store *s, const struct ef_check_catalogs *checks, const char *agent_hdr,
               const char *sig_hdr, const void *body, size_t len, time_t now, struct ef_answer *ans)
{
    struct ef_job j;
    struct ef_agent a;
    int rc;

    if (len > (size_t)EF_BODY_MAX) {
        ef_answer_error(ans, 413, "report larger than %d bytes", EF_BODY_MAX);
        return;
    }
    if (agent_hdr == NULL || sig_hdr == NULL) {
        ef_answer_error(ans, 400, "missing header %s",
                        agent_hdr == NULL ? "Efterlev-Agent" : "Efterlev-Signature");
        return;
    }
    if (strnlen(agent_hdr, EF_ID_MAX + 1) > EF_ID_MAX) {
        ef_answer_error(ans, 401, "unknown agent");
        return;
    }
    rc = s->ops->agent_get(s, agent_hdr, &a);
    if (rc == EF_ERR) {
        ef_error("report from %s: %s", agent_hdr, s->err);
        ef_answer_error(ans, 500, "internal error");
        return;
    }
    if (rc != EF_OK) {
        ef_answer_error(ans, 401, "unknown agent");
        return;
    }
    if (strlen(sig_hdr) >= sizeof(j.sig_hdr)) {
        ef_answer_error(ans, 401, "bad signature");
        return;
    }
    memset(&j, 0, sizeof(j));
    ef_report_init(&j.report);
    j.kind = EF_JOB_REPORT;
    j.now = now;
    j.body = (unsigned char *)body; /* borrowed: not freed here */
    j.len = len;
    j.checks = checks;
    snprintf(j.agent_id, sizeof(j.agent_id), "%s", agent_hdr);
    snprintf(j.sig_hdr, sizeof(j.sig_hdr), "%s", sig_hdr);
    memcpy(j.key, a.public_key, EF_ED25519_PUB_LEN);
    if (ef_ingest_check(&j))
        ef_ingest_store(s, &j, NULL);
    /* Hand the answer over. */
    ef_answer_clear(ans);
    *ans = j.ans;
    ef_report_free(&j.report);
}
