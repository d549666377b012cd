/* SPDX-License-Identifier: EUPL-1.2 */
/* efterlev-collector deviation list|assign|close: the follow-up of deviations (avvikelser),
 * docs/operations.md "Deviations". */
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aggregate.h"
#include "audit.h"
#include "commands.h"
#include "efterlev/days.h"
#include "efterlev/log.h"
#include "efterlev/util.h"
#include "now.h"
#include "text_safe.h"

static const char help[] =
    "Usage: efterlev-collector deviation list [--department NAME] [--overdue|--all|--patterns]\n"
    "                                         [--format text|json] [--config FILE]\n"
    "       efterlev-collector deviation assign ID --owner NAME --action TEXT [--due DATE]\n"
    "                                         [--config FILE]\n"
    "       efterlev-collector deviation assign --department NAME --check CHECK --owner NAME\n"
    "                                         --action TEXT [--due DATE] [--config FILE]\n"
    "       efterlev-collector deviation close ID --reason TEXT [--config FILE]\n"
    "\n"
    "A deviation (avvikelse) is a required check failing on a computer: it opens with the\n"
    "report that first shows the failure and closes by itself, with the date, when a report\n"
    "no longer does (the check passes, or has another status, or is no longer reported) or\n"
    "the computer is retired. list shows the open ones (--overdue: open past their due date;\n"
    "--all: closed ones too), oldest first, with whether a risk acceptance covers the\n"
    "failure now. assign records who acts (--owner), what is done (--action, the åtgärd) and\n"
    "by when (--due, YYYY-MM-DD: through that day, UTC, or an RFC 3339 time); assigning again\n"
    "replaces them. close ends a deviation by hand, with a reason (for instance the number of\n"
    "a risk acceptance decision). assign and close are audit-logged.\n"
    "\n"
    "A check failing on at least half of a department's counted computers (and on at least\n"
    "two) is a department-wide pattern: list --patterns shows them, and assign --department\n"
    "--check gives every open deviation of that check in the department the same owner,\n"
    "action and due date (one fix for the whole department, such as a group policy).\n"
    "\n"
    "Examples:\n"
    "  efterlev-collector deviation list --department Socialförvaltningen\n"
    "  efterlev-collector deviation assign 17 --owner \"Karin Åberg, IT-enheten\" \\\n"
    "      --action \"Aktivera BitLocker via Intune\" --due 2027-01-31\n"
    "  efterlev-collector deviation list --overdue --format json\n"
    "  efterlev-collector deviation list --patterns\n"
    "  efterlev-collector deviation assign --department Socialförvaltningen \\\n"
    "      --check desk.screen_lock --owner \"IT-enheten\" --action \"GPO för skärmlås\"\n"
    "  efterlev-collector deviation close 17 --reason \"Datorn skrotad, beslut 2027-02-01\"\n";

static const char *const which_names[] = {"open", "overdue", "all"};

static int parse_id(const char *s, int64_t *id)
{
    char *end;
    long long v = strtoll(s, &end, 10);

    if (*s == '\0' || *end != '\0' || v <= 0) {
        ef_error("ID must be a deviation's number (deviation list), not \"%s\"", s);
        return -1;
    }
    *id = v;
    return 0;
}

static int dev_list(const char *config, const char *dept, int which, int json)
{
    struct ef_deviation *v = NULL;
    struct ef_coll_config cfg;
    struct ef_store *store;
    time_t now = ef_coll_now();
    size_t n = 0, i;
    int rc;

    if ((rc = ef_cmd_open(config, &cfg, &store)) != EF_EXIT_OK)
        return rc;
    if (store->ops->deviation_list(store, dept, which, now, &v, &n) != EF_OK) {
        ef_error("%s", store->err);
        ef_store_close(store);
        return EF_EXIT_FAIL;
    }
    rc = EF_EXIT_OK;
    if (json) {
        json_t *arr = json_array();

        for (i = 0; arr != NULL && i < n; i++)
            if (json_array_append_new(arr, ef_deviation_json(&v[i], now)) != 0)
                rc = EF_EXIT_FAIL;
        if (rc == EF_EXIT_OK)
            rc = ef_cli_print_json(arr);
        else
            json_decref(arr);
    } else if (n == 0) {
        printf("No %s deviations.\n", which_names[which]);
    } else {
        for (i = 0; i < n; i++) {
            char opened[32], due[32], host[EF_NAME_MAX * 4 + 1],
                text[EF_DEVIATION_TEXT_MAX * 4 + 1];

            ef_time_rfc3339((time_t)v[i].opened_at, opened);
            opened[10] = '\0';
            ef_text_safe(v[i].hostname[0] ? v[i].hostname : v[i].agent_id, host, sizeof(host));
            printf("%" PRId64 "  %s  %s  %s  %s since %s", v[i].id, v[i].department, host,
                   v[i].check, ef_severity_name(v[i].severity), opened);
            if (v[i].closed_at > 0) {
                ef_time_rfc3339((time_t)v[i].closed_at, due);
                due[10] = '\0';
                printf("  closed %s (%s)", due, v[i].closed_how);
            } else if (v[i].accepted) {
                fputs("  risk accepted", stdout);
            }
            putchar('\n');
            if (v[i].owner[0]) {
                ef_text_safe(v[i].owner, text, sizeof(text));
                printf("    owner: %s", text);
                ef_text_safe(v[i].action, text, sizeof(text));
                printf("; action: %s", text);
                if (v[i].due > 0) {
                    ef_time_rfc3339((time_t)v[i].due, due);
                    due[10] = '\0';
                    printf("; due %s%s", due,
                           v[i].closed_at == 0 && v[i].due < (int64_t)now ? " (OVERDUE)" : "");
                }
                putchar('\n');
            }
        }
    }
    if (fflush(stdout) != 0)
        rc = EF_EXIT_FAIL;
    free(v);
    ef_store_close(store);
    return rc;
}

