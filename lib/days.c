/* SPDX-License-Identifier: EUPL-1.2 */
/* Day arithmetic in UTC (efterlev/days.h). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "efterlev/days.h"
#include "efterlev/util.h"

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

int ef_parse_date_through(const char *s, time_t *out)
{
    if (ef_parse_date(s, out) != 0)
        return -1;
    if (strlen(s) == 10)
        *out += 86400;
    return 0;
}
