/* SPDX-License-Identifier: EUPL-1.2 */
/* avail.backup_agent (CHECKS-WINDOWS.md §7) and the running: rule kind behind it
 * (agent/rules/running.c), on Linux roots built here and on a recorded Windows server
 * (tests/fixtures/windows/good.reg as ServerNT, with the recordings good-linux.json:
 * VeeamEndpointBackupSvc running, and bad-linux.json: wbengine and Bacula-fd stopped). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "efterlev/policy.h"
#include "efterlev/util.h"
#include "engine.h"
#include "platform/registry.h"
#include "platform/winsys.h"

#include "test_fixture.h"

#define CONTROLS EF_SOURCE_DIR "/checks/iso27002-2022.yml"
#define POLICY_SYS EF_SOURCE_DIR "/checks/policies/60-system.yml"
#define POLICY_WIN EF_SOURCE_DIR "/checks/policies-windows/70-availability.yml"
#define WINFX EF_SOURCE_DIR "/tests/fixtures/windows"
#define ID "avail.backup_agent"

static struct ef_policy_set linux_pol, win_pol;

/* The result of check id of ps over a Linux root or a Windows registry (+ recording). */
static void expect_in(const struct ef_policy_set *ps, const char *root, struct ef_reg *reg,
                      struct ef_win *win, ef_level lv, const char *id, ef_status st, const char *ev)
{
    struct ef_report r;
    struct ef_scan_opts o = {.root = root, .registry = reg, .win = win, .level = lv};
    ef_report_init(&r);
    assert_int_equal(ef_scan(ps, &o, &r), 0);
    const struct ef_result *res = NULL;
    for (size_t i = 0; i < r.nresults; i++)
        if (strcmp(r.results[i].check, id) == 0)
            res = &r.results[i];
    if (res == NULL)
        fail_msg("%s: no result", id);
    if (res->status != st || (ev && strstr(res->evidence, ev) == NULL))
        fail_msg("%s: expected %s with '%s', got %s: %s", id, ef_status_name(st), ev ? ev : "",
                 ef_status_name(res->status), res->evidence);
    ef_report_free(&r);
}

static void server_root(const char *name)
{
    char rel[256];
    snprintf(rel, sizeof(rel), "%s/etc/os-release", name);
    assert_int_equal(fx_write(rel, "ID=debian\nVERSION_ID=\"12\"\n", 0644), 0);
    snprintf(rel, sizeof(rel), "%s/sys/class/dmi/id/chassis_type", name);
    assert_int_equal(fx_write(rel, "23\n", 0644), 0); /* rack mount chassis: a server */
    snprintf(rel, sizeof(rel), "%s/sys/fs/cgroup/system.slice/ssh.service/cgroup.procs", name);
    assert_int_equal(fx_write(rel, "501\n", 0644), 0);
}

