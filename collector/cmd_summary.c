#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "aggregate.h"
#include "commands.h"
#include "efterlev/log.h"

static const char help[] =
    "Usage: efterlev-collector summary [--department NAME] [--format text|json|csv]\n"
    "                                  [--config FILE]\n"
    "\n"
    "Compliance per department and per host over each agent's latest report. Compliance\n"
    "is pass / (pass + fail); agents silent for longer than stale_days are listed as\n"
    "stale and left out of their department's counts.\n"
    "\n"
    "Examples:\n"
    "  efterlev-collector summary\n"
    "  efterlev-collector summary --department Socialförvaltningen --format csv > soc.csv\n";

int cmd_summary(int argc, char **argv)
{
    static const struct option opts[] = {{"config", required_argument, NULL, 'c'},
                                         {"department", required_argument, NULL, 'd'},
                                         {"format", required_argument, NULL, 'f'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *config = NULL, *dept = NULL, *format = "text";
    struct ef_coll_config cfg;
    struct ef_store *store;
    struct ef_summary sum;
    int c, rc;

    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            config = optarg;
            break;
        case 'd':
            dept = optarg;
            break;
        case 'f':
            format = optarg;
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
    if ((rc = ef_cmd_open(config, &cfg, &store)) != EF_EXIT_OK)
        return rc;
    rc = ef_summary_build(store, dept, cfg.stale_days, time(NULL), &sum);
    if (rc == EF_STORE_NOTFOUND) {
        ef_error("no department named \"%s\"", dept);
        ef_store_close(store);
        return EF_EXIT_FAIL;
    }
    if (rc != EF_STORE_OK) {
        ef_error("%s", store->err);
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
        rc = ef_summary_csv(&sum, stdout) == 0 ? EF_EXIT_OK : EF_EXIT_FAIL;
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
