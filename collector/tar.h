/* SPDX-License-Identifier: EUPL-1.2 */
/* A minimal POSIX ustar writer and reader for export bundles: regular files only, names of
 * at most 100 bytes, sizes below 8 GiB. The reader checks every header checksum and
 * refuses anything else (links, devices, long names), so a bundle cannot smuggle in
 * entries the verifier would not see. */
#ifndef EF_COLLECTOR_TAR_H
#define EF_COLLECTOR_TAR_H

#include <stddef.h>
#include <stdio.h>
#include <time.h>

#define EF_TAR_NAME_MAX 100

/* Append one file. 0 or -1 (name too long, write error). */
int ef_tar_add(FILE *out, const char *name, const void *data, size_t len, time_t mtime);
/* The two zero blocks that end an archive. */
int ef_tar_end(FILE *out);

struct ef_tar_entry {
    char name[EF_TAR_NAME_MAX + 1];
    const unsigned char *data; /* points into the archive buffer */
    size_t len;
};

/* Parse an archive held in memory. *out is an array the caller frees (the data pointers
 * point into buf). 0, or -1 with err set. */
int ef_tar_parse(const unsigned char *buf, size_t len, struct ef_tar_entry **out, size_t *n,
                 char *err, size_t errlen);

#endif
