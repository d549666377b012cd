/* SPDX-License-Identifier: EUPL-1.2 */
/* Rule kinds dir and package, key/value tests of file rules, and the Debian and rpm
 * version orderings they rely on. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "efterlev/policy.h"
#include "engine.h"
#include "probes/pkgdb.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test_fixture.h"

#define CONTROLS EF_SOURCE_DIR "/checks/iso27002-2022.yml"

static struct ef_result scan_one(const char *root, const char *rules, ef_level level)
{
    char yaml[4096], err[512] = "";
    snprintf(yaml, sizeof(yaml),
             "policy: {id: t, version: \"1\"}\n"
             "checks:\n"
             "  - id: t.check\n"
             "    title: t\n    description: t\n    rationale: t\n    remediation: t\n"
             "    controls: [\"8.9\"]\n    severity: low\n    level: basic\n"
             "    all:\n%s",
             rules);
    assert_int_equal(fx_write("policy.yml", yaml, 0644), 0);
    struct ef_policy_set ps;
    ef_policy_init(&ps);
    if (ef_policy_load(&ps, fx_path("policy.yml"), CONTROLS, err, sizeof(err)) != 0)
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

static void expect_lv(const char *root, const char *rules, ef_level lv, ef_status st,
                      const char *ev)
{
    struct ef_result res = scan_one(root, rules, lv);
    if (res.status != st || strstr(res.evidence, ev) == NULL)
        fail_msg("expected %s with \"%s\", got %s: %s", ef_status_name(st), ev,
                 ef_status_name(res.status), res.evidence);
}

static void expect(const char *root, const char *rules, ef_status st, const char *ev)
{
    expect_lv(root, rules, EF_LEVEL_BASIC, st, ev);
}

static int sign(int x)
{
    return (x > 0) - (x < 0);
}

/* Debian Policy §5.6.12 and dpkg's documented examples. */
static void test_dpkg_vercmp(void **state)
{
    static const struct {
        const char *a, *b;
        int want;
    } cases[] = {
        {"~~", "~~a", -1},
        {"~~a", "~", -1},
        {"~", "", -1},
        {"", "a", -1},
        {"1.0~rc1", "1.0", -1},
        {"1.0~rc1", "1.0~rc2", -1},
        {"1.0", "1.0-0", 0},
        {"0:1.0", "1.0", 0},
        {"1:0.9", "2.0", 1},
        {"1.0-1", "1.0-2", -1},
        {"1.2.10", "1.2.9", 1},
        {"1.002", "1.2", 0},
        {"1.0a", "1.0+", -1}, /* letters sort before other characters */
        {"1.0", "1.0a", -1},
        {"1.0+b1", "1.0", 1},
        {"2.36-9+deb12u9", "2.36-9+deb12u8", 1},
        {"3.0.15-1~deb12u1", "3.0.11-1~deb12u2", 1},
        {"2024a-0+deb12u1~", "2024a-0+deb12u1", -1},
        {"1.2-3-4", "1.2-3-5", -1}, /* the revision starts after the last hyphen */
        {"6.1.0-28-amd64", "6.1.0-26-amd64", 1},
        {"10", "9", 1},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int got = sign(ef_dpkg_vercmp(cases[i].a, cases[i].b));
        int rev = sign(ef_dpkg_vercmp(cases[i].b, cases[i].a));
        if (got != cases[i].want || rev != -cases[i].want)
            fail_msg("dpkg: %s vs %s: got %d/%d, want %d", cases[i].a, cases[i].b, got, rev,
                     cases[i].want);
    }
}

