/* SPDX-License-Identifier: EUPL-1.2 */
/* efterlev-collector user add|passwd|delete|list: people who log in to the dashboard. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "auth.h"
#include "commands.h"
#include "names.h"
#include "efterlev/log.h"
#include "efterlev/util.h"
#include "now.h"
#include "tokens.h"

static const char help[] =
    "Usage: efterlev-collector user add NAME --role ROLE [--password-file FILE] [--config FILE]\n"
    "       efterlev-collector user passwd NAME [--password-file FILE] [--config FILE]\n"
    "       efterlev-collector user delete NAME [--config FILE]\n"
    "       efterlev-collector user list [--format text|json] [--config FILE]\n"
    "\n"
    "People who log in to the dashboard (https://COLLECTOR/). ROLE is coordinator\n"
    "(everything), auditor (read and export everything) or department:NAME (only that\n"
    "department). The password is read from --password-file (its first line), else asked for\n"
    "twice without echo on a terminal, else read as one line from standard input. It must be\n"
    "at least 10 characters. Only its scrypt hash is stored. passwd ends the user's sessions.\n"
    "\n"
    "Examples:\n"
    "  efterlev-collector user add karin --role coordinator\n"
    "  efterlev-collector user add soc-chef --role department:Socialförvaltningen\n"
    "  printf '%s\\n' \"$PW\" | efterlev-collector user add revisor --role auditor\n";

/* One line of at most EF_PASSWORD_MAX bytes from f, without its line end. 0 or -1. */
static int read_line(FILE *f, char *buf, size_t buflen)
{
    size_t n;

    if (fgets(buf, (int)buflen, f) == NULL)
        return -1;
    n = strlen(buf);
    if (n == buflen - 1 && buf[n - 1] != '\n' && !feof(f))
        return -1; /* too long */
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
        buf[--n] = '\0';
    return 0;
}

static int prompt_noecho(const char *prompt, char *buf, size_t buflen)
{
    struct termios old, quiet;
    FILE *tty = fopen("/dev/tty", "r+");
    int rc;

    if (tty == NULL)
        return -1;
    if (tcgetattr(fileno(tty), &old) != 0) {
        fclose(tty);
        return -1;
    }
    quiet = old;
    quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
    quiet.c_lflag |= ICANON;
    fputs(prompt, tty);
    fflush(tty);
    if (tcsetattr(fileno(tty), TCSAFLUSH, &quiet) != 0) {
        fclose(tty);
        return -1;
    }
    rc = read_line(tty, buf, buflen);
    tcsetattr(fileno(tty), TCSAFLUSH, &old);
    fputs("\n", tty);
    fclose(tty);
    return rc;
}

/* The new password from file, a terminal prompt or stdin. 0 or exit status. */
static int get_password(const char *file, char *pw, size_t pwlen)
{
    char again[EF_PASSWORD_MAX + 2];
    const char *why;
    FILE *f;
    int rc;

    if (file != NULL) {
        if ((f = fopen(file, "r")) == NULL) {
            ef_error("cannot read %s: %s", file, strerror(errno));
            return EF_EXIT_FAIL;
        }
        rc = read_line(f, pw, pwlen);
        fclose(f);
        if (rc != 0) {
            ef_error("%s: no password on its first line (or longer than %d bytes)", file,
                     EF_PASSWORD_MAX);
            return EF_EXIT_USAGE;
        }
    } else if (isatty(STDIN_FILENO)) {
        if (prompt_noecho("Password: ", pw, pwlen) != 0 ||
            prompt_noecho("Password again: ", again, sizeof(again)) != 0) {
            ef_error("cannot read the password from the terminal");
            return EF_EXIT_FAIL;
        }
        rc = strcmp(pw, again);
        explicit_bzero(again, sizeof(again));
        if (rc != 0) {
            ef_error("the passwords differ");
            return EF_EXIT_USAGE;
        }
    } else if (read_line(stdin, pw, pwlen) != 0) {
        ef_error("no password on standard input (or longer than %d bytes)", EF_PASSWORD_MAX);
        return EF_EXIT_USAGE;
    }
    if (ef_password_check(pw, strlen(pw), &why) != 0) {
        ef_error("%s", why);
        return EF_EXIT_USAGE;
    }
    return EF_EXIT_OK;
}

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

static void audit_cli(struct ef_store *store, const char *action, json_t *details, int *rc)
{
    char actor[EF_ACTOR_MAX + 1];

    ef_cli_actor(actor, sizeof(actor));
    if (ef_audit(store, ef_coll_now(), actor, action, details) != EF_OK) {
        ef_error("audit log: %s", store->err);
        *rc = EF_EXIT_FAIL;
    }
}

