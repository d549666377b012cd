/* SPDX-License-Identifier: EUPL-1.2 */
/* A recording of a Windows machine (docs/windows-recording.md): a JSON file
 *   {"efterlev_windows_recording": 1, "machine": "...", "recorded_at": "RFC 3339",
 *    "tables": {"wmi:root\\CIMV2:Win32_Tpm": [ {row}, ... ],
 *               "api:AuditPolicy": {"status": "denied", "why": "..."}, ...}}
 * read whole and checked at load: table names, api columns and their types, statuses. A
 * table is its rows, or the status a live read would have had (denied, absent, error) with
 * why. Built on every system: a Linux agent judges a recorded Windows machine with
 * --recording, and the tests use it. */
#include "winsys_impl.h"

#include "efterlev/util.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FORMAT_KEY "efterlev_windows_recording"

struct recorded {
    json_t *tables; /* lower-cased name -> the file's value */
    char path[1024];
};

static ef_win_status rec_read(struct ef_win *w, const char *name, const char *ns, const char *cls,
                              json_t **rows, char *why, size_t whylen)
{
    struct recorded *rc = w->impl;
    char key[EF_WIN_TABLE_NAME_MAX + 1];

    (void)ns;
    (void)cls;
    snprintf(key, sizeof(key), "%s", name);
    for (char *s = key; *s; s++)
        *s = (char)tolower((unsigned char)*s);
    json_t *v = json_object_get(rc->tables, key);
    if (v == NULL) {
        snprintf(why, whylen, "%s is not in the recording %s", name, rc->path);
        return EF_WIN_ERROR;
    }
    if (json_is_array(v)) {
        *rows = json_incref(v);
        return EF_WIN_OK;
    }
    const char *st = json_string_value(json_object_get(v, "status"));
    snprintf(why, whylen, "%s", json_string_value(json_object_get(v, "why")));
    return strcmp(st, "denied") == 0   ? EF_WIN_DENIED
           : strcmp(st, "absent") == 0 ? EF_WIN_ABSENT
                                       : EF_WIN_ERROR;
}

static void rec_free(struct ef_win *w)
{
    struct recorded *rc = w->impl;
    if (rc != NULL)
        json_decref(rc->tables);
    free(rc);
    free(w);
}

static const struct ef_win_ops recorded_ops = {rec_read, rec_free};

/* One entry of "tables": rows, or {"status": denied|absent|error, "why": "..."}. */
static int check_entry(const char *file, const char *name, const json_t *v, char *err,
                       size_t errlen)
{
    char ns[EF_WIN_TABLE_NAME_MAX + 1], cls[EF_WIN_TABLE_NAME_MAX + 1], why[600];

    if (ef_win_name_split(name, ns, sizeof(ns), cls, sizeof(cls), why, sizeof(why)) != 0) {
        snprintf(err, errlen, "%s: %s", file, why);
        return -1;
    }
    if (json_is_object(v)) {
        const char *st = json_string_value(json_object_get(v, "status"));
        const char *w = json_string_value(json_object_get(v, "why"));
        if (st == NULL || w == NULL || json_object_size(v) != 2 ||
            (strcmp(st, "denied") && strcmp(st, "absent") && strcmp(st, "error"))) {
            snprintf(err, errlen,
                     "%s: %.300s: a table is a list of rows or {\"status\": \"denied\"|\"absent\"|"
                     "\"error\", \"why\": \"...\"}",
                     file, name);
            return -1;
        }
        return 0;
    }
    if (!json_is_array(v)) {
        snprintf(err, errlen, "%s: %.300s: rows must be a list of objects", file, name);
        return -1;
    }
    if (json_array_size(v) > EF_WIN_ROWS_MAX) {
        snprintf(err, errlen, "%s: %.300s: more than %d rows", file, name, EF_WIN_ROWS_MAX);
        return -1;
    }
    const struct ef_win_api_table *t = ef_win_api_find(name);
    if (t != NULL) {
        if (ef_win_rows_check(t, v, why, sizeof(why)) != 0) {
            snprintf(err, errlen, "%s: %s", file, why);
            return -1;
        }
        return 0;
    }
    size_t i;
    const json_t *row;
    json_array_foreach(v, i, row)
    {
        if (!json_is_object(row)) {
            snprintf(err, errlen, "%s: %.300s row %zu: not an object", file, name, i + 1);
            return -1;
        }
    }
    return 0;
}

struct ef_win *ef_win_open_recorded(const char *path, char *err, size_t errlen)
{
    char *data = NULL;
    size_t len = 0;
    json_error_t je;

    int got = ef_read_file(path, EF_WIN_FILE_MAX, &data, &len);
    if (got != 0) {
        snprintf(err, errlen, "%s: %s", path,
                 got == -EFBIG ? "larger than 32 MiB" : strerror(-got));
        return NULL;
    }
    json_t *doc = json_loadb(data, len, JSON_REJECT_DUPLICATES, &je);
    free(data);
    if (doc == NULL) {
        snprintf(err, errlen, "%s:%d: %s", path, je.line, je.text);
        return NULL;
    }
    json_t *tables = json_object_get(doc, "tables"), *fmt = json_object_get(doc, FORMAT_KEY);
    if (!json_is_object(doc) || !json_is_integer(fmt) || json_integer_value(fmt) != 1 ||
        !json_is_object(tables)) {
        snprintf(err, errlen,
                 "%s: not an efterlev Windows recording (\"%s\": 1 and an object \"tables\")", path,
                 FORMAT_KEY);
        json_decref(doc);
        return NULL;
    }
    const char *k;
    json_t *v;
    struct recorded *rc = calloc(1, sizeof(*rc));
    json_t *lowered = json_object();
    if (rc == NULL || lowered == NULL) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    json_object_foreach(tables, k, v)
    {
        char key[EF_WIN_TABLE_NAME_MAX + 1];
        if (check_entry(path, k, v, err, errlen) != 0)
            goto fail;
        snprintf(key, sizeof(key), "%s", k);
        for (char *s = key; *s; s++)
            *s = (char)tolower((unsigned char)*s);
        if (json_object_get(lowered, key) != NULL) {
            snprintf(err, errlen, "%s: table %.300s twice (names compare case-insensitively)", path,
                     k);
            goto fail;
        }
        if (json_object_set(lowered, key, v) != 0) {
            snprintf(err, errlen, "out of memory");
            goto fail;
        }
    }
    rc->tables = lowered;
    snprintf(rc->path, sizeof(rc->path), "%s", path);
    struct ef_win *w = ef_win_new(&recorded_ops, 0, rc);
    if (w == NULL) {
        snprintf(err, errlen, "out of memory");
        rc->tables = NULL;
        goto fail;
    }
    snprintf(w->source, sizeof(w->source), "recording %s", path);
    json_decref(doc);
    return w;
fail:
    json_decref(lowered);
    free(rc);
    json_decref(doc);
    return NULL;
}
