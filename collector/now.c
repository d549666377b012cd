/* SPDX-License-Identifier: EUPL-1.2 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

int64_t ef_day_of(time_t t)
{
    int64_t d = (int64_t)t / 86400;

    if ((int64_t)t < 0 && (int64_t)t % 86400 != 0)
        d--;
    return d;
}

void ef_day_text(int64_t day, char out[11])
{
    char buf[32];

    ef_time_rfc3339((time_t)(day * 86400), buf);
    memcpy(out, buf, 10);
    out[10] = '\0';
}

int ef_parse_date(const char *s, time_t *out)
{
    char buf[32];

    if (strlen(s) == 10 && s[4] == '-' && s[7] == '-') {
        snprintf(buf, sizeof(buf), "%sT00:00:00Z", s);
        return ef_parse_rfc3339(buf, out);
    }
    return ef_parse_rfc3339(s, out);
}
