/* SPDX-License-Identifier: EUPL-1.2 */
/* Whether the store already holds one exact report of an agent: what the ingest asks before
 * refusing a report whose seq is not above the agent's last one, so that an agent resending
 * a report the collector already stored (a crash before it cleared its spool, a restored
 * state folder) hears "duplicate" and not "conflict" (docs/protocol.md). Kept out of the
 * operations table (store.h): one read over the driver, the same for every backend. */
#ifndef EF_COLLECTOR_STORE_REPORT_HELD_H
#define EF_COLLECTOR_STORE_REPORT_HELD_H

#include <stdint.h>

struct ef_store;

/* *held: 1 when a report of agent_id with this seq and this body SHA-256 (lowercase hex) is
 * stored, else 0. EF_OK, or EF_ERR with s->err set. Runs inside the caller's transaction,
 * if any. */
int ef_store_report_held(struct ef_store *s, const char *agent_id, uint64_t seq, const char *sha256,
                         int *held);

#endif
