/* SPDX-License-Identifier: EUPL-1.2 */
#include <getopt.h>
#include <jansson.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aggregate.h"
#include "audit.h"
#include "commands.h"
#include "names.h"
#include "now.h"
#include "efterlev/log.h"
#include "tokens.h"

static const char help[] =
    "Usage: efterlev-collector token add NAME --role ROLE [--config FILE]\n"
    "       efterlev-collector token list [--format text|json] [--config FILE]\n"
    "       efterlev-collector token revoke NAME [--config FILE]\n"
    "\n"
    "add prints a bearer token for the read API (GET /api/v1/summary, ...). ROLE is\n"
    "coordinator (everything), auditor (read everything) or department:NAME (only that\n"
    "department). Only the token's hash is stored, so keep the output.\n"
    "list shows the tokens' names and roles (never a secret).\n"
    "revoke deletes a token: its bearer is refused from the next request on. To rotate a\n"
    "token, add a new one, hand it over, then revoke the old. Both are audit-logged.\n"
    "\n"
    "Examples:\n"
    "  efterlev-collector token add dashboard --role coordinator\n"
    "  efterlev-collector token add soc-lead --role department:Socialförvaltningen\n"
    "  efterlev-collector token revoke soc-lead\n"
    "  curl --cacert tls/ca.pem -H \"Authorization: Bearer $TOKEN\" \\\n"
    "       https://localhost:8443/api/v1/summary\n";

static int dept_exists(struct ef_store *s, const char *name, int *exists)
{
    struct ef_department *d = NULL;
    size_t n, i;

    *exists = 0;
    if (s->ops->department_list(s, &d, &n) != EF_OK)
        return -1;
    for (i = 0; i < n; i++)
        if (strcmp(d[i].name, name) == 0)
            *exists = 1;
    free(d);
    return 0;
}

static int token_add(const char *config, const char *name, const char *role)
{
    char secret[EF_SECRET_LEN + 1], hash[65], actor[EF_ACTOR_MAX + 1];
    struct ef_coll_config cfg;
    struct ef_store *store;
    const char *dept;
    int64_t id;
    int rc, exists;

    if (!ef_dept_name_valid(name) || strlen(name) > EF_TOKEN_NAME_MAX) {
        ef_error("token name must be 1 to %d bytes of UTF-8 without control characters",
                 EF_TOKEN_NAME_MAX);
        return EF_EXIT_USAGE;
    }
    char role_nfc[EF_ROLE_MAX + 1];
    if (role != NULL && ef_role_canon(role, role_nfc) == 0)
        role = role_nfc; /* department:NAME with NAME in NFC (names.h) */
    else
        role = NULL;
    if (role == NULL || ef_role_parse(role, &dept) != 0) {
        ef_error("--role must be coordinator, auditor or department:NAME");
        return EF_EXIT_USAGE;
    }
    if ((rc = ef_cmd_open(config, &cfg, &store)) != EF_EXIT_OK)
        return rc;
    rc = EF_EXIT_FAIL;
    if (dept != NULL) {
        if (dept_exists(store, dept, &exists) != 0) {
            ef_error("%s", store->err);
            goto out;
        }
        if (!exists) {
            ef_error("no department named \"%s\"", dept);
            goto out;
        }
    }
    if (ef_secret_new(secret, hash) != 0) {
        ef_error("cannot generate a token");
        goto out;
    }
    switch (store->ops->token_add(store, name, role, hash, ef_coll_now(), &id)) {
    case EF_OK:
        printf("%" PRId64 ".%s\n", id, secret);
        rc = fflush(stdout) == 0 ? EF_EXIT_OK : EF_EXIT_FAIL;
        ef_info("added token \"%s\" with role %s", name, role);
        ef_cli_actor(actor, sizeof(actor));
        if (ef_audit(store, ef_coll_now(), actor, "token.add",
                     json_pack("{s:s, s:s}", "name", name, "role", role)) != EF_OK) {
            ef_error("audit log: %s", store->err);
            rc = EF_EXIT_FAIL;
        }
        break;
    case EF_EXISTS:
        ef_error("a token named \"%s\" already exists", name);
        break;
    default:
        ef_error("%s", store->err);
    }
    explicit_bzero(secret, sizeof(secret));
out:
    ef_store_close(store);
    return rc;
}

