/* SPDX-License-Identifier: EUPL-1.2 */
/* The summary as JSON (the API and --format json), an aligned text table for people (names
 * from reports escaped by ef_text_safe), and CSV for spreadsheets (csv.c). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "aggregate.h"
#include "efterlev/util.h"
#include "text_safe.h"

static void pct_text(const int64_t counts[EF_KINDS], char *out, size_t outlen)
{
    ef_pct_text(counts, 0, 1, out, outlen);
}

json_t *ef_summary_json(const struct ef_summary *sum)
{
    json_t *root, *depts, *hosts, *o;
    char when[32];
    size_t i;

    ef_time_rfc3339(sum->generated_at, when);
    root = json_pack("{s:s, s:i, s:[], s:[]}", "generated_at", when, "stale_days", sum->stale_days,
                     "departments", "hosts");
    if (root == NULL)
        return NULL;
    depts = json_object_get(root, "departments");
    hosts = json_object_get(root, "hosts");
    for (i = 0; i < sum->ndepts; i++) {
        const struct ef_dept_summary *d = &sum->depts[i];

        /* compliance_pct keeps its place before the counts (the version 1 order). */
        o = json_pack("{s:s, s:s, s:I, s:I, s:n}", "name", d->name, "level",
                      ef_level_name(d->level), "hosts", (json_int_t)d->hosts, "stale_hosts",
                      (json_int_t)d->stale_hosts, "compliance_pct");
        if (ef_counts_json(o, d->counts) != 0 ||
            json_object_set_new(o, "platforms", ef_platforms_json(d)) != 0 ||
            json_object_set_new(o, "assigned_policy_hosts",
                                json_integer((json_int_t)d->assigned_hosts)) != 0 ||
            json_array_append_new(depts, o) != 0) {
            json_decref(o);
            goto fail;
        }
    }
    for (i = 0; i < sum->nhosts; i++)
        if (json_array_append_new(hosts, ef_host_row_json(&sum->hosts[i])) != 0)
            goto fail;
    return root;
fail:
    json_decref(root);
    return NULL;
}

/* ---- text ---- */

#define DEPT_COLS 15
#define HOST_COLS 15
#define CELL_MAX 300

size_t ef_text_width(const char *s)
{
    size_t w = 0;

    for (; *s != '\0'; s++)
        if (((unsigned char)*s & 0xc0) != 0x80)
            w++;
    return w;
}

static void dept_cell(const struct ef_summary *sum, size_t row, int col, char *out)
{
    static const char *const head[DEPT_COLS] = {
        "DEPARTMENT", "LEVEL",   "HOSTS", "LINUX",    "WINDOWS",    "STALE",   "PASS",      "FAIL",
        "NA",         "UNKNOWN", "ERROR", "ACCEPTED", "COMPLIANCE", "MISSING", "RAN POLICY"};
    const struct ef_dept_summary *d;

    if (row == 0) {
        snprintf(out, CELL_MAX, "%s", head[col]);
        return;
    }
    d = &sum->depts[row - 1];
    switch (col) {
    case 0:
        ef_text_safe(d->name, out, CELL_MAX);
        break;
    case 1:
        snprintf(out, CELL_MAX, "%s", ef_level_name(d->level));
        break;
    case 2:
        snprintf(out, CELL_MAX, "%" PRId64, d->hosts);
        break;
    case 3:
    case 4:
        snprintf(out, CELL_MAX, "%" PRId64, d->platform_hosts[col - 3]);
        break;
    case 5:
        snprintf(out, CELL_MAX, "%" PRId64, d->stale_hosts);
        break;
    case 12:
        pct_text(d->counts, out, CELL_MAX);
        if (strcmp(out, "-") != 0)
            snprintf(out + strlen(out), CELL_MAX - strlen(out), "%%");
        break;
    case 13:
        snprintf(out, CELL_MAX, "%" PRId64, d->counts[EF_MISSING]);
        break;
    case 14: /* of the counted hosts, those that ran the policy they were assigned */
        snprintf(out, CELL_MAX, "%" PRId64 "/%" PRId64, d->assigned_hosts,
                 d->hosts - d->stale_hosts);
        break;
    default:
        snprintf(out, CELL_MAX, "%" PRId64, d->counts[col - 6]);
    }
}

