/* SPDX-License-Identifier: EUPL-1.2 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit.h"
#include "commands.h"
#include "efterlev/log.h"
#include "export.h"
#include "now.h"

static const char help[] =
    "Usage: efterlev-collector export --format csv|json|bundle [--department NAME]\n"
    "           [--since DATE] [--until DATE] [--csv-dialect rfc4180|excel-sv]\n"
    "           [--lang sv|en] [--output FILE] [--config FILE]\n"
    "\n"
    "Export the stored reports received in [--since, --until) (DATE: YYYY-MM-DD or RFC 3339;\n"
    "--until YYYY-MM-DD includes that day):\n"
    "  csv     one row per result (RFC 4180; --csv-dialect excel-sv: UTF-8 BOM, ';'), each\n"
    "          check's title beside its id in --lang (default sv)\n"
    "  json    one JSON document: every report's exact bytes (base64) and signature, the\n"
    "          agents' public keys and a manifest signed by the collector's export key\n"
    "  bundle  the same as a tar file, one file per report (see its README.txt)\n"
    "Every export is recorded in the audit log, with the manifest's SHA-256.\n"
    "The export key is export-key.pem next to the configuration file, made on first use.\n"
    "\n"
    "Examples:\n"
    "  efterlev-collector export --format bundle --since 2026-07-01 --output 2026H2.tar\n"
    "  efterlev-collector export --format csv --csv-dialect excel-sv \\\n"
    "      --department Socialförvaltningen --output soc.csv\n";

static const char verify_help[] =
    "Usage: efterlev-collector verify-export FILE --collector-key BASE64\n"
    "       efterlev-collector verify-export FILE --unpinned\n"
    "\n"
    "Re-verify a JSON or bundle export without the collector: each report's SHA-256 and\n"
    "every other per-report field against the signed manifest, each report's Ed25519\n"
    "signature against its agent's public key, that key's certificate from the collector\n"
    "(made at enrollment), and the manifest's signature against the collector's key. Prints\n"
    "one line per report that was altered, added or removed, and exits 1 when there is any.\n"
    "\n"
    "  --collector-key KEY  the collector's export key as recorded independently (what\n"
    "                       efterlev-collector export-key prints, or its audit log): proves\n"
    "                       which collector made the export and that every agent key in it\n"
    "                       came from that collector's enrollment\n"
    "  --unpinned           check the file only for consistency with itself. It then says\n"
    "                       UNPINNED: anyone can rebuild and re-sign a whole export. Without\n"
    "                       either option verify-export says UNPINNED and exits 1.\n"
    "\n"
    "Example:\n"
    "  efterlev-collector verify-export 2026H2.tar --collector-key MCowBQYDK2Vw...\n";

static int date_arg(const char *what, const char *v, int end_of_day, time_t *out)
{
    if (ef_parse_date(v, out) != 0) {
        ef_error("%s must be YYYY-MM-DD or an RFC 3339 time, not \"%s\"", what, v);
        return -1;
    }
    if (end_of_day && strlen(v) == 10)
        *out += 86400;
    return 0;
}

int cmd_export(int argc, char **argv)
{
    static const struct option opts[] = {{"config", required_argument, NULL, 'c'},
                                         {"format", required_argument, NULL, 'f'},
                                         {"department", required_argument, NULL, 'd'},
                                         {"since", required_argument, NULL, 's'},
                                         {"until", required_argument, NULL, 'u'},
                                         {"csv-dialect", required_argument, NULL, 'D'},
                                         {"lang", required_argument, NULL, 'l'},
                                         {"output", required_argument, NULL, 'o'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *config = NULL, *output = NULL, *dialect = "rfc4180";
    char actor[EF_ACTOR_MAX + 1], keypath[4200], err[512], tmp[4200];
    struct ef_export_opts o = {.format = NULL};
    struct ef_coll_config cfg;
    struct ef_check_catalogs checks = {0};
    struct ef_store *store;
    FILE *out = stdout;
    int c, rc;

    char deptbuf[EF_DEPT_NAME_MAX + 1];
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            config = optarg;
            break;
        case 'f':
            o.format = optarg;
            break;
        case 'd':
            if (ef_cli_dept(optarg, deptbuf) != EF_EXIT_OK)
                return EF_EXIT_USAGE;
            o.department = deptbuf;
            break;
        case 's':
            if (date_arg("--since", optarg, 0, &o.since) != 0)
                return EF_EXIT_USAGE;
            break;
        case 'u':
            if (date_arg("--until", optarg, 1, &o.until) != 0)
                return EF_EXIT_USAGE;
            break;
        case 'D':
            dialect = optarg;
            break;
        case 'l':
            o.lang = optarg;
            break;
        case 'o':
            output = optarg;
            break;
        case 'h':
            fputs(help, stdout);
            return EF_EXIT_OK;
        default:
            return ef_usage_hint("export");
        }
    }
    if (optind != argc) {
        ef_error("unexpected argument \"%s\"", argv[optind]);
        return ef_usage_hint("export");
    }
    if (o.format == NULL || (strcmp(o.format, "csv") != 0 && strcmp(o.format, "json") != 0 &&
                             strcmp(o.format, "bundle") != 0)) {
        ef_error("--format must be csv, json or bundle");
        return EF_EXIT_USAGE;
    }
    if ((o.dialect = ef_csv_dialect_parse(dialect)) == NULL) {
        ef_error("--csv-dialect must be rfc4180 or excel-sv");
        return EF_EXIT_USAGE;
    }
    if (o.lang != NULL && strcmp(o.lang, "sv") != 0 && strcmp(o.lang, "en") != 0) {
        ef_error("--lang must be sv or en");
        return EF_EXIT_USAGE;
    }
    if (strcmp(o.format, "bundle") == 0 && output == NULL && isatty(STDOUT_FILENO)) {
        ef_error("a bundle is a tar file: use --output FILE or redirect stdout");
        return EF_EXIT_USAGE;
    }
    if ((rc = ef_cmd_open(config, &cfg, &store)) != EF_EXIT_OK)
        return rc;
    /* The CSV's titles come from the catalogs serve counts against; without them, ids. */
    if (strcmp(o.format, "csv") == 0) {
        int win_absent = 0;

        if (ef_check_catalogs_load(&checks, cfg.policies, cfg.policies_windows, &win_absent, err,
                                   sizeof(err)) != 0)
            ef_warn("policies: %s: the title column holds the checks' ids", err);
        o.checks = &checks;
    }
    ef_cli_actor(actor, sizeof(actor));
    ef_export_key_path(cfg.path, keypath, sizeof(keypath));
    o.actor = actor;
    o.key_path = keypath;
    o.now = ef_coll_now();
    if (output != NULL) {
        snprintf(tmp, sizeof(tmp), "%s.partial", output);
        if ((out = fopen(tmp, "wbx")) == NULL) {
            ef_error("cannot create %s: %s", tmp, strerror(errno));
            ef_check_catalogs_free(&checks);
            ef_store_close(store);
            return EF_EXIT_FAIL;
        }
    }
    rc = ef_export(store, &o, out, err, sizeof(err));
    if (output != NULL) {
        if (fclose(out) != 0 && rc == EF_OK) {
            snprintf(err, sizeof(err), "cannot write %.400s", tmp);
            rc = EF_ERR;
        }
        if (rc == EF_OK && rename(tmp, output) != 0) {
            snprintf(err, sizeof(err), "cannot rename to %.400s: %s", output, strerror(errno));
            rc = EF_ERR;
        }
        if (rc != EF_OK)
            unlink(tmp);
    }
    ef_check_catalogs_free(&checks);
    ef_store_close(store);
    if (rc != EF_OK) {
        ef_error("export: %s%s%s", err, o.department ? ": " : "", o.department ? o.department : "");
        return EF_EXIT_FAIL;
    }
    if (output != NULL)
        ef_info("wrote %s", output);
    return EF_EXIT_OK;
}

int cmd_verify_export(int argc, char **argv)
{
    static const struct option opts[] = {{"collector-key", required_argument, NULL, 'k'},
                                         {"unpinned", no_argument, NULL, 'u'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *key = NULL;
    char err[512];
    int c, bad, unpinned = 0;

    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'k':
            key = optarg;
            break;
        case 'u':
            unpinned = 1;
            break;
        case 'h':
            fputs(verify_help, stdout);
            return EF_EXIT_OK;
        default:
            return ef_usage_hint("verify-export");
        }
    }
    if (argc - optind != 1) {
        ef_error("verify-export takes exactly one FILE");
        return ef_usage_hint("verify-export");
    }
    if (key != NULL && unpinned) {
        ef_error("--collector-key and --unpinned exclude each other");
        return ef_usage_hint("verify-export");
    }
    bad = ef_verify_export(argv[optind], key, unpinned, stdout, err, sizeof(err));
    fflush(stdout);
    if (bad < 0) {
        ef_error("%s: %s", argv[optind], err);
        return EF_EXIT_FAIL;
    }
    return bad == 0 ? EF_EXIT_OK : EF_EXIT_FAIL;
}
