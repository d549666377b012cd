/* SPDX-License-Identifier: EUPL-1.2 */
/* efterlev-agent run: scan, sign, spool, deliver. What the systemd timer runs. */
#include "agent.h"
#include "agent_state.h"
#include "central_policy.h"
#include "common_opts.h"
#include "deliver.h"
#include "report_build.h"
#include "spool.h"

#include "efterlev/log.h"
#include "efterlev/sign.h"
#include "efterlev/util.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: efterlev-agent run [--policy PATH]... [--state-dir DIR] [--config FILE]\n"
    "\n"
    "Scans this machine at its protection level, signs the report with the machine's key,\n"
    "writes it to the spool and then delivers every spooled report to the collector, oldest\n"
    "first. The level is the collector's word, per aspect (K, R, T, S): its department's,\n"
    "raised where the machine serves a system of higher class; each check is judged at the\n"
    "level of the aspects it protects (efterlev-agent status shows them). A report leaves\n"
    "the spool only once the collector has acknowledged it: when the collector cannot be\n"
    "reached, reports wait for the next run.\n"
    "Not yet enrolled, with collector and token in the configuration, it enrolls first.\n"
    "Without --policy and without policies in the configuration, the policy is the one the\n"
    "collector serves the machine's department, fetched first and verified with the key\n"
    "pinned at enrollment; the last good one is kept for runs without the collector, and a\n"
    "served policy that does not verify is refused (the report says so). A collector that\n"
    "serves none: the installed policy.\n"
    "\n"
    "exit status: 0 everything delivered, 1 reports remain spooled (or could not be made),\n"
    "2 usage, configuration or policy error.\n";

static uint64_t take_dropped(const char *state_dir, long add)
{
    char path[4096], *text = NULL, buf[32], err[256];
    uint64_t n = 0;
    if (state_path(path, sizeof(path), state_dir, "spool-dropped") != 0)
        return 0;
    if (ef_read_file(path, 64, &text, NULL) == 0) {
        n = strtoull(text, NULL, 10);
        free(text);
    }
    n += (uint64_t)add;
    int len = snprintf(buf, sizeof(buf), "%" PRIu64 "\n", n);
    ef_write_file_atomic(path, buf, (size_t)len, 0600, err, sizeof(err));
    return n;
}

static void clear_dropped(const char *state_dir)
{
    char path[4096], err[256];
    if (state_path(path, sizeof(path), state_dir, "spool-dropped") == 0)
        ef_write_file_atomic(path, "0\n", 2, 0600, err, sizeof(err));
}

/* The run's policy decision (large: not on the stack); cmd_run records it in last-run.json. */
static struct central_policy cp;

/* Make the report, sign it and put it in the spool. */
static int make_report(struct agent_ctx *ctx, struct enrollment *en, char **policies, int npolicies,
                       uint64_t *seq_out, size_t counts[EF_STATUS_COUNT])
{
    char err[1024];
    struct ef_policy_set ps;
    memset(&cp, 0, sizeof(cp));
    /* The collector's policy, unless this run or the configuration names one. */
    if (npolicies == 0 && ctx->cfg.npolicies == 0)
        central_policy_prepare(ctx, en,
#ifdef _WIN32
                               EF_PLATFORM_WINDOWS,
#else
                               EF_PLATFORM_LINUX,
#endif
                               &ps, &cp);
    if (!cp.used && agent_load_policies(ctx, policies, npolicies, &ps) != 0) {
        central_policy_free(&cp);
        return EXIT_USAGE;
    }
    const char *skip[CENTRAL_DISABLED_MAX + 1];
    for (size_t i = 0; i < cp.ndisabled; i++)
        skip[i] = cp.disabled[i];
    skip[cp.ndisabled] = NULL;
    EVP_PKEY *key = state_key(ctx->state_dir, err, sizeof(err));
    struct ef_report r;
    int rc = EXIT_FAILED;
    if (key == NULL) {
        ef_error("%s", err);
        ef_policy_free(&ps);
        central_policy_free(&cp);
        return EXIT_FAILED;
    }
    if (agent_build_report(ctx, &ps, "/", en->levels, skip, 1, &r) != 0)
        goto out_key;
    if (central_policy_annotate(&cp, &ps, en->levels, &r) != 0) {
        ef_error("out of memory or more than %d results", EF_RESULTS_MAX);
        goto out_report;
    }
    if (cp.used) { /* the report names the served document */
        snprintf(r.policy_version, sizeof(r.policy_version), "served.%lld", cp.version);
        strlcpy(r.policy_sha256, cp.sha256, sizeof(r.policy_sha256));
    }
    strlcpy(r.agent_id, en->agent_id, sizeof(r.agent_id));
    r.spool_dropped = take_dropped(ctx->state_dir, 0);
    if (state_next_seq(ctx->state_dir, &r.seq, err, sizeof(err)) != 0) {
        ef_error("%s", err);
        goto out_report;
    }
    size_t len;
    char *body = ef_report_serialize(&r, &len);
    char *sig = body ? ef_sign_header(key, body, len) : NULL;
    if (sig == NULL) {
        ef_error("cannot serialise or sign the report");
    } else if (spool_put(ctx->state_dir, r.seq, sig, body, len, err, sizeof(err)) != 0) {
        ef_error("cannot spool report %" PRIu64 ": %s", r.seq, err);
    } else {
        clear_dropped(ctx->state_dir);
        *seq_out = r.seq;
        ef_report_counts(&r, counts);
        rc = EXIT_OK;
    }
    free(sig);
    free(body);
out_report:
    ef_report_free(&r);
out_key:
    EVP_PKEY_free(key);
    ef_policy_free(&ps);
    central_policy_free(&cp);
    return rc;
}