static void host_cell(const struct ef_summary *sum, size_t row, int col, char *out)
{
    static const char *const head[HOST_COLS] = {
        "HOST", "AGENT",   "DEPARTMENT", "PLATFORM", "LAST SEEN", "SEQ",     "PASS",  "FAIL",
        "NA",   "UNKNOWN", "ERROR",      "ACCEPTED", "STALE",     "MISSING", "POLICY"};
    const struct ef_host_row *h;

    if (row == 0) {
        snprintf(out, CELL_MAX, "%s", head[col]);
        return;
    }
    h = &sum->hosts[row - 1];
    switch (col) {
    case 0:
        ef_text_safe(h->hostname, out, CELL_MAX);
        break;
    case 1:
        ef_text_safe(h->agent_id, out, CELL_MAX);
        break;
    case 2:
        ef_text_safe(h->department, out, CELL_MAX);
        break;
    case 3: /* "windows Professional 22631.4460", "linux", "-" before the first report */
        if (h->platform[0] == '\0') {
            snprintf(out, CELL_MAX, "-");
        } else {
            char ed[EF_SHORT_MAX * 2 + 4];

            snprintf(ed, sizeof(ed), "%s%s%s%s", h->platform, h->os_edition[0] ? " " : "",
                     h->os_edition, h->os_build[0] ? " " : "");
            snprintf(ed + strlen(ed), sizeof(ed) - strlen(ed), "%s", h->os_build);
            ef_text_safe(ed, out, CELL_MAX);
        }
        break;
    case 4:
        if (h->last_seen > 0)
            ef_time_rfc3339((time_t)h->last_seen, out);
        else
            snprintf(out, CELL_MAX, "never");
        break;
    case 5:
        snprintf(out, CELL_MAX, "%" PRIu64, h->last_seq);
        break;
    case 12:
        snprintf(out, CELL_MAX, "%s", h->stale ? "yes" : "no");
        break;
    case 13:
        snprintf(out, CELL_MAX, "%" PRId64, h->counts[EF_MISSING]);
        break;
    case 14: /* "assigned", or the policy it ran instead; "-" before its first report */
        if (h->last_seen <= 0)
            snprintf(out, CELL_MAX, "-");
        else if (h->policy_assigned)
            snprintf(out, CELL_MAX, "assigned");
        else {
            char p[EF_ID_MAX + EF_SHORT_MAX + 2];

            snprintf(p, sizeof(p), "%s %s", h->policy_id[0] ? h->policy_id : "?",
                     h->policy_version);
            ef_text_safe(p, out, CELL_MAX);
        }
        break;
    default:
        snprintf(out, CELL_MAX, "%" PRId64, h->counts[col - 6]);
    }
}

typedef void (*cell_fn)(const struct ef_summary *, size_t, int, char *);

/* Two passes: measure every column, then print padded; text columns (the first textcols)
 * are left-aligned, numbers right-aligned. */
static int table(const struct ef_summary *sum, size_t rows, int cols, int textcols, cell_fn cell,
                 FILE *out)
{
    size_t w[DEPT_COLS > HOST_COLS ? DEPT_COLS : HOST_COLS] = {0}, r, cw;
    char buf[CELL_MAX];
    int c;

    for (r = 0; r <= rows; r++)
        for (c = 0; c < cols; c++) {
            cell(sum, r, c, buf);
            cw = ef_text_width(buf);
            if (cw > w[c])
                w[c] = cw;
        }
    for (r = 0; r <= rows; r++) {
        for (c = 0; c < cols; c++) {
            int left = c < textcols || r == 0;
            size_t pad;

            cell(sum, r, c, buf);
            pad = w[c] - ef_text_width(buf);
            if (!left)
                fprintf(out, "%*s", (int)pad, "");
            fputs(buf, out);
            if (c + 1 < cols)
                fprintf(out, "%*s", (int)(left ? pad + 2 : 2), "");
        }
        fputc('\n', out);
    }
    return ferror(out) ? -1 : 0;
}

int ef_summary_text(const struct ef_summary *sum, FILE *out)
{
    char when[32];

    ef_time_rfc3339(sum->generated_at, when);
    fprintf(out,
            "Compliance summary at %s (hosts silent for %d days are stale and not "
            "counted)\n\n",
            when, sum->stale_days);
    if (table(sum, sum->ndepts, DEPT_COLS, 2, dept_cell, out) != 0)
        return -1;
    fputc('\n', out);
    if (sum->nhosts == 0) {
        fprintf(out, "No hosts enrolled yet.\n");
        return ferror(out) ? -1 : 0;
    }
    return table(sum, sum->nhosts, HOST_COLS, 5, host_cell, out);
}

/* ---- CSV ---- */

