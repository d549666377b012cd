/* SPDX-License-Identifier: EUPL-1.2 */
/* The patch level (§2) and accounts (§4) checks of the default policy on fixture roots:
 * each passes on one root, fails on another, and is na / unknown where the catalog says so,
 * asserting status and evidence. Roots: tests/fixtures/{patch,acct}-{good,bad} plus small
 * roots built here; mtimes, symbolic links and the binary lastlog are made at run time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "efterlev/policy.h"
#include "efterlev/util.h"
#include "engine.h"
#include "facts.h"

#define CONTROLS EF_SOURCE_DIR "/checks/iso27002-2022.yml"
#define PATCH_POLICY EF_SOURCE_DIR "/checks/policies/20-patch.yml"
#define ACCT_POLICY EF_SOURCE_DIR "/checks/policies/40-accounts.yml"

#include "test_fixture.h"

static struct ef_policy_set pol;

#define assert_ok(x) assert_int_equal((x), 0)

/* A binary lastlog (records of 292 bytes: int32 time, line[32], host[256]) with one login
 * per (uid, days ago) pair. */
static int write_lastlog(const char *rel, const unsigned long *uids, const long *days, size_t n)
{
    int fd = open(fx_path(rel), O_WRONLY | O_CREAT | O_TRUNC, 0664);
    if (fd < 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        unsigned char rec[292];
        memset(rec, 0, sizeof(rec));
        int32_t t = (int32_t)(fx_now() - days[i] * 86400 - 3600);
        memcpy(rec, &t, sizeof(t));
        memcpy(rec + 4, "pts/0", 5);
        memcpy(rec + 36, "192.0.2.7", 9);
        if (pwrite(fd, rec, sizeof(rec), (off_t)uids[i] * 292) != (ssize_t)sizeof(rec)) {
            close(fd);
            return -1;
        }
    }
    return close(fd);
}

static int group_setup(void **state)
{
    char err[512];
    (void)state;
    if (fx_setup() == NULL)
        return -1;
    /* patch-good: fresh lists, a daily upgrade timer enabled */
    if (fx_age("patch-good/var/lib/apt/lists/"
               "deb.debian.org_debian-security_dists_bookworm-security_InRelease",
               1) != 0 ||
        fx_age("patch-good/var/lib/apt/lists/"
               "deb.debian.org_debian-security_dists_bookworm-security_main_binary-amd64_Packages",
               2) != 0 ||
        fx_write("patch-good/etc/systemd/system/timers.target.wants/.keep", "", 0644) != 0 ||
        symlink("/lib/systemd/system/apt-daily-upgrade.timer",
                fx_path("patch-good/etc/systemd/system/timers.target.wants/"
                        "apt-daily-upgrade.timer")) != 0)
        return -1;
    /* patch-bad: lists 40 days old, a newer kernel installed 20 days ago */
    if (fx_age("patch-bad/var/lib/apt/lists/"
               "security.debian.org_debian-security_dists_bookworm-security_InRelease",
               40) != 0 ||
        fx_age("patch-bad/var/lib/apt/lists/"
               "security.debian.org_debian-security_dists_bookworm-security_main_binary-amd64_"
               "Packages",
               40) != 0 ||
        fx_age("patch-bad/lib/modules/6.1.0-28-amd64", 20) != 0)
        return -1;
    /* logins: alice 10 days ago; carol 200 days ago, bob never */
    static const unsigned long good_uids[] = {1000};
    static const long good_days[] = {10};
    static const unsigned long bad_uids[] = {1002};
    static const long bad_days[] = {200};
    if (fx_write("acct-good/var/log/.keep", "", 0644) != 0 ||
        fx_write("acct-bad/var/log/.keep", "", 0644) != 0 ||
        write_lastlog("acct-good/var/log/lastlog", good_uids, good_days, 1) != 0 ||
        write_lastlog("acct-bad/var/log/lastlog", bad_uids, bad_days, 1) != 0)
        return -1;
    ef_policy_init(&pol);
    if (ef_policy_load(&pol, PATCH_POLICY, CONTROLS, err, sizeof(err)) != 0 ||
        ef_policy_load(&pol, ACCT_POLICY, CONTROLS, err, sizeof(err)) != 0) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    ef_policy_free(&pol);
    fx_teardown();
    return 0;
}

