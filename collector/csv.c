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

int ef_csv_is_formula(const char *s)
{
    return s[0] != '\0' && strchr("=+-@\t\r", s[0]) != NULL;
}

/* The cell as written: quoted when it holds the separator, a quote, CR or LF; prefix, when
 * not NULL, goes first inside the quotes. */
static void cell(const struct ef_csv_dialect *d, FILE *out, const char *prefix, const char *s,
                 int last)
{
    char special[5] = {d->sep, '"', '\r', '\n', '\0'};

    if (strpbrk(s, special) != NULL) {
        fputc('"', out);
        if (prefix != NULL)
            fputs(prefix, out);
        for (; *s != '\0'; s++) {
            if (*s == '"')
                fputc('"', out);
            fputc(*s, out);
        }
        fputc('"', out);
    } else {
        if (prefix != NULL)
            fputs(prefix, out);
        fputs(s, out);
    }
    if (last)
        fputs("\r\n", out);
    else
        fputc(d->sep, out);
}

void ef_csv_str(const struct ef_csv_dialect *d, FILE *out, const char *s, int last)
{
    /* OWASP's rule against CSV injection: a text cell that a spreadsheet would read as a
     * formula (or as one after a leading tab or CR) gets a leading apostrophe. */
    cell(d, out, ef_csv_is_formula(s) ? "'" : NULL, s, last);
}

void ef_csv_int(const struct ef_csv_dialect *d, FILE *out, int64_t v, int last)
{
    char buf[32];

    /* A number the collector computed: a leading '-' is a sign, never a formula. */
    snprintf(buf, sizeof(buf), "%" PRId64, v);
    cell(d, out, NULL, buf, last);
}
