/* SPDX-License-Identifier: EUPL-1.2 */
/* efterlev-collector system add|remove|list|show|assign|unassign: systems with their owners
 * and KLASSA classes, the hosts tied to them, and how those hosts stand (docs/figures.md,
 * "Levels per aspect"; docs/operations.md, "Systems and owners"). */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "commands.h"
#include "efterlev/log.h"
#include "efterlev/util.h"
#include "inventory.h"
#include "names.h"
#include "now.h"
#include "systems.h"
#include "text_safe.h"

static const char help[] =
    "Usage: efterlev-collector system add NAME --owner NAME --info-owner NAME --k N --r N --t N\n"
    "                                     [--department NAME] [--replace] [--config FILE]\n"
    "       efterlev-collector system remove NAME [--config FILE]\n"
    "       efterlev-collector system assign NAME HOST... [--config FILE]\n"
    "       efterlev-collector system unassign NAME HOST... [--config FILE]\n"
    "       efterlev-collector system list [--format text|json] [--config FILE]\n"
    "       efterlev-collector system show NAME [--format text|json] [--config FILE]\n"
    "\n"
    "A system (informationssystem) has a system owner (--owner, systemägaren), an information\n"
    "owner (--info-owner, informationsägaren) and its information's classes on KLASSA's four\n"
    "consequence levels per aspect: --k konfidentialitet, --r riktighet, --t tillgänglighet,\n"
    "each 1 (low) to 4 (very serious). --department names the department that owns it.\n"
    "add --replace changes an existing system.\n"
    "\n"
    "assign ties computers to the system by name (a short name matches the fully qualified\n"
    "one; a computer on the device list can be tied before it enrolls); unassign unties them.\n"
    "A computer's protection level per aspect is then the highest of its department's level\n"
    "and what its systems' classes require (the check catalog's classes:, by default 1-2\n"
    "basic, 3 elevated, 4 high); spårbarhet follows each system's highest class. Each check\n"
    "is judged at the level of the aspects it protects, from the computer's next run.\n"
    "\n"
    "list shows every system with its owners, classes, computers (tied / reporting) and\n"
    "compliance in all and per aspect; show one system with its computers. Every change is\n"
    "audit-logged.\n"
    "\n"
    "Examples:\n"
    "  efterlev-collector system add Procapita --owner \"Anna Ek, socialchef\" \\\n"
    "      --info-owner \"Socialnämnden\" --k 4 --r 3 --t 3 --department Socialförvaltningen\n"
    "  efterlev-collector system assign Procapita soc-pc-014 soc-pc-015.kommun.se\n"
    "  efterlev-collector system list\n"
    "  efterlev-collector system show Procapita --format json\n";

static int parse_class(const char *opt, const char *v, int *out)
{
    if (v == NULL) {
        ef_error("system add needs %s (1..4)", opt);
        return -1;
    }
    if (strlen(v) != 1 || v[0] < '1' || v[0] > '4') {
        ef_error("%s must be a consequence level 1, 2, 3 or 4, not \"%s\"", opt, v);
        return -1;
    }
    *out = v[0] - '0';
    return 0;
}

static int store_result(struct ef_store *store, int rc)
{
    if (rc == EF_OK)
        return EF_EXIT_OK;
    ef_error("%s", store->err);
    return EF_EXIT_FAIL;
}

static int sys_add(const char *config, const char *name, const char *owner, const char *info,
                   const char *k, const char *r, const char *t, const char *dept, int replace)
{
    struct ef_coll_config cfg;
    struct ef_store *store;
    struct ef_system y;
    char actor[EF_ACTOR_MAX + 1];
    int rc;

    memset(&y, 0, sizeof(y));
    if (ef_dept_name_canon(name, y.name) != 0) {
        ef_error("a system name is 1 to %d bytes of printable UTF-8, not \"%s\"",
                 EF_SYSTEM_NAME_MAX, name);
        return EF_EXIT_USAGE;
    }
    if (!ef_cli_text("--owner", owner, EF_OWNER_MAX) ||
        !ef_cli_text("--info-owner", info, EF_OWNER_MAX) || parse_class("--k", k, &y.k) != 0 ||
        parse_class("--r", r, &y.r) != 0 || parse_class("--t", t, &y.t) != 0)
        return EF_EXIT_USAGE;
    if (dept != NULL && ef_cli_dept(dept, y.department) != EF_EXIT_OK)
        return EF_EXIT_USAGE;
    snprintf(y.owner, sizeof(y.owner), "%s", owner);
    snprintf(y.info_owner, sizeof(y.info_owner), "%s", info);
    if ((rc = ef_cmd_open(config, &cfg, &store)) != EF_EXIT_OK)
        return rc;
    ef_cli_actor(actor, sizeof(actor));
    rc = store_result(store, store->ops->system_add(store, &y, replace, actor, ef_coll_now()));
    if (rc == EF_EXIT_OK)
        ef_info("system \"%s\" %s: K%d R%d T%d", y.name, replace ? "changed" : "added", y.k, y.r,
                y.t);
    ef_store_close(store);
    return rc;
}