static void scan(const char *root, ef_level level, struct ef_report *r)
{
    struct ef_scan_opts o = {.root = root, .level = level};
    ef_report_init(r);
    assert_ok(ef_scan(&pol, &o, r));
    for (size_t i = 0; i < r->nresults; i++) {
        const char *ev = r->results[i].evidence;
        assert_int_not_equal(r->results[i].status, EF_ERROR);
        assert_true(ef_utf8_valid(ev, strlen(ev)));
        /* never a password hash or a fixture secret */
        if (strstr(ev, "FIXTUREONLY") || strstr(ev, "$y$") || strstr(ev, "$6$"))
            fail_msg("%s: secret in evidence: %s", r->results[i].check, ev);
    }
}

static void expect(const struct ef_report *r, const char *id, ef_status st, const char *ev)
{
    for (size_t i = 0; i < r->nresults; i++) {
        const struct ef_result *res = &r->results[i];
        if (strcmp(res->check, id) != 0)
            continue;
        if (res->status != st || (ev && strstr(res->evidence, ev) == NULL))
            fail_msg("%s: expected %s with \"%s\", got %s: %s", id, ef_status_name(st),
                     ev ? ev : "", ef_status_name(res->status), res->evidence);
        return;
    }
    fail_msg("no result for %s", id);
}

static void test_patch_good(void **state)
{
    struct ef_report r;
    (void)state;
    scan(fx_root("patch-good"), EF_LEVEL_HIGH, &r);
    expect(&r, "patch.security_updates_pending", EF_PASS,
           "updates.security_pending_days = 0: no security update pending");
    expect(&r, "patch.security_updates_pending", EF_PASS, "updates.days_since_refresh = 1");
    expect(&r, "patch.auto_updates_enabled", EF_PASS,
           "APT::Periodic::Unattended-Upgrade \"1\" in /etc/apt/apt.conf.d/20auto-upgrades line 2");
    expect(&r, "patch.auto_updates_enabled", EF_PASS,
           "package unattended-upgrades 2.9.1+nmu3 is installed");
    expect(&r, "patch.auto_updates_enabled", EF_PASS, "apt-daily-upgrade.timer is enabled");
    /* the newest transaction that installed or upgraded something; removals do not count */
    expect(&r, "patch.last_update_age", EF_PASS,
           "updates.days_since_upgrade = 2: newest package install or upgrade "
           "2026-11-20T06:25:09Z (/var/log/apt/history.log line 10)");
    expect(&r, "patch.reboot_pending", EF_PASS,
           "running kernel 6.1.0-28-amd64 is the newest installed");
    expect(&r, "patch.repo_signatures", EF_PASS,
           "updates.insecure_sources = 0: no source or option disables signature checking");
    ef_report_free(&r);
}

