/* SPDX-License-Identifier: EUPL-1.2 */
#include "output.h"

#include <jansson.h>
#include <string.h>
#include <unistd.h>

int output_format_parse(const char *s, enum out_format *f)
{
    if (strcmp(s, "text") == 0)
        *f = OUT_TEXT;
    else if (strcmp(s, "json") == 0)
        *f = OUT_JSON;
    else
        return -1;
    return 0;
}

enum out_format output_resolve(enum out_format f, FILE *fp)
{
    if (f != OUT_AUTO)
        return f;
    return isatty(fileno(fp)) ? OUT_TEXT : OUT_JSON;
}

static void controls_text(char *buf, size_t cap, char (*controls)[EF_CONTROL_MAX + 1], size_t n)
{
    buf[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            strlcat(buf, ",", cap);
        strlcat(buf, controls[i], cap);
    }
}

void output_scan_text(FILE *fp, const struct ef_report *r, ef_level level)
{
    fprintf(fp, "%-8s %-32s %-8s %-14s %s\n", "STATUS", "CHECK", "SEVERITY", "ISO 27002",
            "EVIDENCE");
    for (size_t i = 0; i < r->nresults; i++) {
        const struct ef_result *res = &r->results[i];
        char ctl[128];
        controls_text(ctl, sizeof(ctl), (char(*)[EF_CONTROL_MAX + 1]) res->controls,
                      res->ncontrols);
        fprintf(fp, "%-8s %-32s %-8s %-14s %s\n", ef_status_name(res->status), res->check,
                ef_severity_name(res->severity), ctl, res->evidence);
    }
    size_t c[EF_STATUS_COUNT];
    ef_report_counts(r, c);
    fprintf(fp,
            "\n%zu checks at protection level %s: %zu pass, %zu fail, %zu na, %zu unknown, "
            "%zu error\n",
            r->nresults, ef_level_name(level), c[EF_PASS], c[EF_FAIL], c[EF_NA], c[EF_UNKNOWN],
            c[EF_ERROR]);
}

void output_checks_text(FILE *fp, const struct ef_policy_set *ps)
{
    fprintf(fp, "%-32s %-8s %-8s %-14s %s\n", "CHECK", "LEVEL", "SEVERITY", "ISO 27002", "TITLE");
    for (size_t i = 0; i < ps->nchecks; i++) {
        const struct ef_check *c = &ps->checks[i];
        char ctl[128];
        controls_text(ctl, sizeof(ctl), (char(*)[EF_CONTROL_MAX + 1]) c->controls, c->ncontrols);
        fprintf(fp, "%-32s %-8s %-8s %-14s %s\n", c->id, ef_level_name(c->level),
                ef_severity_name(c->severity), ctl, c->title ? c->title : "");
    }
    fprintf(fp, "\n%zu checks (policy %s %s)\n", ps->nchecks, ps->id, ps->version);
}

int output_checks_json(FILE *fp, const struct ef_policy_set *ps)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < ps->nchecks; i++) {
        const struct ef_check *c = &ps->checks[i];
        json_t *ctl = json_array();
        for (size_t k = 0; k < c->ncontrols; k++)
            json_array_append_new(ctl, json_string(c->controls[k]));
        json_array_append_new(arr, json_pack("{s:s, s:s?, s:s?, s:o, s:s, s:s, s:s?}", "id", c->id,
                                             "title", c->title, "description", c->description,
                                             "controls", ctl, "level", ef_level_name(c->level),
                                             "severity", ef_severity_name(c->severity),
                                             "remediation", c->remediation));
    }
    json_t *doc = json_pack("{s:{s:s, s:s, s:s}, s:o}", "policy", "id", ps->id, "version",
                            ps->version, "sha256", ps->sha256, "checks", arr);
    int rc = doc && json_dumpf(doc, fp, JSON_INDENT(2)) == 0 ? 0 : -1;
    fputc('\n', fp);
    json_decref(doc);
    return rc;
}
