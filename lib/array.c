/* SPDX-License-Identifier: EUPL-1.2 */
/* Room for one more element in a growable array: see include/efterlev/array.h. */
#include "efterlev/array.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h> /* reallocarray */

void *ef_array_grow(void *v, size_t n, size_t *cap, size_t size, size_t first, size_t max)
{
    if (n < *cap)
        return v;
    if (n >= max) {
        errno = E2BIG;
        return NULL;
    }
    size_t ncap = *cap ? *cap : (first ? first : 1);
    while (ncap <= n)
        ncap = ncap <= SIZE_MAX / 2 ? ncap * 2 : SIZE_MAX;
    if (ncap > max)
        ncap = max;
    void *g = reallocarray(v, ncap, size);
    if (g == NULL)
        return NULL; /* errno ENOMEM from reallocarray */
    *cap = ncap;
    return g;
}
