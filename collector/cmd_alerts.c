/* SPDX-License-Identifier: EUPL-1.2 */
/* efterlev-collector alerts list|test: the alert outbox, and a test message through every
 * configured channel (docs/alerts.md). */
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alerts.h"
#include "audit.h"
#include "commands.h"
#include "efterlev/log.h"
#include "efterlev/util.h"
#include "now.h"
#include "text_safe.h"

#define LIST_DEFAULT 100
#define LIST_MAX 100000

static const char help[] =
    "Usage: efterlev-collector alerts list [--pending|--failed] [--limit N]\n"
    "                                      [--format text|json] [--config FILE]\n"
    "       efterlev-collector alerts test [--config FILE]\n"
    "\n"
    "Alerts tell the coordinator by webhook and e-mail, without opening the dashboard, when\n"
    "a computer goes from pass to fail on a check of a configured severity (high and\n"
    "critical unless alerts.regression_severities says otherwise), when a department's\n"
    "compliance falls below alerts.department_below, and when a deviation's action becomes\n"
    "overdue. They are configured under alerts: in collector.yml and sent by the running\n"
    "collector (efterlev-collector serve); see docs/alerts.md.\n"
    "\n"
    "list shows the outbox, newest first, one line per event and channel: pending (not yet\n"
    "sent, or waiting for a retry), sent, or failed (every attempt failed; kept, never\n"
    "deleted). --pending and --failed show only those; --limit N at most N rows (default\n"
    "100). test queues a test message on every configured channel; the running collector\n"
    "sends it within a few seconds (a digest: at the end of its interval). test is\n"
    "audit-logged.\n"
    "\n"
    "Examples:\n"
    "  efterlev-collector alerts list --failed\n"
    "  efterlev-collector alerts list --format json --limit 1000\n"
    "  efterlev-collector alerts test\n";

static json_t *event_json(const struct ef_alert_event *e)
{
    char at[32], next[32], sent[32];

    ef_time_rfc3339((time_t)e->created_at, at);
    ef_time_rfc3339((time_t)e->next_at, next);
    ef_time_rfc3339((time_t)e->sent_at, sent);
    return json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:s, s:o, s:s}", "id",
                     (json_int_t)e->id, "channel", e->channel, "kind", e->kind, "at", at,
                     "department", e->department, "host", e->hostname, "check", e->check,
                     "severity", e->severity, "detail", e->detail, "state", e->state, "attempts",
                     (json_int_t)e->attempts, "next_at", next, "sent_at",
                     e->sent_at > 0 ? json_string(sent) : json_null(), "last_error", e->last_error);
}

static int alerts_list(const char *config, int which, int64_t limit, int json)
{
    struct ef_alert_event *v = NULL;
    struct ef_coll_config cfg;
    struct ef_store *store;
    size_t n = 0;
    int rc;

    if ((rc = ef_cmd_open(config, &cfg, &store)) != EF_EXIT_OK)
        return rc;
    if (store->ops->alert_list(store, which, limit, &v, &n) != EF_OK) {
        ef_error("%s", store->err);
        ef_store_close(store);
        return EF_EXIT_FAIL;
    }
    rc = EF_EXIT_OK;
    if (json) {
        json_t *arr = json_array();

        for (size_t i = 0; arr != NULL && i < n; i++)
            if (json_array_append_new(arr, event_json(&v[i])) != 0)
                rc = EF_EXIT_FAIL;
        if (arr == NULL || rc != EF_EXIT_OK || json_dumpf(arr, stdout, JSON_INDENT(2)) != 0)
            rc = EF_EXIT_FAIL;
        else
            putchar('\n');
        json_decref(arr);
    } else if (n == 0) {
        printf("No %salerts.\n", which == 1 ? "pending " : which == 2 ? "failed " : "");
    } else {
        for (size_t i = 0; i < n; i++) {
            char at[32], what[EF_NAME_MAX * 4 + EF_ID_MAX * 4 + EF_DEPT_NAME_MAX * 4 + 8],
                safe[sizeof(what)], err[EF_ALERT_ERROR_MAX * 4 + 1];

            ef_time_rfc3339((time_t)v[i].created_at, at);
            if (strcmp(v[i].kind, "department_below") == 0)
                snprintf(what, sizeof(what), "%s %s %%", v[i].department, v[i].detail);
            else if (strcmp(v[i].kind, "test") == 0)
                snprintf(what, sizeof(what), "-");
            else
                snprintf(what, sizeof(what), "%s %s %s", v[i].department, v[i].hostname,
                         v[i].check);
            ef_text_safe(what, safe, sizeof(safe));
            printf("%" PRId64 "  %s  %-7s  %-16s  %s  %s", v[i].id, at, v[i].channel, v[i].kind,
                   v[i].state, safe);
            if (v[i].attempts > 0 && strcmp(v[i].state, "sent") != 0) {
                ef_text_safe(v[i].last_error, err, sizeof(err));
                printf("  (%" PRId64 " attempt%s: %s)", v[i].attempts,
                       v[i].attempts == 1 ? "" : "s", err);
            }
            putchar('\n');
        }
    }
    if (fflush(stdout) != 0)
        rc = EF_EXIT_FAIL;
    free(v);
    ef_store_close(store);
    return rc;
}

