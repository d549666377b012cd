/* SPDX-License-Identifier: EUPL-1.2 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "audit.h"
#include "check_catalog.h"
#include "commands.h"
#include "controls.h"
#include "efterlev/log.h"
#include "now.h"
#include "report_html.h"

static const char help[] =
    "Usage: efterlev-collector report --period PERIOD [--lang sv|en] [--output FILE]\n"
    "                                 [--config FILE]\n"
    "\n"
    "The board report (uppföljning till kommunstyrelsen): one self-contained,\n"
    "print-friendly HTML file with compliance per department and its trend over the\n"
    "period (inline SVG), the weakest ISO/IEC 27002 controls, the risk acceptances in force,\n"
    "the stale computers and the method. PERIOD is 2026 (a year), 2026H2 (a half year),\n"
    "2026Q3 (a quarter) or 2026-11 (a month). Swedish by default. Recorded in the audit log.\n"
    "\n"
    "Example:\n"
    "  efterlev-collector report --period 2026H2 --output uppfoljning-2026H2.html\n";

int cmd_report(int argc, char **argv)
{
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'}, {"period", required_argument, NULL, 'p'},
        {"lang", required_argument, NULL, 'l'},   {"output", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0}};
    const char *config = NULL, *period = NULL, *lang = "sv", *output = NULL;
    char err[512], actor[EF_ACTOR_MAX + 1], tmp[4200];
    struct ef_coll_config cfg;
    struct ef_catalog cat;
    struct ef_check_catalogs checks = {0};
    struct ef_store *store;
    int64_t first, last;
    FILE *out = stdout;
    time_t now = ef_coll_now();
    int c, rc;

    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            config = optarg;
            break;
        case 'p':
            period = optarg;
            break;
        case 'l':
            lang = optarg;
            break;
        case 'o':
            output = optarg;
            break;
        case 'h':
            fputs(help, stdout);
            return EF_EXIT_OK;
        default:
            return ef_usage_hint("report");
        }
    }
    if (optind != argc || period == NULL || ef_period_parse(period, &first, &last) != 0) {
        ef_error("--period must be YYYY, YYYYH1, YYYYH2, YYYYQ1..YYYYQ4 or YYYY-MM");
        return ef_usage_hint("report");
    }
    if (strcmp(lang, "sv") != 0 && strcmp(lang, "en") != 0) {
        ef_error("--lang must be sv or en");
        return EF_EXIT_USAGE;
    }
    if (ef_catalog_load_default(&cat, err, sizeof(err)) != 0)
        ef_warn("%s: control titles and coverage left out", err);
    if ((rc = ef_cmd_open(config, &cfg, &store)) != EF_EXIT_OK) {
        ef_catalog_free(&cat);
        return rc;
    }
    /* The checks' titles come from the catalogs serve counts against; without them the
     * report names checks by id. */
    {
        int win_absent = 0;

        if (ef_check_catalogs_load(&checks, cfg.policies, cfg.policies_windows, &win_absent, err,
                                   sizeof(err)) != 0)
            ef_warn("policies: %s: checks are named by their ids", err);
    }
    if (output != NULL) {
        snprintf(tmp, sizeof(tmp), "%s.partial", output);
        if ((out = fopen(tmp, "wx")) == NULL) {
            ef_error("cannot create %s: %s", tmp, strerror(errno));
            rc = EF_EXIT_FAIL;
            goto done;
        }
    }
    rc = ef_board_report(store, &cat, &checks, period, lang, cfg.stale_days, now, out);
    if (rc != EF_OK)
        ef_error("report: %s", ef_store_why(store, rc));
    rc = rc == EF_OK ? EF_EXIT_OK : EF_EXIT_FAIL;
    if (output != NULL) {
        if (fclose(out) != 0)
            rc = EF_EXIT_FAIL;
        if (rc == EF_EXIT_OK && rename(tmp, output) != 0) {
            ef_error("cannot rename %s: %s", tmp, strerror(errno));
            rc = EF_EXIT_FAIL;
        }
        if (rc != EF_EXIT_OK)
            unlink(tmp);
    } else if (fflush(stdout) != 0) {
        rc = EF_EXIT_FAIL;
    }
    if (rc == EF_EXIT_OK) {
        ef_cli_actor(actor, sizeof(actor));
        if (ef_audit(store, now, actor, "report",
                     json_pack("{s:s, s:s, s:o}", "period", period, "lang", lang, "output",
                               output ? json_string(output) : json_null())) != EF_OK) {
            ef_error("audit log: %s", store->err);
            rc = EF_EXIT_FAIL;
        }
    }
done:
    ef_check_catalogs_free(&checks);
    ef_catalog_free(&cat);
    ef_store_close(store);
    return rc;
}
