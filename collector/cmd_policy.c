/* SPDX-License-Identifier: EUPL-1.2 */
/* efterlev-collector policy: the policies the collector serves its agents, per department
 * (docs/operations.md, "Policies per department"; docs/protocol.md, "Policy"). */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "audit.h"
#include "check_catalog.h"
#include "commands.h"
#include "controls.h"
#include "efterlev/sign.h"
#include "export.h"
#include "efterlev/log.h"
#include "efterlev/policy.h"
#include "efterlev/util.h"
#include "now.h"
#include "policy_doc.h"

static const char help[] =
    "Usage: efterlev-collector policy add FILE [--name NAME] [--platform linux|windows]\n"
    "                                         [--replace]\n"
    "       efterlev-collector policy list [--format text|json]\n"
    "       efterlev-collector policy show --department NAME [--platform linux|windows]\n"
    "       efterlev-collector policy assign NAME --department NAME [--remove]\n"
    "       efterlev-collector policy disable-check CHECK --department NAME --reason TEXT\n"
    "       efterlev-collector policy disable-check CHECK --department NAME --enable\n"
    "       efterlev-collector policy set CHECK PARAM VALUE --department NAME [--reason TEXT]\n"
    "       efterlev-collector policy set CHECK PARAM --department NAME --unset\n"
    "       efterlev-collector policy key [--create]\n"
    "       (each also takes --config FILE)\n"
    "\n"
    "The collector serves each department's agents their policy (GET /api/v1/policy, signed\n"
    "with policy-key.pem next to the configuration file, whose public half the agents pin at\n"
    "enrollment): the check catalog of collector.yml (policies, policies_windows), the site\n"
    "policies assigned to the department, and the catalog checks switched off for it. Agents\n"
    "pick a change up on their next run. Every change raises the department's policy version\n"
    "and is audit-logged.\n"
    "\n"
    "  add FILE        store the municipality's own checks (a policy YAML file, checked with\n"
    "                  the agents' loader, together with the catalog: a check id the catalog\n"
    "                  has already is refused). --name: what assign calls it (default: the\n"
    "                  file's name without .yml); --platform: linux (default) or windows;\n"
    "                  --replace: new text for the site policy NAME (every department it\n"
    "                  is assigned to gets a new version)\n"
    "  list            the site policies\n"
    "  show            the document the department's agents are served (JSON)\n"
    "  key             the public half of the policy key (base64 of the raw 32 bytes), the\n"
    "                  key agents pin at enrollment; --create makes policy-key.pem when there\n"
    "                  is none (the packages' install scripts do; serve makes it too when it\n"
    "                  may write the configuration's folder, else serves no policy)\n"
    "  assign NAME     the department's agents run the site policy NAME too (--remove: no\n"
    "                  longer)\n"
    "  disable-check   switch a check off for the department, with the reason: its agents\n"
    "                  report it as na, the evidence giving the reason (a deliberate\n"
    "                  deviation, not a missing result); --enable switches it on again\n"
    "  set             change a check's tunable parameter PARAM (a threshold the catalog\n"
    "                  declares with its bounds: docs/policy-format.md, \"Tunable\n"
    "                  parameters\") to VALUE for the department, at every level; a value\n"
    "                  outside the bounds is refused; --unset goes back to the catalog's\n"
    "\n"
    "Examples:\n"
    "  efterlev-collector policy add kommun-backup.yml --name kommun-backup\n"
    "  efterlev-collector policy assign kommun-backup --department Socialförvaltningen\n"
    "  efterlev-collector policy disable-check enc.root_luks --department Skolförvaltningen \\\n"
    "      --reason \"Stationary lab machines without personal data; decision 2026-12-01\"\n"
    "  efterlev-collector policy disable-check enc.root_luks --department Skolförvaltningen "
    "--enable\n"
    "  efterlev-collector policy set patch.security_updates_pending max_days 14 --department "
    "Skolförvaltningen\n"
    "  efterlev-collector policy show --department Skolförvaltningen --platform linux\n";

