/* SPDX-License-Identifier: EUPL-1.2 */
/* winsys.h's logic shared by both sources: table names, the per-source cache that makes a
 * table cost one read per scan, the row readers, and the check of api rows against their
 * declarations. */
#include "winsys_impl.h"

#include "efterlev/os.h"
#include "efterlev/util.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ef_win *ef_win_new(const struct ef_win_ops *ops, int live, void *impl)
{
    struct ef_win *w = calloc(1, sizeof(*w));
    if (w == NULL || (w->cache = json_object()) == NULL) {
        free(w);
        return NULL;
    }
    w->ops = ops;
    w->live = live;
    w->impl = impl;
    return w;
}

void ef_win_free(struct ef_win *w)
{
    if (w == NULL)
        return;
    json_decref(w->cache);
    w->ops->free(w); /* frees impl and w */
}

const char *ef_win_source(const struct ef_win *w)
{
    return w->source;
}

int ef_win_is_live(const struct ef_win *w)
{
    return w->live;
}

static int name_char(int c)
{
    return isalnum(c) || c == '_';
}

int ef_win_name_split(const char *name, char *ns, size_t nslen, char *cls, size_t clslen, char *why,
                      size_t whylen)
{
    size_t n = strlen(name);

    if (n == 0 || n > EF_WIN_TABLE_NAME_MAX) {
        snprintf(why, whylen, "table name empty or longer than %d bytes", EF_WIN_TABLE_NAME_MAX);
        return -1;
    }
    if (strncmp(name, "api:", 4) == 0) {
        if (ef_win_api_find(name) == NULL) {
            snprintf(why, whylen, "'%.200s' is not a known api table (docs/windows-recording.md)",
                     name);
            return -1;
        }
        ns[0] = cls[0] = '\0';
        return 0;
    }
    const char *colon = strncmp(name, "wmi:", 4) == 0 ? strchr(name + 4, ':') : NULL;
    if (colon == NULL) {
        snprintf(why, whylen, "'%.200s' is neither wmi:NAMESPACE:CLASS nor api:NAME", name);
        return -1;
    }
    const char *s = name + 4;
    size_t nsn = (size_t)(colon - s);
    int ok = nsn >= 4 && strncasecmp(s, "root", 4) == 0 && (nsn == 4 || s[4] == '\\') &&
             s[nsn - 1] != '\\' && *(colon + 1) != '\0';
    for (size_t i = 4; ok && i < nsn; i++)
        ok = name_char((unsigned char)s[i]) || (s[i] == '\\' && s[i - 1] != '\\');
    for (const char *c = colon + 1; ok && *c; c++)
        ok = name_char((unsigned char)*c);
    if (!ok || nsn + 1 > nslen || strlen(colon + 1) + 1 > clslen) {
        snprintf(why, whylen,
                 "'%.200s': a WMI table is wmi:root\\NAMESPACE:CLASS (letters, digits, '_')", name);
        return -1;
    }
    memcpy(ns, s, nsn);
    ns[nsn] = '\0';
    snprintf(cls, clslen, "%s", colon + 1);
    return 0;
}

static void lower(char *s)
{
    for (; *s; s++)
        *s = (char)tolower((unsigned char)*s);
}

ef_win_status ef_win_table(struct ef_win *w, const char *name, json_t **rows, char *why,
                           size_t whylen)
{
    char key[EF_WIN_TABLE_NAME_MAX + 1], ns[EF_WIN_TABLE_NAME_MAX + 1],
        cls[EF_WIN_TABLE_NAME_MAX + 1];

    *rows = NULL;
    if (ef_win_name_split(name, ns, sizeof(ns), cls, sizeof(cls), why, whylen) != 0)
        return EF_WIN_ERROR;
    snprintf(key, sizeof(key), "%s", name);
    lower(key);
    json_t *c = json_object_get(w->cache, key);
    if (c == NULL) {
        json_t *got = NULL;
        char msg[600] = "";
        ef_win_status st = w->ops->read(w, name, ns, cls, &got, msg, sizeof(msg));
        if (st == EF_WIN_OK && !json_is_array(got)) {
            st = EF_WIN_ERROR;
            snprintf(msg, sizeof(msg), "%s: no rows", name);
        }
        if (st == EF_WIN_OK && json_array_size(got) > EF_WIN_ROWS_MAX) {
            st = EF_WIN_ERROR;
            snprintf(msg, sizeof(msg), "%s: more than %d rows", name, EF_WIN_ROWS_MAX);
        }
        c = json_pack("{s:i, s:s, s:o?}", "status", (int)st, "why", msg, "rows",
                      st == EF_WIN_OK ? got : NULL);
        if (st != EF_WIN_OK)
            json_decref(got);
        if (c == NULL || json_object_set_new(w->cache, key, c) != 0) {
            snprintf(why, whylen, "out of memory");
            return EF_WIN_ERROR;
        }
    }
    ef_win_status st = (ef_win_status)json_integer_value(json_object_get(c, "status"));
    if (st == EF_WIN_OK)
        *rows = json_object_get(c, "rows");
    else
        snprintf(why, whylen, "%s", json_string_value(json_object_get(c, "why")));
    return st;
}

ef_win_status ef_win_wmi(struct ef_win *w, const char *ns, const char *cls, json_t **rows,
                         char *why, size_t whylen)
{
    char name[EF_WIN_TABLE_NAME_MAX + 8];
    if (snprintf(name, sizeof(name), "wmi:%s:%s", ns, cls) >= (int)sizeof(name)) {
        *rows = NULL;
        snprintf(why, whylen, "WMI namespace and class longer than %d bytes",
                 EF_WIN_TABLE_NAME_MAX);
        return EF_WIN_ERROR;
    }
    return ef_win_table(w, name, rows, why, whylen);
}

