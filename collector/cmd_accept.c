/* SPDX-License-Identifier: EUPL-1.2 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aggregate.h"
#include "audit.h"
#include "commands.h"
#include "efterlev/log.h"
#include "efterlev/util.h"
#include "now.h"
#include "text_safe.h"
#include "tokens.h"

static const char help[] =
    "Usage: efterlev-collector accept CHECK --department NAME [--host HOST] --until DATE\n"
    "                                 --reason TEXT --by NAME [--config FILE]\n"
    "       efterlev-collector accept list [--all] [--format text|json] [--config FILE]\n"
    "       efterlev-collector accept revoke ID --by NAME [--config FILE]\n"
    "\n"
    "Record a risk acceptance (riskacceptans): failures of CHECK in the department (or on\n"
    "one host: its agent id or host name) count as \"accepted\", neither pass nor fail,\n"
    "until DATE. DATE is YYYY-MM-DD (the acceptance holds through that day, UTC) or an\n"
    "RFC 3339 time. It then expires by itself and the failures count as failures again.\n"
    "Acceptance, revocation and expiry are written to the audit log.\n"
    "\n"
    "list shows the active acceptances (--all: also expired and revoked ones).\n"
    "\n"
    "Examples:\n"
    "  efterlev-collector accept enc.root_luks --department Socialförvaltningen \\\n"
    "      --until 2026-12-31 --reason \"Byte av klienter Q4, beslut SN 2026-09\" --by \"Anna "
    "Berg\"\n"
    "  efterlev-collector accept list --all\n"
    "  efterlev-collector accept revoke 3 --by \"Anna Berg\"\n";

static int find_host(struct ef_store *s, const char *dept, const char *host, char *agent_id,
                     size_t len)
{
    char err[256];

    if (ef_host_in_department(s, dept, host, agent_id, len, err, sizeof(err)) == 0)
        return 0;
    ef_error("%s", err);
    return -1;
}

static int accept_add(const char *config, const char *check, const char *dept, const char *host,
                      const char *until, const char *reason, const char *by)
{
    struct ef_acceptance a;
    struct ef_dept_counts *dc = NULL;
    struct ef_coll_config cfg;
    struct ef_store *store;
    size_t nd = 0;
    time_t now = ef_coll_now(), t;
    char when[32];
    int rc;

    memset(&a, 0, sizeof(a));
    if (!ef_cli_text("CHECK", check, EF_ID_MAX) ||
        !ef_cli_text("--department", dept, EF_DEPT_NAME_MAX) ||
        !ef_cli_text("--reason", reason, EF_REASON_MAX) || !ef_cli_text("--by", by, EF_ACTOR_MAX) ||
        !ef_cli_text("--until", until, 40))
        return EF_EXIT_USAGE;
    if (ef_parse_date_through(until, &t) != 0) {
        ef_error("--until must be YYYY-MM-DD or an RFC 3339 time, not \"%s\"", until);
        return EF_EXIT_USAGE;
    }
    if (t <= now) {
        ef_error("--until %s lies in the past", until);
        return EF_EXIT_USAGE;
    }
    if ((rc = ef_cmd_open(config, &cfg, &store)) != EF_EXIT_OK)
        return rc;
    rc = EF_EXIT_FAIL;
    if (store->ops->sweep(store, now, cfg.stale_days) != EF_OK ||
        (rc = store->ops->dept_counts(store, dept, &dc, &nd)) != EF_OK) {
        if (rc == EF_NOTFOUND)
            ef_error("no department named \"%s\"", dept);
        else
            ef_error("%s", store->err);
        rc = EF_EXIT_FAIL;
        goto out;
    }
    rc = EF_EXIT_FAIL;
    a.department_id = dc[0].id;
    snprintf(a.check, sizeof(a.check), "%s", check);
    snprintf(a.reason, sizeof(a.reason), "%s", reason);
    snprintf(a.by, sizeof(a.by), "%s", by);
    a.until = t;
    if (host != NULL && find_host(store, dept, host, a.agent_id, sizeof(a.agent_id)) != 0)
        goto out;
    if (store->ops->acceptance_add(store, &a, now) != EF_OK) {
        ef_error("%s", store->err);
        goto out;
    }
    ef_time_rfc3339(t, when);
    printf("%" PRId64 "\n", a.id);
    ef_info("accepted failures of %s in %s%s%s until %s", check, dept, host ? " on " : "",
            host ? host : "", when);
    rc = fflush(stdout) == 0 ? EF_EXIT_OK : EF_EXIT_FAIL;
out:
    free(dc);
    ef_store_close(store);
    return rc;
}

static int accept_list(const char *config, int all, int json)
{
    struct ef_acceptance *a = NULL;
    struct ef_coll_config cfg;
    struct ef_store *store;
    size_t n = 0, i;
    int rc;

    if ((rc = ef_cmd_open(config, &cfg, &store)) != EF_EXIT_OK)
        return rc;
    if (store->ops->sweep(store, ef_coll_now(), cfg.stale_days) != EF_OK ||
        store->ops->acceptance_list(store, all, &a, &n) != EF_OK) {
        ef_error("%s", store->err);
        ef_store_close(store);
        return EF_EXIT_FAIL;
    }
    rc = EF_EXIT_OK;
    if (json) {
        json_t *arr = json_array();

        for (i = 0; arr != NULL && i < n; i++)
            if (json_array_append_new(arr, ef_acceptance_json(&a[i])) != 0)
                rc = EF_EXIT_FAIL;
        if (rc == EF_EXIT_OK)
            rc = ef_cli_print_json(arr);
        else
            json_decref(arr);
    } else {
        if (n == 0)
            printf("No %sacceptances.\n", all ? "" : "active ");
        for (i = 0; i < n; i++) {
            char until[32];

            ef_time_rfc3339((time_t)a[i].until, until);
            printf("#%" PRId64 "  %-8s  ", a[i].id,
                   a[i].state == EF_ACC_ACTIVE    ? "active"
                   : a[i].state == EF_ACC_EXPIRED ? "expired"
                                                  : "revoked");
            /* The host name comes from the agent's reports: escaped like every text field. */
            ef_text_safe_fputs(a[i].check, stdout);
            putchar(' ');
            putchar(' ');
            ef_text_safe_fputs(a[i].department, stdout);
            fputs("  ", stdout);
            ef_text_safe_fputs(a[i].agent_id[0] ? (a[i].hostname[0] ? a[i].hostname : a[i].agent_id)
                                                : "(all hosts)",
                               stdout);
            printf("  until %s  by ", until);
            ef_text_safe_fputs(a[i].by, stdout);
            fputs("\n    ", stdout);
            ef_text_safe_fputs(a[i].reason, stdout);
            putchar('\n');
        }
    }
    if (fflush(stdout) != 0)
        rc = EF_EXIT_FAIL;
    free(a);
    ef_store_close(store);
    return rc;
}

