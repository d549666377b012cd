/* SPDX-License-Identifier: EUPL-1.2 */
/* OS probe: identity from os-release and whether the release still gets security support.
 *
 * End of support, in this order of sources, the later date winning:
 *   SUPPORT_END= in os-release (Fedora, Rocky, Amazon Linux set it);
 *   ROOT/usr/share/distro-info/{debian,ubuntu}.csv: Debian until the later of eol and
 *   eol-lts (LTS is free and served from the same security archive; paid ELTS is not
 *   counted), Ubuntu until the later of eol and eol-server (ESM is not counted);
 *   a table built into the agent for when distro-info is absent. */
#include "facts.h"
#include "probe_util.h"

#include "efterlev/util.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define OSREL_MAX (64 * 1024)
#define CSV_MAX (1024 * 1024)
#define DAY 86400

struct osrel {
    char id[64];
    char version_id[64];
    char pretty[EF_FACT_STR_MAX + 1];
    char support_end[32];
    char file[64];
};

/* End of security support of every release the agent may meet without distro-info (a
 * minimal or old system), so that an old release fails rather than being unknown.
 * Debian: the later of eol and eol-lts, Ubuntu: the later of eol and eol-server, both from
 * the CSV files of Debian 12's distro-info-data (2026-12); paid ELTS and ESM
 * are not counted, as in from_distro_info(). The RHEL family: the end of Red Hat's
 * Maintenance Support (RHEL and CentOS Linux 6, 7; CentOS Linux 8 ended early with CentOS
 * Stream), Rocky Linux's and AlmaLinux's own announced security support. distro-info and
 * SUPPORT_END, when present, are considered too; the latest date wins. docs/policy-format.md
 * names the sources. */
static const struct {
    const char *id, *version, *eol, *kind;
} builtin[] = {
    {"debian", "6", "2016-02-29", "LTS"},
    {"debian", "7", "2018-05-31", "LTS"},
    {"debian", "8", "2020-06-30", "LTS"},
    {"debian", "9", "2022-06-30", "LTS"},
    {"debian", "10", "2024-06-30", "LTS"},
    {"debian", "11", "2026-08-31", "LTS"},
    {"debian", "12", "2028-06-30", "LTS"},
    {"debian", "13", "2030-06-30", "LTS"},
    {"ubuntu", "12.04", "2017-04-28", "standard"},
    {"ubuntu", "12.10", "2014-05-16", "standard"},
    {"ubuntu", "13.04", "2014-01-27", "standard"},
    {"ubuntu", "13.10", "2014-07-17", "standard"},
    {"ubuntu", "14.04", "2019-04-25", "standard"},
    {"ubuntu", "14.10", "2015-07-23", "standard"},
    {"ubuntu", "15.04", "2016-02-04", "standard"},
    {"ubuntu", "15.10", "2016-07-28", "standard"},
    {"ubuntu", "16.04", "2021-04-30", "standard"},
    {"ubuntu", "16.10", "2017-07-20", "standard"},
    {"ubuntu", "17.04", "2018-01-13", "standard"},
    {"ubuntu", "17.10", "2018-07-19", "standard"},
    {"ubuntu", "18.04", "2023-05-31", "standard"},
    {"ubuntu", "18.10", "2019-07-18", "standard"},
    {"ubuntu", "19.04", "2020-01-23", "standard"},
    {"ubuntu", "19.10", "2020-07-17", "standard"},
    {"ubuntu", "20.04", "2025-05-29", "standard"},
    {"ubuntu", "20.10", "2021-07-22", "standard"},
    {"ubuntu", "21.04", "2022-01-20", "standard"},
    {"ubuntu", "21.10", "2022-07-14", "standard"},
    {"ubuntu", "22.04", "2027-06-01", "standard"},
    {"ubuntu", "22.10", "2023-07-20", "standard"},
    {"ubuntu", "23.04", "2024-01-25", "standard"},
    {"ubuntu", "23.10", "2024-07-11", "standard"},
    {"ubuntu", "24.04", "2029-05-31", "standard"},
    {"ubuntu", "24.10", "2025-07-10", "standard"},
    {"ubuntu", "25.04", "2026-01-15", "standard"},
    {"ubuntu", "25.10", "2026-07-09", "standard"},
    {"ubuntu", "26.04", "2031-05-29", "standard"},
    {"rhel", "6", "2020-11-30", "maintenance"},
    {"rhel", "7", "2024-06-30", "maintenance"},
    {"rhel", "8", "2029-05-31", "maintenance"},
    {"rhel", "9", "2032-05-31", "maintenance"},
    {"centos", "6", "2020-11-30", "maintenance"},
    {"centos", "7", "2024-06-30", "maintenance"},
    {"centos", "8", "2021-12-31", "maintenance"},
    {"rocky", "8", "2029-05-31", "maintenance"},
    {"rocky", "9", "2032-05-31", "maintenance"},
    {"almalinux", "8", "2029-03-01", "maintenance"},
    {"almalinux", "9", "2032-05-31", "maintenance"},
};

