/* SPDX-License-Identifier: EUPL-1.2 */
/* Windows build only, included before every source file (cmake: -include): what libbsd's
 * overlay gives the Linux build through <string.h> and <stdlib.h>. libbsd itself does not
 * build for Windows; lib/compat_win32.c has the three functions the code uses. */
#ifndef EFTERLEV_COMPAT_WIN32_H
#define EFTERLEV_COMPAT_WIN32_H

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

size_t strlcpy(char *dst, const char *src, size_t size);
size_t strlcat(char *dst, const char *src, size_t size);
void *reallocarray(void *ptr, size_t nmemb, size_t size);

#endif