int cmd_run(struct agent_ctx *ctx, int argc, char **argv)
{
    static const struct option opts[] = {{"policy", required_argument, NULL, 'p'},
                                         COMMON_LONG_OPTS};
    char *policies[EF_CFG_MAX_POLICIES];
    int npolicies = 0, c;
    while ((c = getopt_long(argc, argv, "p:vh", opts, NULL)) != -1) {
        int handled = common_opt(ctx, c, optarg);
        if (handled < 0)
            return EXIT_USAGE;
        if (handled)
            continue;
        if (c == 'p' && npolicies < EF_CFG_MAX_POLICIES) {
            policies[npolicies++] = optarg;
        } else if (c == 'h') {
            fputs(usage, stdout);
            return EXIT_OK;
        } else {
            fputs(usage, stderr);
            return EXIT_USAGE;
        }
    }
    if (optind != argc || common_load_config(ctx) != 0)
        return EXIT_USAGE;

    char err[1024];
    int prep = common_prepare_state(ctx);
    if (prep != EXIT_OK)
        return prep;
    if (spool_prepare(ctx->state_dir, err, sizeof(err)) != 0) {
        ef_error("%s", err);
        return EXIT_FAILED;
    }
    struct enrollment en;
    int enrolled = state_load_enrollment(ctx->state_dir, &en, err, sizeof(err));
    if (enrolled < 0) {
        ef_error("%s", err);
        return EXIT_USAGE;
    }
    if (enrolled == 0) {
        if (!ctx->cfg.collector[0] || !ctx->cfg.token[0]) {
            ef_error("not enrolled: run 'efterlev-agent enroll --collector URL --token TOKEN', "
                     "or set collector and token in %s",
                     ctx->config_path);
            return EXIT_USAGE;
        }
        ef_info("not enrolled yet: enrolling with %s", ctx->cfg.collector);
        if (agent_enroll(ctx, ctx->cfg.collector, ctx->cfg.token, ctx->cfg.ca, &en) != 0)
            return EXIT_FAILED;
    }

    uint64_t seq = 0;
    size_t counts[EF_STATUS_COUNT] = {0};
    int made = make_report(ctx, &en, policies, npolicies, &seq, counts);
    if (made == EXIT_USAGE)
        return EXIT_USAGE;
    struct deliver_result dr;
    int pending = deliver_spool(ctx, &en, &dr);
    /* A catch-up re-numbers the spool's tail, the report just made (the newest) with it. */
    if (dr.caught_up_to != 0 && made == EXIT_OK && dr.newest_seq != 0)
        seq = dr.newest_seq;
    /* The bounds apply to what could not be delivered: drop the oldest of the backlog. */
    if (pending) {
        long dropped = spool_enforce_bounds(ctx->state_dir, ctx->cfg.spool_max_reports,
                                            ctx->cfg.spool_max_bytes);
        if (dropped > 0) {
            take_dropped(ctx->state_dir, dropped);
            dr.remaining -= dropped;
        }
    }
    if (made == EXIT_OK)
        ef_info("report %" PRIu64 " at level %s: %zu pass, %zu fail, %zu na, %zu unknown, "
                "%zu error",
                seq, ef_level_name(en.level), counts[EF_PASS], counts[EF_FAIL], counts[EF_NA],
                counts[EF_UNKNOWN], counts[EF_ERROR]);
    if (pending)
        ef_warn("%s; %ld report(s) kept in the spool for the next run",
                dr.error[0] ? dr.error : "delivery incomplete", dr.remaining);
    else
        ef_info("delivered %ld report(s) to %s", dr.delivered, en.collector);

    char now[32];
    ef_now_rfc3339(now);
    json_t *lr = json_pack(
        "{s:s, s:I, s:s, s:b, s:{s:I, s:I, s:I, s:I, s:I}, s:I, s:I, s:I, "
        "s:s?, s:o, s:{s:s, s:I, s:s, s:s?}}",
        "finished_at", now, "seq", (json_int_t)seq, "level", ef_level_name(en.level), "report_made",
        made == EXIT_OK, "summary", "pass", (json_int_t)counts[EF_PASS], "fail",
        (json_int_t)counts[EF_FAIL], "na", (json_int_t)counts[EF_NA], "unknown",
        (json_int_t)counts[EF_UNKNOWN], "error", (json_int_t)counts[EF_ERROR], "delivered",
        (json_int_t)dr.delivered, "rejected", (json_int_t)dr.rejected, "spooled",
        (json_int_t)dr.remaining, "delivery_error", dr.error[0] ? dr.error : NULL, "caught_up",
        dr.caught_up_to ? json_pack("{s:I, s:I}", "from", (json_int_t)dr.caught_up_from, "to",
                                    (json_int_t)dr.caught_up_to)
                        : json_null(),
        "policy", "source", cp.used ? "collector" : "local", "version",
        (json_int_t)(cp.used ? cp.version : 0), "sha256", cp.used ? cp.sha256 : "", "refused",
        cp.refused[0] ? cp.refused : NULL);
    char *text = lr ? json_dumps(lr, JSON_INDENT(2) | JSON_SORT_KEYS) : NULL;
    if (text == NULL || state_save_last_run(ctx->state_dir, text, err, sizeof(err)) != 0)
        ef_warn("cannot record the last run: %s", text ? err : "out of memory");
    free(text);
    json_decref(lr);
    return made == EXIT_OK && !pending ? EXIT_OK : EXIT_FAILED;
}