static void test_linux(void **state)
{
    (void)state;
    /* Bareos' file daemon installed and running */
    server_root("bk-good");
    assert_int_equal(fx_write("bk-good/lib/systemd/system/bareos-fd.service", "[Service]\n", 0644),
                     0);
    assert_int_equal(fx_write("bk-good/sys/fs/cgroup/system.slice/bareos-fd.service/cgroup.procs",
                              "812\n", 0644),
                     0);
    expect_in(&linux_pol, fx_root("bk-good"), NULL, NULL, EF_LEVEL_ELEVATED, ID, EF_PASS,
              "bareos-fd.service is active (running processes)");
    /* required from elevated: not in a basic report */
    struct ef_report r;
    struct ef_scan_opts o = {.root = fx_root("bk-good"), .level = EF_LEVEL_BASIC};
    ef_report_init(&r);
    assert_int_equal(ef_scan(&linux_pol, &o, &r), 0);
    for (size_t i = 0; i < r.nresults; i++)
        assert_string_not_equal(r.results[i].check, ID);
    ef_report_free(&r);

    /* Bacula installed, not running; nothing else */
    server_root("bk-bad");
    assert_int_equal(fx_write("bk-bad/lib/systemd/system/bacula-fd.service", "[Service]\n", 0644),
                     0);
    assert_int_equal(
        fx_write("bk-bad/sys/fs/cgroup/system.slice/bacula-fd.service/cgroup.procs", "", 0644), 0);
    expect_in(&linux_pol, fx_root("bk-bad"), NULL, NULL, EF_LEVEL_HIGH, ID, EF_FAIL,
              "none of the site's services (veeamservice, commvault*, bacula-fd, bareos-fd, "
              "bareos-filedaemon, borg*.timer, borgmatic*.timer, restic*.timer) runs: "
              "veeamservice.service is not installed (no unit file, or masked), no running "
              "service or enabled unit matches commvault*.service, bacula-fd.service is not "
              "running");

    /* a borgmatic timer enabled: matched by the glob; whether it is active needs systemd
     * (the live system): unknown under another root, never pass */
    server_root("bk-timer");
    assert_int_equal(fx_write("bk-timer/lib/systemd/system/borgmatic.timer",
                              "[Timer]\nOnCalendar=daily\n", 0644),
                     0);
    assert_int_equal(fx_write("bk-timer/etc/systemd/system/timers.target.wants/.keep", "", 0644),
                     0);
    assert_int_equal(symlink("/lib/systemd/system/borgmatic.timer",
                             fx_path("bk-timer/etc/systemd/system/timers.target.wants/"
                                     "borgmatic.timer")),
                     0);
    expect_in(&linux_pol, fx_root("bk-timer"), NULL, NULL, EF_LEVEL_ELEVATED, ID, EF_UNKNOWN,
              "borgmatic.timer is enabled");

    /* a laptop: not applicable, the data is on servers */
    assert_int_equal(fx_write("bk-laptop/etc/os-release", "ID=debian\n", 0644), 0);
    assert_int_equal(fx_write("bk-laptop/sys/class/dmi/id/chassis_type", "9\n", 0644), 0);
    expect_in(&linux_pol, fx_root("bk-laptop"), NULL, NULL, EF_LEVEL_HIGH, ID, EF_NA,
              "not applicable (data on servers): host.role = laptop");
}

