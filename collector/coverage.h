/* SPDX-License-Identifier: EUPL-1.2 */
/* Coverage against the municipality's device list (docs/figures.md, "Coverage"): per
 * department of the list, the devices listed, reporting (matched by a fresh agent), stale
 * (matched only by stale agents), never seen (matched by none), coverage = reporting /
 * listed; and the fresh agents that no device matches (reporting but not listed), per the
 * agent's department. */
#ifndef EF_COLLECTOR_COVERAGE_H
#define EF_COLLECTOR_COVERAGE_H

#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include <jansson.h>

#include "csv.h"
#include "store/store.h"

enum ef_cov_status { EF_COV_NEVER = 0, EF_COV_STALE, EF_COV_REPORTING };

struct ef_cov_dept {
    char name[EF_DEPT_NAME_MAX + 1];
    int in_collector; /* 0: only the device list names it */
    int64_t listed, reporting, stale, never_seen;
    int64_t unlisted; /* fresh agents of this department no device matches */
};

struct ef_coverage {
    time_t generated_at;
    int stale_days;
    int have_list; /* 0: no device list imported; info and devices empty */
    struct ef_inventory_info info;
    struct ef_device *devices; /* the list, by department and hostname */
    size_t ndevices;
    enum ef_cov_status *status; /* of each device */
    struct ef_cov_dept *depts;  /* by name: the collector's and the list's */
    size_t ndepts;
    struct ef_cov_dept total;     /* name "" */
    struct ef_host_row *unlisted; /* fresh agents no device matches, by department, hostname */
    size_t nunlisted;
};

/* The matching itself, without a store (unit tests): devices (n) against the agents hosts
 * (nh, .stale as host_rows gives it); status[i] for devices[i]; unlisted[j] = 1 for each
 * fresh agent no device matches. 0, or -1 when out of memory. */
int ef_coverage_match(const struct ef_device *devices, size_t n, const struct ef_host_row *hosts,
                      size_t nh, enum ef_cov_status *status, int *unlisted);

/* Coverage at now (sweeps first): only_dept NULL for every department, else that one's
 * devices and unlisted agents (matching still looks at every agent). EF_OK, EF_NOTFOUND
 * (only_dept is neither a department of the collector nor of the list) or EF_ERR. */
int ef_coverage_build(struct ef_store *s, const char *only_dept, int stale_days, time_t now,
                      struct ef_coverage *out);
void ef_coverage_free(struct ef_coverage *c);

/* Coverage in percent of reporting / listed to one decimal (ef_pct_round), -1 when nothing
 * is listed. */
double ef_coverage_pct(int64_t reporting, int64_t listed);

/* The document of GET /api/v1/coverage and `coverage --format json` (docs/protocol.md). */
json_t *ef_coverage_json(const struct ef_coverage *c);
int ef_coverage_text(const struct ef_coverage *c, FILE *out);
int ef_coverage_csv(const struct ef_coverage *c, const struct ef_csv_dialect *d, FILE *out);

#endif
