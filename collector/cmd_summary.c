/* SPDX-License-Identifier: EUPL-1.2 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "aggregate.h"
#include "commands.h"
#include "efterlev/log.h"
#include "now.h"

static const char help[] =
    "Usage: efterlev-collector summary [--department NAME] [--format text|json|csv]\n"
    "                                  [--hosts all|stale|none]\n"
    "                                  [--csv-dialect rfc4180|excel-sv] [--config FILE]\n"
    "\n"
    "Compliance per department and per host over each agent's latest report. Compliance\n"
    "is pass / (pass + fail); agents silent for longer than stale_days are listed as\n"
    "stale and left out of their department's counts. Failures covered by a risk\n"
    "acceptance count as accepted, neither pass nor fail. --hosts stale lists only the\n"
    "stale hosts, --hosts none no hosts (large fleets). See docs/figures.md.\n"
    "\n"
    "Examples:\n"
    "  efterlev-collector summary\n"
    "  efterlev-collector summary --department Socialförvaltningen --format csv > soc.csv\n";

int cmd_summary(int argc, char **argv)
{
    static const struct option opts[] = {{"config", required_argument, NULL, 'c'},
                                         {"department", required_argument, NULL, 'd'},
                                         {"format", required_argument, NULL, 'f'},
                                         {"hosts", required_argument, NULL, 'H'},
                                         {"csv-dialect", required_argument, NULL, 'D'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *config = NULL, *dept = NULL, *format = "text", *hosts = "all", *dialect = "rfc4180";
    const struct ef_csv_dialect *dl;
    enum ef_hosts_mode mode;
    struct ef_coll_config cfg;
    struct ef_store *store;
    struct ef_summary sum;
    int c, rc;

    char deptbuf[EF_DEPT_NAME_MAX + 1];
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            config = optarg;
            break;
        case 'd':
            if (ef_cli_dept(optarg, deptbuf) != EF_EXIT_OK)
                return EF_EXIT_USAGE;
            dept = deptbuf;
            break;
        case 'f':
            format = optarg;
            break;
        case 'H':
            hosts = optarg;
            break;
        case 'D':
            dialect = optarg;
            break;
        case 'h':
            fputs(help, stdout);
            return EF_EXIT_OK;
        default:
            return ef_usage_hint("summary");
        }
    }
    if (optind != argc) {
        ef_error("unexpected argument \"%s\"", argv[optind]);
        return ef_usage_hint("summary");
    }
    if (strcmp(format, "text") != 0 && strcmp(format, "json") != 0 && strcmp(format, "csv") != 0) {
        ef_error("--format must be text, json or csv");
        return EF_EXIT_USAGE;
    }
    if ((dl = ef_csv_dialect_parse(dialect)) == NULL) {
        ef_error("--csv-dialect must be rfc4180 or excel-sv");
        return EF_EXIT_USAGE;
    }
    if (strcmp(hosts, "all") == 0)
        mode = EF_HOSTS_ALL;
    else if (strcmp(hosts, "stale") == 0)
        mode = EF_HOSTS_STALE;
    else if (strcmp(hosts, "none") == 0)
        mode = EF_HOSTS_NONE;
    else {
        ef_error("--hosts must be all, stale or none");
        return EF_EXIT_USAGE;
    }
    if ((rc = ef_cmd_open(config, &cfg, &store)) != EF_EXIT_OK)
        return rc;
    rc = ef_summary_build_mode(store, dept, cfg.stale_days, ef_coll_now(), mode, &sum);
    if (rc == EF_NOTFOUND) {
        ef_error("no department named \"%s\"", dept);
        ef_store_close(store);
        return EF_EXIT_FAIL;
    }
    if (rc != EF_OK) {
        ef_error("%s", ef_store_why(store, rc));
        ef_store_close(store);
        return EF_EXIT_FAIL;
    }
    rc = EF_EXIT_OK;
    if (strcmp(format, "json") == 0) {
        json_t *j = ef_summary_json(&sum);

        if (j == NULL || json_dumpf(j, stdout, JSON_INDENT(2) | JSON_REAL_PRECISION(10)) != 0)
            rc = EF_EXIT_FAIL;
        else
            putchar('\n');
        json_decref(j);
    } else if (strcmp(format, "csv") == 0) {
        rc = ef_summary_csv(&sum, dl, stdout) == 0 ? EF_EXIT_OK : EF_EXIT_FAIL;
    } else {
        rc = ef_summary_text(&sum, stdout) == 0 ? EF_EXIT_OK : EF_EXIT_FAIL;
    }
    if (fflush(stdout) != 0)
        rc = EF_EXIT_FAIL;
    if (rc != EF_EXIT_OK)
        ef_error("cannot write the summary");
    ef_summary_free(&sum);
    ef_store_close(store);
    return rc;
}
