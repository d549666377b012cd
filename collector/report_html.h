/* SPDX-License-Identifier: EUPL-1.2 */
/* The board report (uppföljning till kommunstyrelsen): one self-contained, print-friendly
 * HTML file with inline SVG charts. */
#ifndef EF_COLLECTOR_REPORT_HTML_H
#define EF_COLLECTOR_REPORT_HTML_H

#include <stdio.h>
#include <time.h>

#include "controls.h"
#include "store/store.h"

/* "2026" (year), "2026H2" (half), "2026Q3" (quarter) or "2026-11" (month) into its first
 * and last day (day numbers). 0 or -1. */
int ef_period_parse(const char *period, int64_t *first_day, int64_t *last_day);

struct ef_check_catalogs;

/* A count as the report writes it: groups of three digits separated by a no-break space in
 * Swedish ("141 000"), by a comma in English ("141,000"). out holds EF_NUM_TEXT_MAX bytes
 * (INT64_MIN fits); returns out. */
#define EF_NUM_TEXT_MAX 40
const char *ef_num_text(int64_t v, int sv_lang, char *out);

/* Write the report for period in lang ("sv" or "en"): checks by their title in lang with the
 * id beside it (check_cats, NULL: ids only), controls by their title in lang, severities and
 * dates in lang ("hög", "4 december 2026"). EF_OK or EF_ERR. */
int ef_board_report(struct ef_store *s, const struct ef_catalog *cat,
                    const struct ef_check_catalogs *check_cats, const char *period,
                    const char *lang, int stale_days, time_t now, FILE *out);

#endif
