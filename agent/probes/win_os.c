/* SPDX-License-Identifier: EUPL-1.2 */
/* Windows release and role probe, from the registry only (agent/platform/registry.h), so it
 * builds and is tested everywhere:
 *   HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion: ProductName, EditionID, DisplayVersion
 *     (ReleaseId before 20H2), CurrentBuild, UBR, CurrentMajorVersionNumber/MinorVersion.
 *     Windows 11 still says "Windows 10" in ProductName: a workstation with CurrentBuild
 *     >= 22000 is Windows 11.
 *   HKLM\SYSTEM\CurrentControlSet\Control\ProductOptions ProductType: WinNT (workstation),
 *     ServerNT (server), LanmanNT (domain controller).
 * host.role in the Linux vocabulary: server for ServerNT and LanmanNT; a workstation is
 * "desktop" until WMI (Win32_SystemEnclosure.ChassisTypes, issue 13) tells laptops apart,
 * as host.c treats a machine without SMBIOS as a server.
 * os.supported, os.days_to_eol: CurrentBuild and the edition family (EditionID,
 * InstallationType, ProductType: win_support.c) looked up in the built-in end-of-servicing
 * table checks/windows-support.csv. A build or edition the table does not know is unknown,
 * never supported. */
#include "facts.h"
#include "probes/win_support.h"

#include "platform/registry.h"

#include "efterlev/os.h"
#include "efterlev/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CURRENT_VERSION "HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion"
#define PRODUCT_OPTIONS "HKLM\\SYSTEM\\CurrentControlSet\\Control\\ProductOptions"

struct winver {
    int ok;        /* CurrentVersion could be read */
    char why[300]; /* why not */
    char product[EF_REG_TEXT_MAX + 1];
    char edition[128];
    char install_type[64]; /* InstallationType: Client, Server, Server Core, ... */
    char display[64];      /* DisplayVersion, else ReleaseId */
    char build[32];        /* CurrentBuild */
    long long build_number;
    long long ubr; /* -1: absent */
    long long major, minor;
    char product_type[32]; /* WinNT, ServerNT, LanmanNT, or "" */
    char pt_why[300];
    char pretty[256];
    char version_id[64];
};

/* A value as text into out; 1 when present, 0 absent, -1 cannot read (why set). */
static int text(struct ef_reg *r, const char *key, const char *name, char *out, size_t outlen,
                char *why, size_t whylen)
{
    struct ef_reg_value v;
    ef_reg_status st = ef_reg_get(r, key, name, EF_REG_VIEW_64, &v, why, whylen);
    out[0] = '\0';
    if (st != EF_REG_PRESENT)
        return st == EF_REG_ABSENT ? 0 : -1;
    strlcpy(out, v.text, outlen);
    return 1;
}

static long long number(struct ef_reg *r, const char *key, const char *name)
{
    struct ef_reg_value v;
    char why[200];
    if (ef_reg_get(r, key, name, EF_REG_VIEW_64, &v, why, sizeof(why)) != EF_REG_PRESENT)
        return -1;
    if (v.numeric)
        return (long long)v.num;
    char *end;
    long long n = strtoll(v.text, &end, 10);
    return end != v.text && *end == '\0' && n >= 0 ? n : -1;
}

