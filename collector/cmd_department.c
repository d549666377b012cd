/* SPDX-License-Identifier: EUPL-1.2 */
#include <getopt.h>
#include <jansson.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aggregate.h"
#include "audit.h"
#include "now.h"
#include "commands.h"
#include "efterlev/log.h"
#include "efterlev/report.h"
#include "tokens.h"

static const char help[] =
    "Usage: efterlev-collector department add NAME --level basic|elevated|high [--config FILE]\n"
    "       efterlev-collector department list [--format text|json] [--config FILE]\n"
    "       efterlev-collector department token NAME [--revoke] [--config FILE]\n"
    "       efterlev-collector department rename NAME NEW-NAME [--config FILE]\n"
    "       efterlev-collector department set NAME --level basic|elevated|high [--config FILE]\n"
    "       efterlev-collector department merge NAME INTO [--config FILE]\n"
    "\n"
    "add prints the department's enrollment token on stdout; agents enrol with it\n"
    "(efterlev-agent enroll --token TOKEN). Only its hash is stored, so keep the output.\n"
    "NAME is 1 to 128 bytes of UTF-8 without control characters, stored in Unicode NFC:\n"
    "a name typed or pasted with decomposed letters (o + U+0308 for ö) names the same\n"
    "department, here and in every command and API parameter that takes one.\n"
    "token rotates the department's enrollment token: it prints a new one, and the old one\n"
    "no longer admits machines (enrolled machines are not affected: they sign with their\n"
    "own keys). With --revoke no token admits machines until the next rotation. Both are\n"
    "audit-logged.\n"
    "rename and set (the protection level) change a department as the municipality\n"
    "reorganises: its machines, figures, risk acceptances and trend carry on; tokens and\n"
    "users of the role department:NAME follow a rename. Each change is kept with its time\n"
    "(list --format json shows a department's history) and audit-logged. After a level\n"
    "change each machine's next report is judged at the old level (counted unknown); its\n"
    "agent learns the new level from that answer and the report after counts.\n"
    "merge moves every machine of NAME into the department INTO (each move audit-logged;\n"
    "the machines' next reports count in INTO, and their agents follow the new name), moves\n"
    "the risk acceptances of single machines with them, revokes NAME's department-wide\n"
    "ones (they covered NAME only: decide anew for INTO), closes NAME's enrollment and\n"
    "keeps NAME with its history, out of every figure. Users and API tokens of the role\n"
    "department:NAME keep it: give them INTO with a new token or user if they should.\n"
    "\n"
    "Examples:\n"
    "  efterlev-collector department add Socialförvaltningen --level elevated\n"
    "  efterlev-collector department list --format json\n"
    "  efterlev-collector department token Socialförvaltningen          # a leaked token\n"
    "  efterlev-collector department rename Socialförvaltningen Vård- och omsorgsförvaltningen\n"
    "  efterlev-collector department set Kulturförvaltningen --level elevated\n"
    "  efterlev-collector department merge Äldreomsorgen \"Vård- och omsorgsförvaltningen\"\n";

static int dept_add(const char *config, const char *name_arg, const char *level_s)
{
    char secret[EF_SECRET_LEN + 1], hash[65], actor[EF_ACTOR_MAX + 1];
    struct ef_coll_config cfg;
    struct ef_store *store;
    ef_level level;
    int64_t id;
    int rc;

    /* NFC: a name pasted with decomposed letters names the same department. */
    char nfc[EF_DEPT_NAME_MAX + 1];
    if ((rc = ef_cli_dept(name_arg, nfc)) != EF_EXIT_OK)
        return rc;
    const char *name = nfc;
    if (level_s == NULL || ef_level_parse(level_s, &level) != 0) {
        ef_error("--level must be basic, elevated or high");
        return EF_EXIT_USAGE;
    }
    if ((rc = ef_cmd_open(config, &cfg, &store)) != EF_EXIT_OK)
        return rc;
    if (ef_secret_new(secret, hash) != 0) {
        ef_error("cannot generate a token");
        ef_store_close(store);
        return EF_EXIT_FAIL;
    }
    rc = store->ops->department_add(store, name, level, hash, ef_coll_now(), &id);
    if (rc == EF_EXISTS) {
        ef_error("a department named \"%s\" already exists", name);
        rc = EF_EXIT_FAIL;
    } else if (rc != EF_OK) {
        ef_error("%s", store->err);
        rc = EF_EXIT_FAIL;
    } else {
        printf("%" PRId64 ".%s\n", id, secret);
        rc = fflush(stdout) == 0 ? EF_EXIT_OK : EF_EXIT_FAIL;
        ef_info("added department \"%s\" (%s); the line above is its enrollment token", name,
                ef_level_name(level));
        ef_cli_actor(actor, sizeof(actor));
        if (ef_audit(store, ef_coll_now(), actor, "department.add",
                     json_pack("{s:s, s:s}", "name", name, "level", ef_level_name(level))) !=
            EF_OK) {
            ef_error("audit log: %s", store->err);
            rc = EF_EXIT_FAIL;
        }
    }
    explicit_bzero(secret, sizeof(secret));
    ef_store_close(store);
    return rc;
}

