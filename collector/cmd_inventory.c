/* SPDX-License-Identifier: EUPL-1.2 */
/* inventory import and coverage: the municipality's device list, and how much of it
 * reports (docs/operations.md, "The device list"; docs/figures.md, "Coverage"). */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "commands.h"
#include "coverage.h"
#include "efterlev/log.h"
#include "inventory.h"
#include "now.h"

static const char inventory_help[] =
    "Usage: efterlev-collector inventory import FILE [--column FIELD=HEADER]... [--config FILE]\n"
    "\n"
    "Replace the municipality's device list with FILE, a CSV export from Active Directory,\n"
    "Intune or a CMDB: the whole current list, one device a row. The import is one\n"
    "transaction (a bad row imports nothing and names FILE:LINE) and is audit-logged.\n"
    "FILE is UTF-8 (with or without a byte order mark) or Windows-1252 (Swedish Excel's\n"
    "\"CSV (semikolonavgränsad)\"), separated by ';' or ',' (decided by the header line).\n"
    "Columns are found by header, case-insensitive:\n"
    "  hostname    hostname, name, computername, dnshostname, device name, datornamn,\n"
    "              värdnamn, enhetsnamn                                   (required)\n"
    "  department  department, förvaltning, forvaltning, avdelning, organisation (required)\n"
    "  os          os, operatingsystem, operating system, operativsystem\n"
    "  serial      serial, serialnumber, serial number, serienummer\n"
    "  last_logon  lastlogon, lastlogondate, lastlogontimestamp, last logon,\n"
    "              senaste inloggning\n"
    "  system      system, informationssystem, systemnamn, system name\n"
    "A department the collector does not have is kept under its name and reported.\n"
    "A device with a system is tied to it (as system assign does; ties are only added, so\n"
    "a tie made by hand stays); every system named must exist (system add), or nothing is\n"
    "imported.\n"
    "\n"
    "Options:\n"
    "  --column FIELD=HEADER   the column of FIELD is the one headed HEADER\n"
    "\n"
    "Examples:\n"
    "  efterlev-collector inventory import datorer.csv\n"
    "  efterlev-collector inventory import cmdb.csv --column hostname=CI --column "
    "department=Kund\n";

static const char coverage_help[] =
    "Usage: efterlev-collector coverage [--department NAME] [--format text|json|csv]\n"
    "                                   [--csv-dialect rfc4180|excel-sv] [--config FILE]\n"
    "\n"
    "How much of the device list (inventory import) reports, per department of the list:\n"
    "devices listed, reporting (an enrolled agent of that name reported within stale_days),\n"
    "stale (its agent is silent longer), never seen (no agent of that name), coverage =\n"
    "reporting / listed; and, per department, the reporting hosts the list does not hold.\n"
    "A device matches an agent by host name, case-insensitive, by the short name when\n"
    "either is a short name (docs/figures.md, \"Coverage\").\n"
    "\n"
    "Examples:\n"
    "  efterlev-collector coverage\n"
    "  efterlev-collector coverage --format csv --csv-dialect excel-sv > täckning.csv\n";

/* Every system the list names must exist: checked before anything is imported. 0, or -1
 * (logged: the first unknown one, with its line). */
static int systems_known(struct ef_store *store, const struct ef_inv_list *list, const char *file)
{
    struct ef_system *y = NULL;
    size_t ny = 0, i, k;
    int rc = 0;

    if (store->ops->system_list(store, &y, &ny) != EF_OK) {
        ef_error("%s; nothing imported", store->err);
        return -1;
    }
    for (i = 0; i < list->n && rc == 0; i++) {
        if (list->v[i].system[0] == '\0')
            continue;
        for (k = 0; k < ny && strcmp(y[k].name, list->v[i].system) != 0; k++)
            ;
        if (k == ny) {
            ef_error("%s:%lld: no system named \"%s\" (efterlev-collector system add); nothing "
                     "imported",
                     file, (long long)list->v[i].line, list->v[i].system);
            rc = -1;
        }
    }
    free(y);
    return rc;
}

/* Tie each device that names a system to it, one transaction per system (system_assign,
 * audit-logged). EF_OK, or the store's error with err saying why. */
