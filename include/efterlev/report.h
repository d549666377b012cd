/* SPDX-License-Identifier: EUPL-1.2 */
/* The report document (schema "efterlev.report/1"): the model, its JSON form and its
 * strict validator. The agent builds it; the collector parses and validates uploads with
 * the same code, so both sides agree on every limit. */
#ifndef EFTERLEV_REPORT_H
#define EFTERLEV_REPORT_H

#include <stddef.h>
#include <stdint.h>

#define EF_REPORT_SCHEMA "efterlev.report/1"
#define EF_BODY_MAX (1024 * 1024) /* bytes of a request body, and so of a report */

/* Field limits (bytes, without NUL). Every string in a report is bounded. */
#define EF_ID_MAX 128        /* agent_id, check id, policy id */
#define EF_SHORT_MAX 128     /* os id/version, kernel, arch, versions */
#define EF_NAME_MAX 255      /* hostname, os pretty name */
#define EF_EVIDENCE_MAX 1024 /* evidence of one result */
#define EF_CONTROL_MAX 8     /* "8.24" */
#define EF_CONTROLS_MAX 16   /* controls per result */
#define EF_RESULTS_MAX 4096  /* results per report */

typedef enum { EF_PASS = 0, EF_FAIL, EF_NA, EF_UNKNOWN, EF_ERROR, EF_STATUS_COUNT } ef_status;
typedef enum { EF_LEVEL_BASIC = 1, EF_LEVEL_ELEVATED = 2, EF_LEVEL_HIGH = 3 } ef_level;
typedef enum {
    EF_SEV_INFO = 0,
    EF_SEV_LOW,
    EF_SEV_MEDIUM,
    EF_SEV_HIGH,
    EF_SEV_CRITICAL
} ef_severity;

const char *ef_status_name(ef_status s);
int ef_status_parse(const char *s, ef_status *out); /* 0 or -1 */
const char *ef_level_name(ef_level l);
int ef_level_parse(const char *s, ef_level *out);
const char *ef_severity_name(ef_severity s);
int ef_severity_parse(const char *s, ef_severity *out);
/* 1 when s looks like an ISO/IEC 27002 control number ("5.17", "8.24"). */
int ef_control_valid(const char *s);

struct ef_result {
    char check[EF_ID_MAX + 1];
    ef_status status;
    char evidence[EF_EVIDENCE_MAX + 1];
    char controls[EF_CONTROLS_MAX][EF_CONTROL_MAX + 1];
    size_t ncontrols;
    ef_severity severity;
    ef_level level; /* the protection level the result was judged at */
    uint64_t duration_us;
};

/* The systems a report can come from ("platform" in the report's host object). */
#define EF_PLATFORM_LINUX "linux"
#define EF_PLATFORM_WINDOWS "windows"

struct ef_host {
    char platform[16]; /* EF_PLATFORM_*: "linux" when an older report leaves it out */
    char hostname[EF_NAME_MAX + 1];
    char machine_id[EF_SHORT_MAX + 1];
    char os_id[EF_SHORT_MAX + 1];
    char os_version[EF_SHORT_MAX + 1];
    char os_pretty[EF_NAME_MAX + 1];
    char kernel[EF_SHORT_MAX + 1];
    char arch[EF_SHORT_MAX + 1];
    char os_edition[EF_SHORT_MAX + 1]; /* Windows: EditionID ("Professional"); else empty */
    char os_build[EF_SHORT_MAX + 1];   /* Windows: "22631.4460" (build.UBR); else empty */
};

struct ef_report {
    char agent_id[EF_ID_MAX + 1]; /* empty when not enrolled (local scan) */
    uint64_t seq;
    char generated_at[32];
    struct ef_host host;
    char agent_version[EF_SHORT_MAX + 1];
    char policy_id[EF_ID_MAX + 1];
    char policy_version[EF_SHORT_MAX + 1];
    char policy_sha256[65];
    struct ef_result *results;
    size_t nresults;
    size_t cap;
    uint64_t spool_dropped; /* reports the agent had to drop from its spool since the last */
};

void ef_report_init(struct ef_report *r);
void ef_report_free(struct ef_report *r);
/* Append a zeroed result and return it, or NULL when full or out of memory. */
struct ef_result *ef_report_add(struct ef_report *r);
/* Counts per status, indexed by ef_status. */
void ef_report_counts(const struct ef_report *r, size_t counts[EF_STATUS_COUNT]);

/* Serialise to compact JSON with sorted keys (the bytes that are signed). Caller frees.
 * NULL on allocation failure. */
char *ef_report_serialize(const struct ef_report *r, size_t *len);

/* Parse and validate a report body: UTF-8, schema, every field present with the right
 * type and within its limit, seq >= 1, generated_at RFC 3339, summary consistent with
 * results. Returns 0, or -1 with err naming the offending field. */
int ef_report_parse(const char *body, size_t len, struct ef_report *out, char *err, size_t errlen);

#endif