/* A new enrollment token for the department (printed), or none (revoke). */
static int dept_token(const char *config, const char *name_arg, int revoke)
{
    char secret[EF_SECRET_LEN + 1], hash[65] = "", actor[EF_ACTOR_MAX + 1];
    char name[EF_DEPT_NAME_MAX + 1];
    struct ef_coll_config cfg;
    struct ef_store *store;
    struct ef_department *d = NULL;
    size_t n, i;
    int64_t id = -1;
    int rc;

    if ((rc = ef_cli_dept(name_arg, name)) != EF_EXIT_OK)
        return rc;
    if ((rc = ef_cmd_open(config, &cfg, &store)) != EF_EXIT_OK)
        return rc;
    rc = EF_EXIT_FAIL;
    /* The token's id part is the department's row id. */
    if (store->ops->department_list(store, &d, &n) != EF_OK) {
        ef_error("%s", store->err);
        goto out;
    }
    for (i = 0; i < n; i++)
        if (strcmp(d[i].name, name) == 0)
            id = d[i].id;
    free(d);
    if (id < 0) {
        ef_error("no department named \"%s\" (efterlev-collector department list)", name);
        goto out;
    }
    if (!revoke && ef_secret_new(secret, hash) != 0) {
        ef_error("cannot generate a token");
        goto out;
    }
    if (store->ops->department_set_token(store, name, hash) != EF_OK) {
        ef_error("%s", store->err);
        goto out;
    }
    if (revoke) {
        ef_info("department \"%s\": no enrollment token admits machines until the next "
                "\"department token %s\"",
                name, name);
        rc = EF_EXIT_OK;
    } else {
        printf("%" PRId64 ".%s\n", id, secret);
        rc = fflush(stdout) == 0 ? EF_EXIT_OK : EF_EXIT_FAIL;
        ef_info("department \"%s\": the line above is its new enrollment token; the old one "
                "no longer admits machines",
                name);
    }
    ef_cli_actor(actor, sizeof(actor));
    if (ef_audit(store, ef_coll_now(), actor,
                 revoke ? "department.token_revoke" : "department.token_rotate",
                 json_pack("{s:s}", "name", name)) != EF_OK) {
        ef_error("audit log: %s", store->err);
        rc = EF_EXIT_FAIL;
    }
out:
    explicit_bzero(secret, sizeof(secret));
    ef_store_close(store);
    return rc;
}