static int tie_systems(struct ef_store *store, const struct ef_inv_list *list, const char *actor,
                       size_t *tied, char *err, size_t errlen)
{
    const char **hosts = calloc(list->n ? list->n : 1, sizeof(*hosts));
    const char **keys = calloc(list->n ? list->n : 1, sizeof(*keys));
    char *done = calloc(list->n ? list->n : 1, 1);
    int rc = EF_OK;

    *tied = 0;
    if (hosts == NULL || keys == NULL || done == NULL) {
        snprintf(err, errlen, "out of memory");
        rc = EF_ERR;
    }
    for (size_t i = 0; rc == EF_OK && i < list->n; i++) {
        size_t n = 0;

        if (done[i] || list->v[i].system[0] == '\0')
            continue;
        for (size_t j = i; j < list->n; j++)
            if (!done[j] && strcmp(list->v[j].system, list->v[i].system) == 0) {
                done[j] = 1;
                hosts[n] = list->v[j].hostname;
                keys[n++] = list->v[j].host_key;
            }
        rc = store->ops->system_assign(store, list->v[i].system, hosts, keys, n, 0, actor,
                                       ef_coll_now());
        if (rc == EF_OK)
            *tied += n;
        else
            snprintf(err, errlen, "%s", store->err);
    }
    free(hosts);
    free(keys);
    free(done);
    return rc;
}

/* The file's name as recorded: its last path component. */
static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');

    return slash != NULL && slash[1] != '\0' ? slash + 1 : path;
}

static int import(int argc, char **argv)
{
    static const struct option opts[] = {{"config", required_argument, NULL, 'c'},
                                         {"column", required_argument, NULL, 'C'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *config = NULL, *override[EF_INV_FIELDS] = {0};
    struct ef_inv_list list = {0};
    struct ef_inventory_info info = {0};
    struct ef_department *dl = NULL;
    struct ef_coll_config cfg;
    struct ef_store *store = NULL;
    json_t *details = NULL, *per = NULL, *unknown = NULL;
    char err[1024], *text = NULL;
    size_t ndl = 0, i, k;
    int ch, rc;

    while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (ch) {
        case 'c':
            config = optarg;
            break;
        case 'C': {
            char *eq = strchr(optarg, '=');
            int f;

            if (eq != NULL)
                *eq = '\0';
            if (eq == NULL || eq[1] == '\0' || (f = ef_inv_field_parse(optarg)) < 0) {
                ef_error("--column takes FIELD=HEADER, FIELD one of hostname, department, os, "
                         "serial, last_logon");
                return EF_EXIT_USAGE;
            }
            override[f] = eq + 1;
            break;
        }
        case 'h':
            fputs(inventory_help, stdout);
            return EF_EXIT_OK;
        default:
            return ef_usage_hint("inventory");
        }
    }
    if (optind + 1 != argc) {
        ef_error("expected one FILE");
        return ef_usage_hint("inventory");
    }
    /* The file first: a bad list is refused before the database is touched. */
    if (ef_inv_read(argv[optind], override, &list, err, sizeof(err)) != 0) {
        ef_error("%s; nothing imported", err);
        return EF_EXIT_FAIL;
    }
    if ((rc = ef_cmd_open(config, &cfg, &store)) != EF_EXIT_OK) {
        ef_inv_list_free(&list);
        return rc;
    }
    rc = EF_EXIT_FAIL;
    if (systems_known(store, &list, argv[optind]) != 0)
        goto out;
    if (store->ops->department_list(store, &dl, &ndl) != EF_OK) {
        ef_error("%s", store->err);
        goto out;
    }
    details = json_object();
    per = json_object();
    unknown = json_array();
    if (details == NULL || per == NULL || unknown == NULL)
        goto oom;
    for (i = 0; i < list.n; i++) {
        const char *d = list.v[i].department;
        json_t *c = json_object_get(per, d);

        if (c == NULL) {
            if (json_object_set_new(per, d, json_integer(1)) != 0)
                goto oom;
            for (k = 0; k < ndl && strcmp(dl[k].name, d) != 0; k++)
                ;
            if (k == ndl && json_array_append_new(unknown, json_string(d)) != 0)
                goto oom;
        } else {
            json_integer_set(c, json_integer_value(c) + 1);
        }
    }
    strlcpy(info.file, base_name(argv[optind]), sizeof(info.file));
    ef_cli_actor(info.actor, sizeof(info.actor));
    if (json_object_set_new(details, "file", json_string(info.file)) != 0 ||
        json_object_set_new(details, "rows", json_integer((json_int_t)list.n)) != 0 ||
        json_object_set_new(details, "encoding",
                            json_string(list.windows1252 ? "windows-1252" : "utf-8")) != 0 ||
        json_object_set(details, "departments", per) != 0 ||
        json_object_set(details, "not_in_collector", unknown) != 0 ||
        (text = json_dumps(details, JSON_COMPACT | JSON_SORT_KEYS)) == NULL)
        goto oom;
    if ((rc = store->ops->inventory_replace(store, &info, list.v, list.n, text, ef_coll_now())) !=
        EF_OK) {
        ef_error("%s; nothing imported", ef_store_why(store, rc));
        rc = EF_EXIT_FAIL;
        goto out;
    }
    printf("Imported %zu devices from %s (%s, '%c'-separated), replacing the previous list.\n",
           list.n, argv[optind], list.windows1252 ? "Windows-1252" : "UTF-8", list.sep);
    {
        size_t tied = 0;
        char why[512] = "";

        if (tie_systems(store, &list, info.actor, &tied, why, sizeof(why)) != EF_OK) {
            ef_error("the list is imported, but tying its devices to their systems failed: %s "
                     "(import it again, or system assign)",
                     why);
            goto out;
        }
        if (tied > 0)
            printf("Tied %zu devices to the systems the list names.\n", tied);
    }
    {
        const char *name;
        json_t *v;

        json_object_foreach(per, name, v)
            printf("  %-40s %6" PRId64 "\n", name, (int64_t)json_integer_value(v));
    }
    if (json_array_size(unknown) > 0) {
        json_t *v;
        char names[1024] = "";

        json_array_foreach(unknown, i, v)
            snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s\"%s\"",
                     i ? ", " : "", json_string_value(v));
        ef_warn("not departments of the collector: %s; their devices are kept and shown under "
                "those names (add the department, or correct the list)",
                names);
    }
    rc = fflush(stdout) == 0 ? EF_EXIT_OK : EF_EXIT_FAIL;
    goto out;
oom:
    ef_error("out of memory");
    rc = EF_EXIT_FAIL;
out:
    free(text);
    json_decref(details);
    json_decref(per);
    json_decref(unknown);
    free(dl);
    ef_inv_list_free(&list);
    ef_store_close(store);
    return rc;
}

