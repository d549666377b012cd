/* SPDX-License-Identifier: EUPL-1.2 */
/* End of servicing per Windows release (checks/windows-support.csv, built in; agent/probes/
 * win_support.c) and the Windows os.supported / os.days_to_eol facts (win_os.c), with dates
 * worked out by hand from Microsoft's lifecycle pages:
 *   Windows 10 22H2 Pro, end of servicing 2025-10-14: supported on that day (0 days left),
 *     not on 2025-10-15 (1 day ago);
 *   Windows 10 Enterprise LTSC 2021 (19044, EnterpriseS), until 2027-01-12: on 2026-12-05,
 *     26 days left in December + 12 in January = 38;
 *   Windows Server 2022 (20348, ServerStandard, Server Core), until 2031-10-14: on
 *     2026-12-05, 1774 days left (2026-12-05..2027-12-05 365, ..2028-12-05 366,
 *     ..2031-12-05 365*3, minus 2031-10-14..2031-12-05 = 52: 365+366+1095-52 = 1774);
 *   an unknown build, an unknown edition, no build: unknown, never supported.
 * And the table's parser refuses every malformed line with its number. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "efterlev/util.h"
#include "facts.h"
#include "platform/registry.h"
#include "probes/win_support.h"

static char dir[] = "/tmp/efterlev-test-winsup-XXXXXX";

static void write_utf16(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputc(0xff, f);
    fputc(0xfe, f);
    for (const unsigned char *s = (const unsigned char *)text; *s; s++) {
        if (*s == '\n') {
            fputc('\r', f);
            fputc(0, f);
        }
        fputc(*s, f);
        fputc(0, f);
    }
    fclose(f);
}

/* A recorded registry of one release; fields may be NULL (absent). */
struct want {
    const char *build, *display, *edition, *install, *product_type, *now;
    int known, supported;
    long long days;
    const char *ev[4]; /* words the os.supported evidence must hold */
};

static void check(const struct want *w)
{
    char reg[8192], path[600], err[512] = "";
    int n = snprintf(reg, sizeof(reg),
                     "Windows Registry Editor Version 5.00\n\n"
                     "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion]\n"
                     "\"ProductName\"=\"Windows 10 Pro\"\n");
    if (w->build)
        n += snprintf(reg + n, sizeof(reg) - (size_t)n, "\"CurrentBuild\"=\"%s\"\n", w->build);
    if (w->display)
        n += snprintf(reg + n, sizeof(reg) - (size_t)n, "\"DisplayVersion\"=\"%s\"\n", w->display);
    if (w->edition)
        n += snprintf(reg + n, sizeof(reg) - (size_t)n, "\"EditionID\"=\"%s\"\n", w->edition);
    if (w->install)
        n +=
            snprintf(reg + n, sizeof(reg) - (size_t)n, "\"InstallationType\"=\"%s\"\n", w->install);
    snprintf(reg + n, sizeof(reg) - (size_t)n,
             "\n[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Control\\ProductOptions]\n"
             "\"ProductType\"=\"%s\"\n",
             w->product_type);
    snprintf(path, sizeof(path), "%s/os.reg", dir);
    write_utf16(path, reg);
    struct ef_reg *r = ef_reg_open_recorded(path, err, sizeof(err));
    if (r == NULL)
        fail_msg("%s", err);
    time_t now;
    assert_int_equal(ef_parse_rfc3339(w->now, &now), 0);
    struct ef_facts *f = ef_facts_new_windows(r, NULL, now);
    assert_non_null(f);
    const struct ef_fact *s = ef_facts_get(f, "os.supported");
    const struct ef_fact *d = ef_facts_get(f, "os.days_to_eol");
    assert_non_null(s);
    assert_non_null(d);
    if (s->known != w->known)
        fail_msg("build %s %s: os.supported known=%d, expected %d (%s)", w->build, w->edition,
                 s->known, w->known, s->evidence);
    assert_int_equal(d->known, w->known);
    if (w->known) {
        if (s->b != w->supported || d->i != w->days)
            fail_msg("build %s %s at %s: supported=%d days=%lld, expected %d %lld (%s)", w->build,
                     w->edition, w->now, s->b, d->i, w->supported, w->days, s->evidence);
    }
    for (size_t i = 0; i < 4 && w->ev[i]; i++)
        if (strstr(s->evidence, w->ev[i]) == NULL)
            fail_msg("evidence lacks '%s': %s", w->ev[i], s->evidence);
    ef_facts_free(f);
    ef_reg_free(r);
}