static int user_add(const char *config, const char *name, const char *role, const char *pwfile,
                    int replace)
{
    char pw[EF_PASSWORD_MAX + 2], hash[EF_PW_HASH_MAX + 1];
    struct ef_coll_config cfg;
    struct ef_store *store;
    const char *dept = NULL;
    int64_t id;
    int rc, exists;

    if (!ef_user_name_valid(name)) {
        ef_error("user name must be 1 to %d bytes of UTF-8 without control characters",
                 EF_USER_NAME_MAX);
        return EF_EXIT_USAGE;
    }
    char role_nfc[EF_ROLE_MAX + 1];
    if (role != NULL && ef_role_canon(role, role_nfc) == 0)
        role = role_nfc; /* department:NAME with NAME in NFC (names.h) */
    else
        role = NULL;
    if (!replace && (role == NULL || ef_role_parse(role, &dept) != 0)) {
        ef_error("--role must be coordinator, auditor or department:NAME");
        return EF_EXIT_USAGE;
    }
    if ((rc = ef_cmd_open(config, &cfg, &store)) != EF_EXIT_OK)
        return rc;
    if (dept != NULL) {
        if (dept_exists(store, dept, &exists) != 0) {
            ef_error("%s", store->err);
            rc = EF_EXIT_FAIL;
            goto out;
        }
        if (!exists) {
            ef_error("no department named \"%s\"", dept);
            rc = EF_EXIT_FAIL;
            goto out;
        }
    }
    if ((rc = get_password(pwfile, pw, sizeof(pw))) != EF_EXIT_OK)
        goto out;
    rc = EF_EXIT_FAIL;
    if (ef_password_hash(pw, strlen(pw), hash) != 0) {
        ef_error("cannot hash the password (scrypt)");
        goto out;
    }
    switch (replace ? store->ops->user_set_password(store, name, hash)
                    : store->ops->user_add(store, name, role, hash, ef_coll_now(), &id)) {
    case EF_OK:
        rc = EF_EXIT_OK;
        if (replace) {
            ef_info("changed the password of \"%s\"; their sessions have ended", name);
            audit_cli(store, "user.passwd", json_pack("{s:s}", "name", name), &rc);
        } else {
            ef_info("added user \"%s\" with role %s", name, role);
            audit_cli(store, "user.add", json_pack("{s:s, s:s}", "name", name, "role", role), &rc);
        }
        break;
    case EF_EXISTS:
        ef_error("a user named \"%s\" already exists (use 'user passwd')", name);
        break;
    case EF_NOTFOUND:
        ef_error("no user named \"%s\"", name);
        break;
    default:
        ef_error("%s", store->err);
    }
out:
    explicit_bzero(pw, sizeof(pw));
    ef_store_close(store);
    return rc;
}

static int user_delete(const char *config, const char *name)
{
    struct ef_coll_config cfg;
    struct ef_store *store;
    int rc;

    if ((rc = ef_cmd_open(config, &cfg, &store)) != EF_EXIT_OK)
        return rc;
    switch (store->ops->user_delete(store, name)) {
    case EF_OK:
        rc = EF_EXIT_OK;
        ef_info("deleted user \"%s\" and their sessions", name);
        audit_cli(store, "user.delete", json_pack("{s:s}", "name", name), &rc);
        break;
    case EF_NOTFOUND:
        ef_error("no user named \"%s\"", name);
        rc = EF_EXIT_FAIL;
        break;
    default:
        ef_error("%s", store->err);
        rc = EF_EXIT_FAIL;
    }
    ef_store_close(store);
    return rc;
}

static int user_list(const char *config, const char *format)
{
    struct ef_coll_config cfg;
    struct ef_store *store;
    struct ef_user *u = NULL;
    size_t n = 0, i;
    time_t now = ef_coll_now();
    json_t *a;
    char *text;
    int rc;

    if (ef_cli_json_format(format) < 0)
        return EF_EXIT_USAGE;
    if ((rc = ef_cmd_open(config, &cfg, &store)) != EF_EXIT_OK)
        return rc;
    if (store->ops->user_list(store, &u, &n) != EF_OK) {
        ef_error("%s", store->err);
        ef_store_close(store);
        return EF_EXIT_FAIL;
    }
    if (strcmp(format, "json") == 0) {
        a = json_array();
        for (i = 0; i < n; i++)
            json_array_append_new(a, json_pack("{s:s, s:s, s:I, s:b}", "name", u[i].name, "role",
                                               u[i].role, "failed_logins",
                                               (json_int_t)u[i].failed_logins, "locked",
                                               u[i].locked_until > (int64_t)now));
        text = json_dumps(a, JSON_INDENT(2));
        json_decref(a);
        if (text != NULL)
            puts(text);
        free(text);
    } else if (n == 0) {
        puts("No users.");
    } else {
        for (i = 0; i < n; i++)
            printf("%-24s %s%s\n", u[i].name, u[i].role,
                   u[i].locked_until > (int64_t)now ? "  (locked after failed logins)" : "");
    }
    free(u);
    ef_store_close(store);
    return fflush(stdout) == 0 ? EF_EXIT_OK : EF_EXIT_FAIL;
}

int cmd_user(int argc, char **argv)
{
    static const struct option opts[] = {{"config", required_argument, NULL, 'c'},
                                         {"role", required_argument, NULL, 'r'},
                                         {"password-file", required_argument, NULL, 'p'},
                                         {"format", required_argument, NULL, 'f'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *config = NULL, *role = NULL, *pwfile = NULL, *format = "text", *verb;
    int c, nargs;

    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            config = optarg;
            break;
        case 'r':
            role = optarg;
            break;
        case 'p':
            pwfile = optarg;
            break;
        case 'f':
            format = optarg;
            break;
        case 'h':
            fputs(help, stdout);
            return EF_EXIT_OK;
        default:
            return ef_usage_hint("user");
        }
    }
    nargs = argc - optind;
    verb = nargs > 0 ? argv[optind] : "";
    if (nargs == 2 && strcmp(verb, "add") == 0)
        return user_add(config, argv[optind + 1], role, pwfile, 0);
    if (nargs == 2 && strcmp(verb, "passwd") == 0)
        return user_add(config, argv[optind + 1], NULL, pwfile, 1);
    if (nargs == 2 && strcmp(verb, "delete") == 0)
        return user_delete(config, argv[optind + 1]);
    if (nargs == 1 && strcmp(verb, "list") == 0)
        return user_list(config, format);
    ef_error("expected \"user add NAME --role ROLE\", \"user passwd NAME\", \"user delete NAME\" "
             "or \"user list\"");
    return ef_usage_hint("user");
}