struct opts {
    const char *config, *name, *platform, *reason, *format;
    char dept[EF_DEPT_NAME_MAX + 1];
    int have_dept, remove, enable, create, replace;
};

static int parse(int argc, char **argv, struct opts *o)
{
    static const struct option lo[] = {{"config", required_argument, NULL, 'c'},
                                       {"name", required_argument, NULL, 'n'},
                                       {"platform", required_argument, NULL, 'p'},
                                       {"department", required_argument, NULL, 'd'},
                                       {"reason", required_argument, NULL, 'r'},
                                       {"format", required_argument, NULL, 'f'},
                                       {"remove", no_argument, NULL, 'R'},
                                       {"enable", no_argument, NULL, 'E'},
                                       {"unset", no_argument, NULL, 'U'},
                                       {"create", no_argument, NULL, 'C'},
                                       {"replace", no_argument, NULL, 'P'},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
    int ch;

    memset(o, 0, sizeof(*o));
    o->platform = "linux";
    o->format = "text";
    while ((ch = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        switch (ch) {
        case 'c':
            o->config = optarg;
            break;
        case 'n':
            o->name = optarg;
            break;
        case 'p':
            o->platform = optarg;
            break;
        case 'd':
            if (ef_cli_dept(optarg, o->dept) != EF_EXIT_OK)
                return EF_EXIT_USAGE;
            o->have_dept = 1;
            break;
        case 'r':
            o->reason = optarg;
            break;
        case 'f':
            o->format = optarg;
            break;
        case 'R':
            o->remove = 1;
            break;
        case 'C':
            o->create = 1;
            break;
        case 'P':
            o->replace = 1;
            break;
        case 'E':
        case 'U':
            o->enable = 1;
            break;
        case 'h':
            fputs(help, stdout);
            return -1;
        default:
            return ef_usage_hint("policy");
        }
    }
    if (ef_policy_platform_valid(o->platform) != 0) {
        ef_error("--platform must be linux or windows");
        return EF_EXIT_USAGE;
    }
    if (ef_cli_json_format(o->format) < 0)
        return EF_EXIT_USAGE;
    return EF_EXIT_OK;
}

/* A site policy's name: what a check id's parts may hold, 1 to EF_POLICY_NAME_MAX bytes. */
static int name_ok(const char *s)
{
    size_t n = strlen(s);

    if (n == 0 || n > EF_POLICY_NAME_MAX)
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-' || *s == '_' ||
              *s == '.'))
            return 0;
    return 1;
}

static const char *controls_file(void)
{
    struct stat st;
    const char *c = ef_catalog_default_path();

    return stat(c, &st) == 0 ? c : NULL;
}

/* The platform's catalog path in cfg. */
static const char *catalog_path(const struct ef_coll_config *cfg, const char *platform)
{
    return strcmp(platform, "windows") == 0 ? cfg->policies_windows : cfg->policies;
}

