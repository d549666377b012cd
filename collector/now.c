/* SPDX-License-Identifier: EUPL-1.2 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "efterlev/log.h"
#include "efterlev/util.h"
#include "now.h"

time_t ef_coll_now(void)
{
    static int warned;
    const char *v = getenv("EFTERLEV_NOW");
    time_t t;

    if (v == NULL || *v == '\0')
        return time(NULL);
    if (ef_parse_rfc3339(v, &t) == 0)
        return t;
    if (!warned)
        ef_warn("EFTERLEV_NOW=\"%s\" is not an RFC 3339 time; using the clock", v);
    warned = 1;
    return time(NULL);
}
