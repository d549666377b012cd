/* SPDX-License-Identifier: EUPL-1.2 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tar.h"
#include "efterlev/array.h"

#define BLOCK 512

static unsigned checksum(const unsigned char *h)
{
    unsigned sum = 0;
    int i;

    for (i = 0; i < BLOCK; i++)
        sum += (i >= 148 && i < 156) ? ' ' : h[i];
    return sum;
}

/* Write v as w-1 octal digits and a NUL into the field p (v < 8^(w-1), checked by callers). */
static void octal_field(unsigned char *p, size_t w, unsigned long long v)
{
    char buf[32];

    snprintf(buf, sizeof(buf), "%0*llo", (int)(w - 1), v);
    memcpy(p, buf, w - 1);
    p[w - 1] = '\0';
}

int ef_tar_add(FILE *out, const char *name, const void *data, size_t len, time_t mtime)
{
    unsigned char h[BLOCK];
    static const unsigned char zero[BLOCK];
    size_t nlen = strlen(name), pad;

    if (nlen == 0 || nlen > EF_TAR_NAME_MAX || (uint64_t)len >= 077777777777ULL)
        return -1;
    memset(h, 0, sizeof(h));
    memcpy(h, name, nlen);
    octal_field(h + 100, 8, 0644);
    octal_field(h + 108, 8, 0);
    octal_field(h + 116, 8, 0);
    octal_field(h + 124, 12, (unsigned long long)len);
    octal_field(h + 136, 12, (unsigned long long)(mtime > 0 && mtime < 077777777777LL ? mtime : 0));
    h[156] = '0';
    memcpy(h + 257, "ustar", 6); /* magic "ustar\0", version "00" */
    memcpy(h + 263, "00", 2);
    octal_field(h + 148, 7, checksum(h));
    h[155] = ' ';
    if (fwrite(h, 1, BLOCK, out) != BLOCK || (len > 0 && fwrite(data, 1, len, out) != len))
        return -1;
    pad = (BLOCK - len % BLOCK) % BLOCK;
    if (pad > 0 && fwrite(zero, 1, pad, out) != pad)
        return -1;
    return 0;
}

int ef_tar_end(FILE *out)
{
    static const unsigned char zero[2 * BLOCK];

    return fwrite(zero, 1, sizeof(zero), out) == sizeof(zero) ? 0 : -1;
}

/* An octal field of width w (NUL or space terminated). -1 when malformed. */
static long long octal(const unsigned char *p, size_t w)
{
    long long v = 0;
    size_t i = 0;

    while (i < w && p[i] == ' ')
        i++;
    if (i == w || p[i] < '0' || p[i] > '7')
        return -1;
    for (; i < w && p[i] >= '0' && p[i] <= '7'; i++)
        v = v * 8 + (p[i] - '0');
    for (; i < w; i++)
        if (p[i] != '\0' && p[i] != ' ')
            return -1;
    return v;
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp((*(const struct ef_tar_entry *const *)a)->name,
                  (*(const struct ef_tar_entry *const *)b)->name);
}

/* The index of an entry whose name an earlier one has too, else n (also when out of
 * memory: then n + 1). Sorted, not pairwise: a bundle of millions of entries stays fast. */
static size_t repeated_name(const struct ef_tar_entry *v, size_t n)
{
    const struct ef_tar_entry **p;
    size_t i, at = n;

    if (n < 2)
        return n;
    if ((p = calloc(n, sizeof(*p))) == NULL)
        return n + 1;
    for (i = 0; i < n; i++)
        p[i] = &v[i];
    qsort(p, n, sizeof(*p), name_cmp);
    for (i = 1; i < n && at == n; i++)
        if (strcmp(p[i]->name, p[i - 1]->name) == 0)
            at = (size_t)(p[i] > p[i - 1] ? p[i] - v : p[i - 1] - v);
    free(p);
    return at;
}

int ef_tar_parse(const unsigned char *buf, size_t len, struct ef_tar_entry **out, size_t *n,
                 char *err, size_t errlen)
{
    struct ef_tar_entry *v = NULL, *nv;
    size_t off = 0, cap = 0, cnt = 0, i;
    static const unsigned char zero[BLOCK];

    *out = NULL;
    *n = 0;
    while (off + BLOCK <= len) {
        const unsigned char *h = buf + off;
        long long size, sum;

        if (memcmp(h, zero, BLOCK) == 0)
            break;
        sum = octal(h + 148, 8);
        size = octal(h + 124, 12);
        if (sum < 0 || (unsigned)sum != checksum(h)) {
            snprintf(err, errlen, "bundle: bad header checksum at byte %zu", off);
            goto err;
        }
        if (memcmp(h + 257, "ustar", 5) != 0 || (h[156] != '0' && h[156] != '\0') || size < 0 ||
            h[345] != '\0') {
            snprintf(err, errlen, "bundle: unsupported entry at byte %zu (only plain ustar files)",
                     off);
            goto err;
        }
        if ((unsigned long long)size > len - off - BLOCK) {
            snprintf(err, errlen, "bundle: entry at byte %zu runs past the end", off);
            goto err;
        }
        /* Entries are bounded by the bundle's size (a header block each). */
        if ((nv = ef_array_grow(v, cnt, &cap, sizeof(*v), 64, EF_ARRAY_NO_MAX)) == NULL) {
            snprintf(err, errlen, "out of memory");
            goto err;
        }
        v = nv;
        memcpy(v[cnt].name, h, EF_TAR_NAME_MAX);
        v[cnt].name[EF_TAR_NAME_MAX] = '\0';
        v[cnt].data = h + BLOCK;
        v[cnt].len = (size_t)size;
        cnt++;
        off += BLOCK + ((size_t)size + BLOCK - 1) / BLOCK * BLOCK;
    }
    if (off + BLOCK > len && off != len) {
        snprintf(err, errlen, "bundle: truncated");
        goto err;
    }
    if ((i = repeated_name(v, cnt)) < cnt) {
        snprintf(err, errlen, "bundle: %s appears twice", v[i].name);
        goto err;
    }
    if (i > cnt) {
        snprintf(err, errlen, "out of memory");
        goto err;
    }
    *out = v;
    *n = cnt;
    return 0;
err:
    free(v);
    return -1;
}
