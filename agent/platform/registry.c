/* SPDX-License-Identifier: EUPL-1.2 */
/* The registry interface (registry.h): dispatch to the live or recorded source, and what
 * both share: key normalisation, case folding, UTF-16LE decoding and rendering data. */
#include "registry_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- UTF-8 / UTF-16 ---- */

/* Decode one code point of valid UTF-8 at *p, advancing it. */
static unsigned long utf8_next(const char **p)
{
    const unsigned char *s = (const unsigned char *)*p;
    unsigned long c = s[0];
    int n = 0;

    if (c < 0x80)
        n = 0;
    else if ((c & 0xe0) == 0xc0 && (s[1] & 0xc0) == 0x80)
        c &= 0x1f, n = 1;
    else if ((c & 0xf0) == 0xe0 && (s[1] & 0xc0) == 0x80 && (s[2] & 0xc0) == 0x80)
        c &= 0x0f, n = 2;
    else if ((c & 0xf8) == 0xf0 && (s[1] & 0xc0) == 0x80 && (s[2] & 0xc0) == 0x80 &&
             (s[3] & 0xc0) == 0x80)
        c &= 0x07, n = 3;
    else
        n = 0; /* not UTF-8: the byte stands for itself */
    for (int i = 1; i <= n; i++)
        c = (c << 6) | (s[i] & 0x3f);
    *p += 1 + n;
    return c;
}

/* Upper to lower case for the scripts Windows names are written in here. */
static unsigned long fold(unsigned long c)
{
    if (c >= 'A' && c <= 'Z')
        return c + 32;
    if (c < 0xc0)
        return c;
    if (c <= 0xde && c != 0xd7) /* Latin-1: À..Þ except × */
        return c + 32;
    if ((c >= 0x100 && c <= 0x137) || (c >= 0x14a && c <= 0x177)) /* Latin Extended-A pairs */
        return (c & 1) ? c : c + 1;
    if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17e))
        return (c & 1) ? c + 1 : c;
    if (c == 0x178) /* Ÿ */
        return 0xff;
    if (c >= 0x391 && c <= 0x3a9 && c != 0x3a2) /* Greek */
        return c + 32;
    if (c >= 0x410 && c <= 0x42f) /* Cyrillic */
        return c + 32;
    if (c >= 0x400 && c <= 0x40f)
        return c + 80;
    return c;
}

int ef_reg_name_cmp(const char *a, const char *b)
{
    while (*a && *b) {
        unsigned long x = fold(utf8_next(&a)), y = fold(utf8_next(&b));
        if (x != y)
            return x < y ? -1 : 1;
    }
    return *a ? 1 : *b ? -1 : 0;
}

int ef_reg_name_eq(const char *a, const char *b)
{
    return ef_reg_name_cmp(a, b) == 0;
}

int ef_reg_name_prefix(const char *a, size_t n, const char *prefix)
{
    const char *end = a + n;
    while (*prefix) {
        if (a >= end || *a == '\0')
            return 0;
        if (fold(utf8_next(&a)) != fold(utf8_next(&prefix)))
            return 0;
    }
    return a == end;
}

static int put_utf8(unsigned long c, char *out, size_t outlen, size_t *o)
{
    unsigned char b[4];
    size_t n;

    if (c < 0x80)
        b[0] = (unsigned char)c, n = 1;
    else if (c < 0x800)
        b[0] = (unsigned char)(0xc0 | (c >> 6)), b[1] = (unsigned char)(0x80 | (c & 0x3f)), n = 2;
    else if (c < 0x10000)
        b[0] = (unsigned char)(0xe0 | (c >> 12)), b[1] = (unsigned char)(0x80 | ((c >> 6) & 0x3f)),
        b[2] = (unsigned char)(0x80 | (c & 0x3f)), n = 3;
    else
        b[0] = (unsigned char)(0xf0 | (c >> 18)), b[1] = (unsigned char)(0x80 | ((c >> 12) & 0x3f)),
        b[2] = (unsigned char)(0x80 | ((c >> 6) & 0x3f)), b[3] = (unsigned char)(0x80 | (c & 0x3f)),
        n = 4;
    if (*o + n >= outlen)
        return -1;
    memcpy(out + *o, b, n);
    *o += n;
    return 0;
}

int ef_reg_utf16le_to_utf8(const unsigned char *in, size_t units, char *out, size_t outlen,
                           size_t *outn)
{
    size_t o = 0;

    if (outlen == 0)
        return -1;
    for (size_t i = 0; i < units; i++) {
        unsigned long c = (unsigned long)in[2 * i] | (unsigned long)in[2 * i + 1] << 8;
        if (c >= 0xd800 && c <= 0xdbff) {
            if (i + 1 >= units)
                return -1;
            unsigned long d = (unsigned long)in[2 * i + 2] | (unsigned long)in[2 * i + 3] << 8;
            if (d < 0xdc00 || d > 0xdfff)
                return -1;
            c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
            i++;
        } else if (c >= 0xdc00 && c <= 0xdfff) {
            return -1;
        }
        if (put_utf8(c, out, outlen, &o) != 0)
            return -1;
    }
    out[o] = '\0';
    if (outn)
        *outn = o;
    return 0;
}