static void test_patch_bad(void **state)
{
    struct ef_report r;
    (void)state;
    scan(fx_root("patch-bad"), EF_LEVEL_HIGH, &r);
    /* stale lists still prove a failure */
    expect(&r, "patch.security_updates_pending", EF_FAIL,
           "updates.security_pending_days = 40 (max 7): 3 security updates pending, the oldest "
           "for at least 40 days");
    expect(&r, "patch.security_updates_pending", EF_FAIL,
           "openssl 3.0.11-1~deb12u2 -> 3.0.15-1~deb12u1");
    expect(&r, "patch.security_updates_pending", EF_FAIL, "tzdata 2024a-0+deb12u1 -> 2024b");
    expect(&r, "patch.metadata_fresh", EF_FAIL, "updates.days_since_refresh = 40 (max 7)");
    /* the later file wins */
    expect(&r, "patch.auto_updates_enabled", EF_FAIL,
           "APT::Periodic::Unattended-Upgrade \"0\" in /etc/apt/apt.conf.d/99local line 1");
    expect(&r, "patch.auto_updates_enabled", EF_FAIL,
           "package unattended-upgrades is not installed");
    expect(&r, "patch.auto_updates_enabled", EF_FAIL, "apt-daily-upgrade.timer is not installed");
    expect(&r, "patch.last_update_age", EF_FAIL,
           "updates.days_since_upgrade = 113 (max 14): newest package install or upgrade "
           "2026-08-01T10:00:05Z");
    expect(&r, "patch.reboot_pending", EF_FAIL,
           "updates.reboot_pending_days = 20 (max 7): reboot pending for 20 days: running "
           "kernel 6.1.0-26-amd64, newer 6.1.0-28-amd64 installed");
    expect(&r, "patch.repo_signatures", EF_FAIL, "updates.insecure_sources = 3 (expected 0)");
    expect(&r, "patch.repo_signatures", EF_FAIL, "trusted=yes in /etc/apt/sources.list line 1");
    expect(&r, "patch.repo_signatures", EF_FAIL,
           "Trusted: yes in /etc/apt/sources.list.d/vendor.sources line 5");
    expect(&r, "patch.repo_signatures", EF_FAIL,
           "APT::Get::AllowUnauthenticated \"true\" in /etc/apt/apt.conf.d/99local line 2");
    ef_report_free(&r);

    /* grace periods per level: 20 days pending passes at basic (30), fails at elevated (14) */
    scan(fx_root("patch-bad"), EF_LEVEL_BASIC, &r);
    expect(&r, "patch.reboot_pending", EF_PASS, "updates.reboot_pending_days = 20");
    /* no SMBIOS chassis: a server, which needs automatic updates only from elevated */
    expect(&r, "patch.auto_updates_enabled", EF_NA, "not applicable: host.role = server");
    expect(&r, "patch.last_update_age", EF_FAIL, "(max 45)");
    ef_report_free(&r);
    scan(fx_root("patch-bad"), EF_LEVEL_ELEVATED, &r);
    expect(&r, "patch.reboot_pending", EF_FAIL, "(max 14)");
    expect(&r, "patch.auto_updates_enabled", EF_FAIL, "package unattended-upgrades is not");
    ef_report_free(&r);
}

static void scan_state(const char *root, ef_level level, const char *state, int writable,
                       struct ef_report *r)
{
    struct ef_scan_opts o = {
        .root = root, .level = level, .state_dir = state, .update_state = writable};
    ef_report_init(r);
    assert_ok(ef_scan(&pol, &o, r));
}

/* A first sighting proves no freshness (issue 13): 88 security updates pending, offered by
 * lists fetched yesterday. Without a record of earlier scans, or on the agent's first run,
 * their age is unknown: pass at basic, fail at elevated and high with the reason. Once the
 * agent has watched since before they appeared, they are dated and within the grace period
 * they pass. */
