/* The compliance summary: per department and per host, over each agent's latest report. */
#ifndef EF_COLLECTOR_AGGREGATE_H
#define EF_COLLECTOR_AGGREGATE_H

#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include <jansson.h>

#include "store/store.h"

struct ef_dept_summary {
    char name[EF_DEPT_NAME_MAX + 1];
    ef_level level;
    int64_t hosts;                   /* enrolled agents */
    int64_t stale_hosts;             /* of which not seen within stale_days (or never) */
    int64_t counts[EF_STATUS_COUNT]; /* over fresh agents only */
};

struct ef_summary {
    time_t generated_at;
    int stale_days;
    struct ef_dept_summary *depts;
    size_t ndepts;
    struct ef_host_row *hosts; /* with .stale set */
    size_t nhosts;
};

/* Build the summary at time now; only_dept (NULL for all) restricts it to one department.
 * Returns EF_STORE_OK, EF_STORE_NOTFOUND when only_dept does not exist, or EF_STORE_ERR. */
int ef_summary_build(struct ef_store *s, const char *only_dept, int stale_days, time_t now,
                     struct ef_summary *out);
void ef_summary_free(struct ef_summary *sum);

/* Compliance in percent, or -1 when there is nothing passed or failed. */
double ef_compliance_pct(const int64_t counts[EF_STATUS_COUNT]);

/* Formats. */
json_t *ef_summary_json(const struct ef_summary *sum);
int ef_summary_text(const struct ef_summary *sum, FILE *out);
int ef_summary_csv(const struct ef_summary *sum, FILE *out);
/* Display width of UTF-8 text in a terminal: one column per code point. */
size_t ef_text_width(const char *s);

#endif
