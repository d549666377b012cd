/* Reading files that apt may keep compressed: the package lists in /var/lib/apt/lists,
 * NAME_Packages.lz4 (apt's choice on some images) or NAME_Packages.gz (Acquire::GzipIndexes).
 * zlib and liblz4 do the work. */
#ifndef EFTERLEV_AGENT_DECOMPRESS_H
#define EFTERLEV_AGENT_DECOMPRESS_H

#include "facts.h"

#include <stddef.h>

/* 1 when name ends in a suffix this module can read (".gz", ".lz4"), else 0. */
int ef_decompress_supported(const char *name);

/* Decompress the whole of in (gzip or LZ4 frame format, by the suffix of name) into a
 * NUL-terminated buffer of at most max bytes that the caller frees. Returns 0, or -1 with why
 * (corrupt input, larger than max, out of memory). */
int ef_decompress(const char *name, const void *in, size_t inlen, size_t max, char **out,
                  size_t *outlen, char *why, size_t whylen);

/* Read ROOT/rel, decompressing it when its name says it is compressed. Returns 0, a negative
 * errno when the file cannot be read, or -EILSEQ with why when it cannot be decompressed. */
int ef_pu_read_decompressed(struct ef_facts *f, const char *rel, size_t max, char **buf,
                            size_t *len, char *why, size_t whylen);

#endif
