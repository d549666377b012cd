/* SPDX-License-Identifier: EUPL-1.2 */
/* The policy document the collector serves a department's agents (docs/protocol.md,
 * "Policy"): the check catalog of the platform (collector.yml `policies` or
 * `policies_windows`, the files' text whole), the site policies assigned to the
 * department, and the catalog checks switched off for it with their reasons. Compact JSON
 * with sorted keys and no time of its own, so the same state always gives the same bytes:
 * its SHA-256 is its ETag and what a report made with it names as its policy's sha256. */
#ifndef EF_COLLECTOR_POLICY_DOC_H
#define EF_COLLECTOR_POLICY_DOC_H

#include <stddef.h>
#include <stdint.h>

#include "check_catalog.h"
#include "store/store.h"

#define EF_POLICY_DOC_SCHEMA "efterlev.policy/1"
#define EF_POLICY_DOC_MAX (8 * 1024 * 1024) /* bytes of a served document */

struct ef_policy_doc {
    char *text; /* owned, NUL-terminated */
    size_t len;
    char sha256[65]; /* of text */
    int64_t version; /* the department's policy version */
    int64_t department_id;
};

/* "linux" or "windows" into 0; else -1. */
int ef_policy_platform_valid(const char *platform);

/* Build department dept's document for platform. EF_OK; EF_NOTFOUND (err says: no such
 * department, or no catalog for the platform); EF_ERR (err). */
int ef_policy_doc_build(struct ef_store *s, const struct ef_check_catalogs *cs, const char *dept,
                        const char *platform, struct ef_policy_doc *out, char *err, size_t errlen);
void ef_policy_doc_free(struct ef_policy_doc *d);

/* The SHA-256 of the document department_id's hosts of platform were last served ("" when
 * none): what ingest compares a report's policy.sha256 with (the report then ran the
 * assigned policy). EF_OK or EF_ERR. */
int ef_assigned_policy_sha256(struct ef_store *s, int64_t department_id, const char *platform,
                              char sha256[65]);

#endif