/* Unquote an os-release value in place: "..." with \" \\ \$ \` escapes, or '...'. */
static void unquote(char *v)
{
    size_t n = strlen(v);

    if (n >= 2 && (v[0] == '"' || v[0] == '\'') && v[n - 1] == v[0]) {
        char q = v[0], *w = v;
        for (size_t i = 1; i < n - 1; i++) {
            if (q == '"' && v[i] == '\\' && i + 1 < n - 1)
                i++;
            *w++ = v[i];
        }
        *w = '\0';
    }
}

static int read_osrel(struct ef_facts *f, struct osrel *o, char *why, size_t whylen)
{
    static const char *const files[] = {"/etc/os-release", "/usr/lib/os-release"};
    char path[PATH_MAX], *buf = NULL, *save = NULL;
    size_t len;
    int rc = -ENOENT;

    memset(o, 0, sizeof(*o));
    for (size_t i = 0; i < EF_ARRAY_LEN(files); i++) {
        if (ef_facts_path(f, path, sizeof(path), files[i]) != 0)
            continue;
        if ((rc = ef_read_file(path, OSREL_MAX, &buf, &len)) == 0) {
            strlcpy(o->file, files[i], sizeof(o->file));
            break;
        }
        if (rc != -ENOENT)
            break;
    }
    if (rc != 0) {
        snprintf(why, whylen, "cannot read /etc/os-release or /usr/lib/os-release: %s",
                 strerror(-rc));
        return -1;
    }
    for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *eq = strchr(line, '=');
        if (line[0] == '#' || eq == NULL)
            continue;
        *eq = '\0';
        char *v = eq + 1;
        v[strcspn(v, "\r")] = '\0';
        unquote(v);
        if (strcmp(line, "ID") == 0)
            strlcpy(o->id, v, sizeof(o->id));
        else if (strcmp(line, "VERSION_ID") == 0)
            strlcpy(o->version_id, v, sizeof(o->version_id));
        else if (strcmp(line, "PRETTY_NAME") == 0)
            strlcpy(o->pretty, v, sizeof(o->pretty));
        else if (strcmp(line, "SUPPORT_END") == 0)
            strlcpy(o->support_end, v, sizeof(o->support_end));
    }
    free(buf);
    return 0;
}

/* "YYYY-MM-DD" to the time_t of that day's start (UTC); -1 when malformed. */
static int parse_date(const char *s, time_t *out)
{
    struct tm tm;
    int y, m, d;
    char tail;

    if (sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 || y < 1970 || m < 1 || m > 12 ||
        d < 1 || d > 31)
        return -1;
    memset(&tm, 0, sizeof(tm));
    tm.tm_year = y - 1900;
    tm.tm_mon = m - 1;
    tm.tm_mday = d;
    *out = timegm(&tm);
    return *out == (time_t)-1 ? -1 : 0;
}

/* version column value matches VERSION_ID: "12" ~ "12", "22.04 LTS" ~ "22.04". */
static int version_match(const char *col, const char *version_id)
{
    size_t n = strlen(version_id);
    return n > 0 && strncmp(col, version_id, n) == 0 &&
           (col[n] == '\0' || col[n] == ' ' || col[n] == '.');
}

struct eol {
    char date[16];
    char source[256];
};

static void consider(struct eol *best, const char *date, const char *source)
{
    time_t t, b;

    if (parse_date(date, &t) != 0)
        return;
    if (best->date[0] == '\0' || (parse_date(best->date, &b) == 0 && t > b)) {
        strlcpy(best->date, date, sizeof(best->date));
        strlcpy(best->source, source, sizeof(best->source));
    }
}

/* Split one CSV line on commas (distro-info files have no quoting) into at most max fields. */
static int split_csv(char *line, char **fld, int max)
{
    int n = 0;

    line[strcspn(line, "\r")] = '\0';
    while (n < max) {
        fld[n++] = line;
        char *c = strchr(line, ',');
        if (c == NULL)
            break;
        *c = '\0';
        line = c + 1;
    }
    return n;
}