/* ---- rows ---- */

int ef_win_int(const json_t *row, const char *col, long long *out)
{
    const json_t *v = json_object_get(row, col);
    if (json_is_integer(v)) {
        *out = (long long)json_integer_value(v);
        return 0;
    }
    if (json_is_boolean(v)) {
        *out = json_is_true(v);
        return 0;
    }
    if (json_is_string(v)) {
        const char *s = json_string_value(v);
        char *end;
        errno = 0;
        long long n = strtoll(s, &end, 10);
        if (*s != '\0' && *end == '\0' && errno == 0 && (isdigit((unsigned char)*s) || *s == '-')) {
            *out = n;
            return 0;
        }
    }
    return -1;
}

int ef_win_bool(const json_t *row, const char *col, int *out)
{
    const json_t *v = json_object_get(row, col);
    if (json_is_boolean(v)) {
        *out = json_is_true(v);
        return 0;
    }
    if (json_is_integer(v)) {
        *out = json_integer_value(v) != 0;
        return 0;
    }
    return -1;
}

const char *ef_win_str(const json_t *row, const char *col)
{
    return json_string_value(json_object_get(row, col));
}

/* "yyyymmddHHMMSS.mmmmmmsUUU": local time with its offset from UTC in minutes */
static int cim_datetime(const char *s, time_t *out)
{
    int y, mo, d, h, mi, se, off;
    char sign;
    if (strlen(s) != 25 || s[14] != '.' || (s[21] != '+' && s[21] != '-'))
        return -1;
    for (int i = 0; i < 25; i++)
        if (i != 14 && i != 21 && !isdigit((unsigned char)s[i]))
            return -1;
    if (sscanf(s, "%4d%2d%2d%2d%2d%2d", &y, &mo, &d, &h, &mi, &se) != 6)
        return -1;
    sign = s[21];
    off = atoi(s + 22);
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60)
        return -1;
    struct tm tm = {.tm_year = y - 1900,
                    .tm_mon = mo - 1,
                    .tm_mday = d,
                    .tm_hour = h,
                    .tm_min = mi,
                    .tm_sec = se};
    time_t t = ef_timegm(&tm);
    if (t == (time_t)-1)
        return -1;
    *out = sign == '+' ? t - (time_t)off * 60 : t + (time_t)off * 60;
    return 0;
}

int ef_win_time(const json_t *row, const char *col, time_t *out)
{
    const char *s = ef_win_str(row, col);
    if (s == NULL)
        return -1;
    if (ef_parse_rfc3339(s, out) == 0)
        return 0;
    return cim_datetime(s, out);
}

void ef_win_text(const json_t *row, const char *col, char *out, size_t outlen)
{
    const json_t *v = json_object_get(row, col);
    if (v == NULL) {
        snprintf(out, outlen, "absent");
        return;
    }
    char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
    if (s == NULL) {
        snprintf(out, outlen, "?");
        return;
    }
    if (json_is_string(v))
        snprintf(out, outlen, "%s", json_string_value(v));
    else
        snprintf(out, outlen, "%s", s);
    free(s);
}

/* ---- api rows against their declaration ---- */

static int type_ok(ef_wcol_type t, const json_t *v)
{
    if (json_is_null(v))
        return 1;
    switch (t) {
    case EF_WCOL_INT:
        return json_is_integer(v);
    case EF_WCOL_BOOL:
        return json_is_boolean(v);
    case EF_WCOL_STR:
        return json_is_string(v);
    case EF_WCOL_TIME: {
        time_t t2;
        return json_is_string(v) && ef_parse_rfc3339(json_string_value(v), &t2) == 0;
    }
    case EF_WCOL_STRLIST:
    case EF_WCOL_INTLIST: {
        size_t i;
        const json_t *e;
        if (!json_is_array(v))
            return 0;
        json_array_foreach(v, i, e)
        {
            if (t == EF_WCOL_STRLIST ? !json_is_string(e) : !json_is_integer(e))
                return 0;
        }
        return 1;
    }
    }
    return 0;
}

static const char *type_name(ef_wcol_type t)
{
    static const char *const n[] = {"an integer",       "a boolean",         "a string",
                                    "an RFC 3339 time", "a list of strings", "a list of integers"};
    return n[t];
}

int ef_win_rows_check(const struct ef_win_api_table *t, const json_t *rows, char *why,
                      size_t whylen)
{
    size_t i;
    const json_t *row;

    if (!json_is_array(rows)) {
        snprintf(why, whylen, "%s: rows must be a list of objects", t->name);
        return -1;
    }
    json_array_foreach(rows, i, row)
    {
        const char *k;
        const json_t *v;
        if (!json_is_object(row)) {
            snprintf(why, whylen, "%s row %zu: not an object", t->name, i + 1);
            return -1;
        }
        json_object_foreach((json_t *)row, k, v)
        {
            if (strcmp(k, EF_WIN_ROW_WHY) == 0) {
                if (!json_is_string(v)) {
                    snprintf(why, whylen, "%s row %zu: _why must be a string", t->name, i + 1);
                    return -1;
                }
                continue;
            }
            size_t c = 0;
            while (c < t->ncols && strcmp(t->cols[c].name, k) != 0)
                c++;
            if (c == t->ncols) {
                snprintf(why, whylen, "%s row %zu: no column '%.100s' in this table", t->name,
                         i + 1, k);
                return -1;
            }
            if (!type_ok(t->cols[c].type, v)) {
                snprintf(why, whylen, "%s row %zu: %s must be %s or null", t->name, i + 1, k,
                         type_name(t->cols[c].type));
                return -1;
            }
        }
    }
    return 0;
}