static int token_list(const char *config, int json)
{
    struct ef_api_token *t = NULL;
    struct ef_coll_config cfg;
    struct ef_store *store;
    size_t n, i;
    int rc;

    if ((rc = ef_cmd_open(config, &cfg, &store)) != EF_EXIT_OK)
        return rc;
    if (store->ops->token_list(store, &t, &n) != EF_OK) {
        ef_error("%s", store->err);
        ef_store_close(store);
        return EF_EXIT_FAIL;
    }
    if (json) {
        json_t *arr = json_array();
        for (i = 0; arr != NULL && i < n; i++)
            if (json_array_append_new(
                    arr, json_pack("{s:s, s:s}", "name", t[i].name, "role", t[i].role)) != 0)
                rc = EF_EXIT_FAIL;
        if (rc == EF_EXIT_OK)
            rc = ef_cli_print_json(arr);
        else
            json_decref(arr);
    } else {
        size_t w = strlen("TOKEN");
        for (i = 0; i < n; i++)
            if (ef_text_width(t[i].name) > w)
                w = ef_text_width(t[i].name);
        printf("TOKEN%*s  ROLE\n", (int)(w - strlen("TOKEN")), "");
        for (i = 0; i < n; i++)
            printf("%s%*s  %s\n", t[i].name, (int)(w - ef_text_width(t[i].name)), "", t[i].role);
    }
    if (fflush(stdout) != 0)
        rc = EF_EXIT_FAIL;
    free(t);
    ef_store_close(store);
    return rc;
}

static int token_revoke(const char *config, const char *name)
{
    char actor[EF_ACTOR_MAX + 1];
    struct ef_coll_config cfg;
    struct ef_store *store;
    int rc;

    if ((rc = ef_cmd_open(config, &cfg, &store)) != EF_EXIT_OK)
        return rc;
    switch (store->ops->token_revoke(store, name)) {
    case EF_OK:
        ef_info("revoked token \"%s\"", name);
        ef_cli_actor(actor, sizeof(actor));
        rc = EF_EXIT_OK;
        if (ef_audit(store, ef_coll_now(), actor, "token.revoke",
                     json_pack("{s:s}", "name", name)) != EF_OK) {
            ef_error("audit log: %s", store->err);
            rc = EF_EXIT_FAIL;
        }
        break;
    case EF_NOTFOUND:
        ef_error("no token named \"%s\" (efterlev-collector token list)", name);
        rc = EF_EXIT_FAIL;
        break;
    default:
        ef_error("%s", store->err);
        rc = EF_EXIT_FAIL;
    }
    ef_store_close(store);
    return rc;
}

int cmd_token(int argc, char **argv)
{
    static const struct option opts[] = {{"config", required_argument, NULL, 'c'},
                                         {"role", required_argument, NULL, 'r'},
                                         {"format", required_argument, NULL, 'f'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *config = NULL, *role = NULL, *format = "text";
    int c;

    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            config = optarg;
            break;
        case 'r':
            role = optarg;
            break;
        case 'f':
            format = optarg;
            break;
        case 'h':
            fputs(help, stdout);
            return EF_EXIT_OK;
        default:
            return ef_usage_hint("token");
        }
    }
    if (argc - optind == 2 && strcmp(argv[optind], "add") == 0)
        return token_add(config, argv[optind + 1], role);
    if (argc - optind == 2 && strcmp(argv[optind], "revoke") == 0)
        return token_revoke(config, argv[optind + 1]);
    if (argc - optind == 1 && strcmp(argv[optind], "list") == 0) {
        if (ef_cli_json_format(format) < 0)
            return EF_EXIT_USAGE;
        return token_list(config, strcmp(format, "json") == 0);
    }
    ef_error("expected \"token add NAME --role ROLE\", \"token list\" or \"token revoke NAME\"");
    return ef_usage_hint("token");
}
