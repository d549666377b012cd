/* SPDX-License-Identifier: EUPL-1.2 */
/* init: a working collector in one folder (config, database, CA and server certificate). */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check_catalog.h"
#include "commands.h"
#include "efterlev/log.h"
#include "efterlev/util.h"
#include "tls_gen.h"

#define MAX_HOSTNAMES 64

static const char help[] =
    "Usage: efterlev-collector init [--dir DIR] [--hostname NAME]... [--database URL]\n"
    "                               [--policies PATH] [--policies-windows PATH]\n"
    "\n"
    "Create DIR/collector.yml, the database DIR/efterlev.db and DIR/tls/ with a private CA\n"
    "(ca.pem, ca-key.pem) and the server's certificate (cert.pem, key.pem). The certificate\n"
    "is valid for localhost, 127.0.0.1, ::1, this machine's host name and every --hostname\n"
    "(a DNS name or IP address). Agents need DIR/tls/ca.pem to trust the collector.\n"
    "With --database, the database is that one instead: sqlite:PATH, or a PostgreSQL URI\n"
    "(postgresql://USER@HOST/DBNAME; the database must exist, its tables are created), so that\n"
    "several collectors can share it. --policies is the check catalog: only results of its\n"
    "checks count (docs/figures.md); Windows hosts count against --policies-windows instead.\n"
    "Refuses to run when DIR/collector.yml exists.\n"
    "\n"
    "Options:\n"
    "  --dir DIR         where to put everything (default " EF_COLLECTOR_DIR_DEFAULT ")\n"
    "  --hostname NAME   another name agents use to reach the collector (repeatable)\n"
    "  --database URL    sqlite:PATH or postgresql://... (default sqlite:DIR/efterlev.db)\n"
    "  --policies PATH   a policy file or a folder of them (default the installed catalog,\n"
    "                    else this build's checks/policies)\n"
    "  --policies-windows PATH\n"
    "                    the Windows hosts' catalog (default the installed\n"
    "                    policies-windows folder, else this build's checks/policies-windows;\n"
    "                    when the default does not exist, no Windows results count until it\n"
    "                    does)\n"
    "\n"
    "Examples:\n"
    "  efterlev-collector init\n"
    "  efterlev-collector init --dir /srv/efterlev --hostname collector.example.se\n"
    "  efterlev-collector init --database postgresql://efterlev@db.example.se/efterlev\n";

static int join(char *out, size_t outlen, const char *dir, const char *file)
{
    int n = snprintf(out, outlen, "%s/%s", dir, file);

    if (n < 0 || (size_t)n >= outlen) {
        ef_error("path too long: %s/%s", dir, file);
        return -1;
    }
    return 0;
}

