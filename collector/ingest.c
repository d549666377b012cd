/* Report acceptance. The checks run in a fixed order (documented in
 * docs/protocol.md) so an agent always learns the first thing that is wrong. */
#include <stdio.h>
#include <string.h>

#include "efterlev/log.h"
#include "efterlev/report.h"
#include "efterlev/sign.h"
#include "efterlev/util.h"
#include "enroll.h"

static void accepted(struct ef_store *s, const struct ef_agent *a, int status, int duplicate,
                     struct ef_answer *ans)
{
    struct ef_department d;

    if (s->ops->department_get(s, a->department_id, &d) != EF_STORE_OK) {
        ef_error("report from %s: department lookup: %s", a->agent_id, s->err);
        ef_answer_error(ans, 500, "internal error");
        return;
    }
    if (duplicate)
        ef_answer_json(ans, status,
                       json_pack("{s:s, s:s, s:b}", "level", ef_level_name(d.level), "department",
                                 d.name, "duplicate", 1));
    else
        ef_answer_json(
            ans, status,
            json_pack("{s:s, s:s}", "level", ef_level_name(d.level), "department", d.name));
}

static void seq_conflict(const struct ef_agent *a, const struct ef_report *r, struct ef_answer *ans)
{
    ef_answer_error(ans, 409, "seq %llu not greater than last stored %llu",
                    (unsigned long long)r->seq, (unsigned long long)a->last_seq);
}

void ef_ingest(struct ef_store *s, const char *agent_hdr, const char *sig_hdr, const void *body,
               size_t len, time_t now, struct ef_answer *ans)
{
    unsigned char sig[EF_ED25519_SIG_LEN];
    char err[256], sha[65];
    struct ef_report r;
    struct ef_report_record rec;
    struct ef_agent a;
    time_t generated;
    int rc;

    ef_report_init(&r);
    if (len > (size_t)EF_BODY_MAX) {
        ef_answer_error(ans, 413, "report larger than %d bytes", EF_BODY_MAX);
        goto out;
    }
    if (agent_hdr == NULL || sig_hdr == NULL) {
        ef_answer_error(ans, 400, "missing header %s",
                        agent_hdr == NULL ? "Efterlev-Agent" : "Efterlev-Signature");
        goto out;
    }
    if (strnlen(agent_hdr, EF_ID_MAX + 1) > EF_ID_MAX) {
        ef_answer_error(ans, 401, "unknown agent");
        goto out;
    }
    rc = s->ops->agent_get(s, agent_hdr, &a);
    if (rc == EF_STORE_ERR)
        goto fail;
    if (rc != EF_STORE_OK) {
        ef_answer_error(ans, 401, "unknown agent");
        goto out;
    }
    if (ef_sig_header_parse(sig_hdr, sig) != 0 || !ef_verify(a.public_key, body, len, sig)) {
        ef_answer_error(ans, 401, "bad signature");
        goto out;
    }
    if (ef_report_parse(body, len, &r, err, sizeof(err)) != 0) {
        ef_answer_error(ans, 400, "%s", err);
        goto out;
    }
    if (strcmp(r.agent_id, a.agent_id) != 0) {
        ef_answer_error(ans, 400, "agent_id in the report differs from the Efterlev-Agent header");
        goto out;
    }
    if (ef_parse_rfc3339(r.generated_at, &generated) != 0) {
        ef_answer_error(ans, 400, "generated_at: not an RFC 3339 time");
        goto out;
    }
    if (generated > now + EF_FUTURE_SKEW) {
        ef_answer_error(ans, 400, "generated_at lies more than %d minutes in the future",
                        EF_FUTURE_SKEW / 60);
        goto out;
    }

    ef_sha256_hex(body, len, sha);
    if (r.seq <= a.last_seq) {
        if (a.last_sha256[0] != '\0' && strcmp(sha, a.last_sha256) == 0)
            accepted(s, &a, 200, 1, ans);
        else
            seq_conflict(&a, &r, ans);
        goto out;
    }

    rec = (struct ef_report_record){.agent_id = a.agent_id,
                                    .body = body,
                                    .body_len = len,
                                    .signature = sig,
                                    .sha256 = sha,
                                    .received_at = now,
                                    .report = &r};
    rc = s->ops->report_store(s, &rec);
    if (rc == EF_STORE_EXISTS) {
        /* Another upload stored this seq meanwhile; answer from the fresh state. */
        if (s->ops->agent_get(s, agent_hdr, &a) != EF_STORE_OK)
            goto fail;
        if (strcmp(sha, a.last_sha256) == 0)
            accepted(s, &a, 200, 1, ans);
        else
            seq_conflict(&a, &r, ans);
        goto out;
    }
    if (rc != EF_STORE_OK)
        goto fail;
    ef_debug("stored report %llu of %s (%zu results)", (unsigned long long)r.seq, a.agent_id,
             r.nresults);
    accepted(s, &a, 202, 0, ans);
    goto out;
fail:
    ef_error("report from %s: %s", agent_hdr != NULL ? agent_hdr : "?", s->err);
    ef_answer_error(ans, 500, "internal error");
out:
    ef_report_free(&r);
}