/* ---- rendering data ---- */

const char *ef_reg_type_name(unsigned type, char buf[24])
{
    static const char *const names[] = {
        [EF_REG_NONE] = "REG_NONE",
        [EF_REG_SZ] = "REG_SZ",
        [EF_REG_EXPAND_SZ] = "REG_EXPAND_SZ",
        [EF_REG_BINARY] = "REG_BINARY",
        [EF_REG_DWORD] = "REG_DWORD",
        [EF_REG_DWORD_BIG_ENDIAN] = "REG_DWORD_BIG_ENDIAN",
        [6] = "REG_LINK",
        [EF_REG_MULTI_SZ] = "REG_MULTI_SZ",
        [8] = "REG_RESOURCE_LIST",
        [9] = "REG_FULL_RESOURCE_DESCRIPTOR",
        [10] = "REG_RESOURCE_REQUIREMENTS_LIST",
        [EF_REG_QWORD] = "REG_QWORD",
    };
    if (type < sizeof(names) / sizeof(names[0]) && names[type])
        return names[type];
    snprintf(buf, 24, "REG_TYPE_%u", type);
    return buf;
}

/* UTF-16LE text: REG_SZ up to the first NUL; REG_MULTI_SZ items up to an empty one,
 * joined by '\n'. An odd byte count or an unpaired surrogate is malformed. */
static int render_sz(const unsigned char *d, size_t len, struct ef_reg_value *out, char *why,
                     size_t whylen, int multi)
{
    size_t units = len / 2, o = 0, start = 0, cap = 3 * units + units + 1;
    char *buf;

    if (len % 2) {
        snprintf(why, whylen, "odd number of bytes (%zu) in UTF-16 text", len);
        return -1;
    }
    if ((buf = malloc(cap)) == NULL) {
        snprintf(why, whylen, "out of memory");
        return -1;
    }
    for (size_t i = 0; i <= units; i++) {
        int end = i == units || (d[2 * i] == 0 && d[2 * i + 1] == 0);
        size_t n;
        if (!end)
            continue;
        if (multi && i == start) /* an empty item ends a REG_MULTI_SZ */
            break;
        if (multi && o > 0)
            buf[o++] = '\n';
        if (ef_reg_utf16le_to_utf8(d + 2 * start, i - start, buf + o, cap - o, &n) != 0) {
            snprintf(why, whylen, "not valid UTF-16 (unpaired surrogate)");
            free(buf);
            return -1;
        }
        o += n;
        if (!multi)
            break;
        start = i + 1;
    }
    buf[o] = '\0';
    out->truncated = o > EF_REG_TEXT_MAX;
    if (out->truncated) { /* cut at a code point boundary */
        size_t cut = EF_REG_TEXT_MAX;
        while (cut > 0 && ((unsigned char)buf[cut] & 0xc0) == 0x80)
            cut--;
        buf[cut] = '\0';
    }
    snprintf(out->text, sizeof(out->text), "%s", buf);
    free(buf);
    return 0;
}

int ef_reg_render(unsigned type, const unsigned char *data, size_t len, struct ef_reg_value *out,
                  char *why, size_t whylen)
{
    memset(out, 0, sizeof(*out));
    out->type = type;
    if (len > EF_REG_DATA_MAX) {
        snprintf(why, whylen, "data of %zu bytes (more than %u)", len, EF_REG_DATA_MAX);
        return -1;
    }
    switch (type) {
    case EF_REG_SZ:
    case EF_REG_EXPAND_SZ:
        return render_sz(data, len, out, why, whylen, 0);
    case EF_REG_MULTI_SZ:
        return render_sz(data, len, out, why, whylen, 1);
    case EF_REG_DWORD:
    case EF_REG_DWORD_BIG_ENDIAN:
        if (len != 4) {
            snprintf(why, whylen, "a DWORD of %zu bytes (expected 4)", len);
            return -1;
        }
        out->num = type == EF_REG_DWORD
                       ? (unsigned long long)data[0] | (unsigned long long)data[1] << 8 |
                             (unsigned long long)data[2] << 16 | (unsigned long long)data[3] << 24
                       : (unsigned long long)data[3] | (unsigned long long)data[2] << 8 |
                             (unsigned long long)data[1] << 16 | (unsigned long long)data[0] << 24;
        break;
    case EF_REG_QWORD:
        if (len != 8) {
            snprintf(why, whylen, "a QWORD of %zu bytes (expected 8)", len);
            return -1;
        }
        for (int i = 7; i >= 0; i--)
            out->num = out->num << 8 | data[i];
        break;
    default: {
        size_t o = 0;
        for (size_t i = 0; i < len; i++) {
            if (o + 2 >= sizeof(out->text)) {
                out->truncated = 1;
                break;
            }
            snprintf(out->text + o, 3, "%02x", data[i]);
            o += 2;
        }
        return 0;
    }
    }
    out->numeric = 1;
    snprintf(out->text, sizeof(out->text), "%llu", out->num);
    return 0;
}