static void test_patch_undated(void **state)
{
    struct ef_report r;
    char status[88 * 100], list[88 * 80], rec[600], st[600], stdir[256];
    size_t sn = 0, ln = 0;
    (void)state;
    for (int i = 0; i < 88; i++) {
        sn += (size_t)snprintf(status + sn, sizeof(status) - sn,
                               "Package: lib%02d\nStatus: install ok installed\n"
                               "Architecture: amd64\nVersion: 1.0-1\n\n",
                               i);
        ln += (size_t)snprintf(list + ln, sizeof(list) - ln,
                               "Package: lib%02d\nVersion: 1.0-1+deb12u1\nArchitecture: amd64\n\n",
                               i);
    }
#define L "u88/var/lib/apt/lists/x_dists_bookworm-security_"
    assert_ok(fx_write("u88/etc/os-release", "ID=debian\nVERSION_ID=\"12\"\n", 0644));
    assert_ok(fx_write("u88/var/lib/dpkg/status", status, 0644));
    assert_ok(fx_write(L "InRelease", "Suite: stable-security\n", 0644));
    assert_ok(fx_write(L "main_binary-amd64_Packages", list, 0644));
    assert_ok(fx_age(L "InRelease", 1));
    assert_ok(fx_age(L "main_binary-amd64_Packages", 1));
#undef L
    const char *root = fx_root("u88");

    /* no state: every pending update undated */
    scan_state(root, EF_LEVEL_BASIC, NULL, 0, &r);
    expect(&r, "patch.security_updates_pending", EF_PASS, "updates.security_pending_days = 1");
    /* 88 pending updates in a pass would alarm a reader: the evidence says why it passes */
    expect(&r, "patch.security_updates_pending", EF_PASS,
           "88 security updates pending, the oldest for at least 1 day");
    expect(&r, "patch.security_updates_pending", EF_PASS,
           "; passes: 1 is within the basic limit of 30");
    ef_report_free(&r);
    for (ef_level lv = EF_LEVEL_ELEVATED; lv <= EF_LEVEL_HIGH; lv++) {
        scan_state(root, lv, NULL, 0, &r);
        expect(&r, "patch.security_updates_pending", EF_FAIL,
               "updates.security_pending_undated = 88 (max 0): 88 of 88 pending security "
               "updates undated: pending already when the agent began watching (no agent state "
               "to remember first sightings), so how long they have waited is unknown and they "
               "count as past the grace period: lib00 -> 1.0-1+deb12u1");
        ef_report_free(&r);
    }

    /* the agent's first run (state written): still undated, now and on later runs */
    snprintf(stdir, sizeof(stdir), "%s", fx_path("u88-state"));
    assert_ok(ef_mkdirs(stdir, 0700));
    scan_state(root, EF_LEVEL_ELEVATED, stdir, 1, &r);
    expect(&r, "patch.security_updates_pending", EF_FAIL,
           "88 of 88 pending security updates undated: pending already when the agent began "
           "watching (the agent's record of first sightings begins now)");
    ef_report_free(&r);
    scan_state(root, EF_LEVEL_BASIC, stdir, 1, &r);
    expect(&r, "patch.security_updates_pending", EF_PASS, "updates.security_pending_undated = 88");
    ef_report_free(&r);

    /* watched since 10 days ago, the updates first seen 2 days ago: dated, within grace */
    snprintf(st, sizeof(st), "%s/pending-updates.json", stdir);
    int n = snprintf(status, sizeof(status), "{\"@since\": %lld", (long long)fx_now() - 10 * 86400);
    for (int i = 0; i < 88; i++)
        n +=
            snprintf(status + n, sizeof(status) - (size_t)n,
                     ", \"lib%02d:amd64 1.0-1+deb12u1\": %lld", i, (long long)fx_now() - 2 * 86400);
    snprintf(status + n, sizeof(status) - (size_t)n, "}");
    FILE *fp = fopen(st, "w");
    assert_non_null(fp);
    fputs(status, fp);
    fclose(fp);
    scan_state(root, EF_LEVEL_HIGH, stdir, 0, &r);
    expect(&r, "patch.security_updates_pending", EF_PASS,
           "updates.security_pending_undated = 0: all 88 pending security updates dated: first "
           "seen pending after the agent began watching (the agent has watched since "
           "2026-11-13T00:00:00Z)");
    expect(&r, "patch.security_updates_pending", EF_PASS, "updates.security_pending_days = 2");
    ef_report_free(&r);

    /* watched since 10 days ago with nothing pending: the 88 appeared since, dated */
    snprintf(rec, sizeof(rec), "{\"@since\": %lld}", (long long)fx_now() - 10 * 86400);
    fp = fopen(st, "w");
    assert_non_null(fp);
    fputs(rec, fp);
    fclose(fp);
    scan_state(root, EF_LEVEL_HIGH, stdir, 0, &r);
    expect(&r, "patch.security_updates_pending", EF_PASS, "updates.security_pending_undated = 0");
    expect(&r, "patch.security_updates_pending", EF_PASS, "updates.security_pending_days = 1");
    ef_report_free(&r);

    /* a record from before "@since" existed: it began at its earliest sighting, so the 88
     * seen then are undated */
    n = snprintf(status, sizeof(status), "{");
    for (int i = 0; i < 88; i++)
        n += snprintf(status + n, sizeof(status) - (size_t)n,
                      "%s\"lib%02d:amd64 1.0-1+deb12u1\": %lld", i ? ", " : "", i,
                      (long long)fx_now() - 3 * 86400);
    snprintf(status + n, sizeof(status) - (size_t)n, "}");
    fp = fopen(st, "w");
    assert_non_null(fp);
    fputs(status, fp);
    fclose(fp);
    scan_state(root, EF_LEVEL_HIGH, stdir, 0, &r);
    expect(&r, "patch.security_updates_pending", EF_FAIL,
           "88 of 88 pending security updates undated: pending already when the agent began "
           "watching (the agent has watched since 2026-11-20T00:00:00Z)");
    ef_report_free(&r);
}

