/* SPDX-License-Identifier: EUPL-1.2 */
/* Compiler attributes the code shares. EF_PRINTF: a printf-like function, checked by the
 * compiler; on mingw-w64 GCC's "printf" means Microsoft's dialect (no %zu, %lld), while the
 * Windows build uses mingw's C99 printf (__USE_MINGW_ANSI_STDIO), hence gnu_printf there. */
#ifndef EFTERLEV_ATTR_H
#define EFTERLEV_ATTR_H

#if defined(__MINGW32__)
#define EF_PRINTF(fmt, first) __attribute__((format(gnu_printf, fmt, first)))
#else
#define EF_PRINTF(fmt, first) __attribute__((format(printf, fmt, first)))
#endif

#endif