static void test_windows(void **state)
{
    char err[512] = "";
    (void)state;
    /* good.reg as a server (ProductType ServerNT) */
    char *text = NULL;
    size_t len = 0;
    assert_int_equal(ef_read_file(WINFX "/good.reg", 1 << 22, &text, &len), 0);
    /* UTF-16LE: replace the ProductType's WinNT by ServerNT, char by char */
    const char from[] = "\"ProductType\"=\"WinNT\"";
    size_t fl = strlen(from), at = SIZE_MAX;
    for (size_t i = 0; i + 2 * fl <= len && at == SIZE_MAX; i += 2) {
        size_t k = 0;
        while (k < fl && text[i + 2 * k] == from[k] && text[i + 2 * k + 1] == 0)
            k++;
        if (k == fl)
            at = i;
    }
    assert_int_not_equal(at, SIZE_MAX);
    FILE *fp = fopen(fx_path("server.reg"), "wb");
    assert_non_null(fp);
    fwrite(text, 1, at, fp);
    const char to[] = "\"ProductType\"=\"ServerNT\"";
    for (size_t k = 0; to[k]; k++) {
        fputc(to[k], fp);
        fputc(0, fp);
    }
    fwrite(text + at + 2 * fl, 1, len - at - 2 * fl, fp);
    fclose(fp);
    free(text);
    struct ef_reg *server = ef_reg_open_recorded(fx_path("server.reg"), err, sizeof(err));
    struct ef_reg *ws = ef_reg_open_recorded(WINFX "/good.reg", err, sizeof(err));
    struct ef_win *good =
        ef_win_open_recorded(WINFX "/recording/good-linux.json", err, sizeof(err));
    struct ef_win *bad = ef_win_open_recorded(WINFX "/recording/bad-linux.json", err, sizeof(err));
    if (!server || !ws || !good || !bad)
        fail_msg("%s", err);

    expect_in(&win_pol, "/nonexistent", server, good, EF_LEVEL_ELEVATED, ID, EF_PASS,
              "api:Services (service control manager): VeeamEndpointBackupSvc state running "
              "(start_type auto)");
    expect_in(&win_pol, "/nonexistent", server, bad, EF_LEVEL_HIGH, ID, EF_FAIL,
              "none of the site's services (VeeamEndpointBackupSvc, VeeamBackupSvc, "
              "VeeamTransportSvc, GxCVD*, Bacula-fd, Bareos-fd, wbengine) runs: wbengine state "
              "stopped (start_type manual), Bacula-fd state stopped (start_type disabled)");
    /* no recording: unknown, never fail */
    expect_in(&win_pol, "/nonexistent", server, NULL, EF_LEVEL_ELEVATED, ID, EF_UNKNOWN,
              "no recording of this machine's WMI and API results");
    /* a workstation: na */
    expect_in(&win_pol, "/nonexistent", ws, good, EF_LEVEL_ELEVATED, ID, EF_NA,
              "not applicable (data on servers): host.role = desktop");

    /* a site's own list: globs, case-insensitive on Windows; an empty list is unknown */
    static const char site[] =
        "policy: {id: kommun, version: \"1\"}\n"
        "checks:\n"
        "  - id: kommun.backup\n"
        "    title: t\n    description: d\n    rationale: r\n    remediation: r\n"
        "    controls: [\"8.13\"]\n    severity: high\n    level: basic\n"
        "    all:\n      - running: ['veeam*']\n"
        "  - id: kommun.nobackup\n"
        "    title: t\n    description: d\n    rationale: r\n    remediation: r\n"
        "    controls: [\"8.13\"]\n    severity: high\n    level: basic\n"
        "    all:\n      - running: []\n";
    assert_int_equal(fx_write("site.yml", site, 0644), 0);
    struct ef_policy_set ps;
    ef_policy_init(&ps);
    if (ef_policy_load(&ps, fx_path("site.yml"), CONTROLS, err, sizeof(err)) != 0)
        fail_msg("%s", err);
    expect_in(&ps, "/nonexistent", server, good, EF_LEVEL_BASIC, "kommun.backup", EF_PASS,
              "VeeamEndpointBackupSvc state running");
    expect_in(&ps, "/nonexistent", server, good, EF_LEVEL_BASIC, "kommun.nobackup", EF_UNKNOWN,
              "the site has named no services (running: [] in the policy)");
    expect_in(&ps, fx_root("bk-good"), NULL, NULL, EF_LEVEL_BASIC, "kommun.nobackup", EF_UNKNOWN,
              "the site has named no services");
    ef_policy_free(&ps);

    /* the loader refuses a name that is no service name */
    static const char bad_name[] =
        "policy: {id: kommun, version: \"1\"}\n"
        "checks:\n"
        "  - id: kommun.backup\n"
        "    title: t\n    description: d\n    rationale: r\n    remediation: r\n"
        "    controls: [\"8.13\"]\n    severity: high\n    level: basic\n"
        "    na_reason: x\n"
        "    all:\n      - running: ['../x']\n";
    assert_int_equal(fx_write("bad.yml", bad_name, 0644), 0);
    ef_policy_init(&ps);
    assert_int_not_equal(ef_policy_load(&ps, fx_path("bad.yml"), CONTROLS, err, sizeof(err)), 0);
    assert_non_null(strstr(err, "running: bad service name '../x'"));
    ef_policy_free(&ps);
    /* na_reason says why applies_if limits a check: without applies_if it is refused */
    static const char lone_reason[] =
        "policy: {id: kommun, version: \"1\"}\n"
        "checks:\n"
        "  - id: kommun.backup\n"
        "    title: t\n    description: d\n    rationale: r\n    remediation: r\n"
        "    controls: [\"8.13\"]\n    severity: high\n    level: basic\n"
        "    na_reason: data on servers\n"
        "    all:\n      - running: [bacula-fd]\n";
    assert_int_equal(fx_write("lone.yml", lone_reason, 0644), 0);
    ef_policy_init(&ps);
    assert_int_not_equal(ef_policy_load(&ps, fx_path("lone.yml"), CONTROLS, err, sizeof(err)), 0);
    assert_non_null(strstr(err, "na_reason without applies_if"));
    ef_policy_free(&ps);

    ef_win_free(good);
    ef_win_free(bad);
    ef_reg_free(server);
    ef_reg_free(ws);
}

static int setup(void **state)
{
    char err[512];
    (void)state;
    if (fx_setup() == NULL)
        return -1;
    ef_policy_init(&linux_pol);
    ef_policy_init(&win_pol);
    if (ef_policy_load(&linux_pol, POLICY_SYS, CONTROLS, err, sizeof(err)) != 0 ||
        ef_policy_load(&win_pol, POLICY_WIN, CONTROLS, err, sizeof(err)) != 0) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    ef_policy_free(&linux_pol);
    ef_policy_free(&win_pol);
    fx_teardown();
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_linux),
        cmocka_unit_test(test_windows),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
