/* SPDX-License-Identifier: EUPL-1.2 */
/* Fuzz inputs as files: the loaders under test read paths, so each input is put in an
 * anonymous memory file and handed over as /proc/self/fd/N. */
#ifndef EFTERLEV_FUZZ_INPUT_H
#define EFTERLEV_FUZZ_INPUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

/* Returns the fd (caller closes) and fills path, or -1. */
static inline int fuzz_input_file(const uint8_t *data, size_t size, char *path, size_t cap)
{
    int fd = memfd_create("efterlev-fuzz", MFD_CLOEXEC);
    if (fd < 0)
        return -1;
    size_t off = 0;
    while (off < size) {
        ssize_t n = write(fd, data + off, size - off);
        if (n <= 0) {
            close(fd);
            return -1;
        }
        off += (size_t)n;
    }
    snprintf(path, cap, "/proc/self/fd/%d", fd);
    return fd;
}

#endif
