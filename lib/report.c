/* SPDX-License-Identifier: EUPL-1.2 */
/* The report document: building, serialising (compact JSON, sorted keys) and the strict
 * validator the collector runs on every upload. */
#include "efterlev/attr.h"
#include "efterlev/report.h"

#include "efterlev/array.h"
#include "efterlev/util.h"

#include <ctype.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const status_names[] = {"pass", "fail", "na", "unknown", "error"};
static const char *const level_names[] = {NULL, "basic", "elevated", "high"};
static const char *const severity_names[] = {"info", "low", "medium", "high", "critical"};

const char *ef_status_name(ef_status s)
{
    return (unsigned)s < EF_STATUS_COUNT ? status_names[s] : "error";
}

int ef_status_parse(const char *s, ef_status *out)
{
    for (size_t i = 0; i < EF_ARRAY_LEN(status_names); i++)
        if (strcmp(s, status_names[i]) == 0) {
            *out = (ef_status)i;
            return 0;
        }
    return -1;
}

const char *ef_level_name(ef_level l)
{
    return l >= EF_LEVEL_BASIC && l <= EF_LEVEL_HIGH ? level_names[l] : "basic";
}

int ef_level_parse(const char *s, ef_level *out)
{
    for (size_t i = 1; i < EF_ARRAY_LEN(level_names); i++)
        if (strcmp(s, level_names[i]) == 0) {
            *out = (ef_level)i;
            return 0;
        }
    return -1;
}

const char *ef_severity_name(ef_severity s)
{
    return (unsigned)s <= EF_SEV_CRITICAL ? severity_names[s] : "info";
}

int ef_severity_parse(const char *s, ef_severity *out)
{
    for (size_t i = 0; i < EF_ARRAY_LEN(severity_names); i++)
        if (strcmp(s, severity_names[i]) == 0) {
            *out = (ef_severity)i;
            return 0;
        }
    return -1;
}

int ef_control_valid(const char *s)
{
    /* theme digit 5..8, '.', 1-2 digits without a leading zero */
    if (s[0] < '5' || s[0] > '8' || s[1] != '.')
        return 0;
    const char *p = s + 2;
    size_t n = strspn(p, "0123456789");
    return (n == 1 || n == 2) && p[0] != '0' && p[n] == '\0';
}

void ef_report_init(struct ef_report *r)
{
    memset(r, 0, sizeof(*r));
}

void ef_report_free(struct ef_report *r)
{
    free(r->results);
    ef_report_init(r);
}

struct ef_result *ef_report_add(struct ef_report *r)
{
    struct ef_result *g =
        ef_array_grow(r->results, r->nresults, &r->cap, sizeof(*g), 32, EF_RESULTS_MAX);
    if (g == NULL)
        return NULL;
    r->results = g;
    struct ef_result *res = &r->results[r->nresults++];
    memset(res, 0, sizeof(*res));
    return res;
}

void ef_report_counts(const struct ef_report *r, size_t counts[EF_STATUS_COUNT])
{
    memset(counts, 0, sizeof(size_t) * EF_STATUS_COUNT);
    for (size_t i = 0; i < r->nresults; i++)
        counts[r->results[i].status < EF_STATUS_COUNT ? r->results[i].status : EF_ERROR]++;
}

/* ---- serialisation ---- */

static json_t *result_to_json(const struct ef_result *res)
{
    json_t *controls = json_array();
    for (size_t i = 0; i < res->ncontrols; i++)
        json_array_append_new(controls, json_string(res->controls[i]));
    return json_pack("{s:s, s:s, s:s, s:o, s:s, s:s, s:I}", "check", res->check, "status",
                     ef_status_name(res->status), "evidence", res->evidence, "controls", controls,
                     "severity", ef_severity_name(res->severity), "level",
                     ef_level_name(res->level), "duration_us", (json_int_t)res->duration_us);
}

