/* SPDX-License-Identifier: EUPL-1.2 */
/* The figures (docs/figures.md): per department, host, check and control, from the
 * store's counters, and the daily history. Every figure here is read from counters kept
 * in the ingest transaction, never summed over all results at request time. */
#ifndef EF_COLLECTOR_AGGREGATE_H
#define EF_COLLECTOR_AGGREGATE_H

#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include <jansson.h>

#include "check_catalog.h"
#include "controls.h"
#include "efterlev/policy.h"
#include "csv.h"
#include "store/store.h"

/* The platforms a host can report from (host.platform), in the order every output lists
 * them. A host that has not reported yet has none and is in neither. */
enum { EF_PLAT_LINUX = 0, EF_PLAT_WINDOWS, EF_PLATS };
extern const char *const ef_platform_names[EF_PLATS];  /* "linux", "windows" */
extern const char *const ef_platform_titles[EF_PLATS]; /* "Linux", "Windows" */
/* EF_PLAT_* of a stored platform, -1 for "" (not reported yet) or unknown text. */
int ef_platform_index(const char *platform);

struct ef_dept_summary {
    char name[EF_DEPT_NAME_MAX + 1];
    ef_level level;
    int64_t hosts;            /* enrolled agents */
    int64_t stale_hosts;      /* of which not seen within stale_days (or never) */
    int64_t counts[EF_KINDS]; /* over fresh agents only */
    /* hosts and stale_hosts per platform (EF_PLAT_*), from each host's latest report */
    int64_t platform_hosts[EF_PLATS];
    int64_t platform_stale[EF_PLATS];
    /* of the fresh hosts, those whose latest report ran the policy they were assigned */
    int64_t assigned_hosts;
};

/* Which hosts a summary lists: all (the default), only the stale ones, or none (large
 * fleets: the department figures alone). */
enum ef_hosts_mode { EF_HOSTS_ALL = 0, EF_HOSTS_STALE, EF_HOSTS_NONE };

struct ef_summary {
    time_t generated_at;
    int stale_days;
    struct ef_dept_summary *depts;
    size_t ndepts;
    struct ef_host_row *hosts;
    size_t nhosts;
};

/* Build the summary at time now; only_dept (NULL for all) restricts it to one department.
 * Returns EF_OK, EF_NOTFOUND when only_dept does not exist, or EF_ERR. */
int ef_summary_build(struct ef_store *s, const char *only_dept, int stale_days, time_t now,
                     struct ef_summary *out);
int ef_summary_build_mode(struct ef_store *s, const char *only_dept, int stale_days, time_t now,
                          enum ef_hosts_mode mode, struct ef_summary *out);
void ef_summary_free(struct ef_summary *sum);

/* Compliance in percent, pass / (pass + fail + missing), or -1 when there is nothing
 * passed, failed or missing. ef_pct_round: to one decimal, halves away from zero. */
double ef_compliance_pct(const int64_t counts[EF_KINDS]);
double ef_pct_round(double pct);
/* "66.7" or "-" (or "" with empty_dash 0); decimal comma with comma set. */
void ef_pct_text(const int64_t counts[EF_KINDS], int comma, int empty_dash, char *out,
                 size_t outlen);

/* Fill the departments' platform_hosts and platform_stale from the store (after a
 * sweep). EF_OK or EF_ERR. */
int ef_dept_platforms(struct ef_store *s, const char *only_dept, struct ef_dept_summary *d,
                      size_t nd);
/* {"linux": {"hosts": N, "stale_hosts": M}, "windows": {...}} of a department. */
json_t *ef_platforms_json(const struct ef_dept_summary *d);

/* The counts ef_counts_json wrote into o (0 for a key it lacks). */
void ef_counts_from_json(const json_t *o, int64_t counts[EF_KINDS]);
/* Add pass..accepted and compliance_pct to o. 0 or -1. */
int ef_counts_json(json_t *o, const int64_t counts[EF_KINDS]);
json_t *ef_host_row_json(const struct ef_host_row *h);
json_t *ef_acceptance_json(const struct ef_acceptance *a);

/* Give every object of rows that has a "check" id a "title": the check's title in lang
 * (ef_check_title: the other language, else the id, when it has none), and a "summary": its
 * one-sentence summary in lang (the other language's; null when it has none). platform: the
 * host's (host page), or NULL (a department's rows, which mix platforms). */
/* Per aspect (index i: EF_ASPECT_* bit 1 << i), the counts of the check rows whose check
 * protects it (ef_check_aspects): a result counts in every aspect of its check. */
void ef_aspect_sums(const struct ef_check_catalogs *cs, const struct ef_check_counts *rows,
                    size_t n, int64_t out[EF_ASPECTS][EF_KINDS]);
/* The same over a JSON document's "checks" rows (the department view), set as its
 * "aspects": [{aspect, pass, fail, ..., compliance_pct}] in K, R, T, S order. */
int ef_json_aspects(json_t *doc, const struct ef_check_catalogs *cs);

/* The agent id of the one host of department dept named host (its agent id or host name);
 * 0, or -1 with err (none, or several of that name). */
int ef_host_in_department(struct ef_store *s, const char *dept, const char *host, char *agent_id,
                          size_t len, char *err, size_t errlen);

/* A deviation as the CLI's and the API's JSON show it (overdue judged at now). */
json_t *ef_deviation_json(const struct ef_deviation *v, time_t now);
/* A department-wide pattern: {department, check, hosts, of, assigned, first_opened_at}. */
json_t *ef_deviation_pattern_json(const struct ef_deviation_pattern *p);

void ef_json_check_titles(json_t *rows, const struct ef_check_catalogs *cs, const char *platform,
                          const char *lang);

/* Formats of the summary. */
json_t *ef_summary_json(const struct ef_summary *sum);
int ef_summary_text(const struct ef_summary *sum, FILE *out);
int ef_summary_csv(const struct ef_summary *sum, const struct ef_csv_dialect *d, FILE *out);
/* Display width of UTF-8 text in a terminal: one column per code point. */
size_t ef_text_width(const char *s);

/* Per-control figures: department NULL for all. cat may be NULL (no titles, no
 * uncovered list). Every call sweeps first. The JSON documents are described in
 * docs/protocol.md. Return EF_OK, EF_NOTFOUND (no such department/host) or
 * EF_ERR. */
int ef_controls_build(struct ef_store *s, const struct ef_catalog *cat, const char *department,
                      int numbering2013, struct ef_control_sum **out, size_t *n);
int ef_controls_json(struct ef_store *s, const struct ef_catalog *cat, const char *department,
                     int numbering2013, int stale_days, time_t now, json_t **out);
int ef_department_json(struct ef_store *s, const struct ef_catalog *cat, const char *department,
                       enum ef_hosts_mode mode, int stale_days, time_t now, json_t **out);
/* A department's renames and level changes, oldest first, as a JSON array of
 * {at, event, from, to} (docs/protocol.md); EF_OK, EF_ERR or EF_NOMEM. */
int ef_department_history_json(struct ef_store *s, const char *department, json_t **out);
/* only_dept non-NULL: NOTFOUND unless the host is in that department. */
int ef_host_json(struct ef_store *s, const char *agent_id, const char *only_dept, int stale_days,
                 time_t now, json_t **out);
/* Daily points between since_day and until_day ("YYYY-MM-DD" or NULL), summed over every
 * department when department is NULL; control NULL for the department totals. */
int ef_trend_json(struct ef_store *s, const char *department, const char *control,
                  const char *since_day, const char *until_day, int stale_days, time_t now,
                  json_t **out);

#endif
