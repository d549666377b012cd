/* SPDX-License-Identifier: EUPL-1.2 */
#include "deliver.h"

#include "catch_up.h"
#include "spool.h"
#include "upload.h"

#include "efterlev/levels.h"
#include "efterlev/log.h"
#include "efterlev/os.h"
#include "efterlev/util.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The collector tells the host's current level (per aspect too: its systems') and its
 * department's name in every answer: follow them (a re-levelled or renamed department, a
 * host tied to a system). */
static void follow_level(struct agent_ctx *ctx, struct enrollment *en,
                         const struct http_response *resp)
{
    json_t *o = json_loadb(resp->body ? resp->body : "", resp->len, 0, NULL);
    const char *s = json_string_value(json_object_get(o, "level"));
    const char *name = json_string_value(json_object_get(o, "department"));
    ef_level level, levels[EF_ASPECTS];
    int changed = 0;
    if (s != NULL && ef_level_parse(s, &level) == 0) {
        if (ef_levels_from_json(json_object_get(o, "levels"), levels) != 0)
            ef_levels_fill(levels, level); /* a collector from before levels per aspect */
        state_follow_levels(ctx->state_dir, en, levels); /* saves what it changes */
    }
    if (name != NULL && name[0] != '\0' && strlen(name) < sizeof(en->department) &&
        ef_utf8_valid(name, strlen(name)) && strcmp(name, en->department) != 0) {
        ef_info("department renamed from \"%s\" to \"%s\"", en->department, name);
        memcpy(en->department, name, strlen(name) + 1);
        changed = 1;
    }
    if (changed) {
        char err[512];
        if (state_save_enrollment(ctx->state_dir, en, err, sizeof(err)) != 0)
            ef_warn("%s", err);
    }
    json_decref(o);
}

/* Backoff before attempt n (1-based, n >= 2): base * 2^(n-2), capped at 60 s, with "equal
 * jitter" (half fixed, half random) so a thousand agents that lost the collector together do
 * not come back together. A Retry-After from the collector wins, capped at 5 minutes. */
static void backoff(const struct agent_config *cfg, int attempt, long retry_after)
{
    long long ms = cfg->retry_base_ms;
    for (int i = 2; i < attempt && ms < 60000; i++)
        ms *= 2;
    if (ms > 60000)
        ms = 60000;
    unsigned r = 0;
    ef_random(&r, sizeof(r));
    ms = ms / 2 + (long long)(r % (unsigned)(ms / 2 + 1));
    if (retry_after > 0)
        ms = (retry_after > 300 ? 300 : retry_after) * 1000LL;
    ef_debug("waiting %lld ms before attempt %d", ms, attempt);
    ef_sleep_ms((unsigned)ms);
}

/* POST one report, trying again after transient failures. */
static int post_report(struct agent_ctx *ctx, const struct enrollment *en,
                       const struct spooled_report *sr, struct http_response *resp)
{
    int rc = -1;
    for (int attempt = 1; attempt <= ctx->cfg.retry_attempts; attempt++) {
        if (attempt > 1) {
            long ra = resp->retry_after;
            http_response_free(resp);
            backoff(&ctx->cfg, attempt, ra);
        }
        rc = upload_post(en->collector, "/api/v1/reports", en->ca, en->agent_id, sr->sig_header,
                         sr->body, sr->body_len, ctx->cfg.timeout_s, resp);
        /* 429: this machine's ingest budget at the collector is spent for a while
         * (Retry-After): no retry in this run; the report waits in the spool. */
        if (!resp->retryable || resp->status == 429)
            break;
    }
    return rc;
}

/* What a 409 says (docs/protocol.md): the collector's last stored seq ("last_seq"; 0 when it
 * gave none, a collector older than the catch-up, or one no agent could go past) and whether
 * it holds this very report ("stored"). */
static uint64_t conflict_last_seq(const struct http_response *resp, int *stored)
{
    json_t *o = json_loadb(resp->body ? resp->body : "", resp->len, 0, NULL);
    json_int_t v = json_integer_value(json_object_get(o, "last_seq"));
    *stored = json_is_true(json_object_get(o, "stored"));
    json_decref(o);
    return v > 0 && v < INT64_MAX / 2 ? (uint64_t)v : 0;
}

enum sent {
    SENT_DONE,     /* delivered, already held, or set aside: out of the spool */
    SENT_CONFLICT, /* 409, not stored: the answer is in *resp, for the caller to free */
    SENT_STOP,     /* cannot go on now: res->error says why */
};

/* Send the spooled report seq and act on the answer, but for a 409 of a report the collector
 * does not hold. */
