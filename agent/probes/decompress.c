/* SPDX-License-Identifier: EUPL-1.2 */
#include "decompress.h"

#include "probe_util.h"

#include "efterlev/buf.h"

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
    struct ef_buf acc; /* decompressed bytes not yet handed on; its maximum bounds a stanza */
    void (*fn)(char *piece, size_t len, void *ctx);
    void *ctx;
};

/* Append n bytes, then hand on everything up to the last blank line. -1 when a single
 * stanza outgrows max or memory runs out. */
static int push(struct stanzas *z, const char *data, size_t n)
{
    if (ef_buf_add(&z->acc, data, n) != 0)
        return -1;
    char *acc = z->acc.data;
    size_t used = ef_buf_len(&z->acc), cut = 0;
    for (size_t i = used; i >= 2; i--)
        if (acc[i - 1] == '\n' && acc[i - 2] == '\n') {
            cut = i;
            break;
        }
    if (cut == 0)
        return 0;
    char keep = acc[cut];
    acc[cut] = '\0';
    z->fn(acc, cut, z->ctx); /* may write NULs into the piece: it is ours to lend */
    acc[cut] = keep;
    ef_buf_consume(&z->acc, cut);
    return 0;
}

static int flush(struct stanzas *z)
{
    if (ef_buf_len(&z->acc) > 0) {
        z->fn(z->acc.data, ef_buf_len(&z->acc), z->ctx);
        ef_buf_reset(&z->acc);
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
    struct stanzas z = {.fn = fn, .ctx = ctx};
    static const char too_long[] = "a stanza longer than the limit, or out of memory";
    char in[CHUNK], out[CHUNK];
    z_stream zs;
    LZ4F_dctx *dctx = NULL;
    int rc = 0, zrc = Z_OK;
    size_t hint = 1;
    memset(&zs, 0, sizeof(zs));
    ef_buf_init(&z.acc, max);
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
    ef_buf_free(&z.acc);
    return rc;
}