static int sys_remove(const char *config, const char *name)
{
    struct ef_coll_config cfg;
    struct ef_store *store;
    char canon[EF_SYSTEM_NAME_MAX + 1], actor[EF_ACTOR_MAX + 1];
    int rc;

    if (ef_dept_name_canon(name, canon) != 0) {
        ef_error("no system named \"%s\"", name);
        return EF_EXIT_USAGE;
    }
    if ((rc = ef_cmd_open(config, &cfg, &store)) != EF_EXIT_OK)
        return rc;
    ef_cli_actor(actor, sizeof(actor));
    rc = store_result(store, store->ops->system_remove(store, canon, actor, ef_coll_now()));
    if (rc == EF_EXIT_OK)
        ef_info("system \"%s\" removed", canon);
    ef_store_close(store);
    return rc;
}

static int sys_assign(const char *config, const char *name, char **hosts, int n, int remove)
{
    struct ef_coll_config cfg;
    struct ef_store *store;
    char canon[EF_SYSTEM_NAME_MAX + 1], actor[EF_ACTOR_MAX + 1];
    char(*keys)[EF_NAME_MAX + 1] = NULL;
    const char **kp = NULL;
    int rc, i;

    if (ef_dept_name_canon(name, canon) != 0) {
        ef_error("no system named \"%s\"", name);
        return EF_EXIT_USAGE;
    }
    if (n < 1) {
        ef_error("system %s NAME needs at least one HOST", remove ? "unassign" : "assign");
        return EF_EXIT_USAGE;
    }
    if ((keys = calloc((size_t)n, sizeof(*keys))) == NULL ||
        (kp = calloc((size_t)n, sizeof(*kp))) == NULL) {
        free(keys);
        ef_error("out of memory");
        return EF_EXIT_FAIL;
    }
    for (i = 0; i < n; i++) {
        if (strlen(hosts[i]) > EF_NAME_MAX || ef_inv_host_name_key(hosts[i], keys[i]) != 0) {
            ef_error("\"%s\" is not a host name", hosts[i]);
            free(keys);
            free(kp);
            return EF_EXIT_USAGE;
        }
        kp[i] = keys[i];
    }
    if ((rc = ef_cmd_open(config, &cfg, &store)) == EF_EXIT_OK) {
        ef_cli_actor(actor, sizeof(actor));
        rc = store_result(store,
                          store->ops->system_assign(store, canon, (const char *const *)hosts, kp,
                                                    (size_t)n, remove, actor, ef_coll_now()));
        if (rc == EF_EXIT_OK)
            ef_info("%d host%s %s \"%s\"", n, n == 1 ? "" : "s", remove ? "untied from" : "tied to",
                    canon);
        ef_store_close(store);
    }
    free(keys);
    free(kp);
    return rc;
}

static void print_pct(const json_t *o)
{
    const json_t *p = json_object_get(o, "compliance_pct");

    if (json_is_number(p))
        printf("%5.1f %%", json_number_value(p));
    else
        fputs("    - ", stdout);
}

static void print_system(const json_t *y, int machines)
{
    char safe[4 * EF_OWNER_MAX + 1];
    const json_t *a, *m;
    size_t i;

    printf("%s  K%d R%d T%d", json_string_value(json_object_get(y, "name")),
           (int)json_integer_value(json_object_get(y, "k")),
           (int)json_integer_value(json_object_get(y, "r")),
           (int)json_integer_value(json_object_get(y, "t")));
    if (*json_string_value(json_object_get(y, "department")))
        printf("  %s", json_string_value(json_object_get(y, "department")));
    putchar('\n');
    printf("    system owner: %s\n",
           ef_text_safe(json_string_value(json_object_get(y, "owner")), safe, sizeof(safe)));
    printf("    information owner: %s\n",
           ef_text_safe(json_string_value(json_object_get(y, "info_owner")), safe, sizeof(safe)));
    printf("    computers: %lld tied, %lld reporting; compliance ",
           (long long)json_integer_value(json_object_get(y, "hosts")),
           (long long)json_integer_value(json_object_get(y, "reporting")));
    print_pct(y);
    fputs("\n    per aspect:", stdout);
    json_array_foreach(json_object_get(y, "aspects"), i, a)
    {
        printf("  %s ", json_string_value(json_object_get(a, "aspect")));
        print_pct(a);
    }
    putchar('\n');
    if (!machines)
        return;
    json_array_foreach(json_object_get(y, "machines"), i, m)
    {
        const char *dept = json_string_value(json_object_get(m, "department"));

        printf("    %-32s %-28s ",
               ef_text_safe(json_string_value(json_object_get(m, "hostname")), safe, sizeof(safe)),
               dept != NULL ? dept : "(not enrolled)");
        if (json_is_true(json_object_get(m, "stale")) && dept != NULL)
            fputs("stale", stdout);
        else
            print_pct(m);
        putchar('\n');
    }
}

