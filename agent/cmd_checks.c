/* SPDX-License-Identifier: EUPL-1.2 */
/* efterlev-agent checks: list the policy's checks. */
#include "agent.h"
#include "common_opts.h"
#include "output.h"

#include "efterlev/log.h"
#include "efterlev/policy.h"

#include <stdio.h>

static const char usage[] =
    "usage: efterlev-agent checks [--policy PATH]... [--format text|json]\n"
    "\n"
    "Lists every check of the policy: id, the lowest protection level that requires it,\n"
    "severity, ISO/IEC 27002:2022 controls and title. JSON adds description and\n"
    "remediation.\n";

int cmd_checks(struct agent_ctx *ctx, int argc, char **argv)
{
    static const struct option opts[] = {{"policy", required_argument, NULL, 'p'},
                                         {"format", required_argument, NULL, 'f'},
                                         COMMON_LONG_OPTS};
    char *policies[EF_CFG_MAX_POLICIES];
    int npolicies = 0, c;
    enum out_format fmt = OUT_AUTO;
    while ((c = getopt_long(argc, argv, "p:f:vh", opts, NULL)) != -1) {
        int handled = common_opt(ctx, c, optarg);
        if (handled < 0)
            return EXIT_USAGE;
        if (handled)
            continue;
        if (c == 'p' && npolicies < EF_CFG_MAX_POLICIES) {
            policies[npolicies++] = optarg;
        } else if (c == 'f') {
            if (output_format_parse(optarg, &fmt) != 0) {
                ef_error("--format: \"%s\" is not text or json", optarg);
                return EXIT_USAGE;
            }
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
    struct ef_policy_set ps;
    if (agent_load_policies(ctx, policies, npolicies, &ps) != 0)
        return EXIT_USAGE;
    int rc = EXIT_OK;
    if (output_resolve(fmt, stdout) == OUT_TEXT)
        output_checks_text(stdout, &ps);
    else if (output_checks_json(stdout, &ps) != 0)
        rc = EXIT_USAGE;
    ef_policy_free(&ps);
    return rc;
}