/* rpm's rpmvercmp examples. */
static void test_rpm_vercmp(void **state)
{
    static const struct {
        const char *a, *b;
        int want;
    } cases[] = {
        {"1.0", "1.0", 0},
        {"1.0", "2.0", -1},
        {"2.0.1", "2.0", 1},
        {"2.0.1a", "2.0.1", 1},
        {"5.5p1", "5.5p2", -1},
        {"5.5p10", "5.5p2", 1},
        {"10xyz", "10.1xyz", -1},
        {"xyz10", "xyz10.1", -1},
        {"xyz.4", "8", -1},
        {"1.0010", "1.9", 1},
        {"1.05", "1.5", 0},
        {"1.0", "1", 1},
        {"2_0", "2.0", 0},
        {"2.0", "2_0", 0},
        {"a", "a", 0},
        {"a+", "a_", 0},
        {"1.0~rc1", "1.0", -1},
        {"1.0~rc1", "1.0~rc2", -1},
        {"1.0~rc1~git123", "1.0~rc1", -1},
        {"1.0^", "1.0", 1},
        {"1.0^git1", "1.0", 1},
        {"1.0^git1", "1.01", -1},
        {"1.0^20160101", "1.0.1", -1},
        {"1.0~rc1", "1.0^git1", -1},
        {"1:1.0-1", "2.0-1", 1},
        {"1.0-1.el9", "1.0-2.el9", -1},
        {"5.14.0-427.13.1.el9_4", "5.14.0-427.el9", 1},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int got = sign(ef_rpm_vercmp(cases[i].a, cases[i].b));
        int rev = sign(ef_rpm_vercmp(cases[i].b, cases[i].a));
        if (got != cases[i].want || rev != -cases[i].want)
            fail_msg("rpm: %s vs %s: got %d/%d, want %d", cases[i].a, cases[i].b, got, rev,
                     cases[i].want);
    }
}

static void test_package_rule(void **state)
{
    (void)state;
    assert_int_equal(fx_write("pkg/var/lib/dpkg/status",
                              "Package: aide\nStatus: install ok installed\nArchitecture: amd64\n"
                              "Version: 0.18.3-1+deb12u3\n\n"
                              "Package: nginx\nStatus: deinstall ok config-files\n"
                              "Architecture: amd64\nVersion: 1.22.1-9\n\n"
                              "Package: openssh-server\nStatus: hold ok installed\n"
                              "Architecture: amd64\nVersion: 1:9.2p1-2+deb12u3\n",
                              0644),
                     0);
    const char *root = fx_root("pkg");
    expect(root, "      - package: aide\n        installed: true\n", EF_PASS,
           "package aide 0.18.3-1+deb12u3 is installed (/var/lib/dpkg/status)");
    expect(root, "      - package: nginx\n        installed: true\n", EF_FAIL,
           "package nginx is not installed");
    expect(root, "      - package: nginx\n        installed: false\n", EF_PASS,
           "package nginx is not installed");
    expect(root, "      - package: aide\n        installed: false\n", EF_FAIL,
           "package aide 0.18.3-1+deb12u3 is installed");
    expect(root, "      - package: openssh-server\n        min_version: \"1:9.2p1-2+deb12u3\"\n",
           EF_PASS, "at least 1:9.2p1-2+deb12u3");
    expect(root, "      - package: openssh-server\n        min_version: \"1:9.2p1-2+deb12u4\"\n",
           EF_FAIL, "older than 1:9.2p1-2+deb12u4");
    expect(root, "      - package: openssh-server\n        min_version: \"9.9\"\n", EF_PASS,
           "at least 9.9"); /* the epoch decides */
    expect(root, "      - package: aide\n        min_version: \"0.18.3-1+deb12u3~\"\n", EF_PASS,
           "at least");
    expect(root, "      - package: nginx\n        min_version: \"1.0\"\n", EF_FAIL,
           "not installed");
    /* per-level minimum versions */
    expect_lv(root,
              "      - package: aide\n        min_version: {basic: \"0.17\", high: \"0.19\"}\n",
              EF_LEVEL_HIGH, EF_FAIL, "older than 0.19");
    /* no package database: unknown */
    expect(fx_root("empty"), "      - package: aide\n        installed: true\n", EF_UNKNOWN,
           "no package database");
    assert_int_equal(fx_write("rpmroot/var/lib/rpm/rpmdb.sqlite", "", 0644), 0);
    expect(fx_root("rpmroot"), "      - package: aide\n        installed: true\n", EF_UNKNOWN,
           "live system only");
}

