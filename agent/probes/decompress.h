/* SPDX-License-Identifier: EUPL-1.2 */
/* Reading files that apt may keep compressed: the package lists in /var/lib/apt/lists,
 * NAME_Packages.lz4 (apt's choice on some images) or NAME_Packages.gz (Acquire::GzipIndexes).
 * zlib and liblz4 do the work. */
#ifndef EFTERLEV_AGENT_DECOMPRESS_H
#define EFTERLEV_AGENT_DECOMPRESS_H

#include "facts.h"

#include <stddef.h>

/* 1 when name ends in a suffix this module can read (".gz", ".lz4"), else 0. */
int ef_decompress_supported(const char *name);

/* Read ROOT/rel, decompressing it when its name says so (.gz, .lz4), and hand it to fn in
 * pieces that each end at a blank line: every piece holds whole stanzas of a Debian control
 * file (a package list), NUL-terminated, and fn may modify it. At most a piece is held in
 * memory, not the whole file. Returns 0, a negative errno when the file cannot be read, or
 * -EILSEQ with why when it is corrupt or truncated, or a stanza is longer than max. */
int ef_pu_each_stanzas(struct ef_facts *f, const char *rel, size_t max,
                       void (*fn)(char *piece, size_t len, void *ctx), void *ctx, char *why,
                       size_t whylen);

#endif
