/* SPDX-License-Identifier: EUPL-1.2 */
/* inventory.h: the columns of a device list by header, and matching devices to agents by
 * host name. Case-folding is Unicode's (libunistring's u8_casefold), so "ÅSA-PC" and
 * "åsa-pc" are one machine. */
#include "inventory.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unicase.h>
#include <uninorm.h>

#include "efterlev/util.h"

const char *const ef_inv_field_names[EF_INV_FIELDS] = {"hostname", "department", "os",
                                                       "serial",   "last_logon", "system"};

/* Each field's headers, folded (ef_inv_fold), in order of preference. */
static const char *const aliases[EF_INV_FIELDS][10] = {
    [EF_INV_HOSTNAME] = {"hostname", "name", "computername", "dnshostname", "device name",
                         "datornamn", "värdnamn", "enhetsnamn", NULL},
    [EF_INV_DEPARTMENT] = {"department", "förvaltning", "forvaltning", "avdelning", "organisation",
                           NULL},
    [EF_INV_OS] = {"os", "operatingsystem", "operating system", "operativsystem", NULL},
    [EF_INV_SERIAL] = {"serial", "serialnumber", "serial number", "serienummer", NULL},
    [EF_INV_LAST_LOGON] = {"lastlogon", "lastlogondate", "lastlogontimestamp", "last logon",
                           "senaste inloggning", NULL},
    [EF_INV_SYSTEM] = {"system", "informationssystem", "systemnamn", "system name", NULL},
};

int ef_inv_field_parse(const char *name)
{
    for (int f = 0; f < EF_INV_FIELDS; f++)
        if (strcmp(name, ef_inv_field_names[f]) == 0)
            return f;
    return -1;
}

void ef_inv_aliases_text(enum ef_inv_field f, char *out, size_t outlen)
{
    size_t used = 0;

    out[0] = '\0';
    for (size_t i = 0; aliases[f][i] != NULL && used < outlen; i++) {
        int k = snprintf(out + used, outlen - used, "%s%s", i ? ", " : "", aliases[f][i]);
        if (k < 0)
            break;
        used += (size_t)k;
    }
}

int ef_inv_fold(const char *in, char *out, size_t outlen)
{
    size_t len = strlen(in), n = 0;
    uint8_t *f;

    while (len > 0 && (*in == ' ' || *in == '\t'))
        in++, len--;
    while (len > 0 && (in[len - 1] == ' ' || in[len - 1] == '\t'))
        len--;
    if (!ef_utf8_valid(in, len))
        return -1;
    if (len == 0) {
        if (outlen == 0)
            return -1;
        out[0] = '\0';
        return 0;
    }
    f = u8_casefold((const uint8_t *)in, len, NULL, UNINORM_NFC, NULL, &n);
    if (f == NULL)
        return -1;
    if (n >= outlen) {
        free(f);
        return -1;
    }
    memcpy(out, f, n);
    out[n] = '\0';
    free(f);
    return 0;
}

/* The header cells as one quoted list, for messages. */
static void headers_text(const char *const *cells, size_t n, char *out, size_t outlen)
{
    size_t used = 0;

    out[0] = '\0';
    for (size_t i = 0; i < n && used < outlen; i++) {
        int k = snprintf(out + used, outlen - used, "%s\"%.60s\"", i ? ", " : "", cells[i]);
        if (k < 0)
            break;
        used += (size_t)k;
    }
}

int ef_inv_map_header(const char *const *cells, size_t n, const char *const override[EF_INV_FIELDS],
                      int map[EF_INV_FIELDS], char *err, size_t errlen)
{
    char(*folded)[EF_INV_CELL_MAX] = calloc(n ? n : 1, sizeof(*folded));
    char want[EF_INV_CELL_MAX], found[512], acc[256];
    int rc = 0;

    if (folded == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        if (ef_inv_fold(cells[i], folded[i], sizeof(folded[i])) != 0)
            folded[i][0] = '\0';
    for (int f = 0; f < EF_INV_FIELDS && rc == 0; f++) {
        map[f] = -1;
        for (size_t a = 0; map[f] < 0 && (override[f] != NULL ? a < 1 : aliases[f][a] != NULL);
             a++) {
            const char *w = aliases[f][a];

            if (override[f] != NULL) {
                if (ef_inv_fold(override[f], want, sizeof(want)) != 0 || want[0] == '\0') {
                    snprintf(err, errlen, "--column %s=%.60s: not a header name",
                             ef_inv_field_names[f], override[f]);
                    rc = -1;
                    break;
                }
                w = want;
            }
            for (size_t i = 0; i < n; i++) {
                if (strcmp(folded[i], w) != 0)
                    continue;
                if (map[f] >= 0) {
                    snprintf(err, errlen, "two columns are named \"%.60s\" (columns %d and %zu)",
                             cells[i], map[f] + 1, i + 1);
                    rc = -1;
                    break;
                }
                map[f] = (int)i;
            }
        }
        if (rc == 0 && map[f] < 0 && (f == EF_INV_HOSTNAME || f == EF_INV_DEPARTMENT)) {
            headers_text(cells, n, found, sizeof(found));
            if (override[f] != NULL) {
                snprintf(err, errlen, "no column \"%.60s\" (--column %s); the header has %s",
                         override[f], ef_inv_field_names[f], found);
            } else {
                ef_inv_aliases_text(f, acc, sizeof(acc));
                snprintf(err, errlen,
                         "no %s column; the header has %s; accepted: %s (or name it with "
                         "--column %s=HEADER)",
                         ef_inv_field_names[f], found, acc, ef_inv_field_names[f]);
            }
            rc = -1;
        }
    }
    for (int f = 0; f < EF_INV_FIELDS && rc == 0; f++)
        for (int g = f + 1; g < EF_INV_FIELDS; g++)
            if (map[f] >= 0 && map[f] == map[g]) {
                snprintf(err, errlen, "column \"%.60s\" cannot be both %s and %s", cells[map[f]],
                         ef_inv_field_names[f], ef_inv_field_names[g]);
                rc = -1;
                break;
            }
    free(folded);
    return rc;
}

int ef_inv_host_key(const char *hostname, char out[EF_NAME_MAX + 1])
{
    char shortname[EF_NAME_MAX + 1];
    size_t len = strcspn(hostname, ".");

    if (len == 0 || len > EF_NAME_MAX)
        return -1;
    memcpy(shortname, hostname, len);
    shortname[len] = '\0';
    if (ef_inv_fold(shortname, out, EF_NAME_MAX + 1) != 0 || out[0] == '\0')
        return -1;
    return 0;
}

int ef_inv_host_name_key(const char *hostname, char out[EF_NAME_MAX + 1])
{
    for (const unsigned char *u = (const unsigned char *)hostname; *u; u++)
        if (*u <= 0x20 || *u == 0x7f)
            return -1;
    return ef_inv_host_key(hostname, out);
}

int ef_inv_host_match(const char *device, const char *host)
{
    char a[EF_NAME_MAX + 1], b[EF_NAME_MAX + 1];

    if (ef_inv_host_key(device, a) != 0 || ef_inv_host_key(host, b) != 0 || strcmp(a, b) != 0)
        return 0;
    if (strchr(device, '.') == NULL || strchr(host, '.') == NULL)
        return 1;
    /* Both fully qualified: the whole names. */
    return ef_inv_fold(device, a, sizeof(a)) == 0 && ef_inv_fold(host, b, sizeof(b)) == 0 &&
           strcmp(a, b) == 0;
}
