/* SPDX-License-Identifier: EUPL-1.2 */
/* Room for one more element in a growable array of structs or pointers, with a maximum
 * count: the one way efterlev grows arrays (bytes and text go in struct ef_buf, buf.h). */
#ifndef EFTERLEV_ARRAY_H
#define EFTERLEV_ARRAY_H

#include <stddef.h>

/* The array v (n elements in use, *cap allocated, each size bytes) with room for element n:
 * v itself when n < *cap, else v grown (first to first elements, then doubling, never
 * beyond max) by reallocarray and *cap updated. NULL, with v untouched and still the
 * caller's to free, when n >= max (errno E2BIG) or memory runs out (ENOMEM).
 *
 *     struct item *g = ef_array_grow(items, n, &cap, sizeof(*items), 64, ITEMS_MAX);
 *     if (g == NULL)
 *         goto oom;
 *     items = g;
 *     items[n++] = ...;
 */
__attribute__((warn_unused_result)) void *ef_array_grow(void *v, size_t n, size_t *cap, size_t size,
                                                        size_t first, size_t max);

/* For arrays bounded only by memory (reallocarray still refuses sizes that overflow). */
#define EF_ARRAY_NO_MAX ((size_t)-1)

#endif