static int do_add(const struct opts *o, const char *file)
{
    struct ef_site_policy p = {0};
    struct ef_policy_set ps;
    struct ef_coll_config cfg;
    struct ef_store *store = NULL;
    char err[1024], name[EF_POLICY_NAME_MAX + 1];
    size_t len = 0;
    int rc;

    if (o->name != NULL) {
        snprintf(name, sizeof(name), "%s", o->name);
    } else {
        const char *slash = strrchr(file, '/'), *base = slash != NULL ? slash + 1 : file;
        size_t bl = strlen(base);

        if (bl > 4 && strcmp(base + bl - 4, ".yml") == 0)
            bl -= 4;
        snprintf(name, sizeof(name), "%.*s", (int)bl, base);
    }
    if (!name_ok(name) || (o->name != NULL && strlen(o->name) > EF_POLICY_NAME_MAX)) {
        ef_error("policy name \"%s\": 1 to %d of a-z, 0-9, '.', '_', '-' (give --name)", name,
                 EF_POLICY_NAME_MAX);
        return EF_EXIT_USAGE;
    }
    if ((rc = ef_read_file(file, EF_POLICY_YAML_MAX, &p.yaml, &len)) != 0) {
        ef_error("cannot read %s: %s", file, strerror(-rc));
        return EF_EXIT_FAIL;
    }
    if (strlen(p.yaml) != len) {
        ef_error("%s holds a NUL byte: not a policy file", file);
        free(p.yaml);
        return EF_EXIT_FAIL;
    }
    if ((rc = ef_cmd_open(o->config, &cfg, &store)) != EF_EXIT_OK) {
        free(p.yaml);
        return rc;
    }
    rc = EF_EXIT_FAIL;
    /* As the agents will load it: after the catalog, so a check id the catalog has already
     * is refused here rather than on every machine. */
    ef_policy_init(&ps);
    if (ef_policy_load(&ps, catalog_path(&cfg, o->platform), controls_file(), err, sizeof(err)) !=
            0 ||
        ef_policy_load_mem(&ps, file, p.yaml, len, controls_file(), err, sizeof(err)) != 0) {
        ef_error("%s; nothing added", err);
        ef_policy_free(&ps);
        goto out;
    }
    ef_policy_free(&ps);
    snprintf(p.name, sizeof(p.name), "%s", name);
    snprintf(p.platform, sizeof(p.platform), "%s", o->platform);
    ef_sha256_hex(p.yaml, len, p.sha256);
    ef_cli_actor(p.actor, sizeof(p.actor));
    rc = store->ops->policy_add(store, &p, o->replace, ef_coll_now());
    if (rc == EF_EXISTS) {
        ef_error("a site policy named \"%s\" exists already (policy list; --replace changes it)",
                 name);
        rc = EF_EXIT_FAIL;
        goto out;
    }
    if (rc != EF_OK) {
        ef_error("%s", ef_store_why(store, rc));
        rc = EF_EXIT_FAIL;
        goto out;
    }
    if (o->replace)
        printf("Replaced site policy %s (%s, sha256 %s); the departments it is assigned to pick "
               "it up on their next run.\n",
               name, o->platform, p.sha256);
    else
        printf("Added site policy %s (%s, sha256 %s). Assign it: efterlev-collector policy "
               "assign %s --department NAME\n",
               name, o->platform, p.sha256, name);
    rc = EF_EXIT_OK;
out:
    free(p.yaml);
    ef_store_close(store);
    return rc;
}

static int do_list(const struct opts *o)
{
    struct ef_coll_config cfg;
    struct ef_store *store = NULL;
    struct ef_site_policy *v = NULL;
    size_t n = 0, i;
    int rc;

    if ((rc = ef_cmd_open(o->config, &cfg, &store)) != EF_EXIT_OK)
        return rc;
    if ((rc = store->ops->policy_list(store, &v, &n)) != EF_OK) {
        ef_error("%s", ef_store_why(store, rc));
        ef_store_close(store);
        return EF_EXIT_FAIL;
    }
    if (strcmp(o->format, "json") == 0) {
        json_t *a = json_array();

        for (i = 0; a != NULL && i < n; i++) {
            char at[32];

            ef_time_rfc3339((time_t)v[i].added_at, at);
            json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:s, s:s}", "name", v[i].name,
                                               "platform", v[i].platform, "sha256", v[i].sha256,
                                               "added_at", at, "actor", v[i].actor));
        }
        if (a == NULL || json_dumpf(a, stdout, JSON_INDENT(2)) != 0)
            rc = EF_ERR;
        json_decref(a);
        putchar('\n');
    } else {
        if (n == 0)
            printf("No site policies (policy add FILE).\n");
        for (i = 0; i < n; i++) {
            char at[32];

            ef_time_rfc3339((time_t)v[i].added_at, at);
            printf("%-32s %-8s %s  added %s by %s\n", v[i].name, v[i].platform, v[i].sha256, at,
                   v[i].actor);
        }
    }
    ef_site_policies_free(v, n);
    ef_store_close(store);
    return rc == EF_OK && fflush(stdout) == 0 ? EF_EXIT_OK : EF_EXIT_FAIL;
}