/* rename (new_arg given) or set the level of a department. */
static int dept_change(const char *config, const char *name_arg, const char *new_arg,
                       const char *level_s)
{
    char name[EF_DEPT_NAME_MAX + 1], new_name[EF_DEPT_NAME_MAX + 1], actor[EF_ACTOR_MAX + 1];
    struct ef_coll_config cfg;
    struct ef_store *store;
    ef_level level = EF_LEVEL_BASIC;
    json_t *details;
    int rc;

    if ((rc = ef_cli_dept(name_arg, name)) != EF_EXIT_OK ||
        (new_arg != NULL && (rc = ef_cli_dept(new_arg, new_name)) != EF_EXIT_OK))
        return rc;
    if (new_arg == NULL && (level_s == NULL || ef_level_parse(level_s, &level) != 0)) {
        ef_error("--level must be basic, elevated or high");
        return EF_EXIT_USAGE;
    }
    if ((rc = ef_cmd_open(config, &cfg, &store)) != EF_EXIT_OK)
        return rc;
    rc = new_arg != NULL ? store->ops->department_rename(store, name, new_name, ef_coll_now())
                         : store->ops->department_set_level(store, name, level, ef_coll_now());
    if (rc == EF_NOTFOUND) {
        ef_error("no department named \"%s\" (efterlev-collector department list)", name);
        rc = EF_EXIT_FAIL;
    } else if (rc == EF_EXISTS) {
        ef_error("a department named \"%s\" already exists", new_name);
        rc = EF_EXIT_FAIL;
    } else if (rc != EF_OK) {
        ef_error("%s", store->err);
        rc = EF_EXIT_FAIL;
    } else {
        if (new_arg != NULL) {
            ef_info("renamed \"%s\" to \"%s\"", name, new_name);
            details = json_pack("{s:s, s:s}", "name", name, "new_name", new_name);
        } else {
            ef_info("\"%s\" is at level %s", name, ef_level_name(level));
            details = json_pack("{s:s, s:s}", "name", name, "level", ef_level_name(level));
        }
        ef_cli_actor(actor, sizeof(actor));
        rc = EF_EXIT_OK;
        if (ef_audit(store, ef_coll_now(), actor,
                     new_arg != NULL ? "department.rename" : "department.level",
                     details) != EF_OK) {
            ef_error("audit log: %s", store->err);
            rc = EF_EXIT_FAIL;
        }
    }
    ef_store_close(store);
    return rc;
}

static int dept_merge(const char *config, const char *from_arg, const char *into_arg)
{
    char from[EF_DEPT_NAME_MAX + 1], into[EF_DEPT_NAME_MAX + 1], actor[EF_ACTOR_MAX + 1];
    struct ef_merge_result m;
    struct ef_coll_config cfg;
    struct ef_store *store;
    int rc;

    if ((rc = ef_cli_dept(from_arg, from)) != EF_EXIT_OK ||
        (rc = ef_cli_dept(into_arg, into)) != EF_EXIT_OK)
        return rc;
    if ((rc = ef_cmd_open(config, &cfg, &store)) != EF_EXIT_OK)
        return rc;
    ef_cli_actor(actor, sizeof(actor));
    rc = store->ops->department_merge(store, from, into, actor, ef_coll_now(), &m);
    if (rc == EF_NOTFOUND) {
        ef_error("no department named \"%s\" or \"%s\" (efterlev-collector department list)", from,
                 into);
        rc = EF_EXIT_FAIL;
    } else if (rc == EF_INVALID) {
        ef_error("cannot merge \"%s\" into \"%s\": %s", from, into,
                 strcmp(from, into) == 0 ? "they are the same department"
                                         : "one of them was merged into another already");
        rc = EF_EXIT_FAIL;
    } else if (rc != EF_OK) {
        ef_error("%s", store->err);
        rc = EF_EXIT_FAIL;
    } else {
        ef_info("merged \"%s\" into \"%s\": %" PRId64 " machine(s) moved, %" PRId64
                " risk acceptance(s) of single machines moved with them, %" PRId64
                " department-wide risk acceptance(s) revoked",
                from, into, m.hosts, m.acceptances_moved, m.acceptances_revoked);
        rc = EF_EXIT_OK;
        if (ef_audit(store, ef_coll_now(), actor, "department.merge",
                     json_pack("{s:s, s:s, s:I, s:I, s:I}", "name", from, "into", into, "hosts",
                               (json_int_t)m.hosts, "acceptances_moved",
                               (json_int_t)m.acceptances_moved, "acceptances_revoked",
                               (json_int_t)m.acceptances_revoked)) != EF_OK) {
            ef_error("audit log: %s", store->err);
            rc = EF_EXIT_FAIL;
        }
    }
    ef_store_close(store);
    return rc;
}

