/* SPDX-License-Identifier: EUPL-1.2 */
/* The live registry of this Windows machine (built only for Windows). Keys are opened with
 * RegOpenKeyExW in the 64-bit view (KEY_WOW64_64KEY) unless a rule asks for the 32-bit one
 * (KEY_WOW64_32KEY); names go in as UTF-16 (MultiByteToWideChar from UTF-8) and come out as
 * UTF-8 (WideCharToMultiByte); data is read raw with RegQueryValueExW and rendered by
 * ef_reg_render as for a recorded registry. ERROR_FILE_NOT_FOUND is "absent";
 * ERROR_ACCESS_DENIED is "cannot read: access denied (needs Administrator)". */
#include "registry_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <windows.h>

#define WIDE_MAX (EF_REG_KEY_MAX + 1)

static int to_wide(const char *s, wchar_t *out, int outlen)
{
    return MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, -1, out, outlen) > 0 ? 0 : -1;
}

static void why_error(LONG rc, const char *what, char *why, size_t whylen)
{
    if (rc == ERROR_ACCESS_DENIED)
        snprintf(why, whylen, "cannot read %.300s: access denied (needs Administrator)", what);
    else
        snprintf(why, whylen, "cannot read %.300s: Windows error %ld", what, (long)rc);
}

/* Open key (normalised: "HKLM\..." or "HKU\...") for reading in the view. */
static LONG open_key(const char *key, ef_reg_view view, REGSAM access, HKEY *out)
{
    HKEY hive;
    const char *rest;
    wchar_t wkey[WIDE_MAX];

    if (strncmp(key, "HKLM", 4) == 0)
        hive = HKEY_LOCAL_MACHINE, rest = key + 4;
    else if (strncmp(key, "HKU", 3) == 0)
        hive = HKEY_USERS, rest = key + 3;
    else
        return ERROR_INVALID_PARAMETER;
    if (*rest == '\\')
        rest++;
    if (to_wide(rest, wkey, WIDE_MAX) != 0)
        return ERROR_INVALID_PARAMETER;
    access |= view == EF_REG_VIEW_32 ? KEY_WOW64_32KEY : KEY_WOW64_64KEY;
    return RegOpenKeyExW(hive, wkey, 0, access, out);
}

static ef_reg_status live_get(struct ef_reg *r, const char *key, const char *name, ef_reg_view view,
                              struct ef_reg_value *out, char *why, size_t whylen)
{
    wchar_t wname[EF_REG_NAME_MAX + 1];
    unsigned char *data;
    DWORD type = 0, size = EF_REG_DATA_MAX;
    HKEY h;
    LONG rc;

    (void)r;
    if (to_wide(name, wname, EF_REG_NAME_MAX + 1) != 0) {
        snprintf(why, whylen, "value name is not valid UTF-8");
        return EF_REG_CANNOT_READ;
    }
    rc = open_key(key, view, KEY_QUERY_VALUE, &h);
    if (rc == ERROR_FILE_NOT_FOUND)
        return EF_REG_ABSENT;
    if (rc != ERROR_SUCCESS) {
        why_error(rc, key, why, whylen);
        return EF_REG_CANNOT_READ;
    }
    if ((data = malloc(EF_REG_DATA_MAX)) == NULL) {
        RegCloseKey(h);
        snprintf(why, whylen, "out of memory");
        return EF_REG_CANNOT_READ;
    }
    rc = RegQueryValueExW(h, wname, NULL, &type, data, &size);
    RegCloseKey(h);
    if (rc == ERROR_FILE_NOT_FOUND) {
        free(data);
        return EF_REG_ABSENT;
    }
    if (rc == ERROR_MORE_DATA) {
        free(data);
        snprintf(why, whylen, "%.300s\\%.200s: data larger than %d bytes", key, name,
                 EF_REG_DATA_MAX);
        return EF_REG_CANNOT_READ;
    }
    if (rc != ERROR_SUCCESS) {
        free(data);
        why_error(rc, key, why, whylen);
        return EF_REG_CANNOT_READ;
    }
    char bad[200];
    int ok = ef_reg_render((unsigned)type, data, size, out, bad, sizeof(bad)) == 0;
    free(data);
    if (!ok) {
        snprintf(why, whylen, "%.300s\\%.200s: malformed data: %s", key, name, bad);
        return EF_REG_CANNOT_READ;
    }
    return EF_REG_PRESENT;
}

static ef_reg_status live_key_exists(struct ef_reg *r, const char *key, ef_reg_view view, char *why,
                                     size_t whylen)
{
    HKEY h;
    LONG rc = open_key(key, view, KEY_QUERY_VALUE, &h);

    (void)r;
    if (rc == ERROR_FILE_NOT_FOUND)
        return EF_REG_ABSENT;
    if (rc != ERROR_SUCCESS) {
        why_error(rc, key, why, whylen);
        return EF_REG_CANNOT_READ;
    }
    RegCloseKey(h);
    return EF_REG_PRESENT;
}

static int cmp_name(const void *a, const void *b)
{
    return ef_reg_name_cmp(*(char *const *)a, *(char *const *)b);
}

static ef_reg_status live_subkeys(struct ef_reg *r, const char *key, ef_reg_view view,
                                  char ***names, size_t *n, char *why, size_t whylen)
{
    HKEY h;
    LONG rc = open_key(key, view, KEY_ENUMERATE_SUB_KEYS, &h);
    char **v;
    size_t cnt = 0;

    (void)r;
    if (rc == ERROR_FILE_NOT_FOUND)
        return EF_REG_ABSENT;
    if (rc != ERROR_SUCCESS) {
        why_error(rc, key, why, whylen);
        return EF_REG_CANNOT_READ;
    }
    if ((v = calloc(EF_REG_SUBKEYS_MAX + 1, sizeof(*v))) == NULL) {
        RegCloseKey(h);
        snprintf(why, whylen, "out of memory");
        return EF_REG_CANNOT_READ;
    }
    for (DWORD i = 0;; i++) {
        wchar_t wsub[256]; /* a key name is at most 255 characters */
        char sub[4 * 256];
        DWORD len = 256;
        rc = RegEnumKeyExW(h, i, wsub, &len, NULL, NULL, NULL, NULL);
        if (rc == ERROR_NO_MORE_ITEMS)
            break;
        if (rc != ERROR_SUCCESS || cnt == EF_REG_SUBKEYS_MAX ||
            WideCharToMultiByte(CP_UTF8, 0, wsub, (int)len + 1, sub, (int)sizeof(sub), NULL,
                                NULL) <= 0 ||
            (v[cnt] = strdup(sub)) == NULL) {
            if (cnt == EF_REG_SUBKEYS_MAX)
                snprintf(why, whylen, "more than %d subkeys under %.300s", EF_REG_SUBKEYS_MAX, key);
            else
                why_error(rc, key, why, whylen);
            RegCloseKey(h);
            ef_reg_names_free(v);
            return EF_REG_CANNOT_READ;
        }
        cnt++;
    }
    RegCloseKey(h);
    qsort(v, cnt, sizeof(*v), cmp_name);
    *names = v;
    *n = cnt;
    return EF_REG_PRESENT;
}

static void live_free(struct ef_reg *r)
{
    free(r);
}

static const struct ef_reg_ops live_ops = {live_get, live_key_exists, live_subkeys, live_free};

struct ef_reg *ef_reg_open_live(char *err, size_t errlen)
{
    struct ef_reg *r = calloc(1, sizeof(*r));

    if (r == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    r->ops = &live_ops;
    r->live = 1;
    snprintf(r->source, sizeof(r->source), "live registry");
    return r;
}