char *ef_report_serialize(const struct ef_report *r, size_t *len)
{
    json_t *results = json_array();
    for (size_t i = 0; i < r->nresults; i++)
        json_array_append_new(results, result_to_json(&r->results[i]));
    size_t c[EF_STATUS_COUNT];
    ef_report_counts(r, c);
    const struct ef_host *h = &r->host;
    json_t *doc = json_pack(
        "{s:s, s:s, s:I, s:s, s:{s:s, s:s, s:s, s:s, s:s, s:s, s:s}, s:s,"
        " s:{s:s, s:s, s:s}, s:o, s:{s:I, s:I, s:I, s:I, s:I}, s:I}",
        "schema", EF_REPORT_SCHEMA, "agent_id", r->agent_id, "seq", (json_int_t)r->seq,
        "generated_at", r->generated_at, "host", "hostname", h->hostname, "machine_id",
        h->machine_id, "os_id", h->os_id, "os_version", h->os_version, "os_pretty", h->os_pretty,
        "kernel", h->kernel, "arch", h->arch, "agent_version", r->agent_version, "policy", "id",
        r->policy_id, "version", r->policy_version, "sha256", r->policy_sha256, "results", results,
        "summary", "pass", (json_int_t)c[EF_PASS], "fail", (json_int_t)c[EF_FAIL], "na",
        (json_int_t)c[EF_NA], "unknown", (json_int_t)c[EF_UNKNOWN], "error",
        (json_int_t)c[EF_ERROR], "spool_dropped", (json_int_t)r->spool_dropped);
    if (doc == NULL)
        return NULL;
    /* The platform always; edition and build only where the system has them (Windows). */
    json_t *jh = json_object_get(doc, "host");
    if (json_object_set_new(jh, "platform",
                            json_string(h->platform[0] ? h->platform : EF_PLATFORM_LINUX)) != 0 ||
        (h->os_edition[0] && json_object_set_new(jh, "os_edition", json_string(h->os_edition))) ||
        (h->os_build[0] && json_object_set_new(jh, "os_build", json_string(h->os_build)))) {
        json_decref(doc);
        return NULL;
    }
    char *out = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(doc);
    if (out != NULL && len != NULL)
        *len = strlen(out);
    return out;
}

/* ---- validation ---- */

struct verr {
    char *buf;
    size_t len;
};

static int fail(struct verr *e, const char *fmt, ...) EF_PRINTF(2, 3);
static int fail(struct verr *e, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->buf, e->len, fmt, ap);
    va_end(ap);
    return -1;
}

/* Every key of obj must be one of allowed (NULL-terminated). */
static int only_keys(json_t *obj, const char *const *allowed, const char *where, struct verr *e)
{
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v)
    {
        size_t i;
        for (i = 0; allowed[i] != NULL; i++)
            if (strcmp(key, allowed[i]) == 0)
                break;
        if (allowed[i] == NULL)
            return fail(e, "%s: unknown field \"%.64s\"", where, key);
    }
    return 0;
}

static int get_str(json_t *obj, const char *key, char *dst, size_t max, int allow_empty,
                   const char *where, struct verr *e)
{
    json_t *v = json_object_get(obj, key);
    if (v == NULL)
        return fail(e, "%s%s: missing", where, key);
    if (!json_is_string(v))
        return fail(e, "%s%s: must be a string", where, key);
    size_t n = json_string_length(v);
    if (n > max)
        return fail(e, "%s%s: longer than %zu bytes", where, key, max);
    if (n == 0 && !allow_empty)
        return fail(e, "%s%s: must not be empty", where, key);
    const char *s = json_string_value(v);
    if (strlen(s) != n)
        return fail(e, "%s%s: contains NUL", where, key);
    memcpy(dst, s, n + 1);
    return 0;
}

/* An optional string: absent leaves dst empty. */
static int opt_str(json_t *obj, const char *key, char *dst, size_t max, const char *where,
                   struct verr *e)
{
    dst[0] = '\0';
    if (json_object_get(obj, key) == NULL)
        return 0;
    return get_str(obj, key, dst, max, 1, where, e);
}

static int get_uint(json_t *obj, const char *key, uint64_t *dst, const char *where, struct verr *e)
{
    *dst = 0; /* defined on failure too: callers' compilers cannot see that fail() returns -1 */
    json_t *v = json_object_get(obj, key);
    if (v == NULL)
        return fail(e, "%s%s: missing", where, key);
    if (!json_is_integer(v) || json_integer_value(v) < 0)
        return fail(e, "%s%s: must be a non-negative integer", where, key);
    *dst = (uint64_t)json_integer_value(v);
    return 0;
}

