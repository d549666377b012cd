/* SPDX-License-Identifier: EUPL-1.2 */
/* controls and trend: the per-control figures and the daily history on the command line
 * (the same documents as GET /api/v1/controls and /api/v1/trend). */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aggregate.h"
#include "commands.h"
#include "efterlev/log.h"
#include "efterlev/util.h"
#include "now.h"

static const char controls_help[] =
    "Usage: efterlev-collector controls [--department NAME] [--numbering 2022|2013]\n"
    "                                   [--format text|json] [--config FILE]\n"
    "\n"
    "Compliance per ISO/IEC 27002 control over the fresh hosts' latest results: a result\n"
    "counts once for every control its check lists. --numbering 2013 maps each 2022\n"
    "control to the 2013 controls it replaces. Lists the catalog's controls no check\n"
    "covers (they need other evidence: policies, routines, contracts).\n"
    "\n"
    "Examples:\n"
    "  efterlev-collector controls\n"
    "  efterlev-collector controls --department Äldreomsorgen --numbering 2013\n";

static const char trend_help[] =
    "Usage: efterlev-collector trend [--department NAME] [--control N] [--since DATE]\n"
    "                                [--until DATE] [--format text|json|csv]\n"
    "                                [--csv-dialect rfc4180|excel-sv] [--config FILE]\n"
    "\n"
    "The daily history: one point per UTC day, the state at 23:59:59 that day (written when\n"
    "the day is over). Without --department the departments are summed; with --control\n"
    "the figures of that ISO/IEC 27002:2022 control.\n"
    "\n"
    "Example:\n"
    "  efterlev-collector trend --department Socialförvaltningen --since 2026-07-01\n";

static void pct_of(json_t *o, char *out, size_t len)
{
    json_t *p = json_object_get(o, "compliance_pct");

    if (json_is_number(p))
        snprintf(out, len, "%.1f%%", json_number_value(p));
    else
        snprintf(out, len, "-");
}

static int64_t num(json_t *o, const char *k)
{
    return (int64_t)json_integer_value(json_object_get(o, k));
}