static int do_show(const struct opts *o)
{
    struct ef_coll_config cfg;
    struct ef_store *store = NULL;
    struct ef_check_catalogs cs = {0};
    struct ef_policy_doc doc;
    char err[1024];
    int rc, absent = 0;

    if (!o->have_dept) {
        ef_error("show needs --department NAME");
        return ef_usage_hint("policy");
    }
    if ((rc = ef_cmd_open(o->config, &cfg, &store)) != EF_EXIT_OK)
        return rc;
    if (ef_check_catalogs_load(&cs, cfg.policies, cfg.policies_windows, &absent, err,
                               sizeof(err)) != 0) {
        ef_error("%s", err);
        ef_store_close(store);
        return EF_EXIT_FAIL;
    }
    rc = ef_policy_doc_build(store, &cs, o->dept, o->platform, &doc, err, sizeof(err));
    if (rc == EF_OK) {
        fwrite(doc.text, 1, doc.len, stdout);
        putchar('\n');
        ef_policy_doc_free(&doc);
        rc = fflush(stdout) == 0 ? EF_EXIT_OK : EF_EXIT_FAIL;
    } else {
        ef_error("%s", err);
        rc = EF_EXIT_FAIL;
    }
    ef_check_catalogs_free(&cs);
    ef_store_close(store);
    return rc;
}

static int do_assign(const struct opts *o, const char *name)
{
    struct ef_coll_config cfg;
    struct ef_store *store = NULL;
    char actor[EF_ACTOR_MAX + 1];
    int rc;

    if (!o->have_dept) {
        ef_error("assign needs --department NAME");
        return ef_usage_hint("policy");
    }
    if ((rc = ef_cmd_open(o->config, &cfg, &store)) != EF_EXIT_OK)
        return rc;
    ef_cli_actor(actor, sizeof(actor));
    rc = store->ops->policy_assign(store, name, o->dept, o->remove, actor, ef_coll_now());
    if (rc == EF_OK)
        printf("%s %s %s; its agents pick it up on their next run.\n", name,
               o->remove ? "no longer assigned to" : "assigned to", o->dept);
    else
        ef_error("%s", ef_store_why(store, rc));
    ef_store_close(store);
    return rc == EF_OK ? EF_EXIT_OK : EF_EXIT_FAIL;
}

/* Whether either catalog holds check. */
static int in_catalog(const struct ef_coll_config *cfg, const char *check, char *err, size_t errlen)
{
    struct ef_check_catalogs cs = {0};
    int absent = 0, found;

    if (ef_check_catalogs_load(&cs, cfg->policies, cfg->policies_windows, &absent, err, errlen) !=
        0)
        return -1;
    found = ef_check_catalog_find(&cs.linux_checks, check) != NULL ||
            ef_check_catalog_find(&cs.windows_checks, check) != NULL;
    ef_check_catalogs_free(&cs);
    return found;
}

