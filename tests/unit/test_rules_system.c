/* SPDX-License-Identifier: EUPL-1.2 */
/* sysctl and service rules against small roots built by the test. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "engine.h"
#include "rules/rules.h"
#include "probes/run_command.h"
#include "efterlev/policy.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test_fixture.h"

#define CONTROLS EF_SOURCE_DIR "/checks/iso27002-2022.yml"

/* Scan root with one check whose rules are `rules` (YAML, indented 6); return its result. */
static struct ef_result scan_one(const char *root, const char *rules, ef_level level)
{
    char yaml[4096], path[PATH_MAX], err[512] = "";
    snprintf(yaml, sizeof(yaml),
             "policy: {id: t, version: \"1\"}\n"
             "checks:\n"
             "  - id: t.check\n"
             "    title: t\n    description: t\n    rationale: t\n    remediation: t\n"
             "    controls: [\"8.9\"]\n    severity: low\n    level: basic\n"
             "    all:\n%s",
             rules);
    snprintf(path, sizeof(path), "%s", fx_path("policy.yml"));
    FILE *f = fopen(path, "w");
    fputs(yaml, f);
    fclose(f);
    struct ef_policy_set ps;
    ef_policy_init(&ps);
    if (ef_policy_load(&ps, path, CONTROLS, err, sizeof(err)) != 0)
        fail_msg("policy: %s", err);
    struct ef_report r;
    ef_report_init(&r);
    struct ef_scan_opts o = {.root = root, .level = level};
    assert_int_equal(ef_scan(&ps, &o, &r), 0);
    assert_int_equal(r.nresults, 1);
    struct ef_result res = r.results[0];
    ef_report_free(&r);
    ef_policy_free(&ps);
    return res;
}

static void expect(const char *root, const char *rules, ef_status st, const char *ev)
{
    struct ef_result res = scan_one(root, rules, EF_LEVEL_BASIC);
    if (res.status != st || strstr(res.evidence, ev) == NULL)
        fail_msg("expected %s with \"%s\", got %s: %s", ef_status_name(st), ev,
                 ef_status_name(res.status), res.evidence);
}

static void test_sysctl(void **state)
{
    (void)state;
    assert_int_equal(fx_write("sys1/proc/sys/kernel/randomize_va_space", "2\n", 0644), 0);
    assert_int_equal(fx_write("sys1/proc/sys/kernel/printk", "4\t4\t1\t7\n", 0644), 0);
    const char *root = fx_path("sys1");
    expect(root, "      - sysctl: kernel.randomize_va_space\n        equals: \"2\"\n", EF_PASS,
           "sysctl kernel.randomize_va_space = 2");
    expect(root, "      - sysctl: kernel.randomize_va_space\n        min: 3\n", EF_FAIL, "(min 3)");
    expect(root, "      - sysctl: kernel.printk\n        equals: \"4 4 1 7\"\n", EF_PASS,
           "= 4 4 1 7");
    expect(root, "      - sysctl: kernel.yama.ptrace_scope\n        min: 1\n", EF_UNKNOWN,
           "no such parameter");
    expect(root, "      - sysctl: kernel.printk\n        max: 3\n", EF_FAIL, "(max 3)");
    /* Per-level thresholds apply to sysctl too. */
    struct ef_result r = scan_one(
        root, "      - sysctl: kernel.randomize_va_space\n        min: {basic: 1, high: 3}\n",
        EF_LEVEL_HIGH);
    assert_int_equal(r.status, EF_FAIL);
    r = scan_one(root,
                 "      - sysctl: kernel.randomize_va_space\n        min: {basic: 1, high: 3}\n",
                 EF_LEVEL_ELEVATED);
    assert_int_equal(r.status, EF_PASS);
}

