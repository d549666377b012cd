/* SPDX-License-Identifier: EUPL-1.2 */
/* What of a report counts (docs/figures.md, "What is counted"): only the results of checks
 * the host was assigned, judged the way its department requires. Applied to the parsed
 * report at ingest, before the store sees it; the signed body is stored whole regardless, so
 * nothing the agent sent is lost. */
#ifndef EF_COLLECTOR_ASSIGNED_H
#define EF_COLLECTOR_ASSIGNED_H

#include <stddef.h>

#include "check_catalog.h"
#include "efterlev/policy.h"
#include "efterlev/report.h"
#include "store/store.h"

/* The result the collector adds when it set results aside, so the host's page and its
 * department's error count show it: status error, no controls (it fills no coverage),
 * severity info, the evidence saying how many and why. An agent's own result with this id
 * is set aside like any other check the catalog does not hold. */
#define EF_UNASSIGNED_CHECK "collector.unassigned_results"

struct ef_assigned_tally {
    size_t not_in_catalog; /* set aside: the catalog has no such check */
    size_t above_level;    /* set aside: the catalog requires the check from a higher level */
    size_t other_level;    /* kept as unknown: judged at another level than the department's */
    size_t missing;        /* required checks the report did not hold (EF_MISSING added) */
    int no_catalog;        /* the collector has no catalog for the report's platform */
    /* 1: the report ran the policy the host was assigned: it names that policy (the same
     * sha256) and holds every check the catalog requires at the level */
    int policy_assigned;
    char first_set_aside[EF_ID_MAX + 1]; /* for the log; "" when none */
};

/* Rewrite r's results for a host of the given levels per aspect (the highest of its
 * department's and its systems', host_levels.h; each check's level is ef_check_level of its
 * aspects), c being the catalog of the report's platform (ef_check_catalog_for; NULL: the
 * collector has none for it, and every result is set aside, the note saying so):
 *  1. a check the catalog does not hold is set aside (removed from r->results);
 *  2. so is a catalog check whose lowest level is above the check's level for this host;
 *  3. every kept result takes the catalog's controls and severity, not the agent's;
 *  4. a kept result judged at a level other than the check's becomes unknown, its evidence
 *     "judged at basic, the host requires high (reported pass: ...)";
 * and when anything was set aside, one result EF_UNASSIGNED_CHECK says so. Order of the kept
 * results is unchanged. Then
 *  5. every catalog check required at its level (lowest level at or below it) that the report
 *     does not hold is added with status EF_MISSING (store.h: a counted kind, against the
 *     figure like a failure), the catalog's controls and severity, evidence naming the
 *     policy the host ran instead.
 * t (may be NULL) receives the counts and the policy verdict: the report ran the assigned
 * policy when nothing is missing and it names assigned_sha (the document the collector last
 * served the department; NULL or "": the catalog's own hash). */
void ef_assigned_apply(const struct ef_check_catalog *c, const ef_level levels[EF_ASPECTS],
                       const char *assigned_sha, struct ef_report *r, struct ef_assigned_tally *t);

#endif