static void test_patch_unknown_na(void **state)
{
    struct ef_report r;
    (void)state;
    /* stale lists with nothing pending: unknown, not pass */
    assert_ok(fx_write("stale/etc/os-release", "ID=debian\nVERSION_ID=\"12\"\n", 0644));
    assert_ok(fx_write("stale/var/lib/dpkg/status",
                       "Package: openssl\nStatus: install ok installed\nArchitecture: amd64\n"
                       "Version: 3.0.15-1~deb12u1\n",
                       0644));
    assert_ok(fx_write("stale/var/lib/apt/lists/x_dists_bookworm-security_InRelease",
                       "Suite: stable-security\n", 0644));
    assert_ok(fx_write("stale/var/lib/apt/lists/x_dists_bookworm-security_main_binary-amd64_"
                       "Packages",
                       "Package: openssl\nVersion: 3.0.15-1~deb12u1\nArchitecture: amd64\n", 0644));
    assert_ok(fx_age("stale/var/lib/apt/lists/x_dists_bookworm-security_InRelease", 30));
    /* a reboot flag 10 days old, no kernels (a container) */
    assert_ok(fx_write("stale/run/reboot-required", "*** System restart required ***\n", 0644));
    assert_ok(fx_age("stale/run/reboot-required", 10));
    scan(fx_root("stale"), EF_LEVEL_HIGH, &r);
    expect(&r, "patch.security_updates_pending", EF_UNKNOWN, "package metadata is 30 days old");
    expect(&r, "patch.security_updates_pending", EF_UNKNOWN, "a pass on it cannot be trusted");
    expect(&r, "patch.reboot_pending", EF_FAIL,
           "updates.reboot_pending_days = 10 (max 7): reboot pending for 10 days: "
           "/run/reboot-required exists");
    /* no apt configuration at all: auto updates are off; no sources: unknown */
    expect(&r, "patch.auto_updates_enabled", EF_FAIL, "APT::Periodic::Unattended-Upgrade not set");
    expect(&r, "patch.repo_signatures", EF_UNKNOWN, "no package manager configuration found");
    /* no apt or dpkg logs: the status file's mtime */
    expect(&r, "patch.last_update_age", EF_PASS, "no apt or dpkg log; /var/lib/dpkg/status last");
    ef_report_free(&r);

    /* not a dpkg system: unknown with the reason; Debian-only checks are na */
    assert_ok(fx_write("rhel/etc/os-release", "ID=\"rhel\"\nVERSION_ID=\"9.4\"\n", 0644));
    assert_ok(fx_write("rhel/var/lib/rpm/rpmdb.sqlite", "", 0644));
    assert_ok(fx_write("rhel/etc/yum.repos.d/vendor.repo",
                       "[vendor]\nbaseurl=http://vendor.example/el9\ngpgcheck=0\n", 0644));
    scan(fx_root("rhel"), EF_LEVEL_HIGH, &r);
    expect(&r, "patch.security_updates_pending", EF_UNKNOWN, "not a dpkg system");
    expect(&r, "patch.auto_updates_enabled", EF_NA, "not applicable on rhel");
    expect(&r, "patch.last_update_age", EF_UNKNOWN, "live system only");
    expect(&r, "patch.repo_signatures", EF_FAIL,
           "gpgcheck=0 in /etc/yum.repos.d/vendor.repo line 3");
    /* a running kernel that cannot be known, with kernels installed */
    expect(&r, "patch.reboot_pending", EF_PASS, "no installed kernel");
    ef_report_free(&r);
    assert_ok(fx_write("rhel/lib/modules/5.14.0-427.el9.x86_64/vmlinuz", "", 0644));
    scan(fx_root("rhel"), EF_LEVEL_HIGH, &r);
    expect(&r, "patch.reboot_pending", EF_UNKNOWN, "running kernel unknown");
    ef_report_free(&r);
}