static enum sent send_spooled(struct agent_ctx *ctx, struct enrollment *en, uint64_t seq,
                              struct deliver_result *res, struct http_response *resp)
{
    struct spooled_report sr;
    char err[512];
    int stored = 0;
    if (spool_read(ctx->state_dir, seq, &sr, err, sizeof(err)) != 0) {
        ef_error("%s; moved to spool/rejected", err);
        spool_reject(ctx->state_dir, seq);
        res->rejected++;
        return SENT_DONE;
    }
    int rc = post_report(ctx, en, &sr, resp);
    spooled_report_free(&sr);
    long st = resp->status;
    enum sent out = SENT_DONE;
    if (rc == 0 && st == 409)
        conflict_last_seq(resp, &stored);
    if (rc != 0) {
        snprintf(res->error, sizeof(res->error), "collector unreachable: %s", resp->error);
        out = SENT_STOP;
    } else if (st == 202 || st == 200) {
        ef_debug("report %" PRIu64 " delivered (HTTP %ld)", seq, st);
        follow_level(ctx, en, resp);
        spool_remove(ctx->state_dir, seq);
        res->delivered++;
    } else if (st == 409 && stored) {
        /* Delivered before: by a run that crashed before clearing it, or by the state folder
         * this one was restored from. */
        ef_info("report %" PRIu64 " is already stored by the collector; removed from the spool",
                seq);
        spool_remove(ctx->state_dir, seq);
        res->delivered++;
    } else if (st == 409) {
        return SENT_CONFLICT;
    } else if (st == 400 || st == 413) {
        ef_error("report %" PRIu64 " refused (HTTP %ld): %s; moved to spool/rejected", seq, st,
                 http_response_error(resp, err, sizeof(err)));
        spool_reject(ctx->state_dir, seq);
        res->rejected++;
    } else {
        snprintf(res->error, sizeof(res->error), "collector answered HTTP %ld: %s%s", st,
                 http_response_error(resp, err, sizeof(err)),
                 st == 401 ? " (is this machine enrolled? efterlev-agent enroll)" : "");
        out = SENT_STOP;
    }
    http_response_free(resp);
    return out;
}

/* The collector refused v[i] (409, not stored): our seq is behind its last_seq. Catch up and
 * return 1 to send v[i] again under its new seq; 0 when v[i] was set aside or delivery stops
 * (*stop, res->error says why). */
static int on_conflict(struct agent_ctx *ctx, struct enrollment *en,
                       const struct http_response *resp, struct spool_entry *v, long i, long n,
                       struct deliver_result *res, int *stop)
{
    char why[512], err[512];
    int stored;
    uint64_t seq = v[i].seq, last = conflict_last_seq(resp, &stored);
    http_response_error(resp, why, sizeof(why));
    if (last == 0) {
        ef_error("report %" PRIu64 " refused (HTTP 409): %s; moved to spool/rejected", seq, why);
        spool_reject(ctx->state_dir, seq);
        res->rejected++;
        return 0;
    }
    /* Once per run: every later report is re-numbered too, so a second 409 means the
     * collector is not behind us for a reason a catch-up can fix (another machine reporting
     * under this agent's identity, say). Stop rather than loop; the next run tries again. */
    if (res->caught_up_to != 0) {
        snprintf(res->error, sizeof(res->error),
                 "collector refuses report %" PRIu64 " even after catching up: %s", seq, why);
        *stop = 1;
        return 0;
    }
    /* Before re-numbering: of the later reports, those not above last_seq may be held by
     * the collector (a backup's spool that the original machine delivered after a report it
     * dropped): ask for each, so none is re-numbered and stored twice. One above last_seq is
     * new; sending it now would store it before v[i], out of order. */
    for (long j = i + 1; j < n; j++) {
        if (v[j].seq == 0 || v[j].seq > last)
            continue;
        struct http_response r;
        enum sent o = send_spooled(ctx, en, v[j].seq, res, &r);
        if (o == SENT_STOP) {
            *stop = 1;
            return 0;
        }
        if (o == SENT_CONFLICT)
            http_response_free(&r);
        else
            v[j].seq = 0;
    }
    EVP_PKEY *key = state_key(ctx->state_dir, err, sizeof(err));
    struct catch_up_result cr;
    int rc =
        key ? spool_catch_up(ctx->state_dir, key, last, v + i, n - i, &cr, err, sizeof(err)) : -1;
    EVP_PKEY_free(key);
    if (rc != 0) {
        snprintf(res->error, sizeof(res->error), "cannot catch up with the collector's seq: %s",
                 err);
        *stop = 1;
        return 0;
    }
    ef_warn("state folder restored? seq behind the collector's (it holds %" PRIu64
            "): caught up from %" PRIu64 " to %" PRIu64 ", %ld spooled report(s) re-numbered "
            "and signed again",
            last, seq, cr.first_seq, cr.renumbered);
    res->caught_up_from = seq;
    res->caught_up_to = cr.first_seq;
    res->rejected += cr.rejected;
    return 1;
}

int deliver_spool(struct agent_ctx *ctx, struct enrollment *en, struct deliver_result *res)
{
    struct spool_entry *v = NULL;
    memset(res, 0, sizeof(*res));
    long n = spool_list(ctx->state_dir, &v, res->error, sizeof(res->error));
    if (n < 0)
        return 1;
    for (long i = 0; i < n; i++) {
        if (v[i].seq == 0) /* dealt with already, by a catch-up */
            continue;
        struct http_response resp;
        enum sent o = send_spooled(ctx, en, v[i].seq, res, &resp);
        if (o == SENT_STOP)
            break;
        if (o == SENT_DONE)
            continue;
        int stop = 0;
        int again = on_conflict(ctx, en, &resp, v, i, n, res, &stop);
        http_response_free(&resp);
        if (stop)
            break;
        if (again)
            i--;
    }
    /* The newest report's seq now: a catch-up re-numbers the report this run made. */
    res->newest_seq = n > 0 ? v[n - 1].seq : 0;
    free(v);
    struct spool_entry *left = NULL;
    char err[256];
    res->remaining = spool_list(ctx->state_dir, &left, err, sizeof(err));
    free(left);
    return res->remaining > 0 ? 1 : 0;
}
