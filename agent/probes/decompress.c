#include "decompress.h"

#include "probe_util.h"

#include <errno.h>
#include <lz4frame.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define COMPRESSED_MAX (64 * 1024 * 1024)

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

int ef_decompress_supported(const char *name)
{
    return ends_with(name, ".gz") || ends_with(name, ".lz4");
}

/* Room for more output in *buf (capacity *cap, *used bytes used, one byte kept for the
 * NUL), growing it up to max bytes of output. Returns the free bytes: 0 when max is reached,
 * -1 when memory runs out. */
static long room(char **buf, size_t *cap, size_t used, size_t max)
{
    if (*cap > used + 1 + 4096 || *cap == max + 1)
        return (long)(*cap - 1 - used);
    size_t ncap = used + 1 + (1 << 20);
    if (ncap > max + 1)
        ncap = max + 1;
    char *nb = realloc(*buf, ncap);
    if (nb == NULL)
        return -1;
    *buf = nb;
    *cap = ncap;
    return (long)(*cap - 1 - used);
}

static int gunzip(const void *in, size_t inlen, size_t max, char **out, size_t *outlen, char *why,
                  size_t whylen)
{
    z_stream zs;
    memset(&zs, 0, sizeof(zs));
    if (inflateInit2(&zs, 15 + 32) != Z_OK) { /* 32: gzip or zlib header, detected */
        snprintf(why, whylen, "zlib: cannot initialise");
        return -1;
    }
    char *buf = NULL;
    size_t cap = 0, used = 0;
    int rc = Z_OK;
    zs.next_in = (Bytef *)(uintptr_t)in;
    zs.avail_in = (uInt)inlen;
    for (;;) {
        long free_bytes = room(&buf, &cap, used, max);
        if (free_bytes <= 0) {
            snprintf(why, whylen,
                     free_bytes < 0 ? "out of memory" : "decompressed data larger than the limit");
            goto fail;
        }
        zs.next_out = (Bytef *)buf + used;
        zs.avail_out = (uInt)free_bytes;
        rc = inflate(&zs, Z_NO_FLUSH);
        used = (size_t)((char *)zs.next_out - buf);
        if (rc == Z_STREAM_END) {
            if (zs.avail_in == 0)
                break;
            /* Concatenated gzip members (gzip -c a b > c) go on after a stream end. */
            if (inflateReset(&zs) != Z_OK)
                goto corrupt;
            continue;
        }
        if (rc != Z_OK && !(rc == Z_BUF_ERROR && zs.avail_out == 0))
            goto corrupt;
        if (zs.avail_in == 0 && zs.avail_out > 0)
            goto corrupt; /* input ended inside a stream: truncated */
    }
    inflateEnd(&zs);
    buf[used] = '\0';
    *out = buf;
    *outlen = used;
    return 0;
corrupt:
    snprintf(why, whylen, "gzip data is corrupt or truncated (%s)", zs.msg ? zs.msg : "zlib");
fail:
    inflateEnd(&zs);
    free(buf);
    return -1;
}

static int unlz4(const void *in, size_t inlen, size_t max, char **out, size_t *outlen, char *why,
                 size_t whylen)
{
    LZ4F_dctx *dctx = NULL;
    if (LZ4F_isError(LZ4F_createDecompressionContext(&dctx, LZ4F_VERSION))) {
        snprintf(why, whylen, "lz4: cannot initialise");
        return -1;
    }
    char *buf = NULL;
    size_t cap = 0, used = 0, pos = 0, hint = 1;
    const char *src = in;
    do {
        long free_bytes = room(&buf, &cap, used, max);
        if (free_bytes <= 0) {
            snprintf(why, whylen,
                     free_bytes < 0 ? "out of memory" : "decompressed data larger than the limit");
            goto fail;
        }
        size_t dst_size = (size_t)free_bytes, src_size = inlen - pos;
        hint = LZ4F_decompress(dctx, buf + used, &dst_size, src + pos, &src_size, NULL);
        if (LZ4F_isError(hint)) {
            snprintf(why, whylen, "lz4 data is corrupt (%s)", LZ4F_getErrorName(hint));
            goto fail;
        }
        pos += src_size;
        used += dst_size;
        if (src_size == 0 && dst_size == 0 && hint != 0) {
            snprintf(why, whylen, "lz4 data is truncated");
            goto fail;
        }
    } while (pos < inlen || (hint != 0 && used == cap - 1)); /* drain a full buffer */
    if (hint != 0) {                                         /* the last frame did not end */
        snprintf(why, whylen, "lz4 data is truncated");
        goto fail;
    }
    LZ4F_freeDecompressionContext(dctx);
    buf[used] = '\0';
    *out = buf;
    *outlen = used;
    return 0;
fail:
    LZ4F_freeDecompressionContext(dctx);
    free(buf);
    return -1;
}

int ef_decompress(const char *name, const void *in, size_t inlen, size_t max, char **out,
                  size_t *outlen, char *why, size_t whylen)
{
    *out = NULL;
    *outlen = 0;
    if (ends_with(name, ".gz"))
        return gunzip(in, inlen, max, out, outlen, why, whylen);
    if (ends_with(name, ".lz4"))
        return unlz4(in, inlen, max, out, outlen, why, whylen);
    snprintf(why, whylen, "%s: not a compression this agent reads", name);
    return -1;
}

int ef_pu_read_decompressed(struct ef_facts *f, const char *rel, size_t max, char **buf,
                            size_t *len, char *why, size_t whylen)
{
    if (!ef_decompress_supported(rel))
        return ef_pu_read(f, rel, max, buf, len);
    char *raw = NULL;
    size_t rawlen = 0;
    int rc = ef_pu_read(f, rel, max, &raw, &rawlen);
    if (rc != 0)
        return rc;
    rc = ef_decompress(rel, raw, rawlen, max < COMPRESSED_MAX ? COMPRESSED_MAX : max, buf, len, why,
                       whylen);
    free(raw);
    return rc == 0 ? 0 : -EILSEQ;
}