static void test_acct_good(void **state)
{
    struct ef_report r;
    (void)state;
    scan(fx_root("acct-good"), EF_LEVEL_HIGH, &r);
    expect(&r, "acct.password_aging", EF_PASS,
           "PASS_MAX_DAYS = 365 in /etc/login.defs line 9; PASS_WARN_AGE = 7 in /etc/login.defs "
           "line 5; accounts.password_max_days_max = 365");
    expect(&r, "acct.password_quality", EF_PASS,
           "accounts.pam_pwquality = true: pam_pwquality.so in /etc/pam.d/common-password line 2");
    expect(&r, "acct.password_quality", EF_PASS,
           "accounts.pwquality_minlen = 14: minlen 14 (/etc/security/pwquality.conf line 2)");
    expect(&r, "acct.password_quality", EF_PASS,
           "enforce_for_root in /etc/security/pwquality.conf");
    expect(&r, "acct.login_lockout", EF_PASS,
           "accounts.pam_faillock = true: pam_faillock.so in /etc/pam.d/common-auth line 1");
    expect(&r, "acct.login_lockout", EF_PASS, "deny 4 (/etc/security/faillock.conf line 2)");
    expect(&r, "acct.login_lockout", EF_PASS, "accounts.faillock_unlock_time = 900");
    expect(&r, "acct.login_lockout", EF_PASS, "even_deny_root in /etc/security/faillock.conf");
    expect(&r, "acct.inactive_lock", EF_PASS,
           "INACTIVE = 30 in /etc/default/useradd line 4; accounts.password_inactive_max = 30");
    expect(&r, "acct.dormant_accounts", EF_PASS,
           "accounts.dormant_days_max = 10: most idle interactive accounts (/var/log/lastlog): "
           "alice 10 days");
    expect(&r, "acct.system_accounts_nologin", EF_PASS, "accounts.system_login_count = 0");
    expect(&r, "acct.sudo_requires_auth", EF_PASS,
           "no NOPASSWD or !authenticate in /etc/sudoers and its includes (3 files)");
    expect(&r, "acct.ssh_root_login", EF_PASS,
           "ssh.permit_root_login = no: PermitRootLogin no in "
           "/etc/ssh/sshd_config.d/50-hardening.conf line 1");
    expect(&r, "acct.ssh_password_auth", EF_PASS, "ssh.permit_empty_passwords = no");
    expect(&r, "acct.ssh_password_auth", EF_PASS,
           "PasswordAuthentication no in /etc/ssh/sshd_config.d/50-hardening.conf line 2; a Match "
           "block sets PasswordAuthentication yes (/etc/ssh/sshd_config line 8)");
    expect(&r, "acct.ssh_password_auth", EF_PASS,
           "KbdInteractiveAuthentication no in /etc/ssh/sshd_config line 5");
    ef_report_free(&r);
}

static void test_acct_bad(void **state)
{
    struct ef_report r;
    (void)state;
    scan(fx_root("acct-bad"), EF_LEVEL_HIGH, &r);
    expect(&r, "acct.password_aging", EF_FAIL,
           "PASS_MAX_DAYS = 99999 in /etc/login.defs line 1 (max 365); PASS_WARN_AGE = 3 in "
           "/etc/login.defs line 2 (min 7); accounts.password_max_days_max = 99999 (max 365)");
    expect(&r, "acct.password_aging", EF_FAIL, "bob: no maximum, carol: 99999");
    expect(&r, "acct.password_quality", EF_FAIL,
           "no pam_pwquality.so in the password stack of /etc/pam.d/common-password");
    expect(&r, "acct.password_quality", EF_FAIL, "accounts.pwquality_minlen = 8 (min 14)");
    expect(&r, "acct.login_lockout", EF_FAIL,
           "no pam_faillock.so in the auth stack of /etc/pam.d/common-auth");
    expect(&r, "acct.login_lockout", EF_FAIL, "accounts.faillock_deny = 10 (max 5)");
    expect(&r, "acct.inactive_lock", EF_FAIL, "INACTIVE not set in /etc/default/useradd");
    expect(&r, "acct.inactive_lock", EF_FAIL, "bob: never");
    expect(&r, "acct.dormant_accounts", EF_FAIL,
           "accounts.dormant_days_max = 500 (max 90): most idle interactive accounts "
           "(/var/log/lastlog): bob 500 days (never logged in; password set 500 days ago), "
           "carol 200 days (last login 2026-05-06)");
    expect(&r, "acct.system_accounts_nologin", EF_FAIL,
           "accounts.system_login_count = 1 (expected 0): system accounts with a login shell "
           "and a usable password: games (uid 5, shell /bin/bash)");
    expect(&r, "acct.sudo_requires_auth", EF_FAIL,
           "accounts.sudo_nopasswd_count = 2 (expected 0): /etc/sudoers.d/90-cloud-init-users "
           "line 2: ubuntu ALL=(ALL) NOPASSWD:ALL (NOPASSWD); /etc/sudoers.d/deploy line 1: "
           "Defaults:deploy !authenticate (authentication turned off)");
    expect(&r, "acct.ssh_root_login", EF_FAIL,
           "ssh.permit_root_login = yes (does not match '^no$'): PermitRootLogin yes in "
           "/etc/ssh/sshd_config line 1");
    expect(&r, "acct.ssh_password_auth", EF_FAIL, "ssh.permit_empty_passwords = yes (expected no)");
    expect(&r, "acct.ssh_password_auth", EF_FAIL,
           "PasswordAuthentication not set in /etc/ssh/sshd_config or its includes: yes by "
           "default");
    expect(&r, "acct.ssh_password_auth", EF_FAIL,
           "KbdInteractiveAuthentication yes under Match all in /etc/ssh/sshd_config line 5");
    ef_report_free(&r);
}

