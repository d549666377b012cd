/* SPDX-License-Identifier: EUPL-1.2 */
/* Catching up the report seq with the collector's: after the state folder was restored from
 * a backup (or a VM snapshot rolled back), the agent's seq counter is behind the last seq
 * the collector stored, and the collector refuses every new report with 409 and its
 * last_seq (docs/protocol.md). The agent then moves its counter past last_seq and gives the
 * refused report and every later spooled one a fresh seq: the seq is inside the signed body,
 * so each is a new report, re-serialised and re-signed with the machine's key. */
#ifndef EFTERLEV_AGENT_CATCH_UP_H
#define EFTERLEV_AGENT_CATCH_UP_H

#include "spool.h"

#include <openssl/evp.h>
#include <stddef.h>
#include <stdint.h>

/* body (a report as the agent signed it) with seq replaced, signed with key: *out_body
 * (NUL-terminated, *out_len bytes) and *out_sig ("ed25519=..."), both for the caller to
 * free. Nothing else of the report changes. 0, or -1 with err (body is not a valid report). */
int report_renumber(EVP_PKEY *key, const char *body, size_t len, uint64_t seq, char **out_body,
                    size_t *out_len, char **out_sig, char *err, size_t errlen);

struct catch_up_result {
    uint64_t first_seq; /* the seq the first re-numbered report got */
    long renumbered;    /* reports now under a fresh seq */
    long rejected;      /* reports that could not be re-numbered: moved to spool/rejected */
};

/* The collector holds collector_seq and refused v[0]: raise the seq counter to at least
 * collector_seq, then take v[0..n) (spool order; an entry with seq 0 is skipped) one by one: a
 * fresh seq from the counter, the file renamed to it (spool_move), then rewritten with the body
 * re-numbered and signed. A crash in between leaves each report in exactly one file (at worst a
 * body still holding its old seq, which the next run's catch-up re-numbers). v[i].seq is updated to
 * the new seq; a report that cannot be re-numbered is moved to spool/rejected and its v[i].seq set
 * to 0. 0, or -1 with err (the state could not be written: the reports done so far stay
 * consistent, the rest untouched). */
int spool_catch_up(const char *state_dir, EVP_PKEY *key, uint64_t collector_seq,
                   struct spool_entry *v, long n, struct catch_up_result *res, char *err,
                   size_t errlen);

#endif