static int parse_result(json_t *jr, size_t idx, struct ef_result *res, struct verr *e)
{
    static const char *const keys[] = {"check",    "status", "evidence",    "controls",
                                       "severity", "level",  "duration_us", NULL};
    char where[48], tmp[32];
    snprintf(where, sizeof(where), "results[%zu].", idx);
    if (!json_is_object(jr))
        return fail(e, "results[%zu]: must be an object", idx);
    if (only_keys(jr, keys, where, e) != 0)
        return -1;
    if (get_str(jr, "check", res->check, EF_ID_MAX, 0, where, e) ||
        get_str(jr, "evidence", res->evidence, EF_EVIDENCE_MAX, 1, where, e) ||
        get_uint(jr, "duration_us", &res->duration_us, where, e))
        return -1;
    if (get_str(jr, "status", tmp, sizeof(tmp) - 1, 0, where, e) ||
        ef_status_parse(tmp, &res->status) != 0)
        return fail(e, "%sstatus: must be pass, fail, na, unknown or error", where);
    if (get_str(jr, "severity", tmp, sizeof(tmp) - 1, 0, where, e) ||
        ef_severity_parse(tmp, &res->severity) != 0)
        return fail(e, "%sseverity: must be info, low, medium, high or critical", where);
    if (get_str(jr, "level", tmp, sizeof(tmp) - 1, 0, where, e) ||
        ef_level_parse(tmp, &res->level) != 0)
        return fail(e, "%slevel: must be basic, elevated or high", where);
    json_t *ctl = json_object_get(jr, "controls");
    if (!json_is_array(ctl) || json_array_size(ctl) == 0 || json_array_size(ctl) > EF_CONTROLS_MAX)
        return fail(e, "%scontrols: must be an array of 1 to %d control numbers", where,
                    EF_CONTROLS_MAX);
    size_t i;
    json_t *c;
    json_array_foreach(ctl, i, c)
    {
        const char *s = json_string_value(c);
        if (s == NULL || json_string_length(c) > EF_CONTROL_MAX || !ef_control_valid(s))
            return fail(e, "%scontrols[%zu]: not an ISO/IEC 27002:2022 control number", where, i);
        memcpy(res->controls[i], s, json_string_length(c) + 1);
    }
    res->ncontrols = json_array_size(ctl);
    return 0;
}

