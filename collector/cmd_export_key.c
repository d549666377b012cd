/* SPDX-License-Identifier: EUPL-1.2 */
/* efterlev-collector export-key: the public half of the collector's export key, so that
 * whoever checks exports later can pin it (verify-export --collector-key) from a source
 * other than the export itself. The text form is exactly what --collector-key takes: the
 * raw 32 bytes in base64, as the manifest's collector_key. */
#include <getopt.h>
#include <jansson.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "commands.h"
#include "efterlev/log.h"
#include "efterlev/sign.h"
#include "export.h"

static const char help[] =
    "Usage: efterlev-collector export-key [--config FILE] [--format text|pem|json] [--create]\n"
    "\n"
    "Print the public half of the collector's export key, the key that signs the manifest of\n"
    "every JSON and bundle export and certifies every agent key at enrollment (export-key.pem\n"
    "next to the configuration file, made when serve first starts). Keep it somewhere the\n"
    "exports are not (the internal control's records): verify-export --collector-key then\n"
    "proves that an export came from this collector and its agent keys from its enrollment.\n"
    "  text  the key as --collector-key takes it (base64 of the raw 32 bytes)   (default)\n"
    "  pem   the key as a PEM public key (SubjectPublicKeyInfo), for OpenSSL\n"
    "  json  {\"collector_key\": ..., \"algorithm\": \"Ed25519\", \"key_file\": ...}\n"
    "Nothing is written: without an export key yet, it says so and exits 1, unless --create\n"
    "(make it, mode 0600: run it as the collector's user, or give the file to that user;\n"
    "the packages' install scripts do).\n"
    "\n"
    "Example:\n"
    "  efterlev-collector verify-export 2026H2.tar \\\n"
    "      --collector-key \"$(efterlev-collector export-key)\"\n";

static int print_key(EVP_PKEY *key, const char *format, const char *path)
{
    char *b64;
    json_t *doc;
    int rc = -1;

    if (strcmp(format, "pem") == 0)
        return PEM_write_PUBKEY(stdout, key) == 1 ? 0 : -1;
    if ((b64 = ef_key_public_b64(key)) == NULL)
        return -1;
    if (strcmp(format, "text") == 0) {
        rc = printf("%s\n", b64) < 0 ? -1 : 0;
    } else {
        doc = json_pack("{s:s, s:s, s:s}", "collector_key", b64, "algorithm", "Ed25519", "key_file",
                        path);
        if (doc != NULL && json_dumpf(doc, stdout, JSON_INDENT(2)) == 0 && putchar('\n') != EOF)
            rc = 0;
        json_decref(doc);
    }
    free(b64);
    return rc;
}

int cmd_export_key(int argc, char **argv)
{
    static const struct option opts[] = {{"config", required_argument, NULL, 'c'},
                                         {"format", required_argument, NULL, 'f'},
                                         {"create", no_argument, NULL, 'C'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *config = NULL, *format = "text", *path;
    char keypath[4200], err[512];
    struct ef_coll_config cfg;
    struct stat st;
    EVP_PKEY *key;
    int c, rc, create = 0;

    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            config = optarg;
            break;
        case 'f':
            format = optarg;
            break;
        case 'C':
            create = 1;
            break;
        case 'h':
            fputs(help, stdout);
            return EF_EXIT_OK;
        default:
            return ef_usage_hint("export-key");
        }
    }
    if (optind != argc) {
        ef_error("unexpected argument \"%s\"", argv[optind]);
        return ef_usage_hint("export-key");
    }
    if (strcmp(format, "text") != 0 && strcmp(format, "pem") != 0 && strcmp(format, "json") != 0) {
        ef_error("--format must be text, pem or json");
        return EF_EXIT_USAGE;
    }
    path = ef_coll_config_path(config);
    if (ef_coll_config_load(path, &cfg, err, sizeof(err)) != 0) {
        ef_error("%s", err);
        return EF_EXIT_USAGE;
    }
    ef_export_key_path(cfg.path, keypath, sizeof(keypath));
    /* Made here only when asked: a key created by whoever runs this (root, say) could be
     * unreadable for the collector's own user, whose serve would then not start. */
    if (!create && stat(keypath, &st) != 0) {
        ef_error("no export key yet (%s): serve makes it at start (or export-key --create)",
                 keypath);
        return EF_EXIT_FAIL;
    }
    if ((key = create ? ef_key_load_or_create(keypath, err, sizeof(err))
                      : ef_key_load(keypath, err, sizeof(err))) == NULL) {
        ef_error("%s", err);
        return EF_EXIT_FAIL;
    }
    rc = print_key(key, format, keypath);
    EVP_PKEY_free(key);
    if (rc != 0 || fflush(stdout) != 0) {
        ef_error("cannot write the key");
        return EF_EXIT_FAIL;
    }
    return EF_EXIT_OK;
}