static void from_distro_info(struct ef_facts *f, const struct osrel *o, struct eol *best,
                             int *row_found)
{
    const char *cols[2];
    char rel[128], *buf, *save = NULL;
    size_t len;

    if (strcmp(o->id, "debian") == 0)
        cols[0] = "eol", cols[1] = "eol-lts";
    else if (strcmp(o->id, "ubuntu") == 0)
        cols[0] = "eol", cols[1] = "eol-server";
    else
        return;
    snprintf(rel, sizeof(rel), "/usr/share/distro-info/%s.csv", o->id);
    if (ef_pu_read(f, rel, CSV_MAX, &buf, &len) != 0)
        return;
    int idx[2] = {-1, -1}, ver = -1, header = 1;
    for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *fld[16];
        int n = split_csv(line, fld, 16);
        if (header) {
            for (int i = 0; i < n; i++) {
                if (strcmp(fld[i], "version") == 0)
                    ver = i;
                for (int c = 0; c < 2; c++)
                    if (strcmp(fld[i], cols[c]) == 0)
                        idx[c] = i;
            }
            header = 0;
            if (ver < 0)
                break;
            continue;
        }
        if (ver >= n || !version_match(fld[ver], o->version_id))
            continue;
        *row_found = 1;
        for (int c = 0; c < 2; c++) {
            char src[224];
            if (idx[c] < 0 || idx[c] >= n || fld[idx[c]][0] == '\0')
                continue;
            snprintf(src, sizeof(src), "%s in %s", cols[c], rel);
            consider(best, fld[idx[c]], src);
        }
        break;
    }
    free(buf);
}

void ef_probe_os(struct ef_facts *f)
{
    struct osrel o;
    char why[512];

    if (read_osrel(f, &o, why, sizeof(why)) != 0) {
        ef_fact_unknown(f, "os.id", "%s", why);
        ef_fact_unknown(f, "os.version_id", "%s", why);
        ef_fact_unknown(f, "os.pretty_name", "%s", why);
        ef_fact_unknown(f, "os.supported", "%s", why);
        ef_fact_unknown(f, "os.days_to_eol", "%s", why);
        return;
    }
    if (o.id[0])
        ef_fact_str(f, "os.id", o.id, "ID=%s in %s", o.id, o.file);
    else
        ef_fact_unknown(f, "os.id", "no ID= in %s", o.file);
    if (o.version_id[0])
        ef_fact_str(f, "os.version_id", o.version_id, "VERSION_ID=%s in %s", o.version_id, o.file);
    else
        ef_fact_unknown(f, "os.version_id", "no VERSION_ID= in %s", o.file);
    if (o.pretty[0])
        ef_fact_str(f, "os.pretty_name", o.pretty, "PRETTY_NAME in %s", o.file);
    else
        ef_fact_unknown(f, "os.pretty_name", "no PRETTY_NAME= in %s", o.file);

    struct eol best = {0};
    int row_found = 0;
    if (o.support_end[0]) {
        char src[96];
        snprintf(src, sizeof(src), "SUPPORT_END in %s", o.file);
        consider(&best, o.support_end, src);
    }
    if (o.id[0] && o.version_id[0]) {
        from_distro_info(f, &o, &best, &row_found);
        for (size_t i = 0; i < EF_ARRAY_LEN(builtin); i++)
            if (strcmp(builtin[i].id, o.id) == 0 &&
                version_match(o.version_id, builtin[i].version)) {
                char src[96];
                snprintf(src, sizeof(src), "the agent's built-in table (%s)", builtin[i].kind);
                consider(&best, builtin[i].eol, src);
            }
    }
    const char *name = o.id[0] ? o.id : "unknown OS";
    if (best.date[0] == '\0') {
        if (row_found) {
            ef_fact_bool(f, "os.supported", 1, "%s %s: no end of support announced yet", name,
                         o.version_id);
            ef_fact_unknown(f, "os.days_to_eol", "%s %s: no end of support announced yet", name,
                            o.version_id);
        } else {
            ef_fact_unknown(f, "os.supported",
                            "%s %s: no end-of-support data (no SUPPORT_END, "
                            "not in distro-info or the built-in table)",
                            name, o.version_id[0] ? o.version_id : "(no VERSION_ID)");
            ef_fact_unknown(f, "os.days_to_eol", "%s %s: no end-of-support data", name,
                            o.version_id);
        }
        return;
    }
    time_t eol, now = ef_facts_time(f);
    parse_date(best.date, &eol); /* validated by consider() */
    time_t today = now - (now % DAY);
    long long days = (long long)((eol - today) / DAY);
    if (days >= 0)
        ef_fact_bool(f, "os.supported", 1, "%s %s: security support until %s (%s), %lld days left",
                     name, o.version_id, best.date, best.source, days);
    else
        ef_fact_bool(f, "os.supported", 0, "%s %s: security support ended %s (%s), %lld days ago",
                     name, o.version_id, best.date, best.source, -days);
    ef_fact_int(f, "os.days_to_eol", days, "%s %s: security support until %s (%s)", name,
                o.version_id, best.date, best.source);
}