static void test_service_enabled(void **state)
{
    (void)state;
    assert_int_equal(fx_write("svc/lib/systemd/system/auditd.service", "[Unit]\n", 0644), 0);
    assert_int_equal(fx_write("svc/lib/systemd/system/rsyslog.service", "[Unit]\n", 0644), 0);
    assert_int_equal(fx_write("svc/lib/systemd/system/chrony.service", "[Unit]\n", 0644), 0);
    assert_int_equal(fx_write("svc/lib/systemd/system/clamd@.service", "[Unit]\n", 0644), 0);
    assert_int_equal(fx_write("svc/lib/systemd/system/apt-daily-upgrade.timer", "[T]\n", 0644), 0);
    assert_int_equal(fx_write("svc/etc/systemd/system/multi-user.target.wants/.keep", "", 0644), 0);
    assert_int_equal(symlink("/lib/systemd/system/auditd.service",
                             fx_path("svc/etc/systemd/system/multi-user.target.wants/"
                                     "auditd.service")),
                     0);
    assert_int_equal(symlink("/lib/systemd/system/clamd@.service",
                             fx_path("svc/etc/systemd/system/multi-user.target.wants/"
                                     "clamd@scan.service")),
                     0);
    assert_int_equal(fx_write("svc/etc/systemd/system/timers.target.wants/.keep", "", 0644), 0);
    assert_int_equal(symlink("/lib/systemd/system/apt-daily-upgrade.timer",
                             fx_path("svc/etc/systemd/system/timers.target.wants/"
                                     "apt-daily-upgrade.timer")),
                     0);
    assert_int_equal(symlink("/dev/null", fx_path("svc/etc/systemd/system/chrony.service")), 0);
    const char *root = fx_path("svc");
    expect(root, "      - service: auditd\n        enabled: true\n", EF_PASS,
           "auditd.service is enabled (/etc/systemd/system/multi-user.target.wants)");
    expect(root, "      - service: apt-daily-upgrade.timer\n        enabled: true\n", EF_PASS,
           "timers.target.wants");
    expect(root, "      - service: clamd@scan\n        enabled: true\n", EF_PASS,
           "clamd@scan.service is enabled");
    expect(root, "      - service: rsyslog\n        enabled: true\n", EF_FAIL,
           "installed but not enabled");
    expect(root, "      - service: chrony\n        enabled: true\n", EF_FAIL, "masked");
    expect(root, "      - service: usbguard\n        enabled: true\n", EF_FAIL, "not installed");
    expect(root, "      - service: usbguard\n        enabled: false\n", EF_PASS, "not installed");
}

static void test_service_active(void **state)
{
    (void)state;
    /* No systemd runtime in this root: unknown, never pass or fail. */
    expect(fx_path("svc"), "      - service: apt-daily-upgrade.timer\n        active: true\n",
           EF_UNKNOWN, "systemd is not running here");
    /* A cgroup v2 tree: running processes decide. */
    assert_int_equal(
        fx_write("act/sys/fs/cgroup/system.slice/auditd.service/cgroup.procs", "812\n", 0644), 0);
    assert_int_equal(
        fx_write("act/sys/fs/cgroup/system.slice/rsyslog.service/cgroup.procs", "", 0644), 0);
    assert_int_equal(fx_write("act/sys/fs/cgroup/system.slice/system-clamd.slice/"
                              "clamd@scan.service/cgroup.procs",
                              "90\n91\n", 0644),
                     0);
    const char *root = fx_path("act");
    expect(root, "      - service: auditd\n        active: true\n", EF_PASS, "active");
    expect(root, "      - service: rsyslog\n        active: true\n", EF_FAIL, "not running");
    expect(root, "      - service: chronyd\n        active: false\n", EF_PASS, "not running");
    expect(root, "      - service: clamd@scan\n        active: true\n", EF_PASS, "active");
    /* A definite failure of one half decides even when the other half is unknown. */
    expect(fx_path("svc"),
           "      - service: rsyslog\n        enabled: true\n        active: true\n", EF_FAIL,
           "not enabled");
}

/* Output beyond the caller's buffer is drained and dropped, never written past its end
 * (AddressSanitizer watches the array). */
static void test_run_command_bounds(void **state)
{
    (void)state;
    char *argv[] = {"/bin/sh", "-c", "head -c 100000 /dev/zero | tr '\\0' x; exit 3", NULL};
    char small[17], why[128];
    size_t len = sizeof(small) - 1;
    int ws = 0;
    assert_int_equal(ef_run_command(argv, 5000, &ws, small, &len, why, sizeof(why)), 0);
    assert_int_equal(len, 16);
    assert_string_equal(small, "xxxxxxxxxxxxxxxx");
    assert_true(WIFEXITED(ws) && WEXITSTATUS(ws) == 3);

    char *slow[] = {"/bin/sh", "-c", "sleep 5", NULL};
    len = sizeof(small) - 1;
    assert_int_equal(ef_run_command(slow, 200, &ws, small, &len, why, sizeof(why)), -1);
    assert_non_null(strstr(why, "timed out after 200 ms"));

    char *missing[] = {"/nonexistent/efterlev-tool", NULL};
    len = sizeof(small) - 1;
    assert_int_equal(ef_run_command(missing, 200, &ws, small, &len, why, sizeof(why)), -1);
    assert_non_null(strstr(why, "program not found"));
}

static int setup(void **state)
{
    (void)state;
    return fx_setup() ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    fx_teardown();
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sysctl),
        cmocka_unit_test(test_service_enabled),
        cmocka_unit_test(test_service_active),
        cmocka_unit_test(test_run_command_bounds),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
