#include "deliver.h"

#include "spool.h"
#include "upload.h"

#include "efterlev/log.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The collector tells the department's current level in every answer: follow it. */
static void follow_level(struct agent_ctx *ctx, struct enrollment *en,
                         const struct http_response *resp)
{
    json_t *o = json_loadb(resp->body ? resp->body : "", resp->len, 0, NULL);
    const char *s = json_string_value(json_object_get(o, "level"));
    ef_level level;
    if (s != NULL && ef_level_parse(s, &level) == 0 && level != en->level) {
        char err[512];
        ef_info("department protection level changed from %s to %s", ef_level_name(en->level), s);
        en->level = level;
        if (state_save_enrollment(ctx->state_dir, en, err, sizeof(err)) != 0)
            ef_warn("%s", err);
    }
    json_decref(o);
}

int deliver_spool(struct agent_ctx *ctx, struct enrollment *en, struct deliver_result *res)
{
    struct spool_entry *v = NULL;
    memset(res, 0, sizeof(*res));
    long n = spool_list(ctx->state_dir, &v, res->error, sizeof(res->error));
    if (n < 0)
        return 1;
    long i;
    for (i = 0; i < n; i++) {
        uint64_t seq = v[i].seq;
        struct spooled_report sr;
        char err[512];
        if (spool_read(ctx->state_dir, seq, &sr, err, sizeof(err)) != 0) {
            ef_error("%s; moved to spool/rejected", err);
            spool_reject(ctx->state_dir, seq);
            res->rejected++;
            continue;
        }
        struct http_response resp;
        int rc = upload_post(en->collector, "/api/v1/reports", en->ca, en->agent_id, sr.sig_header,
                             sr.body, sr.body_len, ctx->cfg.timeout_s, &resp);
        spooled_report_free(&sr);
        if (rc != 0) {
            snprintf(res->error, sizeof(res->error), "collector unreachable: %.480s", resp.error);
            http_response_free(&resp);
            break;
        }
        long st = resp.status;
        if (st == 202 || st == 200) {
            ef_debug("report %" PRIu64 " delivered (HTTP %ld)", seq, st);
            follow_level(ctx, en, &resp);
            spool_remove(ctx->state_dir, seq);
            res->delivered++;
        } else if (st == 409) {
            /* The collector already holds this seq or a later one. */
            ef_warn("report %" PRIu64 ": collector says %s; removed from the spool", seq,
                    http_response_error(&resp, err, sizeof(err)));
            spool_remove(ctx->state_dir, seq);
            res->delivered++;
        } else if (st == 400 || st == 413) {
            ef_error("report %" PRIu64 " refused (HTTP %ld): %s; moved to spool/rejected", seq, st,
                     http_response_error(&resp, err, sizeof(err)));
            spool_reject(ctx->state_dir, seq);
            res->rejected++;
        } else {
            snprintf(res->error, sizeof(res->error), "collector answered HTTP %ld: %s%s", st,
                     http_response_error(&resp, err, sizeof(err)),
                     st == 401 ? " (is this machine enrolled? efterlev-agent enroll)" : "");
            http_response_free(&resp);
            break;
        }
        http_response_free(&resp);
    }
    free(v);
    struct spool_entry *left = NULL;
    char err[256];
    res->remaining = spool_list(ctx->state_dir, &left, err, sizeof(err));
    free(left);
    return res->remaining > 0 ? 1 : 0;
}