static int do_disable(const struct opts *o, const char *check)
{
    struct ef_policy_override ov = {0};
    struct ef_coll_config cfg;
    struct ef_store *store = NULL;
    char err[1024];
    int rc, found;

    if (!o->have_dept) {
        ef_error("disable-check needs --department NAME");
        return ef_usage_hint("policy");
    }
    if (!o->enable && (o->reason == NULL || o->reason[0] == '\0')) {
        ef_error("disable-check needs --reason TEXT: a deviation is recorded with its reason");
        return EF_EXIT_USAGE;
    }
    if (o->reason != NULL && strlen(o->reason) > EF_REASON_MAX) {
        ef_error("--reason: at most %d bytes", EF_REASON_MAX);
        return EF_EXIT_USAGE;
    }
    if (strlen(check) > EF_ID_MAX) {
        ef_error("no check %s in the catalog", check);
        return EF_EXIT_USAGE;
    }
    if ((rc = ef_cmd_open(o->config, &cfg, &store)) != EF_EXIT_OK)
        return rc;
    rc = EF_EXIT_FAIL;
    if (!o->enable && (found = in_catalog(&cfg, check, err, sizeof(err))) != 1) {
        if (found < 0)
            ef_error("%s", err);
        else
            ef_error("no check %s in the catalog (%s, %s)", check, cfg.policies,
                     cfg.policies_windows);
        goto out;
    }
    snprintf(ov.check, sizeof(ov.check), "%s", check);
    snprintf(ov.kind, sizeof(ov.kind), "disable");
    snprintf(ov.reason, sizeof(ov.reason), "%s", o->reason != NULL ? o->reason : "");
    ef_cli_actor(ov.actor, sizeof(ov.actor));
    if ((rc = store->ops->policy_override(store, o->dept, &ov, o->enable, ef_coll_now())) !=
        EF_OK) {
        ef_error("%s", ef_store_why(store, rc));
        rc = EF_EXIT_FAIL;
        goto out;
    }
    printf("%s %s for %s; its agents pick it up on their next run.\n", check,
           o->enable ? "switched on again" : "switched off", o->dept);
    rc = EF_EXIT_OK;
out:
    ef_store_close(store);
    return rc;
}

/* Whether check's tunable name takes value in the catalogs holding check (both, when both
 * do): 1 yes, 0 no (err says why), -1 a catalog does not load. */
static int tune_ok(const struct ef_coll_config *cfg, const char *check, const char *name,
                   const char *value, char *err, size_t errlen)
{
    const char *paths[2] = {cfg->policies, cfg->policies_windows};
    int found = 0;
    struct stat st;

    for (int i = 0; i < 2; i++) {
        struct ef_policy_set ps;
        int rc = 0;

        if (i == 1 && stat(paths[i], &st) != 0)
            continue; /* no Windows catalog */
        ef_policy_init(&ps);
        if (ef_policy_load(&ps, paths[i], controls_file(), err, errlen) != 0) {
            ef_policy_free(&ps);
            return -1;
        }
        if (ef_policy_find(&ps, check) != NULL) {
            found = 1;
            if (ef_policy_tune(&ps, check, name, value, err, errlen) != 0) {
                char list[512];

                if (ef_policy_tunables(&ps, check, list, sizeof(list)) == 0) {
                    size_t n = strlen(err);
                    snprintf(err + n, errlen - n, " (its tunables: %s)", list[0] ? list : "none");
                }
                rc = 1;
            }
        }
        ef_policy_free(&ps);
        if (rc)
            return 0;
    }
    if (!found)
        snprintf(err, errlen, "no check %s in the catalog", check);
    return found;
}