static int dev_patterns(const char *config, const char *dept, int json)
{
    struct ef_deviation_pattern *p = NULL;
    struct ef_coll_config cfg;
    struct ef_store *store;
    size_t n = 0, i;
    int rc;

    if ((rc = ef_cmd_open(config, &cfg, &store)) != EF_EXIT_OK)
        return rc;
    /* counted hosts as of a sweep now, as the figures count them */
    if (store->ops->sweep(store, ef_coll_now(), cfg.stale_days) != EF_OK ||
        store->ops->deviation_patterns(store, dept, &p, &n) != EF_OK) {
        ef_error("%s", store->err);
        ef_store_close(store);
        return EF_EXIT_FAIL;
    }
    rc = EF_EXIT_OK;
    if (json) {
        json_t *arr = json_array();

        for (i = 0; arr != NULL && i < n; i++)
            if (json_array_append_new(arr, ef_deviation_pattern_json(&p[i])) != 0)
                rc = EF_EXIT_FAIL;
        if (rc == EF_EXIT_OK)
            rc = ef_cli_print_json(arr);
        else
            json_decref(arr);
    } else if (n == 0) {
        puts("No department-wide patterns.");
    } else {
        for (i = 0; i < n; i++) {
            char first[32];

            ef_time_rfc3339((time_t)p[i].first_opened, first);
            first[10] = '\0';
            printf("%s  %s  on %" PRId64 " of %" PRId64 " computers since %s; %" PRId64
                   " with an action\n",
                   p[i].department, p[i].check, p[i].hosts, p[i].of, first, p[i].assigned);
        }
    }
    if (fflush(stdout) != 0)
        rc = EF_EXIT_FAIL;
    free(p);
    ef_store_close(store);
    return rc;
}

/* --due: YYYY-MM-DD (through that day) or RFC 3339 into *due; 0 or -1 (logged). */
static int parse_due(const char *due_s, time_t *due)
{
    *due = 0;
    if (due_s == NULL)
        return 0;
    if (!ef_cli_text("--due", due_s, 40) || ef_parse_date_through(due_s, due) != 0) {
        ef_error("--due must be YYYY-MM-DD or an RFC 3339 time");
        return -1;
    }
    return 0;
}

/* assign --department --check: the pattern's deviations, all at once. */
static int dev_assign_check(const char *config, const char *dept, const char *check,
                            const char *owner, const char *action, const char *due_s)
{
    char actor[EF_ACTOR_MAX + 1];
    struct ef_coll_config cfg;
    struct ef_store *store;
    time_t now = ef_coll_now(), due;
    int64_t n = 0;
    int rc;

    if (!ef_cli_text("--check", check, EF_ID_MAX) ||
        !ef_cli_text("--owner", owner, EF_DEVIATION_TEXT_MAX) ||
        !ef_cli_text("--action", action, EF_DEVIATION_TEXT_MAX) || parse_due(due_s, &due) != 0)
        return EF_EXIT_USAGE;
    if ((rc = ef_cmd_open(config, &cfg, &store)) != EF_EXIT_OK)
        return rc;
    ef_cli_actor(actor, sizeof(actor));
    rc = store->ops->deviation_assign_check(store, dept, check, owner, action, (int64_t)due, actor,
                                            now, &n);
    if (rc != EF_OK) {
        ef_error("%s", store->err);
        rc = EF_EXIT_FAIL;
    } else {
        ef_info("%" PRId64 " deviations of %s in %s assigned", n, check, dept);
        rc = EF_EXIT_OK;
        if (ef_audit(store, now, actor, "deviation.assign",
                     json_pack("{s:s, s:s, s:I, s:s, s:s, s:I}", "department", dept, "check", check,
                               "deviations", (json_int_t)n, "owner", owner, "action", action, "due",
                               (json_int_t)due)) != EF_OK) {
            ef_error("audit log: %s", store->err);
            rc = EF_EXIT_FAIL;
        }
    }
    ef_store_close(store);
    return rc;
}

