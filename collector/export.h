/* SPDX-License-Identifier: EUPL-1.2 */
/* Exports for internal control (docs/figures.md, "Exports"): CSV of every result, and a
 * JSON document or a tar bundle holding every raw report with its signature, the agents'
 * public keys and a manifest signed with the collector's export key. verify-export checks
 * such a file offline. */
#ifndef EF_COLLECTOR_EXPORT_H
#define EF_COLLECTOR_EXPORT_H

#include <stdio.h>
#include <time.h>

#include "check_catalog.h"
#include "csv.h"
#include "store/store.h"

#define EF_EXPORT_FORMAT "efterlev.export/1"
#define EF_MANIFEST_FORMAT "efterlev.manifest/1"
#define EF_BUNDLE_DIR "efterlev-export"

struct ef_export_opts {
    const char *format; /* "csv", "json" or "bundle" */
    const struct ef_csv_dialect *dialect;
    const char *department; /* NULL: every department */
    time_t since, until;    /* 0: open; reports received in [since, until) */
    const char *actor;      /* for the audit log */
    const char *key_path;   /* the collector's Ed25519 export key, made on first use */
    time_t now;
    /* CSV: the title column's checks (NULL: titles are the ids) and language ("sv" when
     * NULL); both read-only for the export's duration. */
    const struct ef_check_catalogs *checks;
    const char *lang;
};

/* Write the export to out, streamed from one read snapshot of s (s must have no transaction
 * open; nothing else may use s meanwhile), and record it in the audit log. Memory holds one
 * report body at a time and the manifest's per-report metadata, never the whole export.
 * EF_NOTFOUND (no such department) and EF_ERR before the first byte leave out untouched; an
 * EF_ERR later (a write failed: the reader went away) leaves a JSON or bundle export without
 * its manifest, so it cannot verify, and is recorded in the audit log as incomplete.
 * EF_OK, EF_NOTFOUND or EF_ERR with err set. */
int ef_export(struct ef_store *s, const struct ef_export_opts *o, FILE *out, char *err,
              size_t errlen);

/* The export key's path for a collector configured by config_path: next to it. */
void ef_export_key_path(const char *config_path, char *out, size_t outlen);
/* The policy signing key's file (policy-key.pem next to the configuration file). */
void ef_policy_key_path(const char *config_path, char *out, size_t outlen);

/* Verify an export file (JSON or bundle, told apart by content). Every problem is one line
 * on out naming the report; a summary line ends it. pinned_key (base64, may be NULL) is
 * the collector's export key as known independently; without it the summary says UNPINNED
 * and that counts as a problem unless allow_unpinned. Returns the number of problems, or
 * -1 when the file cannot be read as an export at all (err says why). */
int ef_verify_export(const char *path, const char *pinned_key, int allow_unpinned, FILE *out,
                     char *err, size_t errlen);
/* The same for an export already in memory (buf need not be NUL-terminated). */
int ef_verify_export_mem(const char *buf, size_t len, const char *pinned_key, int allow_unpinned,
                         FILE *out, char *err, size_t errlen);

#endif