static void read_winver(struct ef_reg *r, struct winver *w)
{
    char why[300] = "";
    memset(w, 0, sizeof(*w));
    int rc =
        text(r, CURRENT_VERSION, "ProductName", w->product, sizeof(w->product), why, sizeof(why));
    if (rc <= 0) {
        snprintf(w->why, sizeof(w->why), "%s",
                 rc < 0 ? why : "no ProductName under " CURRENT_VERSION);
        return;
    }
    w->ok = 1;
    text(r, CURRENT_VERSION, "EditionID", w->edition, sizeof(w->edition), why, sizeof(why));
    text(r, CURRENT_VERSION, "InstallationType", w->install_type, sizeof(w->install_type), why,
         sizeof(why));
    if (text(r, CURRENT_VERSION, "DisplayVersion", w->display, sizeof(w->display), why,
             sizeof(why)) <= 0)
        text(r, CURRENT_VERSION, "ReleaseId", w->display, sizeof(w->display), why, sizeof(why));
    if (text(r, CURRENT_VERSION, "CurrentBuild", w->build, sizeof(w->build), why, sizeof(why)) <= 0)
        text(r, CURRENT_VERSION, "CurrentBuildNumber", w->build, sizeof(w->build), why,
             sizeof(why));
    char *end;
    w->build_number = w->build[0] ? strtoll(w->build, &end, 10) : -1;
    if (w->build[0] && *end != '\0')
        w->build_number = -1;
    w->ubr = number(r, CURRENT_VERSION, "UBR");
    w->major = number(r, CURRENT_VERSION, "CurrentMajorVersionNumber");
    w->minor = number(r, CURRENT_VERSION, "CurrentMinorVersionNumber");
    int pt = text(r, PRODUCT_OPTIONS, "ProductType", w->product_type, sizeof(w->product_type),
                  w->pt_why, sizeof(w->pt_why));
    if (pt == 0)
        snprintf(w->pt_why, sizeof(w->pt_why), "no ProductType under %s", PRODUCT_OPTIONS);

    /* Windows 11 calls itself "Windows 10" in ProductName */
    char product[EF_REG_TEXT_MAX + 1];
    snprintf(product, sizeof(product), "%s", w->product);
    char *ten = strstr(product, "Windows 10");
    if (ten && w->build_number >= 22000 && strcmp(w->product_type, "WinNT") == 0)
        ten[9] = '1';
    snprintf(w->pretty, sizeof(w->pretty), "%.200s%s%.40s", product, w->display[0] ? " " : "",
             w->display);
    if (w->display[0])
        snprintf(w->version_id, sizeof(w->version_id), "%s", w->display);
    else if (w->major >= 0)
        snprintf(w->version_id, sizeof(w->version_id), "%lld.%lld", w->major,
                 w->minor < 0 ? 0 : w->minor);
}

static void build_text(const struct winver *w, char *out, size_t outlen)
{
    if (w->ubr >= 0)
        snprintf(out, outlen, "%s.%lld", w->build, w->ubr);
    else
        snprintf(out, outlen, "%s", w->build);
}

#define DAY 86400

/* "YYYY-MM-DD" (validated by the table's parser) to the start of that day, UTC */
static time_t day_of(const char *s)
{
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    tm.tm_year = atoi(s) - 1900;
    tm.tm_mon = atoi(s + 5) - 1;
    tm.tm_mday = atoi(s + 8);
    return ef_timegm(&tm);
}

/* os.supported and os.days_to_eol: the release's row in the end-of-servicing table. */
static void supported(struct ef_facts *f, const struct winver *w, const char *build)
{
    const char *ed = w->edition[0] ? w->edition : "absent";
    const char *it = w->install_type[0] ? w->install_type : "absent";
    char why[1200];

    if (w->build_number < 0) {
        snprintf(why, sizeof(why), "%s: no numeric CurrentBuild under %s: the release is unknown",
                 w->pretty, CURRENT_VERSION);
        ef_fact_unknown(f, "os.supported", "%s", why);
        ef_fact_unknown(f, "os.days_to_eol", "%s", why);
        return;
    }
    const char *family =
        ef_winsupport_family(w->edition, w->install_type, w->product_type, w->build_number);
    if (family == NULL) {
        snprintf(why, sizeof(why),
                 "%s (build %s): EditionID '%.60s', InstallationType '%.40s' is no edition "
                 "family the end-of-servicing table knows (checks/windows-support.csv)",
                 w->pretty, build, ed, it);
        ef_fact_unknown(f, "os.supported", "%s", why);
        ef_fact_unknown(f, "os.days_to_eol", "%s", why);
        return;
    }
    const struct ef_winrel *row = NULL;
    char err[300];
    int rc = ef_winsupport_find(w->build_number, family, &row, err, sizeof(err));
    if (rc <= 0) {
        if (rc < 0)
            snprintf(why, sizeof(why), "%s", err);
        else
            snprintf(why, sizeof(why),
                     "%s (build %s, EditionID %.60s: family %s): build %lld of family %s is "
                     "not in the end-of-servicing table (checks/windows-support.csv), a "
                     "release newer or older than the agent knows",
                     w->pretty, build, ed, family, w->build_number, family);
        ef_fact_unknown(f, "os.supported", "%s", why);
        ef_fact_unknown(f, "os.days_to_eol", "%s", why);
        return;
    }
    time_t now = ef_facts_time(f), today = now - (now % DAY);
    long long days = (long long)((day_of(row->eos) - today) / DAY);
    const char *src = "checks/windows-support.csv, built in";
    if (days >= 0)
        ef_fact_bool(f, "os.supported", 1,
                     "%s (build %s, EditionID %.60s: family %s): security updates until %s "
                     "(%s), %lld days left",
                     row->release, build, ed, family, row->eos, src, days);
    else
        ef_fact_bool(f, "os.supported", 0,
                     "%s (build %s, EditionID %.60s: family %s): end of servicing %s (%s), "
                     "%lld days ago: no more security updates",
                     row->release, build, ed, family, row->eos, src, -days);
    ef_fact_int(f, "os.days_to_eol", days, "%s (build %s, family %s): end of servicing %s (%s)",
                row->release, build, family, row->eos, src);
}