int cmd_init(int argc, char **argv)
{
    static const struct option opts[] = {{"dir", required_argument, NULL, 'd'},
                                         {"hostname", required_argument, NULL, 'n'},
                                         {"database", required_argument, NULL, 'D'},
                                         {"policies", required_argument, NULL, 'p'},
                                         {"policies-windows", required_argument, NULL, 'w'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *dirarg = EF_COLLECTOR_DIR_DEFAULT, *names[MAX_HOSTNAMES + 1], *database = NULL;
    const char *policies = ef_check_catalog_default_path(), *policies_win = NULL;
    struct ef_check_catalogs checks;
    char dir[PATH_MAX], path[PATH_MAX], tlsdir[PATH_MAX], host[256], err[512];
    struct ef_coll_config cfg = {0};
    struct ef_store *store;
    struct stat st;
    size_t nnames = 0, len;
    char *yml;
    int c;

    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'd':
            dirarg = optarg;
            break;
        case 'n':
            if (nnames == MAX_HOSTNAMES) {
                ef_error("at most %d --hostname options", MAX_HOSTNAMES);
                return EF_EXIT_USAGE;
            }
            if (!ef_tls_name_valid(optarg)) {
                ef_error("--hostname \"%s\" is not a valid host name or IP address", optarg);
                return EF_EXIT_USAGE;
            }
            names[nnames++] = optarg;
            break;
        case 'D':
            if (strncmp(optarg, "sqlite:", 7) != 0 && strncmp(optarg, "postgresql://", 13) != 0 &&
                strncmp(optarg, "postgres://", 11) != 0) {
                ef_error("--database must be sqlite:PATH or a postgresql:// URI");
                return EF_EXIT_USAGE;
            }
            database = optarg;
            break;
        case 'p':
            policies = optarg;
            break;
        case 'w':
            policies_win = optarg;
            break;
        case 'h':
            fputs(help, stdout);
            return EF_EXIT_OK;
        default:
            return ef_usage_hint("init");
        }
    }
    if (optind != argc) {
        ef_error("unexpected argument \"%s\"", argv[optind]);
        return ef_usage_hint("init");
    }
    /* The catalog is read as serve will read it: a wrong one is an error now, not then. */
    if (realpath(policies, cfg.policies) == NULL) {
        ef_error("--policies %s: %s", policies, strerror(errno));
        return EF_EXIT_FAIL;
    }
    /* Given: it must exist and load. The default may be absent (the Windows policy is not
     * installed): it is written all the same, so serve counts Windows hosts once it is. */
    if (policies_win != NULL && realpath(policies_win, cfg.policies_windows) == NULL) {
        ef_error("--policies-windows %s: %s", policies_win, strerror(errno));
        return EF_EXIT_FAIL;
    }
    if (policies_win == NULL)
        snprintf(cfg.policies_windows, sizeof(cfg.policies_windows), "%s",
                 ef_check_catalog_windows_default_path());
    {
        int win_absent = 0;

        if (ef_check_catalogs_load(&checks, cfg.policies, cfg.policies_windows, &win_absent, err,
                                   sizeof(err)) != 0) {
            ef_error("policies: %s", err);
            return EF_EXIT_FAIL;
        }
        if (win_absent)
            ef_info("policies_windows %s does not exist: Windows hosts' results will not count "
                    "until it does",
                    cfg.policies_windows);
    }
    ef_check_catalogs_free(&checks);
    if (gethostname(host, sizeof(host)) == 0) {
        host[sizeof(host) - 1] = '\0';
        if (ef_tls_name_valid(host))
            names[nnames++] = host;
    }

    if (ef_mkdirs(dirarg, 0750) != 0) {
        ef_error("cannot create %s: %s", dirarg, strerror(errno));
        return EF_EXIT_FAIL;
    }
    if (realpath(dirarg, dir) == NULL) {
        ef_error("cannot resolve %s: %s", dirarg, strerror(errno));
        return EF_EXIT_FAIL;
    }
    if (join(path, sizeof(path), dir, "collector.yml") != 0)
        return EF_EXIT_FAIL;
    if (lstat(path, &st) == 0) {
        ef_error("%s already exists; not overwriting it (remove it first to start over)", path);
        return EF_EXIT_FAIL;
    }

    if (join(tlsdir, sizeof(tlsdir), dir, "tls") != 0)
        return EF_EXIT_FAIL;
    if (ef_mkdirs(tlsdir, 0750) != 0) {
        ef_error("cannot create %s: %s", tlsdir, strerror(errno));
        return EF_EXIT_FAIL;
    }
    if (ef_tls_generate(tlsdir, names, nnames, err, sizeof(err)) != 0) {
        ef_error("TLS: %s", err);
        return EF_EXIT_FAIL;
    }

    snprintf(cfg.listen, sizeof(cfg.listen), "%s", EF_LISTEN_DEFAULT);
    cfg.stale_days = EF_STALE_DAYS_DEFAULT;
    if ((database != NULL ? snprintf(cfg.database, sizeof(cfg.database), "%s", database)
                          : snprintf(cfg.database, sizeof(cfg.database), "sqlite:%s/efterlev.db",
                                     dir)) >= (int)sizeof(cfg.database) ||
        join(cfg.tls_cert, sizeof(cfg.tls_cert), tlsdir, "cert.pem") != 0 ||
        join(cfg.tls_key, sizeof(cfg.tls_key), tlsdir, "key.pem") != 0 ||
        join(cfg.tls_ca, sizeof(cfg.tls_ca), tlsdir, "ca.pem") != 0) {
        ef_error("paths under %s are too long", dir);
        return EF_EXIT_FAIL;
    }

    store = ef_store_open(cfg.database, 1, err, sizeof(err));
    if (store == NULL) {
        ef_error("%s", err);
        return EF_EXIT_FAIL;
    }
    ef_store_close(store);

    /* The config goes last: its presence means init finished. */
    yml = ef_coll_config_render(&cfg, &len);
    if (yml == NULL) {
        ef_error("out of memory");
        return EF_EXIT_FAIL;
    }
    if (ef_write_file_atomic(path, yml, len, 0640, err, sizeof(err)) != 0) {
        ef_error("cannot write %s: %s", path, err);
        free(yml);
        return EF_EXIT_FAIL;
    }
    free(yml);

    if (database != NULL)
        ef_info("created %s and %s/; the database is %s", path, tlsdir,
                strncmp(database, "sqlite:", 7) == 0 ? database + 7 : "the PostgreSQL one given");
    else
        ef_info("created %s, %s/efterlev.db and %s/", path, dir, tlsdir);
    ef_info("agents must trust %s/ca.pem", tlsdir);
    ef_info("next: efterlev-collector department add NAME --level basic --config %s", path);
    return EF_EXIT_OK;
}
