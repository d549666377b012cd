/* SPDX-License-Identifier: EUPL-1.2 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "commands.h"
#include "efterlev/log.h"
#include "now.h"
#include "text_safe.h"

static const char help[] =
    "Usage: efterlev-collector audit [--since DATE] [--format text|json] [--config FILE]\n"
    "\n"
    "The audit log: who did what, when. Every export, board report, risk acceptance\n"
    "(and its revocation or expiry) and administrative change (department add, token add)\n"
    "is recorded. DATE is YYYY-MM-DD or an RFC 3339 time.\n"
    "\n"
    "Examples:\n"
    "  efterlev-collector audit --since 2026-07-01\n"
    "  efterlev-collector audit --format json > audit.json\n";

int cmd_audit(int argc, char **argv)
{
    static const struct option opts[] = {{"config", required_argument, NULL, 'c'},
                                         {"since", required_argument, NULL, 's'},
                                         {"format", required_argument, NULL, 'f'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *config = NULL, *since_s = NULL, *format = "text";
    struct ef_coll_config cfg;
    struct ef_store *store;
    struct ef_audit_row *rows = NULL;
    size_t n = 0, i;
    time_t since = 0;
    int c, rc;

    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            config = optarg;
            break;
        case 's':
            since_s = optarg;
            break;
        case 'f':
            format = optarg;
            break;
        case 'h':
            fputs(help, stdout);
            return EF_EXIT_OK;
        default:
            return ef_usage_hint("audit");
        }
    }
    if (optind != argc) {
        ef_error("unexpected argument \"%s\"", argv[optind]);
        return ef_usage_hint("audit");
    }
    if (ef_cli_json_format(format) < 0)
        return EF_EXIT_USAGE;
    if (since_s != NULL && ef_parse_date(since_s, &since) != 0) {
        ef_error("--since must be YYYY-MM-DD or an RFC 3339 time");
        return EF_EXIT_USAGE;
    }
    if ((rc = ef_cmd_open(config, &cfg, &store)) != EF_EXIT_OK)
        return rc;
    /* Expiries due by now are logged before the log is read. */
    if (store->ops->sweep(store, ef_coll_now(), cfg.stale_days) != EF_OK ||
        store->ops->audit_list(store, since, &rows, &n) != EF_OK) {
        ef_error("%s", store->err);
        ef_store_close(store);
        return EF_EXIT_FAIL;
    }
    rc = EF_EXIT_OK;
    if (strcmp(format, "json") == 0) {
        json_t *arr = json_array();

        for (i = 0; arr != NULL && i < n; i++) {
            json_t *d = json_loads(rows[i].details, 0, NULL);

            if (json_array_append_new(
                    arr, json_pack("{s:I, s:s, s:s, s:s, s:o}", "id", (json_int_t)rows[i].id, "at",
                                   rows[i].at, "actor", rows[i].actor, "action", rows[i].action,
                                   "details", d ? d : json_object())) != 0)
                rc = EF_EXIT_FAIL;
        }
        if (rc == EF_EXIT_OK)
            rc = ef_cli_print_json(arr);
        else
            json_decref(arr);
    } else {
        for (i = 0; i < n; i++) {
            char actor[4 * EF_ACTOR_MAX + 1];

            /* The actor and details can hold what a client sent (a login's user name). */
            printf("%s  %-18s  %-20s  ", rows[i].at, rows[i].action,
                   ef_text_safe(rows[i].actor, actor, sizeof(actor)));
            ef_text_safe_fputs(rows[i].details, stdout);
            putchar('\n');
        }
        if (n == 0)
            printf("The audit log is empty%s.\n", since_s ? " for that period" : "");
    }
    if (fflush(stdout) != 0)
        rc = EF_EXIT_FAIL;
    ef_audit_free(rows, n);
    ef_store_close(store);
    return rc;
}