static int sys_show(const char *config, const char *name, int json)
{
    struct ef_check_catalogs checks;
    struct ef_coll_config cfg;
    struct ef_store *store;
    char canon[EF_SYSTEM_NAME_MAX + 1], err[512];
    json_t *arr = NULL, *y;
    size_t i;
    int rc, win_absent = 0;

    if (name != NULL && ef_dept_name_canon(name, canon) != 0) {
        ef_error("no system named \"%s\"", name);
        return EF_EXIT_USAGE;
    }
    if ((rc = ef_cmd_open(config, &cfg, &store)) != EF_EXIT_OK)
        return rc;
    memset(&checks, 0, sizeof(checks));
    /* the aspects of each check come from the catalogs serve counts against */
    if (ef_check_catalogs_load(&checks, cfg.policies, cfg.policies_windows, &win_absent, err,
                               sizeof(err)) != 0)
        ef_warn("policies: %s: figures per aspect are empty", err);
    rc = ef_systems_json(store, &checks, name != NULL ? canon : NULL, NULL, cfg.stale_days,
                         ef_coll_now(), &arr);
    if (rc == EF_NOTFOUND) {
        ef_error("no system named \"%s\" (system list)", canon);
        rc = EF_EXIT_FAIL;
    } else if (rc != EF_OK) {
        ef_error("%s", rc == EF_NOMEM ? "out of memory" : store->err);
        rc = EF_EXIT_FAIL;
    } else if (json) {
        rc = ef_cli_print_json(json_incref(name != NULL ? json_array_get(arr, 0) : arr));
    } else {
        if (json_array_size(arr) == 0)
            puts("No systems (efterlev-collector system add).");
        json_array_foreach(arr, i, y) print_system(y, name != NULL);
        rc = EF_EXIT_OK;
    }
    if (fflush(stdout) != 0)
        rc = EF_EXIT_FAIL;
    json_decref(arr);
    ef_check_catalogs_free(&checks);
    ef_store_close(store);
    return rc;
}

int cmd_system(int argc, char **argv)
{
    static const struct option opts[] = {{"config", required_argument, NULL, 'c'},
                                         {"owner", required_argument, NULL, 'o'},
                                         {"info-owner", required_argument, NULL, 'i'},
                                         {"k", required_argument, NULL, 'K'},
                                         {"r", required_argument, NULL, 'R'},
                                         {"t", required_argument, NULL, 'T'},
                                         {"department", required_argument, NULL, 'd'},
                                         {"replace", no_argument, NULL, 'x'},
                                         {"format", required_argument, NULL, 'f'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *config = NULL, *owner = NULL, *info = NULL, *k = NULL, *r = NULL, *t = NULL,
               *dept = NULL, *format = "text", *sub;
    int c, replace = 0, args;

    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            config = optarg;
            break;
        case 'o':
            owner = optarg;
            break;
        case 'i':
            info = optarg;
            break;
        case 'K':
            k = optarg;
            break;
        case 'R':
            r = optarg;
            break;
        case 'T':
            t = optarg;
            break;
        case 'd':
            dept = optarg;
            break;
        case 'x':
            replace = 1;
            break;
        case 'f':
            format = optarg;
            break;
        case 'h':
            fputs(help, stdout);
            return EF_EXIT_OK;
        default:
            return ef_usage_hint("system");
        }
    }
    if (ef_cli_json_format(format) < 0)
        return EF_EXIT_USAGE;
    sub = optind < argc ? argv[optind] : "";
    args = argc - optind - 1;
    if (strcmp(sub, "add") == 0 && args == 1)
        return sys_add(config, argv[optind + 1], owner, info, k, r, t, dept, replace);
    if (strcmp(sub, "remove") == 0 && args == 1)
        return sys_remove(config, argv[optind + 1]);
    if ((strcmp(sub, "assign") == 0 || strcmp(sub, "unassign") == 0) && args >= 1)
        return sys_assign(config, argv[optind + 1], argv + optind + 2, args - 1,
                          strcmp(sub, "unassign") == 0);
    if (strcmp(sub, "list") == 0 && args == 0)
        return sys_show(config, NULL, strcmp(format, "json") == 0);
    if (strcmp(sub, "show") == 0 && args == 1)
        return sys_show(config, argv[optind + 1], strcmp(format, "json") == 0);
    ef_error("expected \"system add NAME ...\", \"system remove NAME\", \"system assign NAME "
             "HOST...\", \"system unassign NAME HOST...\", \"system list\" or \"system show "
             "NAME\"");
    return ef_usage_hint("system");
}