static void test_dir_rule(void **state)
{
    (void)state;
    assert_int_equal(fx_write("d/etc/modprobe.d/blacklist.conf", "blacklist usb-storage\n", 0644),
                     0);
    assert_int_equal(
        fx_write("d/etc/modprobe.d/usb.conf", "install usb-storage /bin/false\n", 0600), 0);
    assert_int_equal(fx_write("d/etc/modprobe.d/open.conf", "# nothing\n", 0666), 0);
    assert_int_equal(
        fx_write("d/etc/modprobe.d/notes.txt", "install usb-storage /bin/true\n", 0644), 0);
    assert_int_equal(symlink("/etc/passwd", fx_path("d/etc/modprobe.d/link.conf")), 0);
    const char *root = fx_root("d");
    const char *conf = "        files_matching: '\\.conf$'\n";
    char rules[1024];

    /* line_matches: some line of some file */
    snprintf(rules, sizeof(rules),
             "      - dir: /etc/modprobe.d\n%s        line_matches: '^install usb-storage "
             "/bin/false'\n",
             conf);
    expect(root, rules, EF_PASS, "/etc/modprobe.d/usb.conf line 1: install usb-storage /bin/false");
    snprintf(rules, sizeof(rules),
             "      - dir: /etc/modprobe.d\n%s        line_matches: '/bin/true'\n", conf);
    expect(root, rules, EF_FAIL,
           "no line of the 3 files in /etc/modprobe.d matching '\\.conf$' matches '/bin/true'");
    /* no_line_matches: no line of any file; notes.txt is not a .conf */
    snprintf(rules, sizeof(rules),
             "      - dir: /etc/modprobe.d\n%s        no_line_matches: '/bin/true'\n", conf);
    expect(root, rules, EF_PASS, "no line of the 3 files");
    expect(root, "      - dir: /etc/modprobe.d\n        no_line_matches: '/bin/true'\n", EF_FAIL,
           "/etc/modprobe.d/notes.txt line 1: /bin/true");
    /* mode on every file; the symbolic link is skipped under a fixture root */
    snprintf(rules, sizeof(rules), "      - dir: /etc/modprobe.d\n%s        mode_max: \"0644\"\n",
             conf);
    expect(root, rules, EF_FAIL, "/etc/modprobe.d/open.conf mode 0666 exceeds 0644");
    expect(root, rules, EF_FAIL, "skipped symbolic link /etc/modprobe.d/link.conf");
    snprintf(rules, sizeof(rules),
             "      - dir: /etc/modprobe.d\n        files_matching: '^(usb|blacklist)\\.conf$'\n"
             "        mode_max: \"0644\"\n");
    expect(root, rules, EF_PASS, "/etc/modprobe.d/usb.conf mode 0600");
    /* exists: at least one matching file */
    expect(
        root,
        "      - dir: /etc/modprobe.d\n        files_matching: '\\.conf$'\n        exists: true\n",
        EF_PASS, "3 files in /etc/modprobe.d matching '\\.conf$'");
    expect(
        root,
        "      - dir: /etc/modprobe.d\n        files_matching: '\\.rules$'\n        exists: true\n",
        EF_FAIL, "no file in /etc/modprobe.d matching '\\.rules$'");
    /* a missing folder has no files */
    expect(root, "      - dir: /etc/nothing.d\n        no_line_matches: 'x'\n", EF_PASS,
           "no line of the 0 files in /etc/nothing.d");
    expect(root, "      - dir: /etc/nothing.d\n        line_matches: 'x'\n", EF_FAIL,
           "no file in /etc/nothing.d (so no line matches 'x')");
    expect(root, "      - dir: /etc/nothing.d\n        mode_max: \"0644\"\n", EF_PASS,
           "no file in /etc/nothing.d");
}

