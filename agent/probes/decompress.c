/* SPDX-License-Identifier: EUPL-1.2 */
#include "decompress.h"

#include "probe_util.h"

#include <fcntl.h>
#include <limits.h>
#include <unistd.h>

#include <errno.h>
#include <lz4frame.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

int ef_decompress_supported(const char *name)
{
    return ends_with(name, ".gz") || ends_with(name, ".lz4");
}

/* ---- streaming: whole stanzas at a time ---- */

#define CHUNK (64 * 1024)

struct stanzas {
    char *acc; /* decompressed bytes not yet handed on */
    size_t used, cap, max;
    void (*fn)(char *piece, size_t len, void *ctx);
    void *ctx;
};

/* Append n bytes, then hand on everything up to the last blank line. -1 when a single
 * stanza outgrows max or memory runs out. */
static int push(struct stanzas *z, const char *data, size_t n)
{
    if (z->used + n + 1 > z->cap) {
        size_t ncap = z->cap ? z->cap : 4 * CHUNK;
        while (ncap < z->used + n + 1)
            ncap *= 2;
        if (ncap > z->max + 1)
            return -1;
        char *nb = realloc(z->acc, ncap);
        if (nb == NULL)
            return -1;
        z->acc = nb;
        z->cap = ncap;
    }
    memcpy(z->acc + z->used, data, n);
    z->used += n;
    size_t cut = 0;
    for (size_t i = z->used; i >= 2; i--)
        if (z->acc[i - 1] == '\n' && z->acc[i - 2] == '\n') {
            cut = i;
            break;
        }
    if (cut == 0)
        return 0;
    char keep = z->acc[cut];
    z->acc[cut] = '\0';
    z->fn(z->acc, cut, z->ctx); /* may write NULs into the piece: it is ours to lend */
    z->acc[cut] = keep;
    memmove(z->acc, z->acc + cut, z->used - cut);
    z->used -= cut;
    return 0;
}

static int flush(struct stanzas *z)
{
    if (z->used > 0) {
        z->acc[z->used] = '\0';
        z->fn(z->acc, z->used, z->ctx);
        z->used = 0;
    }
    return 0;
}

int ef_pu_each_stanzas(struct ef_facts *f, const char *rel, size_t max,
                       void (*fn)(char *piece, size_t len, void *ctx), void *ctx, char *why,
                       size_t whylen)
{
    char path[PATH_MAX];
    if (ef_facts_path(f, path, sizeof(path), rel) != 0)
        return -ENAMETOOLONG;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return -errno;
    enum {
        PLAIN,
        GZ,
        LZ4
    } kind = ends_with(rel, ".gz")    ? GZ
             : ends_with(rel, ".lz4") ? LZ4
                                      : PLAIN;
    struct stanzas z = {.max = max, .fn = fn, .ctx = ctx};
    static const char too_long[] = "a stanza longer than the limit, or out of memory";
    char in[CHUNK], out[CHUNK];
    z_stream zs;
    LZ4F_dctx *dctx = NULL;
    int rc = 0, zrc = Z_OK;
    size_t hint = 1;
    memset(&zs, 0, sizeof(zs));
    if ((kind == GZ && inflateInit2(&zs, 15 + 32) != Z_OK) ||
        (kind == LZ4 && LZ4F_isError(LZ4F_createDecompressionContext(&dctx, LZ4F_VERSION)))) {
        close(fd);
        snprintf(why, whylen, "cannot initialise the decompressor");
        return -EILSEQ;
    }
    for (;;) {
        ssize_t got = read(fd, in, sizeof(in));
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            rc = -errno;
            break;
        }
        if (got == 0)
            break;
        if (kind == PLAIN) {
            if (push(&z, in, (size_t)got) != 0) {
                snprintf(why, whylen, "%s", too_long);
                rc = -EILSEQ;
                break;
            }
        } else if (kind == GZ) {
            zs.next_in = (Bytef *)in;
            zs.avail_in = (uInt)got;
            while (zs.avail_in > 0 && rc == 0) {
                if (zrc == Z_STREAM_END && inflateReset(&zs) != Z_OK) /* next gzip member */
                    zrc = Z_DATA_ERROR;
                else {
                    zs.next_out = (Bytef *)out;
                    zs.avail_out = sizeof(out);
                    zrc = inflate(&zs, Z_NO_FLUSH);
                }
                if (zrc != Z_OK && zrc != Z_STREAM_END && zrc != Z_BUF_ERROR) {
                    snprintf(why, whylen, "gzip data is corrupt (%s)", zs.msg ? zs.msg : "zlib");
                    rc = -EILSEQ;
                } else if (push(&z, out, sizeof(out) - zs.avail_out) != 0) {
                    snprintf(why, whylen, "%s", too_long);
                    rc = -EILSEQ;
                }
            }
        } else {
            size_t pos = 0;
            while (pos < (size_t)got && rc == 0) {
                size_t dst = sizeof(out), src = (size_t)got - pos;
                hint = LZ4F_decompress(dctx, out, &dst, in + pos, &src, NULL);
                if (LZ4F_isError(hint)) {
                    snprintf(why, whylen, "lz4 data is corrupt (%s)", LZ4F_getErrorName(hint));
                    rc = -EILSEQ;
                } else if (push(&z, out, dst) != 0) {
                    snprintf(why, whylen, "%s", too_long);
                    rc = -EILSEQ;
                }
                pos += src;
            }
            /* Output the decompressor still holds (its buffer was full). */
            while (rc == 0 && hint != 0) {
                size_t dst = sizeof(out), src = 0;
                hint = LZ4F_decompress(dctx, out, &dst, NULL, &src, NULL);
                if (LZ4F_isError(hint) || dst == 0)
                    break;
                if (push(&z, out, dst) != 0) {
                    snprintf(why, whylen, "%s", too_long);
                    rc = -EILSEQ;
                }
            }
        }
        if (rc != 0)
            break;
    }
    if (rc == 0 && kind == GZ && zrc != Z_STREAM_END) {
        snprintf(why, whylen, "gzip data is truncated");
        rc = -EILSEQ;
    }
    if (rc == 0 && kind == LZ4 && (LZ4F_isError(hint) || hint != 0)) {
        snprintf(why, whylen, "lz4 data is truncated");
        rc = -EILSEQ;
    }
    if (rc == 0)
        flush(&z);
    if (kind == GZ)
        inflateEnd(&zs);
    if (dctx != NULL)
        LZ4F_freeDecompressionContext(dctx);
    close(fd);
    free(z.acc);
    return rc;
}