static int do_set(const struct opts *o, int argc, char **argv)
{
    struct ef_policy_override ov = {0};
    struct ef_coll_config cfg;
    struct ef_store *store = NULL;
    char err[1024];
    const char *check = argv[0], *name = argc > 1 ? argv[1] : "",
               *value = argc > 2 ? argv[2] : NULL;
    int rc;

    if (!o->have_dept || (o->enable ? argc != 2 : argc != 3)) {
        ef_error("set needs CHECK PARAM VALUE --department NAME (or CHECK PARAM --unset)");
        return ef_usage_hint("policy");
    }
    if (strlen(check) > EF_ID_MAX || strlen(name) > EF_ID_MAX ||
        (value != NULL && strlen(value) > EF_SHORT_MAX) ||
        (o->reason != NULL && strlen(o->reason) > EF_REASON_MAX)) {
        ef_error("CHECK, PARAM, VALUE or --reason too long");
        return EF_EXIT_USAGE;
    }
    if ((rc = ef_cmd_open(o->config, &cfg, &store)) != EF_EXIT_OK)
        return rc;
    rc = EF_EXIT_FAIL;
    if (value != NULL) {
        int ok = tune_ok(&cfg, check, name, value, err, sizeof(err));

        if (ok != 1) {
            ef_error("%s; nothing changed", err);
            goto out;
        }
    }
    snprintf(ov.check, sizeof(ov.check), "%s", check);
    snprintf(ov.kind, sizeof(ov.kind), "param");
    snprintf(ov.name, sizeof(ov.name), "%s", name);
    snprintf(ov.value, sizeof(ov.value), "%s", value != NULL ? value : "");
    snprintf(ov.reason, sizeof(ov.reason), "%s", o->reason != NULL ? o->reason : "");
    ef_cli_actor(ov.actor, sizeof(ov.actor));
    if ((rc = store->ops->policy_override(store, o->dept, &ov, o->enable, ef_coll_now())) !=
        EF_OK) {
        ef_error("%s", ef_store_why(store, rc));
        rc = EF_EXIT_FAIL;
        goto out;
    }
    if (value != NULL)
        printf("%s %s = %s for %s; its agents pick it up on their next run.\n", check, name, value,
               o->dept);
    else
        printf("%s %s back to the catalog's value for %s.\n", check, name, o->dept);
    rc = EF_EXIT_OK;
out:
    ef_store_close(store);
    return rc;
}

static int do_key(const struct opts *o)
{
    struct ef_coll_config cfg;
    char err[1024], path[4200];
    struct stat st;
    EVP_PKEY *key;
    char *pub;

    if (ef_coll_config_load(ef_coll_config_path(o->config), &cfg, err, sizeof(err)) != 0) {
        ef_error("%s", err);
        return EF_EXIT_USAGE;
    }
    ef_policy_key_path(cfg.path, path, sizeof(path));
    if (stat(path, &st) != 0 && !o->create) {
        ef_error("no policy key yet (%s): serve makes it, or policy key --create", path);
        return EF_EXIT_FAIL;
    }
    key = o->create ? ef_key_load_or_create(path, err, sizeof(err))
                    : ef_key_load(path, err, sizeof(err));
    if (key == NULL) {
        ef_error("policy key: %s", err);
        return EF_EXIT_FAIL;
    }
    pub = ef_key_public_b64(key);
    EVP_PKEY_free(key);
    if (pub == NULL) {
        ef_error("out of memory");
        return EF_EXIT_FAIL;
    }
    printf("%s\n", pub);
    free(pub);
    return fflush(stdout) == 0 ? EF_EXIT_OK : EF_EXIT_FAIL;
}

int cmd_policy(int argc, char **argv)
{
    struct opts o;
    const char *verb;
    int rc;

    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(help, argc < 2 ? stderr : stdout);
        return argc < 2 ? EF_EXIT_USAGE : EF_EXIT_OK;
    }
    verb = argv[1];
    argc--;
    argv++;
    if ((rc = parse(argc, argv, &o)) != EF_EXIT_OK)
        return rc < 0 ? EF_EXIT_OK : rc;
    if (strcmp(verb, "list") == 0 && optind == argc)
        return do_list(&o);
    if (strcmp(verb, "show") == 0 && optind == argc)
        return do_show(&o);
    if (strcmp(verb, "key") == 0 && optind == argc)
        return do_key(&o);
    if (strcmp(verb, "set") == 0 && optind < argc)
        return do_set(&o, argc - optind, argv + optind);
    if (optind + 1 != argc) {
        ef_error("policy %s: expected one argument", verb);
        return ef_usage_hint("policy");
    }
    if (strcmp(verb, "add") == 0)
        return do_add(&o, argv[optind]);
    if (strcmp(verb, "assign") == 0)
        return do_assign(&o, argv[optind]);
    if (strcmp(verb, "disable-check") == 0)
        return do_disable(&o, argv[optind]);
    ef_error("unknown policy command \"%s\"", verb);
    return ef_usage_hint("policy");
}
