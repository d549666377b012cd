/* SPDX-License-Identifier: EUPL-1.2 */
/* Printing scan results and check lists for people (text) and programs (JSON). */
#ifndef EFTERLEV_AGENT_OUTPUT_H
#define EFTERLEV_AGENT_OUTPUT_H

#include "efterlev/policy.h"
#include "efterlev/report.h"

#include <stdio.h>

enum out_format { OUT_AUTO, OUT_TEXT, OUT_JSON };

int output_format_parse(const char *s, enum out_format *f);
/* OUT_AUTO: text on a terminal, JSON otherwise. */
enum out_format output_resolve(enum out_format f, FILE *fp);

void output_scan_text(FILE *fp, const struct ef_report *r, ef_level level);
void output_checks_text(FILE *fp, const struct ef_policy_set *ps);
/* JSON list of checks; returns 0 or -1. */
int output_checks_json(FILE *fp, const struct ef_policy_set *ps);

#endif
