/* SPDX-License-Identifier: EUPL-1.2 */
/* efterlev-agent: runs the compliance checks on this machine and reports them, signed, to
 * the collector. See `efterlev-agent --help` and docs/. */
#include "agent.h"

#include "efterlev/log.h"

#include "curl_api.h"
#include "platform/commands.h"
#include "platform/paths.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: efterlev-agent COMMAND [OPTIONS]\n"
    "\n"
    "Runs technical compliance checks (each mapped to ISO/IEC 27002:2022 controls) on this\n"
    "machine and reports them, signed with this machine's Ed25519 key, to an efterlev\n"
    "collector over HTTPS.\n"
    "\n"
    "commands:\n"
    "  scan      run the checks locally and print the results (nothing is sent)\n"
    "  checks    list the checks of the policy with their controls, level and severity\n"
    "  enroll    enroll this machine with a collector using a department's token\n"
    "  run       scan, sign, spool and upload (what the systemd timer runs)\n"
    "  status    show enrollment, the last run and the spooled reports\n"
    "  record    Windows: record this machine's WMI and API answers for scan --recording\n"
    "%s"
    "\n"
    "options every command takes:\n"
    "  --state-dir DIR   agent state: key, enrollment, seq, spool (env EFTERLEV_STATE_DIR,\n"
    "                    default %s)\n"
    "  --config FILE     configuration (env EFTERLEV_CONFIG, default %s)\n"
    "  -v, --verbose     say more\n"
    "  -h, --help        help for the command\n"
    "\n"
    "exit status: 0 success (scan: every applicable check passed), 1 scan: some check failed\n"
    "or was in error / run: reports remain spooled for later delivery / status: not enrolled,\n"
    "2 usage, configuration or policy error, 3 run, enroll: the state directory cannot be\n"
    "written (run as root, or with --state-dir DIR you can write).\n"
    "\n"
    "Run 'efterlev-agent COMMAND --help' for a command's options.\n";

int agent_main(int argc, char **argv)
{
    ef_log_init("efterlev-agent");
    if (argc < 2) {
        fprintf(stderr, usage, agent_platform_usage, agent_default_state_dir(),
                agent_default_config());
        return EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "help") == 0) {
        printf(usage, agent_platform_usage, agent_default_state_dir(), agent_default_config());
        return EXIT_OK;
    }
    if (strcmp(cmd, "--version") == 0) {
        printf("efterlev-agent %s\n", EFTERLEV_VERSION);
        return EXIT_OK;
    }

    static const struct agent_command cmds[] = {{"scan", cmd_scan},     {"checks", cmd_checks},
                                                {"enroll", cmd_enroll}, {"run", cmd_run},
                                                {"status", cmd_status}, {"record", cmd_record}};

    struct agent_ctx ctx;
    memset(&ctx, 0, sizeof(ctx));
    agent_config_defaults(&ctx.cfg);
    const char *env = getenv("EFTERLEV_STATE_DIR");
    strlcpy(ctx.state_dir, env && *env ? env : agent_default_state_dir(), sizeof(ctx.state_dir));
    env = getenv("EFTERLEV_CONFIG");
    strlcpy(ctx.config_path, env && *env ? env : agent_default_config(), sizeof(ctx.config_path));
    if (env && *env)
        ctx.config_named_by = "EFTERLEV_CONFIG";

    /* The commands of every system, then those of this one (agent/platform/commands.h). */
    const struct agent_command *found = NULL;
    for (size_t i = 0; found == NULL && i < sizeof(cmds) / sizeof(cmds[0]); i++)
        if (strcmp(cmd, cmds[i].name) == 0)
            found = &cmds[i];
    for (size_t i = 0; found == NULL && i < agent_platform_ncommands; i++)
        if (strcmp(cmd, agent_platform_commands[i].name) == 0)
            found = &agent_platform_commands[i];
    if (found != NULL) {
        /* Each command parses argv[1..]: argv[0] of its getopt is the command name. */
        int rc = found->fn(&ctx, argc - 1, argv + 1);
        agent_config_free(&ctx.cfg);
        curl_api_unload();
        return rc;
    }
    ef_error("unknown command \"%s\"; see 'efterlev-agent --help'", cmd);
    return EXIT_USAGE;
}