static int dept_list(const char *config, int json)
{
    struct ef_department *d = NULL;
    struct ef_coll_config cfg;
    struct ef_store *store;
    size_t n, i;
    int rc;

    if ((rc = ef_cmd_open(config, &cfg, &store)) != EF_EXIT_OK)
        return rc;
    if (store->ops->department_list(store, &d, &n) != EF_OK) {
        ef_error("%s", store->err);
        ef_store_close(store);
        return EF_EXIT_FAIL;
    }
    rc = EF_EXIT_OK;
    if (json) {
        json_t *arr = json_array();

        for (i = 0; arr != NULL && i < n; i++) {
            json_t *hist = NULL;
            int hrc = ef_department_history_json(store, d[i].name, &hist);
            if (hrc != EF_OK) {
                ef_error("department history: %s", ef_store_why(store, hrc));
                rc = EF_EXIT_FAIL;
                break;
            }
            if (json_array_append_new(
                    arr,
                    json_pack("{s:s, s:s, s:I, s:o, s:o}", "name", d[i].name, "level",
                              ef_level_name(d[i].level), "hosts", (json_int_t)d[i].hosts,
                              "merged_into",
                              d[i].merged_into[0] ? json_string(d[i].merged_into) : json_null(),
                              "history", hist)) != 0)
                rc = EF_EXIT_FAIL;
        }
        if (rc == EF_EXIT_OK)
            rc = ef_cli_print_json(arr);
        else
            json_decref(arr);
    } else {
        size_t w = strlen("DEPARTMENT");

        for (i = 0; i < n; i++)
            if (ef_text_width(d[i].name) > w)
                w = ef_text_width(d[i].name);
        printf("DEPARTMENT%*s  %-8s  %s\n", (int)(w - strlen("DEPARTMENT")), "", "LEVEL", "HOSTS");
        for (i = 0; i < n; i++)
            if (d[i].merged_into[0])
                printf("%s%*s  %-8s  -      (merged into %s)\n", d[i].name,
                       (int)(w - ef_text_width(d[i].name)), "", ef_level_name(d[i].level),
                       d[i].merged_into);
            else
                printf("%s%*s  %-8s  %" PRId64 "\n", d[i].name, (int)(w - ef_text_width(d[i].name)),
                       "", ef_level_name(d[i].level), d[i].hosts);
    }
    if (fflush(stdout) != 0)
        rc = EF_EXIT_FAIL;
    free(d);
    ef_store_close(store);
    return rc;
}

int cmd_department(int argc, char **argv)
{
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'}, {"level", required_argument, NULL, 'l'},
        {"format", required_argument, NULL, 'f'}, {"revoke", no_argument, NULL, 'R'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0}};
    const char *config = NULL, *level = NULL, *format = "text";
    int c, revoke = 0;

    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            config = optarg;
            break;
        case 'l':
            level = optarg;
            break;
        case 'f':
            format = optarg;
            break;
        case 'R':
            revoke = 1;
            break;
        case 'h':
            fputs(help, stdout);
            return EF_EXIT_OK;
        default:
            return ef_usage_hint("department");
        }
    }
    if (optind < argc && strcmp(argv[optind], "add") == 0) {
        if (argc - optind != 2) {
            ef_error("department add takes exactly one NAME");
            return ef_usage_hint("department");
        }
        return dept_add(config, argv[optind + 1], level);
    }
    if (optind < argc && strcmp(argv[optind], "list") == 0 && argc - optind == 1) {
        if (ef_cli_json_format(format) < 0)
            return EF_EXIT_USAGE;
        return dept_list(config, strcmp(format, "json") == 0);
    }
    if (optind < argc && strcmp(argv[optind], "token") == 0 && argc - optind == 2)
        return dept_token(config, argv[optind + 1], revoke);
    if (optind < argc && strcmp(argv[optind], "rename") == 0 && argc - optind == 3)
        return dept_change(config, argv[optind + 1], argv[optind + 2], NULL);
    if (optind < argc && strcmp(argv[optind], "set") == 0 && argc - optind == 2)
        return dept_change(config, argv[optind + 1], NULL, level);
    if (optind < argc && strcmp(argv[optind], "merge") == 0 && argc - optind == 3)
        return dept_merge(config, argv[optind + 1], argv[optind + 2]);
    ef_error("expected \"department add NAME --level LEVEL\", \"department list\", "
             "\"department token NAME [--revoke]\", \"department rename NAME NEW-NAME\", "
             "\"department set NAME --level LEVEL\" or \"department merge NAME INTO\"");
    return ef_usage_hint("department");
}