static int dev_change(const char *config, const char *id_s, const char *owner, const char *action,
                      const char *due_s, const char *reason)
{
    char actor[EF_ACTOR_MAX + 1];
    struct ef_coll_config cfg;
    struct ef_store *store;
    time_t now = ef_coll_now(), due = 0;
    int64_t id;
    int rc;

    if (parse_id(id_s, &id) != 0)
        return EF_EXIT_USAGE;
    if (reason == NULL) {
        if (!ef_cli_text("--owner", owner, EF_DEVIATION_TEXT_MAX) ||
            !ef_cli_text("--action", action, EF_DEVIATION_TEXT_MAX))
            return EF_EXIT_USAGE;
        if (parse_due(due_s, &due) != 0)
            return EF_EXIT_USAGE;
    } else if (!ef_cli_text("--reason", reason, EF_REASON_MAX)) {
        return EF_EXIT_USAGE;
    }
    if ((rc = ef_cmd_open(config, &cfg, &store)) != EF_EXIT_OK)
        return rc;
    ef_cli_actor(actor, sizeof(actor));
    rc = reason == NULL
             ? store->ops->deviation_assign(store, id, owner, action, (int64_t)due, actor, now)
             : store->ops->deviation_close(store, id, reason, actor, now);
    if (rc == EF_NOTFOUND) {
        ef_error("no open deviation %" PRId64 " (efterlev-collector deviation list)", id);
        rc = EF_EXIT_FAIL;
    } else if (rc != EF_OK) {
        ef_error("%s", store->err);
        rc = EF_EXIT_FAIL;
    } else {
        json_t *details = reason == NULL
                              ? json_pack("{s:I, s:s, s:s, s:I}", "id", (json_int_t)id, "owner",
                                          owner, "action", action, "due", (json_int_t)due)
                              : json_pack("{s:I, s:s}", "id", (json_int_t)id, "reason", reason);

        ef_info("deviation %" PRId64 " %s", id, reason == NULL ? "assigned" : "closed");
        rc = EF_EXIT_OK;
        if (ef_audit(store, now, actor, reason == NULL ? "deviation.assign" : "deviation.close",
                     details) != EF_OK) {
            ef_error("audit log: %s", store->err);
            rc = EF_EXIT_FAIL;
        }
    }
    ef_store_close(store);
    return rc;
}

int cmd_deviation(int argc, char **argv)
{
    static const struct option opts[] = {{"config", required_argument, NULL, 'c'},
                                         {"department", required_argument, NULL, 'd'},
                                         {"overdue", no_argument, NULL, 'O'},
                                         {"all", no_argument, NULL, 'A'},
                                         {"format", required_argument, NULL, 'f'},
                                         {"owner", required_argument, NULL, 'o'},
                                         {"action", required_argument, NULL, 'a'},
                                         {"due", required_argument, NULL, 'u'},
                                         {"reason", required_argument, NULL, 'r'},
                                         {"check", required_argument, NULL, 'k'},
                                         {"patterns", no_argument, NULL, 'P'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *config = NULL, *dept = NULL, *format = "text", *owner = NULL, *action = NULL,
               *due = NULL, *reason = NULL, *check = NULL;
    char deptbuf[EF_DEPT_NAME_MAX + 1];
    int c, which = 0;

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
        case 'O':
            which = 1;
            break;
        case 'A':
            which = 2;
            break;
        case 'f':
            format = optarg;
            break;
        case 'o':
            owner = optarg;
            break;
        case 'a':
            action = optarg;
            break;
        case 'u':
            due = optarg;
            break;
        case 'r':
            reason = optarg;
            break;
        case 'k':
            check = optarg;
            break;
        case 'P':
            which = 3;
            break;
        case 'h':
            fputs(help, stdout);
            return EF_EXIT_OK;
        default:
            return ef_usage_hint("deviation");
        }
    }
    if (optind < argc && strcmp(argv[optind], "list") == 0 && argc - optind == 1) {
        if (ef_cli_json_format(format) < 0)
            return EF_EXIT_USAGE;
        if (which == 3)
            return dev_patterns(config, dept, strcmp(format, "json") == 0);
        return dev_list(config, dept, which, strcmp(format, "json") == 0);
    }
    if (optind < argc && strcmp(argv[optind], "assign") == 0 && argc - optind == 1) {
        if (dept == NULL || check == NULL) {
            ef_error("deviation assign needs an ID, or --department and --check (a pattern)");
            return EF_EXIT_USAGE;
        }
        return dev_assign_check(config, dept, check, owner, action, due);
    }
    if (optind < argc && strcmp(argv[optind], "assign") == 0 && argc - optind == 2)
        return dev_change(config, argv[optind + 1], owner, action, due, NULL);
    if (optind < argc && strcmp(argv[optind], "close") == 0 && argc - optind == 2) {
        if (reason == NULL) {
            ef_error("deviation close needs --reason");
            return EF_EXIT_USAGE;
        }
        return dev_change(config, argv[optind + 1], NULL, NULL, NULL, reason);
    }
    ef_error("expected \"deviation list\", \"deviation assign ID --owner NAME --action TEXT\" or "
             "\"deviation close ID --reason TEXT\"");
    return ef_usage_hint("deviation");
}