static int cmp_check_ptr(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* A check appears at most once in a report: the collector keeps one result per check. */
static int has_duplicate_check(const struct ef_report *r, struct verr *e)
{
    if (r->nresults < 2)
        return 0;
    const char **ids = reallocarray(NULL, r->nresults, sizeof(*ids));
    if (ids == NULL)
        return fail(e, "out of memory");
    for (size_t i = 0; i < r->nresults; i++)
        ids[i] = r->results[i].check;
    qsort(ids, r->nresults, sizeof(*ids), cmp_check_ptr);
    int rc = 0;
    for (size_t i = 1; i < r->nresults && rc == 0; i++)
        if (strcmp(ids[i - 1], ids[i]) == 0)
            rc = fail(e, "results: check \"%.128s\" appears more than once", ids[i]);
    free(ids);
    return rc;
}

static int parse_doc(json_t *doc, struct ef_report *r, struct verr *e)
{
    static const char *const top[] = {"schema",  "agent_id",      "seq",    "generated_at",
                                      "host",    "agent_version", "policy", "results",
                                      "summary", "spool_dropped", NULL};
    static const char *const host_keys[] = {"platform",   "hostname",  "machine_id", "os_id",
                                            "os_version", "os_pretty", "kernel",     "arch",
                                            "os_edition", "os_build",  NULL};
    static const char *const policy_keys[] = {"id", "version", "sha256", NULL};
    static const char *const summary_keys[] = {"pass", "fail", "na", "unknown", "error", NULL};
    char schema[32];

    if (!json_is_object(doc))
        return fail(e, "report must be a JSON object");
    if (only_keys(doc, top, "report", e) != 0)
        return -1;
    if (get_str(doc, "schema", schema, sizeof(schema) - 1, 0, "", e))
        return -1;
    if (strcmp(schema, EF_REPORT_SCHEMA) != 0)
        return fail(e, "schema: expected \"%s\"", EF_REPORT_SCHEMA);
    if (get_str(doc, "agent_id", r->agent_id, EF_ID_MAX, 0, "", e) ||
        get_uint(doc, "seq", &r->seq, "", e) ||
        get_str(doc, "generated_at", r->generated_at, sizeof(r->generated_at) - 1, 0, "", e) ||
        get_str(doc, "agent_version", r->agent_version, EF_SHORT_MAX, 0, "", e))
        return -1;
    if (r->seq == 0)
        return fail(e, "seq: must be at least 1");
    time_t t;
    if (ef_parse_rfc3339(r->generated_at, &t) != 0)
        return fail(e, "generated_at: not an RFC 3339 time");
    if (json_object_get(doc, "spool_dropped") != NULL &&
        get_uint(doc, "spool_dropped", &r->spool_dropped, "", e))
        return -1;

    json_t *h = json_object_get(doc, "host");
    if (!json_is_object(h))
        return fail(e, "host: must be an object");
    struct ef_host *hh = &r->host;
    if (only_keys(h, host_keys, "host", e) ||
        get_str(h, "hostname", hh->hostname, EF_NAME_MAX, 0, "host.", e) ||
        get_str(h, "machine_id", hh->machine_id, EF_SHORT_MAX, 0, "host.", e) ||
        get_str(h, "os_id", hh->os_id, EF_SHORT_MAX, 1, "host.", e) ||
        get_str(h, "os_version", hh->os_version, EF_SHORT_MAX, 1, "host.", e) ||
        get_str(h, "os_pretty", hh->os_pretty, EF_NAME_MAX, 1, "host.", e) ||
        get_str(h, "kernel", hh->kernel, EF_SHORT_MAX, 1, "host.", e) ||
        get_str(h, "arch", hh->arch, EF_SHORT_MAX, 1, "host.", e) ||
        opt_str(h, "os_edition", hh->os_edition, EF_SHORT_MAX, "host.", e) ||
        opt_str(h, "os_build", hh->os_build, EF_SHORT_MAX, "host.", e) ||
        opt_str(h, "platform", hh->platform, sizeof(hh->platform) - 1, "host.", e))
        return -1;
    /* Reports from before the Windows agent name no platform: they all came from Linux. */
    if (hh->platform[0] == '\0')
        strlcpy(hh->platform, EF_PLATFORM_LINUX, sizeof(hh->platform));
    else if (strcmp(hh->platform, EF_PLATFORM_LINUX) != 0 &&
             strcmp(hh->platform, EF_PLATFORM_WINDOWS) != 0)
        return fail(e, "host.platform: must be \"linux\" or \"windows\"");

    json_t *p = json_object_get(doc, "policy");
    if (!json_is_object(p))
        return fail(e, "policy: must be an object");
    if (only_keys(p, policy_keys, "policy", e) ||
        get_str(p, "id", r->policy_id, EF_ID_MAX, 0, "policy.", e) ||
        get_str(p, "version", r->policy_version, EF_SHORT_MAX, 1, "policy.", e) ||
        get_str(p, "sha256", r->policy_sha256, 64, 1, "policy.", e))
        return -1;

    json_t *results = json_object_get(doc, "results");
    if (!json_is_array(results))
        return fail(e, "results: must be an array");
    if (json_array_size(results) > EF_RESULTS_MAX)
        return fail(e, "results: more than %d results", EF_RESULTS_MAX);
    size_t i;
    json_t *jr;
    json_array_foreach(results, i, jr)
    {
        struct ef_result *res = ef_report_add(r);
        if (res == NULL)
            return fail(e, "out of memory");
        if (parse_result(jr, i, res, e) != 0)
            return -1;
    }

    if (has_duplicate_check(r, e) != 0)
        return -1;

    json_t *s = json_object_get(doc, "summary");
    if (!json_is_object(s))
        return fail(e, "summary: must be an object");
    if (only_keys(s, summary_keys, "summary", e) != 0)
        return -1;
    size_t c[EF_STATUS_COUNT];
    ef_report_counts(r, c);
    for (int k = 0; k < EF_STATUS_COUNT; k++) {
        uint64_t v;
        if (get_uint(s, status_names[k], &v, "summary.", e))
            return -1;
        if (v != c[k])
            return fail(e, "summary.%s: %llu does not match the %zu results with that status",
                        status_names[k], (unsigned long long)v, c[k]);
    }
    return 0;
}

int ef_report_parse(const char *body, size_t len, struct ef_report *out, char *err, size_t errlen)
{
    struct verr e = {err, errlen};
    ef_report_init(out);
    if (len > EF_BODY_MAX)
        return fail(&e, "report larger than %d bytes", EF_BODY_MAX);
    if (!ef_utf8_valid(body, len))
        return fail(&e, "report is not valid UTF-8 text");
    json_error_t je;
    json_t *doc = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
    if (doc == NULL)
        return fail(&e, "malformed JSON at line %d column %d: %s", je.line, je.column, je.text);
    int rc = parse_doc(doc, out, &e);
    json_decref(doc);
    if (rc != 0)
        ef_report_free(out);
    return rc;
}