void ef_probe_win_os(struct ef_facts *f)
{
    struct ef_reg *r = ef_facts_registry(f);
    struct winver w;
    char build[64];

    if (r == NULL)
        return; /* not a Windows scan: every fact is left unknown, as missing */
    ef_fact_str(f, "os.id", "windows", "a Windows registry is scanned (%s)", ef_reg_source(r));
    read_winver(r, &w);
    if (!w.ok) {
        static const char *const names[] = {"os.version_id", "os.pretty_name",  "os.edition",
                                            "os.build",      "os.build_number", "os.supported",
                                            "os.days_to_eol"};
        for (size_t i = 0; i < EF_ARRAY_LEN(names); i++)
            ef_fact_unknown(f, names[i], "%s", w.why);
    } else {
        build_text(&w, build, sizeof(build));
        const char *src = CURRENT_VERSION;
        if (w.version_id[0])
            ef_fact_str(f, "os.version_id", w.version_id, "%s DisplayVersion/ReleaseId", src);
        else
            ef_fact_unknown(f, "os.version_id",
                            "no DisplayVersion, ReleaseId or major version "
                            "under %s",
                            src);
        ef_fact_str(f, "os.pretty_name", w.pretty,
                    "%s ProductName '%.100s', CurrentBuild %s (Windows 11 from build 22000)", src,
                    w.product, w.build[0] ? w.build : "absent");
        if (w.edition[0])
            ef_fact_str(f, "os.edition", w.edition, "%s EditionID", src);
        else
            ef_fact_unknown(f, "os.edition", "no EditionID under %s", src);
        if (w.build[0])
            ef_fact_str(f, "os.build", build, "%s CurrentBuild.UBR", src);
        else
            ef_fact_unknown(f, "os.build", "no CurrentBuild under %s", src);
        if (w.build_number >= 0)
            ef_fact_int(f, "os.build_number", w.build_number, "%s CurrentBuild", src);
        else
            ef_fact_unknown(f, "os.build_number", "no numeric CurrentBuild under %s", src);
        supported(f, &w, build);
    }

    /* host.role and host.product_type: win_role.c (WMI chassis types) */
}

int ef_win_hostinfo(struct ef_reg *reg, struct ef_host *h, char *err, size_t errlen)
{
    struct winver w;
    char why[300], buf[EF_NAME_MAX + 1];

    strlcpy(h->platform, EF_PLATFORM_WINDOWS, sizeof(h->platform));
    strlcpy(h->os_id, "windows", sizeof(h->os_id));
    if (h->hostname[0] == '\0' &&
        text(reg, "HKLM\\SYSTEM\\CurrentControlSet\\Control\\ComputerName\\ComputerName",
             "ComputerName", buf, sizeof(buf), why, sizeof(why)) > 0)
        strlcpy(h->hostname, buf, sizeof(h->hostname));
    if (h->machine_id[0] == '\0' && text(reg, "HKLM\\SOFTWARE\\Microsoft\\Cryptography",
                                         "MachineGuid", buf, sizeof(buf), why, sizeof(why)) > 0)
        strlcpy(h->machine_id, buf, sizeof(h->machine_id));
    if (h->arch[0] == '\0' &&
        text(reg, "HKLM\\SYSTEM\\CurrentControlSet\\Control\\Session Manager\\Environment",
             "PROCESSOR_ARCHITECTURE", buf, sizeof(buf), why, sizeof(why)) > 0)
        strlcpy(h->arch, buf, sizeof(h->arch));
    read_winver(reg, &w);
    if (!w.ok) {
        snprintf(err, errlen, "%s", w.why);
        return -1;
    }
    strlcpy(h->os_version, w.version_id, sizeof(h->os_version));
    strlcpy(h->os_pretty, w.pretty, sizeof(h->os_pretty));
    strlcpy(h->os_edition, w.edition, sizeof(h->os_edition));
    build_text(&w, h->os_build, sizeof(h->os_build));
    if (h->kernel[0] == '\0' && w.major >= 0 && w.build[0])
        snprintf(h->kernel, sizeof(h->kernel), "%lld.%lld.%s", w.major, w.minor < 0 ? 0 : w.minor,
                 w.build);
    return 0;
}