static void test_releases(void **state)
{
    (void)state;
    static const struct want cases[] = {
        /* Windows 10 22H2 Pro: the last day of updates, then the day after */
        {"19045",
         "22H2",
         "Professional",
         "Client",
         "WinNT",
         "2025-10-14T23:00:00Z",
         1,
         1,
         0,
         {"Windows 10 22H2", "home-pro", "2025-10-14", "0 days left"}},
        {"19045",
         "22H2",
         "Professional",
         "Client",
         "WinNT",
         "2025-10-15T00:00:00Z",
         1,
         0,
         -1,
         {"Windows 10 22H2", "home-pro", "end of servicing 2025-10-14", "1 days ago"}},
        {"19045",
         "22H2",
         "Professional",
         "Client",
         "WinNT",
         "2026-12-05T12:00:00Z",
         1,
         0,
         -417,
         {"Windows 10 22H2", "no more security updates"}},
        /* Enterprise LTSC 2021: EnterpriseS on build 19044 */
        {"19044",
         "21H2",
         "EnterpriseS",
         "Client",
         "WinNT",
         "2026-12-05T12:00:00Z",
         1,
         1,
         38,
         {"Windows 10 Enterprise LTSC 2021", "family ltsc", "2027-01-12", "38 days left"}},
        /* the same build as Enterprise (GAC) ended 2024-06-11 */
        {"19044",
         "21H2",
         "Enterprise",
         "Client",
         "WinNT",
         "2026-12-05T12:00:00Z",
         1,
         0,
         -907,
         {"Windows 10 21H2", "ent-edu", "2024-06-11"}},
        /* Server 2022, Server Core */
        {"20348",
         "21H2",
         "ServerStandard",
         "Server Core",
         "ServerNT",
         "2026-12-05T12:00:00Z",
         1,
         1,
         1774,
         {"Windows Server 2022", "family server", "2031-10-14"}},
        /* Server 2025 Datacenter, a domain controller: the same build as Windows 11 24H2 */
        {"26100",
         "24H2",
         "ServerDatacenter",
         "Server",
         "LanmanNT",
         "2026-12-05T12:00:00Z",
         1,
         1,
         2901,
         {"Windows Server 2025", "family server", "2034-11-14"}},
        /* Windows 11 (build >= 22000) 24H2 Enterprise and 25H2 Pro */
        {"26100",
         "24H2",
         "Enterprise",
         "Client",
         "WinNT",
         "2026-12-05T12:00:00Z",
         1,
         1,
         311,
         {"Windows 11 24H2", "ent-edu", "2027-10-12"}},
        {"26200",
         "25H2",
         "Professional",
         "Client",
         "WinNT",
         "2026-12-05T12:00:00Z",
         1,
         1,
         311,
         {"Windows 11 25H2", "home-pro", "2027-10-12"}},
        /* Windows 11 23H2 Pro: ended 2025-11-11 */
        {"22631",
         "23H2",
         "Professional",
         "Client",
         "WinNT",
         "2026-12-05T12:00:00Z",
         1,
         0,
         -389,
         {"Windows 11 23H2", "2025-11-11"}},
        /* unknown: a build the table does not list, an edition it does not know, no build */
        {"99999",
         "30H2",
         "Professional",
         "Client",
         "WinNT",
         "2026-12-05T12:00:00Z",
         0,
         0,
         0,
         {"build 99999 of family home-pro is not in the end-of-servicing table"}},
        {"19045",
         "22H2",
         "Starter",
         "Client",
         "WinNT",
         "2026-12-05T12:00:00Z",
         0,
         0,
         0,
         {"EditionID 'Starter'", "no edition family"}},
        {NULL,
         NULL,
         "Professional",
         "Client",
         "WinNT",
         "2026-12-05T12:00:00Z",
         0,
         0,
         0,
         {"no numeric CurrentBuild"}},
        /* a server build with a client edition: Windows 10 2004 Server? no such row */
        {"20348",
         "21H2",
         "Professional",
         "Client",
         "WinNT",
         "2026-12-05T12:00:00Z",
         0,
         0,
         0,
         {"not in the end-of-servicing table"}},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        check(&cases[i]);
}

static void test_families(void **state)
{
    (void)state;
    assert_string_equal(ef_winsupport_family("Core", "Client", "WinNT", 19045), "home-pro");
    assert_string_equal(ef_winsupport_family("ProfessionalWorkstation", "Client", "WinNT", 22631),
                        "home-pro");
    assert_string_equal(ef_winsupport_family("Education", "Client", "WinNT", 22631), "ent-edu");
    assert_string_equal(ef_winsupport_family("enterprisesn", "Client", "WinNT", 17763), "ltsc");
    assert_string_equal(ef_winsupport_family("IoTEnterpriseS", "Client", "WinNT", 26100),
                        "iot-ltsc");
    assert_string_equal(ef_winsupport_family("ServerDatacenter", "Server", "LanmanNT", 17763),
                        "server");
    assert_string_equal(ef_winsupport_family("Professional", "Client", "WinNT", 7601), "client");
    assert_null(ef_winsupport_family("ServerDatacenter", "Client", "WinNT", 17763));
    assert_null(ef_winsupport_family("", "", "", 19045));
    assert_null(ef_winsupport_family("Starter", "Client", "WinNT", 19045));
    /* every row of the built-in table parses: a known row is found */
    const struct ef_winrel *row = NULL;
    char err[300] = "";
    assert_int_equal(ef_winsupport_find(14393, "server", &row, err, sizeof(err)), 1);
    assert_string_equal(row->release, "Windows Server 2016");
    assert_string_equal(row->eos, "2027-01-12");
    assert_int_equal(ef_winsupport_find(14393, "iot-ltsc", &row, err, sizeof(err)), 0);
}

static void bad_table(const char *text, const char *want)
{
    struct ef_winrel *rows = NULL;
    size_t n = 0;
    char err[300] = "";
    assert_int_equal(ef_winsupport_parse(text, &rows, &n, err, sizeof(err)), -1);
    assert_null(rows);
    if (strstr(err, want) == NULL)
        fail_msg("expected '%s' in: %s", want, err);
}

static void test_parser(void **state)
{
    (void)state;
#define H "build,display_version,family,end_of_servicing,release\n"
    struct ef_winrel *rows = NULL;
    size_t n = 0;
    char err[300] = "";
    assert_int_equal(ef_winsupport_parse("# c\n" H "19045,22H2,home-pro,2025-10-14,Windows 10 "
                                         "22H2\n",
                                         &rows, &n, err, sizeof(err)),
                     0);
    assert_int_equal(n, 1);
    assert_int_equal(rows[0].build, 19045);
    free(rows);
    bad_table("", "no rows and no header");
    bad_table(H, "no rows");
    bad_table("build,family\n", "line 1: the header");
    bad_table(H "19045,22H2,home-pro,2025-10-14\n", "line 2: 4 fields, not 5");
    bad_table(H "19045,22H2,home-pro,2025-10-14,W,x\n", "more than 5 fields");
    bad_table(H "19x45,22H2,home-pro,2025-10-14,W\n", "build '19x45'");
    bad_table(H "19045,22h2,home-pro,2025-10-14,W\n", "display_version");
    bad_table(H "19045,22H2,pro,2025-10-14,W\n", "family 'pro'");
    bad_table(H "19045,22H2,home-pro,2025-02-30,W\n", "end_of_servicing '2025-02-30'");
    bad_table(H "19045,22H2,home-pro,2025-10-14,\n", "release name empty");
    bad_table(H "19045,22H2,home-pro,2025-10-14,W\n\n", "line 3: empty line");
    bad_table(H "19045,22H2,home-pro,2025-10-14,W\r\n", "CRLF");
    bad_table(H "1,-,server,2025-10-14,A\n1,-,server,2026-10-14,B\n",
              "line 3: build 1, family server listed twice");
#undef H
}

static int setup(void **state)
{
    (void)state;
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    char p[600];
    (void)state;
    snprintf(p, sizeof(p), "%s/os.reg", dir);
    unlink(p);
    rmdir(dir);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_releases),
        cmocka_unit_test(test_families),
        cmocka_unit_test(test_parser),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
