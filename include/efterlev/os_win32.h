/* SPDX-License-Identifier: EUPL-1.2 */
/* Windows only: UTF-8 and UTF-16 for the code that calls Windows' wide APIs itself (the
 * service, the Windows paths and host facts); implemented in lib/os_win32.c beside the
 * rest of efterlev/os.h. */
#ifndef EFTERLEV_OS_WIN32_H
#define EFTERLEV_OS_WIN32_H

#include <wchar.h>

/* A new UTF-16 copy of a UTF-8 string (free it); NULL for invalid UTF-8 (errno EINVAL) or
 * out of memory. */
wchar_t *ef_win_utf16(const char *s);
/* A new UTF-8 copy of a UTF-16 string (free it); NULL when out of memory. */
char *ef_win_utf8(const wchar_t *w);

#endif