static int accept_revoke(const char *config, const char *id_s, const char *by)
{
    struct ef_coll_config cfg;
    struct ef_store *store;
    char *end;
    long long id = strtoll(id_s, &end, 10);
    int rc;

    if (*id_s == '\0' || *end != '\0' || id <= 0) {
        ef_error("ID must be an acceptance number (see accept list)");
        return EF_EXIT_USAGE;
    }
    if (!ef_cli_text("--by", by, EF_ACTOR_MAX))
        return EF_EXIT_USAGE;
    if ((rc = ef_cmd_open(config, &cfg, &store)) != EF_EXIT_OK)
        return rc;
    rc = store->ops->acceptance_revoke(store, (int64_t)id, by, ef_coll_now());
    if (rc == EF_NOTFOUND)
        ef_error("no active acceptance #%lld", id);
    else if (rc != EF_OK)
        ef_error("%s", store->err);
    else
        ef_info("revoked acceptance #%lld", id);
    ef_store_close(store);
    return rc == EF_OK ? EF_EXIT_OK : EF_EXIT_FAIL;
}

int cmd_accept(int argc, char **argv)
{
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'}, {"department", required_argument, NULL, 'd'},
        {"host", required_argument, NULL, 'H'},   {"until", required_argument, NULL, 'u'},
        {"reason", required_argument, NULL, 'r'}, {"by", required_argument, NULL, 'b'},
        {"all", no_argument, NULL, 'a'},          {"format", required_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0}};
    const char *config = NULL, *dept = NULL, *host = NULL, *until = NULL, *reason = NULL,
               *by = NULL, *format = "text";
    int c, all = 0;

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
        case 'H':
            host = optarg;
            break;
        case 'u':
            until = optarg;
            break;
        case 'r':
            reason = optarg;
            break;
        case 'b':
            by = optarg;
            break;
        case 'a':
            all = 1;
            break;
        case 'f':
            format = optarg;
            break;
        case 'h':
            fputs(help, stdout);
            return EF_EXIT_OK;
        default:
            return ef_usage_hint("accept");
        }
    }
    if (argc - optind == 1 && strcmp(argv[optind], "list") == 0) {
        if (ef_cli_json_format(format) < 0)
            return EF_EXIT_USAGE;
        return accept_list(config, all, strcmp(format, "json") == 0);
    }
    if (argc - optind == 2 && strcmp(argv[optind], "revoke") == 0)
        return accept_revoke(config, argv[optind + 1], by);
    if (argc - optind == 1)
        return accept_add(config, argv[optind], dept, host, until, reason, by);
    ef_error("expected \"accept CHECK --department ...\", \"accept list\" or \"accept revoke ID\"");
    return ef_usage_hint("accept");
}
