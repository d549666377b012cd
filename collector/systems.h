/* SPDX-License-Identifier: EUPL-1.2 */
/* Systems as the coordinator reads them (efterlev-collector system list|show, GET
 * /api/v1/systems): each with its owners, classes and department, and how the machines tied
 * to it stand, in all and per aspect (docs/figures.md, "Levels per aspect"). Counted as the
 * department figures are: fresh hosts only, pass / (pass + fail + missing), each result in
 * every aspect its check protects. A host tied to two systems counts in both. */
#ifndef EF_COLLECTOR_SYSTEMS_H
#define EF_COLLECTOR_SYSTEMS_H

#include <jansson.h>
#include <time.h>

#include "check_catalog.h"
#include "store/store.h"

/* [{name, owner, info_owner, k, r, t, department, hosts, reporting, pass..missing,
 *   compliance_pct, aspects: [{aspect, pass, ..., compliance_pct}], machines: [{hostname,
 *   agent_id, department, stale, compliance_pct}]}] by name; only the system named only
 * (NULL: all; EF_NOTFOUND when none of that name). only_dept non-NULL: the systems of that
 * department, and of the others only their machines in it (a department user's view).
 * EF_OK, EF_NOTFOUND, EF_NOMEM or EF_ERR. */
int ef_systems_json(struct ef_store *s, const struct ef_check_catalogs *cs, const char *only,
                    const char *only_dept, int stale_days, time_t now, json_t **out);

#endif
