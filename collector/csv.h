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
/* 1 when a spreadsheet would take text cell s as a formula: it starts with '=', '+', '-',
 * '@', a tab or a CR (OWASP's list). */
int ef_csv_is_formula(const char *s);
/* One text field, quoted when it holds the separator, a quote, CR or LF; a field that
 * ef_csv_is_formula gets a leading apostrophe ("=1+1" is written '=1+1), so every text cell
 * is read as text. last ends the record. */
void ef_csv_str(const struct ef_csv_dialect *d, FILE *out, const char *s, int last);
/* One number written by the collector itself (never neutralised: -3 stays a number). */
void ef_csv_int(const struct ef_csv_dialect *d, FILE *out, int64_t v, int last);

#endif