static int alerts_test(const char *config)
{
    char actor[EF_ACTOR_MAX + 1];
    struct ef_coll_config cfg;
    struct ef_store *store;
    time_t now = ef_coll_now();
    unsigned ch;
    int rc;

    if ((rc = ef_cmd_open(config, &cfg, &store)) != EF_EXIT_OK)
        return rc;
    if ((ch = ef_alert_channels(&cfg.alerts)) == 0) {
        ef_error("no alert channel is configured (alerts: in %s; docs/alerts.md)", cfg.path);
        ef_store_close(store);
        return EF_EXIT_USAGE;
    }
    ef_cli_actor(actor, sizeof(actor));
    if (store->ops->alert_test(store, ch, now) != EF_OK) {
        ef_error("%s", store->err);
        rc = EF_EXIT_FAIL;
    } else {
        ef_info("a test message is queued for %s%s%s; the running collector sends it",
                ch & EF_ALERT_CH_WEBHOOK ? "the webhook" : "",
                ch == (EF_ALERT_CH_WEBHOOK | EF_ALERT_CH_SMTP) ? " and " : "",
                ch & EF_ALERT_CH_SMTP ? "e-mail" : "");
        if (ef_audit(store, now, actor, "alerts.test", NULL) != EF_OK) {
            ef_error("audit log: %s", store->err);
            rc = EF_EXIT_FAIL;
        }
    }
    ef_store_close(store);
    return rc;
}

int cmd_alerts(int argc, char **argv)
{
    static const struct option opts[] = {{"config", required_argument, NULL, 'c'},
                                         {"pending", no_argument, NULL, 'p'},
                                         {"failed", no_argument, NULL, 'F'},
                                         {"limit", required_argument, NULL, 'l'},
                                         {"format", required_argument, NULL, 'f'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *config = NULL, *format = "text";
    int64_t limit = LIST_DEFAULT;
    int c, which = 0;
    char *end;

    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            config = optarg;
            break;
        case 'p':
            which = 1;
            break;
        case 'F':
            which = 2;
            break;
        case 'l':
            limit = strtoll(optarg, &end, 10);
            if (*optarg == '\0' || *end != '\0' || limit < 1 || limit > LIST_MAX) {
                ef_error("--limit must be a number from 1 to %d", LIST_MAX);
                return EF_EXIT_USAGE;
            }
            break;
        case 'f':
            format = optarg;
            break;
        case 'h':
            fputs(help, stdout);
            return EF_EXIT_OK;
        default:
            return ef_usage_hint("alerts");
        }
    }
    if (optind < argc && strcmp(argv[optind], "list") == 0 && argc - optind == 1) {
        if (ef_cli_json_format(format) < 0)
            return EF_EXIT_USAGE;
        return alerts_list(config, which, limit, strcmp(format, "json") == 0);
    }
    if (optind < argc && strcmp(argv[optind], "test") == 0 && argc - optind == 1)
        return alerts_test(config);
    ef_error("expected \"alerts list\" or \"alerts test\"");
    return ef_usage_hint("alerts");
}
