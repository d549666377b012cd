/* SPDX-License-Identifier: EUPL-1.2 */
/* strlcpy, strlcat and reallocarray for the Windows build, with libbsd's semantics (the
 * Linux build takes them from libbsd): the length of the string tried, truncation with a
 * NUL always written when size > 0; reallocarray fails with ENOMEM on overflow. */
#include "compat_win32.h"

#include <errno.h>
#include <stdint.h>

size_t strlcpy(char *dst, const char *src, size_t size)
{
    size_t n = strlen(src);
    if (size > 0) {
        size_t c = n < size - 1 ? n : size - 1;
        memcpy(dst, src, c);
        dst[c] = '\0';
    }
    return n;
}

size_t strlcat(char *dst, const char *src, size_t size)
{
    size_t d = strnlen(dst, size);
    if (d == size)
        return size + strlen(src);
    return d + strlcpy(dst + d, src, size - d);
}

void *reallocarray(void *ptr, size_t nmemb, size_t size)
{
    if (size != 0 && nmemb > SIZE_MAX / size) {
        errno = ENOMEM;
        return NULL;
    }
    return realloc(ptr, nmemb * size);
}
