/* SPDX-License-Identifier: EUPL-1.2 */
/* efterlev-collector: receives signed reports from agents, stores them, summarises them. */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "commands.h"
#include "efterlev/log.h"

static const char usage[] =
    "Usage: efterlev-collector COMMAND [OPTIONS]\n"
    "\n"
    "Receives signed compliance reports from efterlev agents over HTTPS, stores them and\n"
    "summarises them per department and host.\n"
    "\n"
    "Commands:\n"
    "  init [--dir DIR] [--hostname NAME]...   create config, database and TLS certificates\n"
    "  serve [--config FILE] [--listen ADDR:PORT] [--ready-file FILE]\n"
    "                                          run the HTTPS API\n"
    "  department add NAME --level LEVEL       add a department, print its enrollment token\n"
    "  department list [--format text|json]    list departments\n"
    "  agent move HOST --department NAME       move an enrolled machine to another department\n"
    "  agent reset HOST                        let a reinstalled machine enroll with a new key\n"
    "  token add NAME --role ROLE              print a bearer token for the read API\n"
    "  user add NAME --role ROLE [--password-file FILE]\n"
    "  user passwd NAME | user delete NAME | user list\n"
    "                                          people who log in to the dashboard\n"
    "  summary [--department NAME] [--format text|json|csv] [--hosts all|stale|none]\n"
    "                                          compliance per department and host\n"
    "  controls [--department NAME] [--numbering 2022|2013]\n"
    "                                          compliance per ISO/IEC 27002 control\n"
    "  trend [--department NAME] [--control N] [--since DATE] [--until DATE]\n"
    "                                          the daily history\n"
    "  accept CHECK --department NAME [--host HOST] --until DATE --reason TEXT --by NAME\n"
    "  accept list [--all] | accept revoke ID --by NAME\n"
    "                                          risk acceptances (riskacceptans)\n"
    "  deviation list [--overdue|--all] | deviation assign ID --owner NAME --action TEXT\n"
    "  deviation close ID --reason TEXT        deviations (avvikelser) and their actions\n"
    "  system add NAME --owner NAME --info-owner NAME --k N --r N --t N [--department NAME]\n"
    "  system assign NAME HOST... | system list | system show NAME\n"
    "                                          systems, their owners and K/R/T classes\n"
    "  alerts list [--pending|--failed] | alerts test\n"
    "                                          alerts by webhook and e-mail (collector.yml)\n"
    "  inventory import FILE [--column FIELD=HEADER]...\n"
    "                                          replace the municipality's device list\n"
    "  coverage [--department NAME] [--format text|json|csv]\n"
    "                                          how much of the device list reports\n"
    "  policy add|list|show|assign|disable-check ...\n"
    "                                          the policies served to each department\n"
    "  export --format csv|json|bundle [--department NAME] [--since DATE] [--until DATE]\n"
    "         [--csv-dialect rfc4180|excel-sv] [--output FILE]\n"
    "                                          evidence for internal control\n"
    "  verify-export FILE [--collector-key KEY] re-verify an export offline\n"
    "  export-key [--format text|pem|json]     the export key, to pin for verify-export\n"
    "  report --period 2026H2 [--lang sv|en] [--output FILE]\n"
    "                                          the board report (HTML)\n"
    "  migrate --from sqlite:PATH --to postgresql://...\n"
    "                                          move the data into PostgreSQL\n"
    "  audit [--since DATE] [--format text|json]\n"
    "                                          who did what, when\n"
    "\n"
    "Every command but init and verify-export reads the configuration from --config FILE, else\n"
    "$EFTERLEV_COLLECTOR_CONFIG, else " EF_COLLECTOR_CONFIG_DEFAULT ".\n"
    "Run 'efterlev-collector COMMAND --help' for a command's options and examples.\n"
    "\n"
    "Exit status: 0 success, 1 failure, 2 usage or configuration error.\n";

int cmd_migrate(int argc, char **argv); /* cmd_migrate.c */

int main(int argc, char **argv)
{
    static const struct {
        const char *name;
        int (*fn)(int, char **);
    } cmds[] = {
        {"init", cmd_init},     {"serve", cmd_serve},         {"department", cmd_department},
        {"token", cmd_token},   {"summary", cmd_summary},     {"accept", cmd_accept},
        {"audit", cmd_audit},   {"export", cmd_export},       {"verify-export", cmd_verify_export},
        {"report", cmd_report}, {"controls", cmd_controls},   {"trend", cmd_trend},
        {"user", cmd_user},     {"migrate", cmd_migrate},     {"export-key", cmd_export_key},
        {"agent", cmd_agent},   {"inventory", cmd_inventory}, {"coverage", cmd_coverage},
        {"policy", cmd_policy}, {"deviation", cmd_deviation}, {"system", cmd_system},
        {"alerts", cmd_alerts},
    };
    size_t i;

    ef_log_init("efterlev-collector");
    umask(027);
    if (argc < 2) {
        fputs(usage, stderr);
        return EF_EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        fputs(usage, stdout);
        return EF_EXIT_OK;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("efterlev-collector %s\n", EFTERLEV_VERSION);
        return EF_EXIT_OK;
    }
    for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
        if (strcmp(argv[1], cmds[i].name) == 0)
            return cmds[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "efterlev-collector: unknown command \"%s\"\n", argv[1]);
    fputs("Run 'efterlev-collector --help' for the list of commands.\n", stderr);
    return EF_EXIT_USAGE;
}
