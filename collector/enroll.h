/* SPDX-License-Identifier: EUPL-1.2 */
/* POST /api/v1/enroll and POST /api/v1/reports, as pure functions of the request. */
#ifndef EF_COLLECTOR_ENROLL_H
#define EF_COLLECTOR_ENROLL_H

#include <stddef.h>
#include <time.h>

#include <openssl/evp.h>

#include "answer.h"
#include "store/store.h"

struct ef_check_catalogs;

#define EF_FUTURE_SKEW (10 * 60) /* seconds a report's generated_at may lie ahead */

/* Enrol an agent from the JSON body: 201 {agent_id, department, level, policy_key}, 400
 * malformed, 401 bad token, 500 store failure. export_key (the collector's, may be NULL in
 * tests) certifies the agent's key (keycert.h); policy_key (base64 of the raw public key of
 * the key that signs served policies; NULL: left out of the answer) is what the agent
 * pins. */
void ef_enroll(struct ef_store *s, EVP_PKEY *export_key, const char *policy_key, const void *body,
               size_t len, struct ef_answer *ans);

/* Accept a signed report. agent_hdr and sig_hdr may be NULL (missing). checks: what counts
 * (assigned.h), the catalog of the report's platform; NULL stores every result as sent
 * (tests of the store alone). */
void ef_ingest(struct ef_store *s, const struct ef_check_catalogs *checks, const char *agent_hdr,
               const char *sig_hdr, const void *body, size_t len, time_t now,
               struct ef_answer *ans);

#endif
