/* SPDX-License-Identifier: EUPL-1.2 */
#include "catch_up.h"

#include "agent_state.h"

#include "efterlev/log.h"
#include "efterlev/report.h"
#include "efterlev/sign.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int report_renumber(EVP_PKEY *key, const char *body, size_t len, uint64_t seq, char **out_body,
                    size_t *out_len, char **out_sig, char *err, size_t errlen)
{
    struct ef_report r;
    char perr[256];
    *out_body = NULL;
    *out_sig = NULL;
    /* The same validator the collector runs: what comes out is a report it accepts. */
    if (ef_report_parse(body, len, &r, perr, sizeof(perr)) != 0) {
        snprintf(err, errlen, "not a valid report: %s", perr);
        return -1;
    }
    r.seq = seq;
    *out_body = ef_report_serialize(&r, out_len);
    ef_report_free(&r);
    if (*out_body != NULL)
        *out_sig = ef_sign_header(key, *out_body, *out_len);
    if (*out_sig == NULL) {
        free(*out_body);
        *out_body = NULL;
        snprintf(err, errlen, "cannot serialise or sign the report");
        return -1;
    }
    return 0;
}

/* Re-number the report in the spool file of seq to seq (its name already says seq).
 * 0; -1 the file is not a report that can be re-numbered (err); -2 it could not be written. */
static int rewrite(const char *state_dir, EVP_PKEY *key, uint64_t seq, char *err, size_t errlen)
{
    struct spooled_report sr;
    char *body, *sig;
    size_t len;
    if (spool_read(state_dir, seq, &sr, err, errlen) != 0)
        return -1;
    int rc = report_renumber(key, sr.body, sr.body_len, seq, &body, &len, &sig, err, errlen);
    spooled_report_free(&sr);
    if (rc != 0)
        return -1;
    rc = spool_put(state_dir, seq, sig, body, len, err, errlen) == 0 ? 0 : -2;
    free(body);
    free(sig);
    return rc;
}

int spool_catch_up(const char *state_dir, EVP_PKEY *key, uint64_t collector_seq,
                   struct spool_entry *v, long n, struct catch_up_result *res, char *err,
                   size_t errlen)
{
    uint64_t before;
    memset(res, 0, sizeof(*res));
    if (state_seq_at_least(state_dir, collector_seq, &before, err, errlen) != 0)
        return -1;
    for (long i = 0; i < n; i++) {
        uint64_t fresh;
        if (v[i].seq == 0) /* not in the spool any more */
            continue;
        if (state_next_seq(state_dir, &fresh, err, errlen) != 0 ||
            spool_move(state_dir, v[i].seq, fresh, err, errlen) != 0)
            return -1;
        if (res->first_seq == 0)
            res->first_seq = fresh;
        char why[512];
        int rc = rewrite(state_dir, key, fresh, why, sizeof(why));
        if (rc == -2) {
            snprintf(err, errlen, "%s", why);
            return -1;
        }
        if (rc != 0) {
            /* The collector refuses what it cannot parse (400) before it looks at seqs, so
             * this is a damaged spool file: keep it aside, as delivery does with a 400. */
            ef_error("spooled report %" PRIu64 " (now %" PRIu64 "): %s; moved to spool/rejected",
                     v[i].seq, fresh, why);
            spool_reject(state_dir, fresh);
            v[i].seq = 0;
            res->rejected++;
            continue;
        }
        ef_debug("spooled report %" PRIu64 " re-numbered %" PRIu64, v[i].seq, fresh);
        v[i].seq = fresh;
        res->renumbered++;
    }
    return 0;
}