static void test_key_value(void **state)
{
    (void)state;
    assert_int_equal(fx_write("kv/etc/login.defs",
                              "# PASS_MAX_DAYS 10\nPASS_MAX_DAYS\t99999\nPASS_MAX_DAYS_X 1\n"
                              "PASS_WARN_AGE 7\nENCRYPT_METHOD YESCRYPT\nPASS_MAX_DAYS   90  \n",
                              0644),
                     0);
    assert_int_equal(fx_write("kv/etc/default/useradd", "INACTIVE=-1\nSHELL=\"/bin/bash\"\n", 0644),
                     0);
    assert_int_equal(fx_write("kv/etc/security/faillock.conf", "deny = 4\n", 0644), 0);
    assert_int_equal(fx_write("kv/etc/conf.d/10-a.conf", "Storage=volatile\nLimit=5\n", 0644), 0);
    assert_int_equal(fx_write("kv/etc/conf.d/20-b.conf", "Storage=persistent\n", 0644), 0);
    const char *root = fx_root("kv");
    /* last assignment wins; comments and longer keys are ignored */
    expect(root,
           "      - file: /etc/login.defs\n        key: PASS_MAX_DAYS\n        value_max: 365\n",
           EF_PASS, "PASS_MAX_DAYS = 90 in /etc/login.defs line 6");
    expect(root,
           "      - file: /etc/login.defs\n        key: PASS_WARN_AGE\n        value_min: 14\n",
           EF_FAIL, "PASS_WARN_AGE = 7 in /etc/login.defs line 4 (min 14)");
    /* value: case-insensitive */
    expect(root,
           "      - file: /etc/login.defs\n        key: ENCRYPT_METHOD\n        value: yescrypt\n",
           EF_PASS, "ENCRYPT_METHOD = YESCRYPT");
    expect(root,
           "      - file: /etc/login.defs\n        key: ENCRYPT_METHOD\n        value: SHA512\n",
           EF_FAIL, "(expected SHA512)");
    expect(root, "      - file: /etc/login.defs\n        key: UMASK\n        value: \"027\"\n",
           EF_FAIL, "UMASK not set in /etc/login.defs");
    expect(root,
           "      - file: /etc/login.defs\n        key: ENCRYPT_METHOD\n        value_min: 1\n",
           EF_FAIL, "(not a number)");
    /* key=value files, quotes */
    expect(root,
           "      - file: /etc/default/useradd\n        key: INACTIVE\n        value_min: 0\n"
           "        value_max: 45\n",
           EF_FAIL, "INACTIVE = -1 in /etc/default/useradd line 1 (min 0)");
    expect(root,
           "      - file: /etc/default/useradd\n        key: SHELL\n        value: /bin/bash\n",
           EF_PASS, "SHELL = /bin/bash");
    expect(root,
           "      - file: /etc/security/faillock.conf\n        key: deny\n        value_max: 5\n",
           EF_PASS, "deny = 4");
    /* a missing file fails */
    expect(root, "      - file: /etc/nothing\n        key: X\n        value: y\n", EF_FAIL,
           "/etc/nothing does not exist");
    /* dir + key: the files in name order as one configuration, last wins */
    expect(root, "      - dir: /etc/conf.d\n        key: Storage\n        value: persistent\n",
           EF_PASS, "Storage = persistent in /etc/conf.d/20-b.conf line 1");
    expect(root, "      - dir: /etc/conf.d\n        key: Limit\n        value_max: 4\n", EF_FAIL,
           "Limit = 5 in /etc/conf.d/10-a.conf line 2 (max 4)");
    expect(root,
           "      - dir: /etc/conf.d\n        files_matching: '^20-'\n        key: Limit\n"
           "        value: \"5\"\n",
           EF_FAIL, "Limit not set in /etc/conf.d/* matching '^20-'");
    /* per-level thresholds */
    expect_lv(root,
              "      - file: /etc/login.defs\n        key: PASS_MAX_DAYS\n"
              "        value_max: {basic: 365, high: 60}\n",
              EF_LEVEL_HIGH, EF_FAIL, "(max 60)");
    /* value without key: the rule is broken */
    expect(root, "      - file: /etc/login.defs\n        value: x\n", EF_ERROR, "need a key");
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
        cmocka_unit_test(test_dpkg_vercmp),  cmocka_unit_test(test_rpm_vercmp),
        cmocka_unit_test(test_package_rule), cmocka_unit_test(test_dir_rule),
        cmocka_unit_test(test_key_value),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
