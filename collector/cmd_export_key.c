/* SPDX-License-Identifier: EUPL-1.2 */
/* efterlev-collector export-key: the public half of the collector's export key, so that
 * whoever checks exports later can pin it (verify-export --collector-key) from a source
 * other than the export itself. The text form is exactly what --collector-key takes: the
 * raw 32 bytes in base64, as the manifest's collector_key. */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "commands.h"
#include "efterlev/util.h"
#include "keycert.h"
#include "efterlev/log.h"
#include "efterlev/sign.h"
#include "export.h"

static const char help[] =
    "Usage: efterlev-collector export-key [--config FILE] [--format text|pem|json] [--create]\n"
    "       efterlev-collector export-key --rotate [--config FILE]\n"
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
    "--rotate replaces the key (when it may have leaked, or by routine): a new key is made,\n"
    "every agent key whose certificate the old key signed is certified anew by the new key\n"
    "(one transaction, in the audit log), the old key is kept as export-key.pem.retired-TIME\n"
    "and the new public key is printed: give it to internal control. Exports made before\n"
    "still verify with the old key. An agent key without a valid certificate of the old key\n"
    "is not certified (it is counted). Stop the collector first, or restart it right after:\n"
    "a running serve certifies new enrollments with the key it loaded.\n"
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

struct rotation {
    unsigned char old_pub[EF_ED25519_PUB_LEN];
    EVP_PKEY *new_key;
};

/* Re-certify a stored key only when the old key certified it: a key a database insider
 * added has no such certificate, and a rotation must not launder it. */
static int recertify(void *arg, const char *agent_id, const unsigned char *pub, unsigned char *cert,
                     size_t certlen)
{
    struct rotation *r = arg;

    if (!ef_keycert_verify(r->old_pub, agent_id, pub, cert, certlen))
        return 1;
    return ef_keycert_make(r->new_key, agent_id, pub, cert) == 0 ? 0 : -1;
}

/* export-key --rotate: new key beside the old, every certificate re-signed in the store, then
 * the files swapped (the old kept). A failure before the swap leaves the old key in charge. */
static int rotate(const char *config)
{
    struct ef_coll_config cfg;
    struct ef_store *s = NULL;
    struct rotation r = {{0}, NULL};
    EVP_PKEY *old = NULL;
    char keypath[4200], newpath[4300], retired[4400], err[512], actor[EF_ACTOR_MAX + 1],
        details[256], stamp[32];
    char *old_b64 = NULL, *new_b64 = NULL;
    int64_t done = 0, kept = 0;
    time_t now = time(NULL);
    int rc = EF_EXIT_FAIL;

    if ((rc = ef_cmd_open(config, &cfg, &s)) != EF_EXIT_OK)
        return rc;
    rc = EF_EXIT_FAIL;
    ef_export_key_path(cfg.path, keypath, sizeof(keypath));
    snprintf(newpath, sizeof(newpath), "%s.new", keypath);
    strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", gmtime(&now));
    snprintf(retired, sizeof(retired), "%s.retired-%s", keypath, stamp);
    if ((old = ef_key_load(keypath, err, sizeof(err))) == NULL) {
        ef_error("%s (nothing to rotate)", err);
        goto out;
    }
    unlink(newpath); /* left by an attempt that failed before the swap */
    if ((r.new_key = ef_key_load_or_create(newpath, err, sizeof(err))) == NULL) {
        ef_error("%s", err);
        goto out;
    }
    if (ef_key_public_raw(old, r.old_pub) != 0 || (old_b64 = ef_key_public_b64(old)) == NULL ||
        (new_b64 = ef_key_public_b64(r.new_key)) == NULL) {
        ef_error("cannot read the keys");
        goto out_new;
    }
    ef_cli_actor(actor, sizeof(actor));
    snprintf(details, sizeof(details), "{\"old_key\":\"%s\",\"new_key\":\"%s\"}", old_b64, new_b64);
    int st = s->ops->agent_keys_recertify(s, recertify, &r, actor, details, now, &done, &kept);
    if (st != EF_OK) {
        ef_error("re-certifying the agent keys: %s (the old key stays)", ef_store_why(s, st));
        goto out_new;
    }
    if (rename(keypath, retired) != 0 || rename(newpath, keypath) != 0 ||
        ef_fsync_dir_of(keypath) != 0) {
        /* The store's certificates are the new key's now: say where it is. */
        ef_error("certificates re-signed, but swapping %s and %s failed: %s; put %s in place "
                 "of %s by hand before serve starts",
                 newpath, keypath, strerror(errno), newpath, keypath);
        goto out;
    }
    ef_info("export key rotated: %lld agent keys certified anew, %lld without a certificate of "
            "the old key left as they are; old key kept as %s; restart serve",
            (long long)done, (long long)kept, retired);
    rc = printf("%s\n", new_b64) < 0 || fflush(stdout) != 0 ? EF_EXIT_FAIL : EF_EXIT_OK;
    goto out;
out_new:
    unlink(newpath);
out:
    free(old_b64);
    free(new_b64);
    EVP_PKEY_free(old);
    EVP_PKEY_free(r.new_key);
    ef_store_close(s);
    return rc;
}

int cmd_export_key(int argc, char **argv)
{
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'}, {"format", required_argument, NULL, 'f'},
        {"create", no_argument, NULL, 'C'},       {"rotate", no_argument, NULL, 'R'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0}};
    const char *config = NULL, *format = "text", *path;
    char keypath[4200], err[512];
    struct ef_coll_config cfg;
    struct stat st;
    EVP_PKEY *key;
    int c, rc, create = 0, rotating = 0;

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
        case 'R':
            rotating = 1;
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
    if (rotating)
        return create ? (ef_error("--rotate and --create do not go together"), EF_EXIT_USAGE)
                      : rotate(config);
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
