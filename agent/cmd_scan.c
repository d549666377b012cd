/* SPDX-License-Identifier: EUPL-1.2 */
/* efterlev-agent scan: run the checks and print the results; nothing is sent. */
#include "agent.h"
#include "agent_state.h"
#include "common_opts.h"
#include "output.h"
#include "report_build.h"

#include "efterlev/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: efterlev-agent scan [--root DIR | --registry FILE.reg [--recording FILE.json]]\n"
    "                           [--policy PATH]... [--level LEVEL]\n"
    "                           [--format text|json] [--skip|--only CHECK]...\n"
    "                           [--state-dir DIR] [--config FILE]\n"
    "\n"
    "Runs every check the protection level requires and prints the results: a table on a\n"
    "terminal, otherwise the JSON report document (the one `run` signs and uploads, with an\n"
    "empty agent_id and seq 0). Nothing is sent, nothing is spooled.\n"
    "\n"
    "  --root DIR         judge the system under DIR instead of / (a mounted image, a\n"
    "                     test fixture); command rules then report unknown\n"
    "  --registry FILE    judge the Windows machine whose registry FILE records (a .reg\n"
    "                     export: reg export HKLM FILE.reg); on Windows the live registry\n"
    "                     is read without it. The default policy is then the Windows one\n"
    "                     (/usr/share/efterlev/policies-windows)\n"
    "  --recording FILE   with --registry: the same machine's WMI classes and API results,\n"
    "                     as efterlev-agent record writes them on Windows; without it the\n"
    "                     checks that need them are unknown\n"
    "  --policy PATH      a policy file or a directory of *.yml (repeatable); default: the\n"
    "                     configuration's policies, else the installed default policy\n"
    "                     (/usr/share/efterlev/policies)\n"
    "  --level LEVEL      basic, elevated or high, every check at it; default: the levels\n"
    "                     per aspect the collector last gave (status), else basic\n"
    "  --format FORMAT    text or json (default: text on a terminal, json otherwise)\n"
    "  --skip CHECK       leave this check out (repeatable), e.g. fs.world_writable, the\n"
    "                     one check that walks the whole file system\n"
    "  --only CHECK       run only this check (repeatable)\n"
    "\n"
    "exit status: 0 every check passed or was not applicable, 1 some check failed or was\n"
    "in error, 2 usage, configuration or policy error.\n"
    "\n"
    "example: efterlev-agent scan --level elevated --format text\n";

