/* SPDX-License-Identifier: EUPL-1.2 */
#include <inttypes.h>
#include <string.h>

#include "csv.h"

const struct ef_csv_dialect ef_csv_rfc4180 = {',', 0, 0};
const struct ef_csv_dialect ef_csv_excel_sv = {';', 1, 1};

const struct ef_csv_dialect *ef_csv_dialect_parse(const char *name)
{
    if (strcmp(name, "rfc4180") == 0)
        return &ef_csv_rfc4180;
    if (strcmp(name, "excel-sv") == 0)
        return &ef_csv_excel_sv;
    return NULL;
}

void ef_csv_begin(const struct ef_csv_dialect *d, FILE *out)
{
    if (d->bom)
        fputs("\xef\xbb\xbf", out);
}

void ef_csv_str(const struct ef_csv_dialect *d, FILE *out, const char *s, int last)
{
    char special[5] = {d->sep, '"', '\r', '\n', '\0'};

    if (strpbrk(s, special) != NULL) {
        fputc('"', out);
        for (; *s != '\0'; s++) {
            if (*s == '"')
                fputc('"', out);
            fputc(*s, out);
        }
        fputc('"', out);
    } else {
        fputs(s, out);
    }
    if (last)
        fputs("\r\n", out);
    else
        fputc(d->sep, out);
}

void ef_csv_int(const struct ef_csv_dialect *d, FILE *out, int64_t v, int last)
{
    char buf[32];

    snprintf(buf, sizeof(buf), "%" PRId64, v);
    ef_csv_str(d, out, buf, last);
}