static void csv_counts(const struct ef_csv_dialect *dl, FILE *out, const int64_t counts[EF_KINDS])
{
    int i;

    for (i = 0; i < EF_STATUS_COUNT; i++)
        ef_csv_int(dl, out, counts[i], 0);
}

/* One table for both kinds of row, so every record has the same fields (RFC 4180): "row" is
 * "department" or "host"; fields that do not apply to a kind are empty. "accepted" came
 * with schema 2, the platform columns after it with schema 5, "missing" and the policy
 * columns with schema 8: new columns go last, so earlier readers keep their column numbers. */
int ef_summary_csv(const struct ef_summary *sum, const struct ef_csv_dialect *dl, FILE *out)
{
    static const char *const head[] = {
        "row",         "department",     "level",          "hostname",
        "agent_id",    "last_seen",      "last_seq",       "stale",
        "hosts",       "stale_hosts",    "pass",           "fail",
        "na",          "unknown",        "error",          "compliance_pct",
        "accepted",    "platform",       "os_edition",     "os_build",
        "linux_hosts", "windows_hosts",  "missing",        "assigned_policy_hosts",
        "policy_id",   "policy_version", "policy_assigned"};
    char when[32], pct[16];
    size_t i;

    ef_csv_begin(dl, out);
    for (i = 0; i < EF_ARRAY_LEN(head); i++)
        ef_csv_str(dl, out, head[i], i + 1 == EF_ARRAY_LEN(head));
    for (i = 0; i < sum->ndepts; i++) {
        const struct ef_dept_summary *d = &sum->depts[i];
        int j;

        ef_csv_str(dl, out, "department", 0);
        ef_csv_str(dl, out, d->name, 0);
        ef_csv_str(dl, out, ef_level_name(d->level), 0);
        for (j = 0; j < 5; j++)
            ef_csv_str(dl, out, "", 0);
        ef_csv_int(dl, out, d->hosts, 0);
        ef_csv_int(dl, out, d->stale_hosts, 0);
        csv_counts(dl, out, d->counts);
        ef_pct_text(d->counts, dl->decimal_comma, 0, pct, sizeof(pct));
        ef_csv_str(dl, out, pct, 0);
        ef_csv_int(dl, out, d->counts[EF_ACCEPTED], 0);
        for (j = 0; j < 3; j++)
            ef_csv_str(dl, out, "", 0);
        ef_csv_int(dl, out, d->platform_hosts[EF_PLAT_LINUX], 0);
        ef_csv_int(dl, out, d->platform_hosts[EF_PLAT_WINDOWS], 0);
        ef_csv_int(dl, out, d->counts[EF_MISSING], 0);
        ef_csv_int(dl, out, d->assigned_hosts, 0);
        for (j = 0; j < 3; j++)
            ef_csv_str(dl, out, "", j == 2);
    }
    for (i = 0; i < sum->nhosts; i++) {
        const struct ef_host_row *h = &sum->hosts[i];

        ef_csv_str(dl, out, "host", 0);
        ef_csv_str(dl, out, h->department, 0);
        ef_csv_str(dl, out, ef_level_name(h->level), 0);
        ef_csv_str(dl, out, h->hostname, 0);
        ef_csv_str(dl, out, h->agent_id, 0);
        if (h->last_seen > 0)
            ef_time_rfc3339((time_t)h->last_seen, when);
        else
            when[0] = '\0';
        ef_csv_str(dl, out, when, 0);
        ef_csv_int(dl, out, (int64_t)h->last_seq, 0);
        ef_csv_str(dl, out, h->stale ? "yes" : "no", 0);
        ef_csv_str(dl, out, "", 0);
        ef_csv_str(dl, out, "", 0);
        csv_counts(dl, out, h->counts);
        ef_csv_str(dl, out, "", 0);
        ef_csv_int(dl, out, h->counts[EF_ACCEPTED], 0);
        ef_csv_str(dl, out, h->platform, 0);
        ef_csv_str(dl, out, h->os_edition, 0);
        ef_csv_str(dl, out, h->os_build, 0);
        ef_csv_str(dl, out, "", 0);
        ef_csv_str(dl, out, "", 0);
        ef_csv_int(dl, out, h->counts[EF_MISSING], 0);
        ef_csv_str(dl, out, "", 0);
        ef_csv_str(dl, out, h->policy_id, 0);
        ef_csv_str(dl, out, h->policy_version, 0);
        /* before its first report there is no policy to judge */
        ef_csv_str(dl, out, h->last_seen > 0 ? (h->policy_assigned ? "yes" : "no") : "", 1);
    }
    return ferror(out) ? -1 : 0;
}
