/* SPDX-License-Identifier: EUPL-1.2 */
/* CSV writing in two dialects: RFC 4180 (',' separator, '.' decimals, CRLF) and excel-sv
 * (UTF-8 byte order mark, ';' separator, ',' decimals, CRLF) so Swedish Excel opens the
 * file with å, ä, ö intact and numbers as numbers. */
#ifndef EF_COLLECTOR_CSV_H
#define EF_COLLECTOR_CSV_H

#include <stdint.h>
#include <stdio.h>

struct ef_csv_dialect {
    char sep;
    int decimal_comma;
    int bom;
};

extern const struct ef_csv_dialect ef_csv_rfc4180;
extern const struct ef_csv_dialect ef_csv_excel_sv;

/* "rfc4180" or "excel-sv"; NULL when unknown. */
const struct ef_csv_dialect *ef_csv_dialect_parse(const char *name);

void ef_csv_begin(const struct ef_csv_dialect *d, FILE *out);
/* One field, quoted when it holds the separator, a quote, CR or LF; last ends the record. */
void ef_csv_str(const struct ef_csv_dialect *d, FILE *out, const char *s, int last);
void ef_csv_int(const struct ef_csv_dialect *d, FILE *out, int64_t v, int last);

#endif