/* ---- keys ---- */

int ef_reg_key_normalize(const char *key, ef_reg_view view, char *out, size_t outlen)
{
    static const struct {
        const char *name, *abbr;
    } hives[] = {
        {"HKEY_LOCAL_MACHINE", "HKLM"}, {"HKLM", "HKLM"}, {"HKEY_USERS", "HKU"}, {"HKU", "HKU"}};
    const char *rest = NULL, *abbr = NULL;

    for (size_t i = 0; i < sizeof(hives) / sizeof(hives[0]) && rest == NULL; i++) {
        size_t n = strlen(hives[i].name);
        if (ef_reg_name_prefix(key, n, hives[i].name) && (key[n] == '\\' || key[n] == '\0'))
            rest = key + n, abbr = hives[i].abbr;
    }
    if (rest == NULL)
        return -1;
    size_t o = strlen(abbr);
    if (o + 1 > outlen)
        return -1;
    memcpy(out, abbr, o + 1);
    while (*rest) {
        while (*rest == '\\')
            rest++;
        size_t n = strcspn(rest, "\\");
        if (n == 0)
            break;
        if (o + 1 + n + 1 > outlen)
            return -1;
        out[o++] = '\\';
        memcpy(out + o, rest, n);
        o += n;
        out[o] = '\0';
        rest += n;
    }
    /* 32-bit view: HKLM\SOFTWARE\X is HKLM\SOFTWARE\WOW6432Node\X */
    static const char sw[] = "HKLM\\SOFTWARE";
    size_t swn = sizeof(sw) - 1;
    if (view == EF_REG_VIEW_32 && ef_reg_name_prefix(out, swn < o ? swn : o, sw) && o >= swn &&
        (out[swn] == '\\' || out[swn] == '\0')) {
        static const char wow[] = "\\WOW6432Node";
        size_t wn = sizeof(wow) - 1;
        if (!(ef_reg_name_prefix(out + swn, o - swn >= wn ? wn : o - swn, wow) &&
              (out[swn + wn] == '\\' || out[swn + wn] == '\0'))) {
            if (o + wn + 1 > outlen)
                return -1;
            memmove(out + swn + wn, out + swn, o - swn + 1);
            memcpy(out + swn, wow, wn);
        }
    }
    return 0;
}

/* ---- dispatch ---- */

void ef_reg_free(struct ef_reg *r)
{
    if (r != NULL)
        r->ops->free(r);
}

const char *ef_reg_source(const struct ef_reg *r)
{
    return r->source;
}

int ef_reg_is_live(const struct ef_reg *r)
{
    return r->live;
}

static int norm(const char *key, ef_reg_view view, char *out, size_t outlen, char *why,
                size_t whylen)
{
    if (ef_reg_key_normalize(key, view, out, outlen) != 0) {
        snprintf(why, whylen, "not a registry key path (HKLM\\...): %.200s", key);
        return -1;
    }
    return 0;
}

ef_reg_status ef_reg_get(struct ef_reg *r, const char *key, const char *name, ef_reg_view view,
                         struct ef_reg_value *out, char *why, size_t whylen)
{
    char k[EF_REG_KEY_MAX + 16];

    memset(out, 0, sizeof(*out));
    if (norm(key, view, k, sizeof(k), why, whylen) != 0)
        return EF_REG_CANNOT_READ;
    return r->ops->get(r, k, name ? name : "", view, out, why, whylen);
}

ef_reg_status ef_reg_key_exists(struct ef_reg *r, const char *key, ef_reg_view view, char *why,
                                size_t whylen)
{
    char k[EF_REG_KEY_MAX + 16];

    if (norm(key, view, k, sizeof(k), why, whylen) != 0)
        return EF_REG_CANNOT_READ;
    return r->ops->key_exists(r, k, view, why, whylen);
}

ef_reg_status ef_reg_subkeys(struct ef_reg *r, const char *key, ef_reg_view view, char ***names,
                             size_t *n, char *why, size_t whylen)
{
    char k[EF_REG_KEY_MAX + 16];

    *names = NULL;
    *n = 0;
    if (norm(key, view, k, sizeof(k), why, whylen) != 0)
        return EF_REG_CANNOT_READ;
    return r->ops->subkeys(r, k, view, names, n, why, whylen);
}

void ef_reg_names_free(char **names)
{
    if (names == NULL)
        return;
    for (char **p = names; *p; p++)
        free(*p);
    free(names);
}