static void test_acct_levels(void **state)
{
    struct ef_report r;
    (void)state;
    /* prohibit-password is accepted at basic only; minlen 12 at basic, 14 from elevated */
    assert_ok(fx_write("lvl/usr/sbin/sshd", "", 0755));
    assert_ok(fx_write("lvl/etc/ssh/sshd_config", "PasswordAuthentication yes\n", 0644));
    assert_ok(fx_write("lvl/etc/pam.d/common-password",
                       "password requisite pam_pwquality.so minlen=12 retry=3\n", 0644));
    assert_ok(fx_write("lvl/etc/security/pwquality.conf", "minlen = 16\n", 0644));
    scan(fx_root("lvl"), EF_LEVEL_BASIC, &r);
    expect(&r, "acct.ssh_root_login", EF_PASS,
           "PermitRootLogin not set in /etc/ssh/sshd_config or its includes: prohibit-password "
           "by default");
    expect(&r, "acct.ssh_password_auth", EF_PASS, "ssh.permit_empty_passwords = no");
    /* module arguments override the configuration file */
    expect(&r, "acct.password_quality", EF_PASS, "minlen 12 (/etc/pam.d/common-password line 1)");
    ef_report_free(&r);
    scan(fx_root("lvl"), EF_LEVEL_ELEVATED, &r);
    expect(&r, "acct.ssh_root_login", EF_FAIL, "ssh.permit_root_login = prohibit-password");
    expect(&r, "acct.ssh_password_auth", EF_FAIL,
           "ssh.password_authentication = yes (does not match '^no$')");
    expect(&r, "acct.password_quality", EF_FAIL, "accounts.pwquality_minlen = 12 (min 14)");
    ef_report_free(&r);
}

static void test_acct_na_unknown(void **state)
{
    struct ef_report r;
    (void)state;
    /* no sshd: na; no login records: unknown */
    assert_ok(fx_write("nolog/etc/passwd",
                       "root:x:0:0::/root:/bin/bash\n"
                       "dave:x:1000:1000::/home/dave:/bin/bash\n",
                       0644));
    assert_ok(fx_write("nolog/etc/shadow", "root:!:20500::::::\ndave:$y$FIXTUREONLY:20700::::::\n",
                       0640));
    scan(fx_root("nolog"), EF_LEVEL_HIGH, &r);
    expect(&r, "acct.ssh_root_login", EF_NA, "not applicable: /usr/sbin/sshd does not exist");
    expect(&r, "acct.ssh_password_auth", EF_NA, "not applicable: /usr/sbin/sshd does not exist");
    expect(&r, "acct.dormant_accounts", EF_UNKNOWN,
           "no login records (no /var/log/lastlog or lastlog2 database)");
    /* no sudoers: nothing runs without a password */
    expect(&r, "acct.sudo_requires_auth", EF_PASS, "sudo is not configured (no /etc/sudoers)");
    /* no PAM at all: the effective minimum length is libpwquality's default */
    expect(&r, "acct.password_quality", EF_FAIL,
           "accounts.pwquality_minlen = 8 (min 14): minlen 8 "
           "(the default)");
    ef_report_free(&r);
    assert_ok(fx_write("nolog/var/lib/lastlog/lastlog2.db", "SQLite format 3", 0644));
    scan(fx_root("nolog"), EF_LEVEL_HIGH, &r);
    expect(&r, "acct.dormant_accounts", EF_UNKNOWN, "lastlog2");
    ef_report_free(&r);
    /* an unreadable sudoers include (as non-root the whole file is): unknown */
    assert_ok(fx_write("nolog/etc/sudoers", "@include /etc/sudoers.local\n", 0440));
    scan(fx_root("nolog"), EF_LEVEL_HIGH, &r);
    expect(&r, "acct.sudo_requires_auth", EF_UNKNOWN, "cannot read /etc/sudoers.local");
    ef_report_free(&r);
}