int cmd_scan(struct agent_ctx *ctx, int argc, char **argv)
{
    static const struct option opts[] = {{"root", required_argument, NULL, 'r'},
                                         {"registry", required_argument, NULL, 'R'},
                                         {"recording", required_argument, NULL, 'W'},
                                         {"policy", required_argument, NULL, 'p'},
                                         {"level", required_argument, NULL, 'l'},
                                         {"format", required_argument, NULL, 'f'},
                                         {"skip", required_argument, NULL, 's'},
                                         {"only", required_argument, NULL, 'o'},
                                         COMMON_LONG_OPTS};
    const char *root = "/";
    const char *skip[EF_RESULTS_MAX + 1], *only[EF_RESULTS_MAX + 1];
    size_t nskip = 0, nonly = 0;
    char *policies[EF_CFG_MAX_POLICIES];
    int npolicies = 0, level_set = 0, root_set = 0, c;
    ef_level level = EF_LEVEL_BASIC;
    enum out_format fmt = OUT_AUTO;

    while ((c = getopt_long(argc, argv, "r:R:W:p:l:f:s:o:vh", opts, NULL)) != -1) {
        int handled = common_opt(ctx, c, optarg);
        if (handled < 0)
            return EXIT_USAGE;
        if (handled)
            continue;
        switch (c) {
        case 'r':
            root = optarg;
            root_set = 1;
            break;
        case 'R':
            ctx->registry_file = optarg;
            break;
        case 'W':
            ctx->recording_file = optarg;
            break;
        case 'p':
            if (npolicies == EF_CFG_MAX_POLICIES) {
                ef_error("at most %d --policy options", EF_CFG_MAX_POLICIES);
                return EXIT_USAGE;
            }
            policies[npolicies++] = optarg;
            break;
        case 'l':
            if (ef_level_parse(optarg, &level) != 0) {
                ef_error("--level: \"%s\" is not basic, elevated or high", optarg);
                return EXIT_USAGE;
            }
            level_set = 1;
            break;
        case 'f':
            if (output_format_parse(optarg, &fmt) != 0) {
                ef_error("--format: \"%s\" is not text or json", optarg);
                return EXIT_USAGE;
            }
            break;
        case 's':
            if (nskip == EF_RESULTS_MAX) {
                ef_error("too many --skip options");
                return EXIT_USAGE;
            }
            skip[nskip++] = optarg;
            break;
        case 'o':
            if (nonly == EF_RESULTS_MAX) {
                ef_error("too many --only options");
                return EXIT_USAGE;
            }
            only[nonly++] = optarg;
            break;
        case 'h':
            fputs(usage, stdout);
            return EXIT_OK;
        default:
            fputs(usage, stderr);
            return EXIT_USAGE;
        }
    }
    skip[nskip] = NULL;
    if (ctx->registry_file != NULL && root_set) {
        ef_error("--registry and --root: a scan judges one system, Windows or Linux");
        return EXIT_USAGE;
    }
    if (ctx->recording_file != NULL && ctx->registry_file == NULL) {
        ef_error("--recording needs --registry: a recorded Windows machine is judged from its "
                 "registry and its recording together");
        return EXIT_USAGE;
    }
    if (optind != argc) {
        ef_error("unexpected argument \"%s\"", argv[optind]);
        return EXIT_USAGE;
    }
    if (common_load_config(ctx) != 0)
        return EXIT_USAGE;

    struct enrollment en;
    char err[512];
    int enrolled = state_load_enrollment(ctx->state_dir, &en, err, sizeof(err));
    ef_level levels[EF_ASPECTS];
    if (!level_set && enrolled == 1) {
        level = en.level; /* and per aspect, as the collector said */
        memcpy(levels, en.levels, sizeof(levels));
    } else {
        ef_levels_fill(levels, level);
    }

    struct ef_policy_set ps;
    if (agent_load_policies(ctx, policies, npolicies, &ps) != 0)
        return EXIT_USAGE;
    struct ef_report r;
    for (size_t i = 0; i < nskip + nonly; i++) {
        const char *id = i < nskip ? skip[i] : only[i - nskip];
        if (ef_policy_find(&ps, id) == NULL) {
            ef_error("--%s %s: no such check in the policy", i < nskip ? "skip" : "only", id);
            ef_policy_free(&ps);
            return EXIT_USAGE;
        }
    }
    /* --only: skip every check not named. */
    for (size_t i = 0; nonly > 0 && i < ps.nchecks && nskip < EF_RESULTS_MAX; i++) {
        size_t k = 0;
        while (k < nonly && strcmp(only[k], ps.checks[i].id) != 0)
            k++;
        if (k == nonly)
            skip[nskip++] = ps.checks[i].id;
    }
    skip[nskip] = NULL;
    if (agent_build_report(ctx, &ps, root, levels, skip, 0, &r) != 0) {
        ef_policy_free(&ps);
        return EXIT_USAGE;
    }
    if (enrolled == 1)
        strlcpy(r.agent_id, en.agent_id, sizeof(r.agent_id));

    int rc = EXIT_OK;
    if (output_resolve(fmt, stdout) == OUT_TEXT) {
        output_scan_text(stdout, &r, level);
    } else {
        size_t len;
        char *json = ef_report_serialize(&r, &len);
        if (json == NULL) {
            ef_error("out of memory");
            rc = EXIT_USAGE;
        } else {
            fwrite(json, 1, len, stdout);
            fputc('\n', stdout);
            free(json);
        }
    }
    size_t counts[EF_STATUS_COUNT];
    ef_report_counts(&r, counts);
    if (rc == EXIT_OK && (counts[EF_FAIL] > 0 || counts[EF_ERROR] > 0))
        rc = EXIT_FAILED;
    ef_report_free(&r);
    ef_policy_free(&ps);
    return rc;
}
