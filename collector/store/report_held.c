/* SPDX-License-Identifier: EUPL-1.2 */
#include "store/report_held.h"

#include "store/core.h"

int ef_store_report_held(struct ef_store *s, const char *agent_id, uint64_t seq, const char *sha256,
                         int *held)
{
    /* The (agent_id, seq) index finds the candidates: after an administrator's reset an
     * agent's seqs start again, so one seq may be stored more than once; the SHA-256 of the
     * body (which holds the seq) picks the one identical report. */
    static const char sql[] =
        "SELECT count(*) FROM reports WHERE agent_id = $1 AND seq = $2 AND sha256 = $3";
    struct ef_db_stmt *st;
    int64_t n = 0;

    *held = 0;
    if (seq > (uint64_t)INT64_MAX)
        return EF_OK;
    if ((st = core_prepare(s, sql)) == NULL)
        return EF_ERR;
    s->db->bind_text(st, 1, agent_id);
    s->db->bind_int(st, 2, (int64_t)seq);
    s->db->bind_text(st, 3, sha256);
    if (core_int(s, st, 0, &n, "look up a stored report") != EF_OK)
        return EF_ERR;
    *held = n > 0;
    return EF_OK;
}
