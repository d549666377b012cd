/* SPDX-License-Identifier: EUPL-1.2 */
/* efterlev-agent checks: list the policy's checks, or (--facts) the facts a policy's
 * `fact:` rules can name. */
#include "agent.h"
#include "common_opts.h"
#include "facts.h"
#include "output.h"

#include "efterlev/log.h"
#include "efterlev/policy.h"

#include <jansson.h>
#include <stdio.h>

static const char usage[] =
    "usage: efterlev-agent checks [--policy PATH]... [--format text|json]\n"
    "       efterlev-agent checks --facts [--format text|json]\n"
    "\n"
    "Lists every check of the policy: id, the lowest protection level that requires it,\n"
    "severity, ISO/IEC 27002:2022 controls and title. JSON adds description and\n"
    "remediation.\n"
    "--facts lists instead every fact a `fact:` rule can test, with its type (bool, int,\n"
    "text) and the systems whose scans provide it (linux, windows);\n"
    "docs/policy-format.md says what each one means. Nothing is probed.\n";

static const char *fact_type_name(int t)
{
    return t == EF_FACT_BOOL ? "bool" : t == EF_FACT_INT ? "int" : "text";
}

/* The fact tables (agent/probes/facts_linux.c, facts_windows.c), in their order. */
static int list_facts(enum out_format fmt)
{
    const char *const *names = ef_fact_names();
    json_t *doc, *arr;
    size_t i;
    int rc = EXIT_USAGE;

    if (output_resolve(fmt, stdout) == OUT_TEXT) {
        for (i = 0; names[i] != NULL; i++)
            printf("%-48s %-5s %s\n", names[i], fact_type_name(ef_fact_type_of(names[i])),
                   ef_fact_platforms(names[i]));
        return fflush(stdout) == 0 ? EXIT_OK : EXIT_USAGE;
    }
    doc = json_pack("{s:[]}", "facts");
    arr = json_object_get(doc, "facts");
    for (i = 0; doc != NULL && names[i] != NULL; i++)
        if (json_array_append_new(arr, json_pack("{s:s, s:s, s:s}", "name", names[i], "type",
                                                 fact_type_name(ef_fact_type_of(names[i])),
                                                 "platforms", ef_fact_platforms(names[i]))) != 0)
            goto out;
    if (doc != NULL && json_dumpf(doc, stdout, JSON_INDENT(2)) == 0 && putchar('\n') != EOF &&
        fflush(stdout) == 0)
        rc = EXIT_OK;
out:
    json_decref(doc);
    return rc;
}

int cmd_checks(struct agent_ctx *ctx, int argc, char **argv)
{
    static const struct option opts[] = {{"policy", required_argument, NULL, 'p'},
                                         {"format", required_argument, NULL, 'f'},
                                         {"facts", no_argument, NULL, 'F'},
                                         COMMON_LONG_OPTS};
    char *policies[EF_CFG_MAX_POLICIES];
    int npolicies = 0, c, facts = 0;
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
        } else if (c == 'F') {
            facts = 1;
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
    if (facts) {
        if (npolicies > 0) {
            ef_error("--facts lists the agent's facts, not a policy's: drop --policy");
            return EXIT_USAGE;
        }
        return list_facts(fmt);
    }
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