int cmd_inventory(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "import") == 0)
        return import(argc - 1, argv + 1);
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        fputs(inventory_help, stdout);
        return EF_EXIT_OK;
    }
    ef_error("expected: inventory import FILE");
    return ef_usage_hint("inventory");
}

int cmd_coverage(int argc, char **argv)
{
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'}, {"department", required_argument, NULL, 'd'},
        {"format", required_argument, NULL, 'f'}, {"csv-dialect", required_argument, NULL, 'D'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0}};
    const char *config = NULL, *dept = NULL, *format = "text", *dialect = "rfc4180";
    char deptbuf[EF_DEPT_NAME_MAX + 1];
    const struct ef_csv_dialect *dl;
    struct ef_coll_config cfg;
    struct ef_coverage cov;
    struct ef_store *store;
    int ch, rc;

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
        case 'f':
            format = optarg;
            break;
        case 'D':
            dialect = optarg;
            break;
        case 'h':
            fputs(coverage_help, stdout);
            return EF_EXIT_OK;
        default:
            return ef_usage_hint("coverage");
        }
    }
    if (optind != argc) {
        ef_error("unexpected argument \"%s\"", argv[optind]);
        return ef_usage_hint("coverage");
    }
    if ((dl = ef_cli_table_format(format, dialect)) == NULL)
        return ef_usage_hint("coverage");
    if ((rc = ef_cmd_open(config, &cfg, &store)) != EF_EXIT_OK)
        return rc;
    rc = ef_coverage_build(store, dept, cfg.stale_days, ef_coll_now(), &cov);
    if (rc != EF_OK) {
        if (rc == EF_NOTFOUND)
            ef_error("no department named \"%s\" in the collector or the device list", dept);
        else
            ef_error("%s", ef_store_why(store, rc));
        ef_store_close(store);
        return EF_EXIT_FAIL;
    }
    if (strcmp(format, "json") == 0) {
        json_t *j = ef_coverage_json(&cov);

        rc = j != NULL && json_dumpf(j, stdout, JSON_INDENT(2) | JSON_REAL_PRECISION(10)) == 0 ? 0
                                                                                               : -1;
        if (rc == 0)
            putchar('\n');
        json_decref(j);
    } else if (strcmp(format, "csv") == 0) {
        rc = ef_coverage_csv(&cov, dl, stdout);
    } else {
        rc = ef_coverage_text(&cov, stdout);
    }
    rc = rc == 0 && fflush(stdout) == 0 ? EF_EXIT_OK : EF_EXIT_FAIL;
    ef_coverage_free(&cov);
    ef_store_close(store);
    return rc;
}
