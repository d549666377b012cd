/* SPDX-License-Identifier: EUPL-1.2 */
/* The municipality's device list (efterlev-collector inventory import, docs/operations.md):
 * which column holds what (by header, Swedish and English names), the key a device is
 * matched to an enrolled agent by, and reading the CSV file an AD, Intune or CMDB export
 * gives (inventory_csv.c). */
#ifndef EF_COLLECTOR_INVENTORY_H
#define EF_COLLECTOR_INVENTORY_H

#include <stddef.h>

#include "store/store.h"

/* The fields of a device; hostname and department are required. */
enum ef_inv_field {
    EF_INV_HOSTNAME = 0,
    EF_INV_DEPARTMENT,
    EF_INV_OS,
    EF_INV_SERIAL,
    EF_INV_LAST_LOGON,
    EF_INV_SYSTEM, /* the system the device serves (system add): tied to it at import */
    EF_INV_FIELDS
};

/* "hostname", "department", "os", "serial", "last_logon", "system" (the names --column
 * takes). */
extern const char *const ef_inv_field_names[EF_INV_FIELDS];
/* The field of a --column name, -1 when none. */
int ef_inv_field_parse(const char *name);
/* The accepted headers of field f, comma-separated, for messages ("hostname, name, ..."). */
void ef_inv_aliases_text(enum ef_inv_field f, char *out, size_t outlen);

/* Text as compared: spaces and tabs trimmed, Unicode NFC and case-folded ("Värdnamn " and
 * "VÄRDNAMN" both give "värdnamn"), into out. 0, or -1 when it is not valid UTF-8 or does
 * not fit. */
int ef_inv_fold(const char *in, char *out, size_t outlen);

/* Which column holds each field, from the header row's cells (n of them): map[f] = column
 * index or -1. override[f], when not NULL, names the header of field f (--column), compared
 * as ef_inv_fold compares; otherwise the first of the field's aliases that some header
 * matches decides (so "Name" beats "DNSHostName" in an AD export). 0, or -1 with err
 * naming what is missing or ambiguous, the headers found and the aliases accepted. */
int ef_inv_map_header(const char *const *cells, size_t n, const char *const override[EF_INV_FIELDS],
                      int map[EF_INV_FIELDS], char *err, size_t errlen);

/* The matching key of a host name: the short name (up to the first '.'), case-folded in
 * NFC. 0, or -1 when empty or not valid UTF-8. */
int ef_inv_host_key(const char *hostname, char out[EF_NAME_MAX + 1]);
/* The same for a host name as a person or a list gives it: no spaces or control characters
 * either (device lists, system assign). 0, or -1. */
int ef_inv_host_name_key(const char *hostname, char out[EF_NAME_MAX + 1]);
/* 1 when a device named device matches an agent reporting as host: the same key (the short
 * names equal without regard to case), and when both are fully qualified the same full
 * name, also without regard to case ("pc1.skola.kommun.se" and "PC1" match;
 * "pc1.skola.kommun.se" and "pc1.vard.kommun.se" do not). */
int ef_inv_host_match(const char *device, const char *host);

/* A device list as read. */
struct ef_inv_list {
    struct ef_device *v;
    size_t n;
    char sep;        /* ';' or ',' */
    int windows1252; /* 1: the file was not UTF-8 and was read as Windows-1252 */
    int map[EF_INV_FIELDS];
};

/* The size of the largest file read (bytes). */
#define EF_INV_BYTES_MAX (64u << 20)
/* Bytes of any one field, columns of a row. */
#define EF_INV_CELL_MAX 4096
#define EF_INV_COLUMNS_MAX 256

/* Parse a device list: data (len bytes, as read from name, which messages use) is UTF-8
 * with or without a byte order mark, or Windows-1252; ';' or ',' separated (decided by
 * the header line); quoted fields per RFC 4180. Every row is checked: a bad row fails the
 * whole list with "name:line: why" in err. Department names are brought to NFC. 0 or -1. */
int ef_inv_parse(const char *name, const char *data, size_t len,
                 const char *const override[EF_INV_FIELDS], struct ef_inv_list *out, char *err,
                 size_t errlen);
/* ef_inv_parse of the file at path (at most EF_INV_BYTES_MAX bytes). */
int ef_inv_read(const char *path, const char *const override[EF_INV_FIELDS],
                struct ef_inv_list *out, char *err, size_t errlen);
void ef_inv_list_free(struct ef_inv_list *l);

#endif