int cmd_controls(int argc, char **argv)
{
    static const struct option opts[] = {{"config", required_argument, NULL, 'c'},
                                         {"department", required_argument, NULL, 'd'},
                                         {"numbering", required_argument, NULL, 'n'},
                                         {"format", required_argument, NULL, 'f'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *config = NULL, *dept = NULL, *numbering = "2022", *format = "text";
    struct ef_coll_config cfg;
    struct ef_catalog cat;
    struct ef_store *store;
    char err[512], pct[16];
    json_t *j = NULL, *c;
    size_t i;
    int ch, rc;

    char deptbuf[EF_DEPT_NAME_MAX + 1];
    while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (ch) {
        case 'c':
            config = optarg;
            break;
        case 'd':
            if (ef_cli_dept(optarg, deptbuf) != EF_EXIT_OK)
                return EF_EXIT_USAGE;
            dept = deptbuf;
            break;
        case 'n':
            numbering = optarg;
            break;
        case 'f':
            format = optarg;
            break;
        case 'h':
            fputs(controls_help, stdout);
            return EF_EXIT_OK;
        default:
            return ef_usage_hint("controls");
        }
    }
    if (optind != argc || (strcmp(numbering, "2022") != 0 && strcmp(numbering, "2013") != 0) ||
        (strcmp(format, "text") != 0 && strcmp(format, "json") != 0)) {
        ef_error("expected [--numbering 2022|2013] [--format text|json]");
        return ef_usage_hint("controls");
    }
    if (ef_catalog_load_default(&cat, err, sizeof(err)) != 0)
        ef_warn("%s: control titles and coverage left out", err);
    if ((rc = ef_cmd_open(config, &cfg, &store)) != EF_EXIT_OK) {
        ef_catalog_free(&cat);
        return rc;
    }
    rc = ef_controls_json(store, &cat, dept, strcmp(numbering, "2013") == 0, cfg.stale_days,
                          ef_coll_now(), &j);
    if (rc != EF_OK) {
        if (rc == EF_NOTFOUND)
            ef_error("no department named \"%s\"", dept);
        else
            ef_error("%s", ef_store_why(store, rc));
        rc = EF_EXIT_FAIL;
    } else if (strcmp(format, "json") == 0) {
        rc = ef_cli_print_json(j);
        j = NULL;
    } else {
        printf("%-8s  %-6s  %6s  %6s  %6s  %8s  %-10s  %s\n", "CONTROL", "CHECKS", "PASS", "FAIL",
               "ACCEPT", "UNKNOWN", "COMPLIANCE", "TITLE");
        json_array_foreach(json_object_get(j, "controls"), i, c)
        {
            pct_of(c, pct, sizeof(pct));
            printf("%-8s  %6" PRId64 "  %6" PRId64 "  %6" PRId64 "  %6" PRId64 "  %8" PRId64
                   "  %-10s  %s\n",
                   json_string_value(json_object_get(c, "control")), num(c, "checks"),
                   num(c, "pass"), num(c, "fail"), num(c, "accepted"),
                   num(c, "unknown") + num(c, "error"), pct,
                   json_string_value(json_object_get(c, "title")) != NULL
                       ? json_string_value(json_object_get(c, "title"))
                       : "");
        }
        printf("\n%" PRId64 " of %" PRId64
               " controls have technical evidence; not covered by any check:\n",
               num(j, "covered_controls"), num(j, "catalog_controls"));
        json_array_foreach(json_object_get(j, "not_covered"), i, c)
            printf("%s%s", i ? ", " : "  ", json_string_value(json_object_get(c, "control")));
        printf("\n");
        rc = fflush(stdout) == 0 ? EF_EXIT_OK : EF_EXIT_FAIL;
    }
    json_decref(j);
    ef_catalog_free(&cat);
    ef_store_close(store);
    return rc;
}

static int day_arg(const char *v, char out[11])
{
    time_t t;

    if (ef_parse_date(v, &t) != 0)
        return -1;
    ef_day_text(ef_day_of(t), out);
    return 0;
}

int cmd_trend(int argc, char **argv)
{
    static const struct option opts[] = {{"config", required_argument, NULL, 'c'},
                                         {"department", required_argument, NULL, 'd'},
                                         {"control", required_argument, NULL, 'C'},
                                         {"since", required_argument, NULL, 's'},
                                         {"until", required_argument, NULL, 'u'},
                                         {"format", required_argument, NULL, 'f'},
                                         {"csv-dialect", required_argument, NULL, 'D'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *config = NULL, *dept = NULL, *control = NULL, *format = "text",
               *dialect = "rfc4180";
    const struct ef_csv_dialect *dl;
    char since[11] = "", until[11] = "", pct[16];
    struct ef_coll_config cfg;
    struct ef_store *store;
    json_t *j = NULL, *p;
    size_t i;
    int ch, rc;

    char deptbuf[EF_DEPT_NAME_MAX + 1];
    while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (ch) {
        case 'c':
            config = optarg;
            break;
        case 'd':
            if (ef_cli_dept(optarg, deptbuf) != EF_EXIT_OK)
                return EF_EXIT_USAGE;
            dept = deptbuf;
            break;
        case 'C':
            control = optarg;
            break;
        case 's':
        case 'u':
            if (day_arg(optarg, ch == 's' ? since : until) != 0) {
                ef_error("--since/--until must be YYYY-MM-DD");
                return EF_EXIT_USAGE;
            }
            break;
        case 'f':
            format = optarg;
            break;
        case 'D':
            dialect = optarg;
            break;
        case 'h':
            fputs(trend_help, stdout);
            return EF_EXIT_OK;
        default:
            return ef_usage_hint("trend");
        }
    }
    if (optind != argc) {
        ef_error("unexpected argument \"%s\"", argv[optind]);
        return ef_usage_hint("trend");
    }
    if ((dl = ef_cli_table_format(format, dialect)) == NULL)
        return ef_usage_hint("trend");
    if ((rc = ef_cmd_open(config, &cfg, &store)) != EF_EXIT_OK)
        return rc;
    rc = ef_trend_json(store, dept, control, since[0] ? since : NULL, until[0] ? until : NULL,
                       cfg.stale_days, ef_coll_now(), &j);
    if (rc != EF_OK) {
        if (rc == EF_NOTFOUND)
            ef_error("no department named \"%s\"", dept);
        else
            ef_error("%s", ef_store_why(store, rc));
        rc = EF_EXIT_FAIL;
    } else if (strcmp(format, "json") == 0) {
        rc = ef_cli_print_json(j);
        j = NULL;
    } else if (strcmp(format, "csv") == 0) {
        static const char *const head[] = {
            "day", "hosts",   "stale_hosts", "pass",     "fail",
            "na",  "unknown", "error",       "accepted", "compliance_pct"};
        static const char *const keys[] = {"hosts", "stale_hosts", "pass",  "fail",
                                           "na",    "unknown",     "error", "accepted"};
        size_t k;

        ef_csv_begin(dl, stdout);
        for (k = 0; k < EF_ARRAY_LEN(head); k++)
            ef_csv_str(dl, stdout, head[k], k + 1 == EF_ARRAY_LEN(head));
        json_array_foreach(json_object_get(j, "points"), i, p)
        {
            json_t *v = json_object_get(p, "compliance_pct");
            char *dot;

            ef_csv_str(dl, stdout, json_string_value(json_object_get(p, "day")), 0);
            for (k = 0; k < EF_ARRAY_LEN(keys); k++)
                ef_csv_int(dl, stdout, num(p, keys[k]), 0);
            pct[0] = '\0';
            if (json_is_number(v))
                snprintf(pct, sizeof(pct), "%.1f", json_number_value(v));
            if (dl->decimal_comma && (dot = strchr(pct, '.')) != NULL)
                *dot = ',';
            ef_csv_str(dl, stdout, pct, 1);
        }
        rc = fflush(stdout) == 0 ? EF_EXIT_OK : EF_EXIT_FAIL;
    } else {
        printf("%-10s  %6s  %6s  %7s  %7s  %7s  %s\n", "DAY", "HOSTS", "STALE", "PASS", "FAIL",
               "ACCEPT", "COMPLIANCE");
        json_array_foreach(json_object_get(j, "points"), i, p)
        {
            pct_of(p, pct, sizeof(pct));
            printf("%-10s  %6" PRId64 "  %6" PRId64 "  %7" PRId64 "  %7" PRId64 "  %7" PRId64
                   "  %s\n",
                   json_string_value(json_object_get(p, "day")), num(p, "hosts"),
                   num(p, "stale_hosts"), num(p, "pass"), num(p, "fail"), num(p, "accepted"), pct);
        }
        if (json_array_size(json_object_get(j, "points")) == 0)
            printf("No daily snapshots yet: the first is written when a day is over.\n");
        rc = fflush(stdout) == 0 ? EF_EXIT_OK : EF_EXIT_FAIL;
    }
    json_decref(j);
    ef_store_close(store);
    return rc;
}
