/* SPDX-License-Identifier: EUPL-1.2 */
/* efterlev-agent status: enrollment, last run, spool. */
#include "agent.h"
#include "agent_state.h"
#include "common_opts.h"
#include "output.h"
#include "spool.h"

#include "efterlev/levels.h"
#include "efterlev/log.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>

static const char usage[] = "usage: efterlev-agent status [--format text|json] [--state-dir DIR]\n"
                            "\n"
                            "Shows whether this machine is enrolled (agent id, collector,\n"
                            "department, protection level), the last report seq (and a catch-up\n"
                            "past the collector's at the last run), the last run and how many\n"
                            "reports wait in the spool. exit status: 0 enrolled, 1 not enrolled.\n";

/* s, or fallback when s is NULL or empty: text output never shows "(null)" or a blank. */
static const char *or_text(const char *s, const char *fallback)
{
    return s && *s ? s : fallback;
}

/* s as a JSON string, or null when empty. */
static json_t *json_str_or_null(const char *s)
{
    return *s ? json_string(s) : json_null();
}

int cmd_status(struct agent_ctx *ctx, int argc, char **argv)
{
    static const struct option opts[] = {{"format", required_argument, NULL, 'f'},
                                         COMMON_LONG_OPTS};
    enum out_format fmt = OUT_TEXT;
    int c;
    while ((c = getopt_long(argc, argv, "f:vh", opts, NULL)) != -1) {
        int handled = common_opt(ctx, c, optarg);
        if (handled < 0)
            return EXIT_USAGE;
        if (handled)
            continue;
        if (c == 'f' && output_format_parse(optarg, &fmt) == 0)
            continue;
        if (c == 'h') {
            fputs(usage, stdout);
            return EXIT_OK;
        }
        fputs(usage, stderr);
        return EXIT_USAGE;
    }
    if (optind != argc || common_load_config(ctx) != 0)
        return EXIT_USAGE;

    char err[512];
    struct enrollment en;
    int enrolled = state_load_enrollment(ctx->state_dir, &en, err, sizeof(err));
    if (enrolled < 0) {
        ef_error("%s", err);
        return EXIT_USAGE;
    }
    uint64_t seq = 0;
    state_last_seq(ctx->state_dir, &seq);
    struct spool_entry *v = NULL;
    long spooled = spool_list(ctx->state_dir, &v, err, sizeof(err));
    long long bytes = 0;
    for (long i = 0; i < spooled; i++)
        bytes += v[i].size;
    uint64_t oldest = spooled > 0 ? v[0].seq : 0;
    free(v);
    char *last = state_load_last_run(ctx->state_dir);
    json_t *last_run = last ? json_loads(last, 0, NULL) : NULL;
    free(last);

    if (fmt == OUT_JSON) {
        /* Every key is always present; what is not known (not enrolled, never run, a field
         * the state does not hold) is null, never "" or "(null)". */
        json_t *enr = json_null();
        if (enrolled == 1)
            enr = json_pack(
                "{s:o, s:o, s:o, s:s, s:o, s:o}", "agent_id", json_str_or_null(en.agent_id),
                "collector", json_str_or_null(en.collector), "department",
                json_str_or_null(en.department), "level", ef_level_name(en.level), "levels",
                ef_levels_to_json(en.levels), "enrolled_at", json_str_or_null(en.enrolled_at));
        json_t *o = json_pack(
            "{s:s, s:b, s:o, s:I, s:{s:I, s:I, s:o}, s:o}", "state_dir", ctx->state_dir, "enrolled",
            enrolled == 1, "enrollment", enr ? enr : json_null(), "last_seq", (json_int_t)seq,
            "spool", "reports", (json_int_t)(spooled < 0 ? 0 : spooled), "bytes", (json_int_t)bytes,
            "oldest_seq", spooled > 0 ? json_integer((json_int_t)oldest) : json_null(), "last_run",
            last_run ? json_incref(last_run) : json_null());
        if (o == NULL) {
            ef_error("out of memory");
            json_decref(last_run);
            return EXIT_USAGE;
        }
        json_dumpf(o, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
        fputc('\n', stdout);
        json_decref(o);
    } else {
        printf("state directory: %s\n", ctx->state_dir);
        if (enrolled == 1)
            printf("enrolled:        yes, agent %s\ncollector:       %s\ndepartment:      %s\n"
                   "level:           %s (K %s, R %s, T %s, S %s)\nenrolled at:     %s\n",
                   or_text(en.agent_id, "unknown"), or_text(en.collector, "unknown"),
                   or_text(en.department, "unknown"), ef_level_name(en.level),
                   ef_level_name(en.levels[0]), ef_level_name(en.levels[1]),
                   ef_level_name(en.levels[2]), ef_level_name(en.levels[3]),
                   or_text(en.enrolled_at, "unknown"));
        else
            printf("enrolled:        no, not enrolled (efterlev-agent enroll --collector URL "
                   "--token TOKEN)\n");
        if (seq > 0)
            printf("last report seq: %" PRIu64 "\n", seq);
        else
            printf("last report seq: none yet\n");
        printf("spooled:         %ld report(s), %lld bytes%s\n", spooled < 0 ? 0 : spooled, bytes,
               spooled > 0 ? " waiting for delivery" : "");
        if (last_run) {
            json_t *s = json_object_get(last_run, "summary");
            const char *derr = json_string_value(json_object_get(last_run, "delivery_error"));
            printf("last run:        %s, seq %lld, %lld pass, %lld fail, delivered %lld%s%s\n",
                   or_text(json_string_value(json_object_get(last_run, "finished_at")),
                           "at an unknown time"),
                   json_integer_value(json_object_get(last_run, "seq")),
                   json_integer_value(json_object_get(s, "pass")),
                   json_integer_value(json_object_get(s, "fail")),
                   json_integer_value(json_object_get(last_run, "delivered")),
                   derr && *derr ? "; " : "", derr && *derr ? derr : "");
            json_t *pol = json_object_get(last_run, "policy");
            const char *src = json_string_value(json_object_get(pol, "source"));
            const char *refused = json_string_value(json_object_get(pol, "refused"));
            if (src != NULL && strcmp(src, "collector") == 0)
                printf("policy:          the collector's, version %lld (sha256 %.16s...)\n",
                       json_integer_value(json_object_get(pol, "version")),
                       or_text(json_string_value(json_object_get(pol, "sha256")), "?"));
            else if (src != NULL)
                printf("policy:          local\n");
            if (refused != NULL)
                printf("policy refused:  %s\n", refused);
            json_t *cu = json_object_get(last_run, "caught_up");
            if (json_is_object(cu))
                printf("seq caught up:   from %lld to %lld at the last run (the collector held "
                       "later reports: state folder restored?)\n",
                       json_integer_value(json_object_get(cu, "from")),
                       json_integer_value(json_object_get(cu, "to")));
        } else {
            printf("last run:        never\n");
        }
    }
    json_decref(last_run);
    return enrolled == 1 ? EXIT_OK : EXIT_FAILED;
}
