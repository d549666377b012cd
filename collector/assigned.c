/* SPDX-License-Identifier: EUPL-1.2 */
/* Only assigned checks count (assigned.h). */
#include <stdio.h>
#include <string.h>

#include "assigned.h"
#include "efterlev/textlist.h"

/* Rule 4: another level's verdict says nothing about this level's (thresholds and
 * allow-lists may differ per level, in either direction), so it is neither pass nor fail. */
static void judged_elsewhere(struct ef_result *res, ef_level level)
{
    char ev[EF_EVIDENCE_MAX + 1];

    ef_text_printf(ev, sizeof(ev), "judged at %s, the host requires %s (reported %s: %s)",
                   ef_level_name(res->level), ef_level_name(level), ef_status_name(res->status),
                   res->evidence);
    memcpy(res->evidence, ev, sizeof(ev));
    res->status = EF_UNKNOWN;
}

/* Whether the first n results hold check id. A linear scan: a report holds at most a
 * catalog's few hundred results, and this runs once per catalog check. */
static int has_check_in(const struct ef_report *r, size_t n, const char *id)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(r->results[i].check, id) == 0)
            return 1;
    return 0;
}

static int has_check(const struct ef_report *r, const char *id)
{
    return has_check_in(r, r->nresults, id);
}

static void note_set_aside(struct ef_report *r, const ef_level levels[EF_ASPECTS],
                           const struct ef_assigned_tally *t)
{
    struct ef_result *res;

    /* Room: at least one result was removed. A catalog that holds this id itself would
     * make a duplicate: then the count is in the log only. */
    if (has_check(r, EF_UNASSIGNED_CHECK) || (res = ef_report_add(r)) == NULL)
        return;
    snprintf(res->check, sizeof(res->check), "%s", EF_UNASSIGNED_CHECK);
    res->status = EF_ERROR;
    res->severity = EF_SEV_INFO;
    res->level = ef_levels_max(levels);
    if (t->no_catalog) {
        ef_text_printf(res->evidence, sizeof(res->evidence),
                       "%zu results not counted: the collector has no check catalog for %s "
                       "hosts (collector.yml policies_windows) (first: %s); the signed report "
                       "keeps them",
                       t->not_in_catalog, r->host.platform, t->first_set_aside);
        return;
    }
    ef_text_printf(res->evidence, sizeof(res->evidence),
                   "%zu results not counted, this host was not assigned their checks: %zu not in "
                   "the collector's %scatalog, %zu required only above this host's level (%s) "
                   "(first: %s); the signed report keeps them",
                   t->not_in_catalog + t->above_level, t->not_in_catalog,
                   strcmp(r->host.platform, EF_PLATFORM_WINDOWS) == 0 ? "Windows " : "",
                   t->above_level, ef_level_name(ef_levels_max(levels)), t->first_set_aside);
}

/* Rule 5: the checks the catalog requires at the host's levels that the report does not hold. A
 * report full to EF_RESULTS_MAX cannot take more: the rest are counted in t only (the
 * host is not marked as having run its policy either way). */
static void add_missing(const struct ef_check_catalog *c, const ef_level levels[EF_ASPECTS],
                        struct ef_report *r, struct ef_assigned_tally *t)
{
    size_t i, held = r->nresults;
    struct ef_result *res;

    for (i = 0; i < c->n; i++) {
        const struct ef_catalog_check *k = &c->v[i];
        ef_level level = ef_check_level(k->aspects, levels);

        if (k->level > level || has_check_in(r, held, k->id))
            continue;
        t->missing++;
        if ((res = ef_report_add(r)) == NULL)
            continue;
        snprintf(res->check, sizeof(res->check), "%s", k->id);
        res->status = (ef_status)EF_MISSING;
        memcpy(res->controls, k->controls, sizeof(res->controls));
        res->ncontrols = k->ncontrols;
        res->severity = k->severity;
        res->level = level;
        ef_text_printf(res->evidence, sizeof(res->evidence),
                       "required at %s by the collector's policy %s %s, not in the report: the "
                       "host ran policy %s %s (sha256 %.12s)",
                       ef_level_name(level), c->policy_id, c->policy_version,
                       r->policy_id[0] ? r->policy_id : "(none named)", r->policy_version,
                       r->policy_sha256[0] ? r->policy_sha256 : "-");
    }
}

void ef_assigned_apply(const struct ef_check_catalog *c, const ef_level levels[EF_ASPECTS],
                       const char *assigned_sha, struct ef_report *r, struct ef_assigned_tally *t)
{
    struct ef_assigned_tally own;
    size_t i, kept = 0;

    if (t == NULL)
        t = &own;
    memset(t, 0, sizeof(*t));
    t->no_catalog = c == NULL && r->nresults > 0;
    for (i = 0; i < r->nresults; i++) {
        struct ef_result *res = &r->results[i];
        const struct ef_catalog_check *k = ef_check_catalog_find(c, res->check);
        ef_level level = k != NULL ? ef_check_level(k->aspects, levels) : EF_LEVEL_BASIC;

        if (k == NULL || k->level > level) {
            if (k == NULL)
                t->not_in_catalog++;
            else
                t->above_level++;
            if (t->first_set_aside[0] == '\0')
                snprintf(t->first_set_aside, sizeof(t->first_set_aside), "%s", res->check);
            continue;
        }
        memcpy(res->controls, k->controls, sizeof(res->controls));
        res->ncontrols = k->ncontrols;
        res->severity = k->severity;
        if (res->level != level) {
            judged_elsewhere(res, level);
            t->other_level++;
        }
        if (kept != i)
            r->results[kept] = *res;
        kept++;
    }
    r->nresults = kept;
    if (c != NULL)
        add_missing(c, levels, r, t);
    if (c != NULL && (assigned_sha == NULL || assigned_sha[0] == '\0'))
        assigned_sha = c->policy_sha256;
    t->policy_assigned = c != NULL && t->missing == 0 && r->policy_sha256[0] != '\0' &&
                         strcmp(r->policy_sha256, assigned_sha) == 0;
    if (t->not_in_catalog + t->above_level > 0)
        note_set_aside(r, levels, t);
}