/* The accounts probe reports every account's value and judges none; the limit is the policy's
 * parameter, per level. */
static void test_acct_facts_not_judged(void **state)
{
    (void)state;
    assert_ok(fx_write("raw/etc/passwd",
                       "root:x:0:0::/root:/bin/bash\n"
                       "ann:x:1000:1000::/home/ann:/bin/bash\n"
                       "ben:x:1001:1001::/home/ben:/bin/bash\n"
                       "cid:x:1002:1002::/home/cid:/bin/bash\n",
                       0644));
    assert_ok(fx_write("raw/etc/shadow",
                       "root:!:20500::::::\n"
                       "ann:$y$FIXTUREONLY:20700:0:400:7:50::\n"
                       "ben:$y$FIXTUREONLY:20700:0:90:7:10::\n"
                       "cid:$y$FIXTUREONLY:20700:0::7:::\n",
                       0640));
    struct ef_facts *f = ef_facts_new(fx_root("raw"), fx_now());
    assert_non_null(f);
    const struct ef_fact *v = ef_facts_get(f, "accounts.password_max_days_max");
    assert_true(v->known);
    assert_int_equal(v->i, 99999);
    /* every account, largest first; ben (90) is listed though under any usual limit */
    assert_non_null(strstr(v->evidence, "largest first: cid: no maximum, ann: 400, ben: 90"));
    v = ef_facts_get(f, "accounts.password_inactive_max");
    assert_int_equal(v->i, 99999);
    assert_non_null(strstr(v->evidence, "largest first: cid: never, ann: 50, ben: 10"));
    assert_null(strstr(v->evidence, "over 45"));
    ef_facts_free(f);

    /* cid without a maximum: the default policy judges 99999 against its 365 */
    assert_ok(fx_write("raw/etc/shadow",
                       "root:!:20500::::::\n"
                       "ann:$y$FIXTUREONLY:20700:0:400:7:50::\n"
                       "ben:$y$FIXTUREONLY:20700:0:90:7:10::\n",
                       0640));
    /* a site policy with its own limits per level decides with the same facts */
    char err[512] = "";
    assert_ok(fx_write("raw-policy.yml",
                       "policy: {id: site, version: \"1\"}\n"
                       "checks:\n"
                       "  - id: site.password_age\n"
                       "    title: t\n    description: t\n    rationale: t\n    remediation: t\n"
                       "    controls: [\"5.17\"]\n    severity: low\n    level: basic\n"
                       "    all:\n"
                       "      - fact: accounts.password_max_days_max\n"
                       "        max: {basic: 400, high: 365}\n",
                       0644));
    struct ef_policy_set site;
    ef_policy_init(&site);
    if (ef_policy_load(&site, fx_path("raw-policy.yml"), CONTROLS, err, sizeof(err)) != 0)
        fail_msg("policy: %s", err);
    struct ef_report r;
    ef_report_init(&r);
    struct ef_scan_opts o = {.root = fx_root("raw"), .level = EF_LEVEL_BASIC};
    assert_ok(ef_scan(&site, &o, &r));
    expect(&r, "site.password_age", EF_PASS, "accounts.password_max_days_max = 400");
    ef_report_free(&r);
    ef_report_init(&r);
    o.level = EF_LEVEL_HIGH;
    assert_ok(ef_scan(&site, &o, &r));
    expect(&r, "site.password_age", EF_FAIL, "accounts.password_max_days_max = 400 (max 365)");
    ef_report_free(&r);
    ef_policy_free(&site);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_patch_good),
        cmocka_unit_test(test_patch_bad),
        cmocka_unit_test(test_patch_undated),
        cmocka_unit_test(test_patch_unknown_na),
        cmocka_unit_test(test_acct_good),
        cmocka_unit_test(test_acct_bad),
        cmocka_unit_test(test_acct_levels),
        cmocka_unit_test(test_acct_na_unknown),
        cmocka_unit_test(test_acct_facts_not_judged),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
