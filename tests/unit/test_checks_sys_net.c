/* SPDX-License-Identifier: EUPL-1.2 */
/* The network, malware, desktop and system checks of the default policy
 * (checks/policies/50-network-malware-desktop.yml and 60-system.yml) against fixture roots:
 * tests/fixtures/{net,sys}-{good,bad} plus small roots built here. Every check passes on
 * one root and fails on another, with na and unknown where they apply. */
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
#include <unistd.h>

#include "efterlev/policy.h"
#include "efterlev/util.h"
#include "engine.h"
#include "probes/test_hooks.h"

#define CONTROLS EF_SOURCE_DIR "/checks/iso27002-2022.yml"
#define POLICY_NET EF_SOURCE_DIR "/checks/policies/50-network-malware-desktop.yml"
#define POLICY_SYS EF_SOURCE_DIR "/checks/policies/60-system.yml"
#define EFI_GUID "8be4df61-93ca-11d2-aa0d-00e098032b8c"

#include "test_fixture.h"

/* the JSON judge of the firewall probe */
int ef_nft_json_input_drop(const char *json, char *ev, size_t evlen);

static struct ef_policy_set pol;

#define assert_contains(hay, needle)                                                               \
    do {                                                                                           \
        if (strstr((hay), (needle)) == NULL)                                                       \
            fail_msg("expected \"%s\" in \"%s\"", (needle), (hay));                                \
    } while (0)

static void link_to(const char *target, const char *rel)
{
    const char *p = fx_path(rel);
    char dir[PATH_MAX];
    strlcpy(dir, p, sizeof(dir));
    *strrchr(dir, '/') = '\0';
    assert_int_equal(ef_mkdirs(dir, 0755), 0);
    if (symlink(target, p) != 0)
        fail_msg("symlink %s -> %s failed", rel, target);
}

/* An efivarfs file: 4 attribute bytes, then the value byte. */
static void efivar(const char *root, const char *name, unsigned char value)
{
    char rel[256];
    unsigned char buf[5] = {0x06, 0, 0, 0, value};
    snprintf(rel, sizeof(rel), "%s/sys/firmware/efi/efivars/%s-" EFI_GUID, root, name);
    assert_int_equal(fx_write(rel, "", 0644), 0);
    int fd = open(fx_path(rel), O_WRONLY | O_TRUNC);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, buf, sizeof(buf)), 5);
    close(fd);
}

static void enable_unit(const char *root, const char *unit, const char *wants)
{
    char rel[512], target[256];
    snprintf(rel, sizeof(rel), "%s/etc/systemd/system/%s/%s", root, wants, unit);
    snprintf(target, sizeof(target), "/lib/systemd/system/%s", unit);
    link_to(target, rel);
}

static void unit_file(const char *root, const char *unit)
{
    char rel[512];
    snprintf(rel, sizeof(rel), "%s/lib/systemd/system/%s", root, unit);
    assert_int_equal(fx_write(rel, "[Unit]\n", 0644), 0);
}

static void chmod_rel(const char *rel, mode_t mode)
{
    if (chmod(fx_path(rel), mode) != 0)
        fail_msg("chmod %s failed", rel);
}

/* A GNOME desktop root: display manager, graphical default target, gnome-shell. */
static void gnome_root(const char *root, const char *target)
{
    char rel[256];
    snprintf(rel, sizeof(rel), "%s/usr/bin/gnome-shell", root);
    assert_int_equal(fx_write(rel, "#!/bin/sh\n", 0755), 0);
    unit_file(root, "gdm3.service");
    snprintf(rel, sizeof(rel), "%s/etc/systemd/system/display-manager.service", root);
    link_to("/lib/systemd/system/gdm3.service", rel);
    snprintf(rel, sizeof(rel), "%s/lib/systemd/system/default.target", root);
    link_to(target, rel);
}

static void prepare(void)
{
    /* net-good: listeners' processes, ClamAV enabled, GNOME on a laptop */
    link_to("socket:[1001]", "net-good/proc/100/fd/3");
    link_to("socket:[1003]", "net-good/proc/100/fd/4");
    link_to("/dev/null", "net-good/proc/100/fd/0");
    link_to("socket:[1004]", "net-good/proc/200/fd/5");
    enable_unit("net-good", "clamav-daemon.service", "multi-user.target.wants");
    enable_unit("net-good", "clamav-freshclam.service", "multi-user.target.wants");
    assert_int_equal(fx_age("net-good/var/lib/clamav/daily.cld", 2), 0);
    link_to("/lib/systemd/system/gdm3.service",
            "net-good/etc/systemd/system/display-manager.service");
    link_to("graphical.target", "net-good/lib/systemd/system/default.target");

    /* net-bad: two firewalls, unexpected listeners, no AV, stale signatures */
    enable_unit("net-bad", "firewalld.service", "multi-user.target.wants");
    link_to("socket:[2001]", "net-bad/proc/100/fd/3");
    link_to("socket:[2002]", "net-bad/proc/300/fd/7");
    link_to("socket:[2003]", "net-bad/proc/400/fd/12");
    assert_int_equal(fx_age("net-bad/var/lib/clamav/daily.cvd", 30), 0);
    enable_unit("net-bad", "gdm3.service", "graphical.target.wants");
    link_to("/lib/systemd/system/graphical.target", "net-bad/etc/systemd/system/default.target");

    /* sys-good */
    efivar("sys-good", "SecureBoot", 1);
    efivar("sys-good", "SetupMode", 0);
    chmod_rel("sys-good/boot/grub/grub.cfg", 0600);
    assert_int_equal(fx_write("sys-good/tmp/.keep", "", 0644), 0);
    chmod_rel("sys-good/tmp", 01777);
    link_to("/etc/passwd", "sys-good/srv/data/passwd-link"); /* symlinks are never followed */

    /* sys-bad */
    efivar("sys-bad", "SecureBoot", 0);
    efivar("sys-bad", "SetupMode", 1);
    chmod_rel("sys-bad/boot/grub/grub.cfg", 0444);
    chmod_rel("sys-bad/etc/app/app.conf", 0666);
    chmod_rel("sys-bad/srv/share", 0777);
}

static int group_setup(void **state)
{
    char err[512];
    (void)state;
    if (fx_setup() == NULL)
        return -1;
    ef_policy_init(&pol);
    if (ef_policy_load(&pol, POLICY_NET, CONTROLS, err, sizeof(err)) != 0 ||
        ef_policy_load(&pol, POLICY_SYS, CONTROLS, err, sizeof(err)) != 0) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    prepare();
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    ef_policy_free(&pol);
    fx_teardown();
    return 0;
}

/* Scan root at level with the two policy files; expect check id's status and evidence. */
static void expect(const char *root_name, ef_level level, const char *id, ef_status st,
                   const char *ev)
{
    struct ef_report r;
    struct ef_scan_opts o = {.root = fx_root(root_name), .level = level};
    ef_report_init(&r);
    assert_int_equal(ef_scan(&pol, &o, &r), 0);
    const struct ef_result *res = NULL;
    for (size_t i = 0; i < r.nresults; i++)
        if (strcmp(r.results[i].check, id) == 0)
            res = &r.results[i];
    if (res == NULL)
        fail_msg("%s: no result at level %s", id, ef_level_name(level));
    if (res->status != st)
        fail_msg("%s on %s at %s: expected %s, got %s: %s", id, root_name, ef_level_name(level),
                 ef_status_name(st), ef_status_name(res->status), res->evidence);
    if (ev != NULL)
        assert_contains(res->evidence, ev);
    assert_true(ef_utf8_valid(res->evidence, strlen(res->evidence)));
    assert_null(strstr(res->evidence, "FIXTUREONLY")); /* never a password hash */
    ef_report_free(&r);
}

/* One timed run (state written, as `efterlev-agent run`) of check id over root_name. */
static void expect_run2(const char *root_name, const char *state, const char *id, ef_status st,
                        const char *ev, const char *ev2)
{
    struct ef_report r;
    struct ef_scan_opts o = {
        .root = fx_root(root_name), .level = EF_LEVEL_BASIC, .state_dir = state, .update_state = 1};
    ef_report_init(&r);
    assert_int_equal(ef_scan(&pol, &o, &r), 0);
    const struct ef_result *res = NULL;
    for (size_t i = 0; i < r.nresults; i++)
        if (strcmp(r.results[i].check, id) == 0)
            res = &r.results[i];
    assert_non_null(res);
    if (res->status != st)
        fail_msg("%s on %s: expected %s, got %s: %s", id, root_name, ef_status_name(st),
                 ef_status_name(res->status), res->evidence);
    if (ev != NULL)
        assert_contains(res->evidence, ev);
    if (ev2 != NULL)
        assert_contains(res->evidence, ev2);
    ef_report_free(&r);
}
#define expect_run(root, state, id, st, ev) expect_run2(root, state, id, st, ev, NULL)

#define B EF_LEVEL_BASIC
#define E EF_LEVEL_ELEVATED
#define H EF_LEVEL_HIGH

static void test_policy_ids(void **state)
{
    (void)state;
    static const char *const ids[] = {"net.host_firewall",
                                      "net.listening_services",
                                      "mal.av_active",
                                      "mal.signatures_fresh",
                                      "desk.screen_lock",
                                      "desk.no_automount",
                                      "boot.secure_boot",
                                      "boot.bootloader_password",
                                      "sys.core_dumps_restricted",
                                      "sys.mac_enforcing",
                                      "sys.aslr",
                                      "fs.world_writable",
                                      "fs.usb_storage_disabled",
                                      "integ.file_integrity",
                                      "avail.backup_agent"};
    assert_int_equal(pol.nchecks, EF_ARRAY_LEN(ids));
    for (size_t i = 0; i < EF_ARRAY_LEN(ids); i++)
        assert_non_null(ef_policy_find(&pol, ids[i]));
}

static void test_host_firewall(void **state)
{
    (void)state;
    expect("net-good", B, "net.host_firewall", EF_PASS,
           "ufw enabled (/etc/ufw/ufw.conf line 2 ENABLED=yes)");
    expect("net-good", B, "net.host_firewall", EF_PASS,
           "DEFAULT_INPUT_POLICY=\"DROP\" (/etc/default/ufw line 2)");
    expect("net-bad", B, "net.host_firewall", EF_FAIL, "net.firewall.count = 2 (expected 1)");
    expect("net-bad", B, "net.host_firewall", EF_FAIL,
           "firewalld: default zone trusted target ACCEPT");
    expect("empty", B, "net.host_firewall", EF_FAIL, "no host firewall enabled");

    /* firewalld alone, default zone public (target default: rejects) */
    unit_file("fw-firewalld", "firewalld.service");
    enable_unit("fw-firewalld", "firewalld.service", "multi-user.target.wants");
    assert_int_equal(fx_write("fw-firewalld/usr/lib/firewalld/zones/public.xml",
                              "<?xml version=\"1.0\"?>\n<zone>\n  <short>Public</short>\n"
                              "  <service name=\"ssh\"/>\n</zone>\n",
                              0644),
                     0);
    expect("fw-firewalld", B, "net.host_firewall", EF_PASS,
           "firewalld: default zone public target default");

    /* nftables: the loaded ruleset is known only on the live system */
    unit_file("fw-nft", "nftables.service");
    enable_unit("fw-nft", "nftables.service", "sysinit.target.wants");
    expect("fw-nft", B, "net.host_firewall", EF_UNKNOWN, "known only on the live system");

    /* netfilter-persistent with saved DROP policies */
    unit_file("fw-persist", "netfilter-persistent.service");
    enable_unit("fw-persist", "netfilter-persistent.service", "multi-user.target.wants");
    assert_int_equal(fx_write("fw-persist/etc/iptables/rules.v4",
                              "*filter\n:INPUT DROP [0:0]\n:FORWARD DROP [0:0]\nCOMMIT\n", 0640),
                     0);
    assert_int_equal(fx_write("fw-persist/etc/iptables/rules.v6",
                              "*filter\n:INPUT ACCEPT [0:0]\nCOMMIT\n", 0640),
                     0);
    expect("fw-persist", B, "net.host_firewall", EF_FAIL, "rules.v4: yes, rules.v6: no");
    assert_int_equal(fx_write("fw-persist/etc/iptables/rules.v6",
                              "*nat\n:INPUT ACCEPT [0:0]\nCOMMIT\n*filter\n:INPUT DROP [0:0]\n"
                              "COMMIT\n",
                              0640),
                     0);
    expect("fw-persist", B, "net.host_firewall", EF_PASS, "rules.v4: yes, rules.v6: yes");
}

static void test_nft_json(void **state)
{
    (void)state;
    char ev[512];
    const char *inet_drop =
        "{\"nftables\": [{\"metainfo\": {\"version\": \"1.0.6\", \"json_schema_version\": 1}}, "
        "{\"table\": {\"family\": \"inet\", \"name\": \"filter\", \"handle\": 1}}, "
        "{\"chain\": {\"family\": \"inet\", \"table\": \"filter\", \"name\": \"input\", "
        "\"handle\": 1, \"type\": \"filter\", \"hook\": \"input\", \"prio\": 0, "
        "\"policy\": \"drop\"}}, "
        "{\"chain\": {\"family\": \"inet\", \"table\": \"filter\", \"name\": \"output\", "
        "\"handle\": 3, \"type\": \"filter\", \"hook\": \"output\", \"prio\": 0, "
        "\"policy\": \"accept\"}}]}";
    assert_int_equal(ef_nft_json_input_drop(inet_drop, ev, sizeof(ev)), 1);
    assert_contains(ev, "chain inet filter input: hook input policy drop");
    const char *accept =
        "{\"nftables\":[{\"chain\":{\"family\":\"inet\",\"table\":\"filter\",\"name\":\"input\","
        "\"handle\":1,\"type\":\"filter\",\"hook\":\"input\",\"prio\":0,\"policy\":\"accept\"}}]}";
    assert_int_equal(ef_nft_json_input_drop(accept, ev, sizeof(ev)), 0);
    assert_contains(ev, "1 input chain(s), none with policy drop");
    const char *ip_only =
        "{\"nftables\":[{\"chain\":{\"family\":\"ip\",\"table\":\"filter\",\"name\":\"INPUT\","
        "\"hook\":\"input\",\"policy\":\"drop\"}}]}";
    assert_int_equal(ef_nft_json_input_drop(ip_only, ev, sizeof(ev)), 0);
    assert_contains(ev, "no drop policy for IPv6");
    assert_int_equal(ef_nft_json_input_drop("{\"nftables\": []}", ev, sizeof(ev)), 0);
}

static void test_listening_services(void **state)
{
    (void)state;
    expect("net-good", E, "net.listening_services", EF_PASS,
           "net.listeners = dhclient:68/udp,sshd:22/tcp");
    expect("net-good", H, "net.listening_services", EF_PASS, "sshd [::]:22/tcp");
    /* loopback listeners (cupsd on 127.0.0.1 and ::1) and connected sockets are ignored */
    struct ef_report r;
    struct ef_scan_opts o = {.root = fx_root("net-good"), .level = E};
    ef_report_init(&r);
    assert_int_equal(ef_scan(&pol, &o, &r), 0);
    for (size_t i = 0; i < r.nresults; i++)
        if (strcmp(r.results[i].check, "net.listening_services") == 0) {
            assert_null(strstr(r.results[i].evidence, ":631"));
            assert_null(strstr(r.results[i].evidence, "10.0.2.15"));
        }
    ef_report_free(&r);
    expect("net-bad", E, "net.listening_services", EF_FAIL,
           "net.listeners = avahi-daemon:5353/udp,cupsd:631/tcp,sshd:22/tcp");
    expect("net-bad", E, "net.listening_services", EF_FAIL, "cupsd 0.0.0.0:631/tcp");
    expect("empty", E, "net.listening_services", EF_UNKNOWN, "cannot read /proc/net/tcp");

    /* a socket no process holds (kernel) is named "-"; ntpd allowed at elevated only */
    assert_int_equal(
        fx_write("lst-ntp/proc/net/udp",
                 "   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt"
                 "   uid  timeout inode ref pointer drops\n"
                 "  10: 00000000:007B 00000000:0000 07 00000000:00000000 00:00000000 00000000"
                 "     0        0 3001 2 0000000000000000 0\n"
                 "  11: 00000000:0801 00000000:0000 07 00000000:00000000 00:00000000 00000000"
                 "     0        0 3002 2 0000000000000000 0\n",
                 0644),
        0);
    assert_int_equal(fx_write("lst-ntp/proc/500/comm", "ntpd\n", 0644), 0);
    link_to("socket:[3001]", "lst-ntp/proc/500/fd/20");
    expect("lst-ntp", E, "net.listening_services", EF_FAIL,
           "net.listeners = -:2049/udp,ntpd:123/udp");
    assert_int_equal(fx_write("lst-ntp/proc/net/udp",
                              "   sl  local_address rem_address   st tx_queue rx_queue tr\n"
                              "  10: 00000000:007B 00000000:0000 07 00000000:00000000 00:00000000"
                              " 00000000     0        0 3001 2 0000000000000000 0\n",
                              0644),
                     0);
    expect("lst-ntp", E, "net.listening_services", EF_PASS, "net.listeners = ntpd:123/udp");
    expect("lst-ntp", H, "net.listening_services", EF_FAIL, "net.listeners = ntpd:123/udp");
    /* nothing listening at all */
    assert_int_equal(fx_write("lst-none/proc/net/tcp", "  sl  local_address\n", 0644), 0);
    expect("lst-none", H, "net.listening_services", EF_PASS, "net.listeners = none");
}

static void test_av_active(void **state)
{
    (void)state;
    expect("net-good", B, "mal.av_active", EF_PASS, "clamav-daemon.service is active");
    expect("net-good", B, "mal.av_active", EF_PASS, "clamav-freshclam.service is enabled");
    expect("net-bad", B, "mal.av_active", EF_FAIL, "falcon-sensor.service is not installed");
    /* servers (no SMBIOS chassis: treated as server) only from elevated */
    expect("empty", B, "mal.av_active", EF_NA, "host.role = server");
    expect("empty", E, "mal.av_active", EF_FAIL, "clamav-daemon.service is not installed");
    /* installed but not running */
    unit_file("av-stopped", "clamav-daemon.service");
    unit_file("av-stopped", "clamav-freshclam.service");
    enable_unit("av-stopped", "clamav-daemon.service", "multi-user.target.wants");
    enable_unit("av-stopped", "clamav-freshclam.service", "multi-user.target.wants");
    assert_int_equal(fx_write("av-stopped/sys/class/dmi/id/chassis_type", "9\n", 0644), 0);
    assert_int_equal(
        fx_write("av-stopped/sys/fs/cgroup/system.slice/clamav-daemon.service/cgroup.procs", "",
                 0644),
        0);
    expect("av-stopped", B, "mal.av_active", EF_FAIL, "clamav-daemon.service is not running");
}

static void test_signatures_fresh(void **state)
{
    (void)state;
    expect("net-good", B, "mal.signatures_fresh", EF_PASS,
           "mal.clamav.signature_age_days = 2: /var/lib/clamav/daily.cld written");
    expect("net-good", E, "mal.signatures_fresh", EF_PASS, "signature_age_days = 2");
    expect("net-good", H, "mal.signatures_fresh", EF_FAIL, "signature_age_days = 2 (max 1)");
    expect("net-bad", B, "mal.signatures_fresh", EF_FAIL, "signature_age_days = 30 (max 7)");
    expect("sys-good", B, "mal.signatures_fresh", EF_NA, "/var/lib/clamav does not exist");
    assert_int_equal(fx_write("av-nodb/var/lib/clamav/freshclam.dat", "x", 0644), 0);
    expect("av-nodb", B, "mal.signatures_fresh", EF_FAIL, "freshclam has never run");
}

static void test_screen_lock(void **state)
{
    (void)state;
    expect("net-good", B, "desk.screen_lock", EF_PASS,
           "idle-delay=uint32 300 (/etc/dconf/db/local.d/00-screensaver line 3)");
    expect("net-good", H, "desk.screen_lock", EF_PASS,
           "locked in /etc/dconf/db/local.d/locks/screensaver");
    expect("net-bad", B, "desk.screen_lock", EF_FAIL,
           "desktop.gnome.idle_delay = 0 (min 1): idle-delay=uint32 0");
    expect("net-bad", B, "desk.screen_lock", EF_FAIL,
           "not locked system-wide (users can change it): idle-delay, lock-enabled, lock-delay");
    /* no display manager: not applicable */
    expect("sys-good", B, "desk.screen_lock", EF_NA, "no display manager enabled");

    /* per-level threshold: 600 s passes at elevated, fails at high */
    gnome_root("desk-600", "graphical.target");
    assert_int_equal(
        fx_write("desk-600/etc/dconf/profile/user", "user-db:user\nsystem-db:local\n", 0644), 0);
    assert_int_equal(fx_write("desk-600/etc/dconf/db/local.d/00-lock",
                              "[org/gnome/desktop/session]\nidle-delay=uint32 600\n"
                              "[org/gnome/desktop/screensaver]\nlock-delay=uint32 5\n",
                              0644),
                     0);
    assert_int_equal(fx_write("desk-600/etc/dconf/db/local.d/locks/00-lock",
                              "/org/gnome/desktop/session/\n/org/gnome/desktop/screensaver/\n",
                              0644),
                     0);
    expect("desk-600", E, "desk.screen_lock", EF_PASS, "desktop.gnome.idle_delay = 600");
    expect("desk-600", H, "desk.screen_lock", EF_FAIL, "desktop.gnome.idle_delay = 600 (max 300)");

    /* a lock in a lower database wins over a higher database's value */
    gnome_root("desk-lock", "graphical.target");
    assert_int_equal(fx_write("desk-lock/etc/dconf/profile/user",
                              "user-db:user\nsystem-db:site\nsystem-db:local\n", 0644),
                     0);
    assert_int_equal(fx_write("desk-lock/etc/dconf/db/site.d/00-site",
                              "[org/gnome/desktop/session]\nidle-delay=uint32 0\n", 0644),
                     0);
    assert_int_equal(fx_write("desk-lock/etc/dconf/db/local.d/00-local",
                              "[org/gnome/desktop/session]\nidle-delay=uint32 120\n", 0644),
                     0);
    assert_int_equal(fx_write("desk-lock/etc/dconf/db/local.d/locks/all",
                              "/org/gnome/desktop/session/idle-delay\n"
                              "/org/gnome/desktop/screensaver/lock-enabled\n"
                              "/org/gnome/desktop/screensaver/lock-delay\n",
                              0644),
                     0);
    expect("desk-lock", H, "desk.screen_lock", EF_PASS,
           "idle-delay=uint32 120 (/etc/dconf/db/local.d/00-local line 2)");
    expect("desk-lock", H, "desk.screen_lock", EF_PASS,
           "lock-enabled=true (not set system-wide (GNOME default))");

    /* graphical but not GNOME: unknown */
    unit_file("desk-kde", "sddm.service");
    enable_unit("desk-kde", "sddm.service", "graphical.target.wants");
    link_to("graphical.target", "desk-kde/lib/systemd/system/default.target");
    expect("desk-kde", B, "desk.screen_lock", EF_UNKNOWN, "GNOME is not installed");
    /* a display manager, but the default target is multi-user: not applicable */
    gnome_root("desk-text", "multi-user.target");
    expect("desk-text", B, "desk.screen_lock", EF_NA,
           "but the default target is multi-user.target");
}

static void test_no_automount(void **state)
{
    (void)state;
    expect("net-good", E, "desk.no_automount", EF_PASS,
           "automount=false (/etc/dconf/db/local.d/10-media line 2)");
    expect("net-good", E, "desk.no_automount", EF_PASS,
           "locked in /etc/dconf/db/local.d/locks/media");
    expect("net-bad", E, "desk.no_automount", EF_FAIL,
           "desktop.gnome.automount = true (expected false)");
    expect("net-bad", E, "desk.no_automount", EF_FAIL,
           "automount-open=true (not set system-wide (GNOME default))");
    expect("sys-good", E, "desk.no_automount", EF_NA, "no display manager enabled");
    expect("desk-kde", E, "desk.no_automount", EF_UNKNOWN, "GNOME is not installed");
}

static void test_secure_boot(void **state)
{
    (void)state;
    expect("sys-good", B, "boot.secure_boot", EF_PASS, "EFI variable SecureBoot=1, SetupMode=0");
    expect("sys-bad", B, "boot.secure_boot", EF_FAIL,
           "boot.secure_boot = false (expected true): EFI variable SecureBoot=0, SetupMode=1");
    /* a laptop booted by legacy BIOS */
    assert_int_equal(fx_write("sb-bios/sys/class/dmi/id/chassis_type", "10\n", 0644), 0);
    expect("sb-bios", B, "boot.secure_boot", EF_FAIL, "booted by legacy BIOS");
    /* desktops and servers (VMs) from elevated only */
    expect("net-bad", B, "boot.secure_boot", EF_NA, "host.role = desktop");
    expect("empty", B, "boot.secure_boot", EF_NA, "host.role = server");
    expect("empty", E, "boot.secure_boot", EF_FAIL, "booted by legacy BIOS");
    /* UEFI, but efivarfs not mounted */
    assert_int_equal(fx_write("sb-noefivars/sys/class/dmi/id/chassis_type", "10\n", 0644), 0);
    assert_int_equal(fx_write("sb-noefivars/sys/firmware/efi/fw_platform_size", "64\n", 0644), 0);
    expect("sb-noefivars", B, "boot.secure_boot", EF_UNKNOWN, "efivarfs");
}

static void test_bootloader_password(void **state)
{
    (void)state;
    expect("sys-good", H, "boot.bootloader_password", EF_PASS,
           "/boot/grub/grub.cfg: superusers set (line 9), password_pbkdf2 (line 10)");
    expect("sys-good", H, "boot.bootloader_password", EF_PASS, "/boot/grub/grub.cfg mode 0600");
    expect("sys-bad", H, "boot.bootloader_password", EF_FAIL, "no 'set superusers=' line");
    expect("sys-bad", H, "boot.bootloader_password", EF_FAIL,
           "/boot/grub/grub.cfg mode 0444 exceeds 0600");
    /* RHEL: grub2-setpassword writes the hash to user.cfg */
    assert_int_equal(fx_write("grub-rh/boot/grub2/grub.cfg",
                              "### BEGIN /etc/grub.d/01_users ###\n"
                              "if [ -f ${prefix}/user.cfg ]; then\n"
                              "  source ${prefix}/user.cfg\n"
                              "  if [ -n \"${GRUB2_PASSWORD}\" ]; then\n"
                              "    set superusers=\"root\"\n"
                              "    export superusers\n"
                              "    password_pbkdf2 root ${GRUB2_PASSWORD}\n"
                              "  fi\n"
                              "fi\n",
                              0600),
                     0);
    assert_int_equal(fx_write("grub-rh/boot/grub2/user.cfg",
                              "GRUB2_PASSWORD=grub.pbkdf2.sha512.10000.FIXTUREONLY.FIXTUREONLY\n",
                              0600),
                     0);
    expect("grub-rh", H, "boot.bootloader_password", EF_PASS,
           "GRUB2_PASSWORD in /boot/grub2/user.cfg line 1");
    /* no GRUB: unknown */
    expect("empty", H, "boot.bootloader_password", EF_UNKNOWN, "no GRUB configuration");
    /* level high only */
    struct ef_report r;
    struct ef_scan_opts o = {.root = fx_root("sys-bad"), .level = E};
    ef_report_init(&r);
    assert_int_equal(ef_scan(&pol, &o, &r), 0);
    for (size_t i = 0; i < r.nresults; i++)
        assert_string_not_equal(r.results[i].check, "boot.bootloader_password");
    ef_report_free(&r);
}

static void test_core_dumps(void **state)
{
    (void)state;
    expect("sys-good", B, "sys.core_dumps_restricted", EF_PASS,
           "* hard core 0 (/etc/security/limits.d/60-coredump.conf line 1)");
    expect("sys-good", B, "sys.core_dumps_restricted", EF_PASS,
           "Storage=none (/etc/systemd/coredump.conf.d/60-disable.conf line 2)");
    expect("sys-bad", B, "sys.core_dumps_restricted", EF_FAIL,
           "sysctl fs.suid_dumpable = 2 (expected 0)");
    expect("sys-bad", B, "sys.core_dumps_restricted", EF_FAIL, "no '* hard core 0'");
    expect("sys-bad", B, "sys.core_dumps_restricted", EF_FAIL,
           "systemd-coredump: Storage=external (default)");
    expect("empty", B, "sys.core_dumps_restricted", EF_FAIL, "no '* hard core 0'");
}

static void test_mac(void **state)
{
    (void)state;
    expect("sys-good", H, "sys.mac_enforcing", EF_PASS,
           "sys.mac.mode = enforcing: AppArmor: 3 profile(s) in enforce mode, 0 in complain");
    expect("sys-bad", B, "sys.mac_enforcing", EF_FAIL,
           "sys.mac.mode = disabled (does not match '^(enforcing|complain)$')");
    /* complain mode: enough at basic and elevated, not at high */
    assert_int_equal(fx_write("mac-complain/sys/module/apparmor/parameters/enabled", "Y\n", 0644),
                     0);
    assert_int_equal(fx_write("mac-complain/sys/kernel/security/apparmor/profiles",
                              "/usr/sbin/cupsd (enforce)\n/usr/bin/evince (complain)\n", 0644),
                     0);
    expect("mac-complain", E, "sys.mac_enforcing", EF_PASS, "1 in complain mode");
    expect("mac-complain", H, "sys.mac_enforcing", EF_FAIL, "does not match '^enforcing$'");
    /* SELinux */
    assert_int_equal(fx_write("mac-selinux/sys/fs/selinux/enforce", "1", 0644), 0);
    assert_int_equal(fx_write("mac-selinux/etc/selinux/config",
                              "SELINUX=enforcing\nSELINUXTYPE=targeted\n", 0644),
                     0);
    expect("mac-selinux", H, "sys.mac_enforcing", EF_PASS,
           "/sys/fs/selinux/enforce = 1; SELINUX=enforcing in /etc/selinux/config line 1");
    assert_int_equal(fx_write("mac-selinux/etc/selinux/config", "SELINUX=permissive\n", 0644), 0);
    /* facts are cached per scan only: a new scan sees the change */
    expect("mac-selinux", H, "sys.mac_enforcing", EF_FAIL, "sys.mac.mode = complain");
    /* AppArmor enabled, profile list unreadable: unknown */
    assert_int_equal(fx_write("mac-nofs/sys/module/apparmor/parameters/enabled", "Y\n", 0644), 0);
    expect("mac-nofs", B, "sys.mac_enforcing", EF_UNKNOWN, "securityfs is not mounted");
}

static void test_aslr(void **state)
{
    (void)state;
    expect("sys-good", B, "sys.aslr", EF_PASS,
           "sysctl kernel.randomize_va_space = 2; sysctl kernel.yama.ptrace_scope = 1");
    expect("sys-bad", B, "sys.aslr", EF_FAIL,
           "sysctl kernel.randomize_va_space = 1 (expected 2); sysctl kernel.yama.ptrace_scope "
           "= 0 (min 1)");
    expect("empty", B, "sys.aslr", EF_UNKNOWN, "cannot read sysctl kernel.randomize_va_space");
}

static void test_world_writable(void **state)
{
    (void)state;
    expect("sys-good", B, "fs.world_writable", EF_PASS,
           "fs.world_writable.files = 0: no world-writable file(s)");
    expect("sys-bad", B, "fs.world_writable", EF_FAIL,
           "1 world-writable file(s): /etc/app/app.conf");
    expect("sys-bad", B, "fs.world_writable", EF_FAIL,
           "1 world-writable director(ies) without the sticky bit: /srv/share");
    /* out of time: unknown, never pass */
    setenv("EFTERLEV_FS_WALK_BUDGET_MS", "0", 1);
    expect("sys-good", B, "fs.world_writable", EF_UNKNOWN, "stopped at its 0 ms budget");
    unsetenv("EFTERLEV_FS_WALK_BUDGET_MS");
}

/* The timed run resumes the walk where the last run stopped (issue 13): a tree of 241
 * entries (the root, 40 directories of 5 files) walked 50 entries per run reaches a verdict
 * on the fifth run (slices of 50, 50, 50, 50, 41; the first stops before d08/f0, entry 51);
 * a world-writable file late in the walk's order fails the check in the
 * run that finds it, and still at the end of the pass. `scan` (no state written) keeps
 * its one-shot walk. */
static void test_world_writable_resume(void **state)
{
    char rel[128], st[PATH_MAX], cur[PATH_MAX + 32];
    (void)state;
    for (int d = 0; d < 40; d++)
        for (int i = 0; i < 5; i++) {
            snprintf(rel, sizeof(rel), "ww-big/d%02d/f%d", d, i);
            assert_int_equal(fx_write(rel, "x", 0644), 0);
            snprintf(rel, sizeof(rel), "ww-late/d%02d/f%d", d, i);
            assert_int_equal(fx_write(rel, "x", (d == 27 && i == 2) ? 0666 : 0644), 0);
        }
    snprintf(st, sizeof(st), "%s", fx_path("ww-state"));
    assert_int_equal(ef_mkdirs(st, 0700), 0);
    snprintf(cur, sizeof(cur), "%s/fswalk-cursor.json", st);
    ef_fswalk_set_entry_limit(50);

    /* scan by hand: one slice, unknown, and no cursor kept */
    expect("ww-big", B, "fs.world_writable", EF_UNKNOWN, "50 entries in");
    assert_int_equal(access(cur, F_OK), -1);

    expect_run("ww-big", st, "fs.world_writable", EF_UNKNOWN,
               "the walk stopped at its 120000 ms budget; the next run resumes at d08/f0");
    assert_int_equal(access(cur, F_OK), 0);
    expect_run("ww-big", st, "fs.world_writable", EF_UNKNOWN, "100 entries, 50 in this run's");
    expect_run("ww-big", st, "fs.world_writable", EF_UNKNOWN, "resumed at");
    expect_run("ww-big", st, "fs.world_writable", EF_UNKNOWN, "200 entries, 50 in this run's");
    /* the fifth run reaches the end: a verdict on all 241 entries, the cursor removed */
    expect_run2("ww-big", st, "fs.world_writable", EF_PASS,
                "no world-writable file(s); 241 entries, 41 in this run's",
                "a pass over 5 runs since 2026-11-23T00:00:00Z, resumed at");
    assert_int_equal(access(cur, F_OK), -1);

    /* another root: its own pass (the cursor names the root it belongs to) */
    expect_run("ww-late", st, "fs.world_writable", EF_UNKNOWN, "resumes at d08/f0");
    expect_run("ww-late", st, "fs.world_writable", EF_UNKNOWN, NULL);
    expect_run("ww-late", st, "fs.world_writable", EF_UNKNOWN, NULL);
    /* d27/f2 is entry 1 + 27*6 + 1 + 3 = 167: found in the fourth slice (151..200) */
    expect_run("ww-late", st, "fs.world_writable", EF_FAIL,
               "1 world-writable file(s) (at least): /d27/f2");
    expect_run("ww-late", st, "fs.world_writable", EF_FAIL,
               "1 world-writable file(s): /d27/f2; 241 entries");
    assert_int_equal(access(cur, F_OK), -1);

    /* a damaged cursor: a new pass, not a failure */
    expect_run("ww-big", st, "fs.world_writable", EF_UNKNOWN, "resumes at d08/f0");
    FILE *fp = fopen(cur, "w");
    assert_non_null(fp);
    fputs("{\"root\": 7}", fp);
    fclose(fp);
    expect_run("ww-big", st, "fs.world_writable", EF_UNKNOWN, "resumes at d08/f0");
    ef_fswalk_set_entry_limit(0);
    expect_run("ww-big", st, "fs.world_writable", EF_PASS, "at idle CPU and I/O priority");
}

static void test_usb_storage(void **state)
{
    (void)state;
    expect("sys-good", E, "fs.usb_storage_disabled", EF_PASS, "kmod.usb_storage.blocked = true");
    expect("sys-bad", E, "fs.usb_storage_disabled", EF_FAIL, "kmod.usb_storage.blocked = false");
    expect("sys-bad", E, "fs.usb_storage_disabled", EF_FAIL, "kmod.usb_storage.loaded = true");
    /* laptops from elevated, servers from basic */
    expect("sys-good", B, "fs.usb_storage_disabled", EF_NA, "host.role = laptop");
    assert_int_equal(fx_write("usb-server/sys/class/dmi/id/chassis_type", "23\n", 0644), 0);
    assert_int_equal(fx_write("usb-server/sys/module/ext4/refcnt", "1\n", 0644), 0);
    expect("usb-server", B, "fs.usb_storage_disabled", EF_FAIL, "kmod.usb_storage.blocked = false");
}

static void test_file_integrity(void **state)
{
    (void)state;
    expect("sys-good", E, "integ.file_integrity", EF_PASS,
           "/etc/cron.daily/dailyaidecheck present");
    expect("sys-bad", E, "integ.file_integrity", EF_FAIL, "AIDE is not installed");
    expect("sys-bad", E, "integ.file_integrity", EF_FAIL, "wazuh-agent.service is not installed");
    /* scheduled by the timer, but never initialised */
    assert_int_equal(fx_write("aide-timer/usr/bin/aide", "x", 0755), 0);
    unit_file("aide-timer", "dailyaidecheck.timer");
    enable_unit("aide-timer", "dailyaidecheck.timer", "timers.target.wants");
    expect("aide-timer", E, "integ.file_integrity", EF_FAIL, "not initialised");
    assert_int_equal(fx_write("aide-timer/var/lib/aide/aide.db.gz", "x", 0600), 0);
    expect("aide-timer", E, "integ.file_integrity", EF_PASS, "dailyaidecheck.timer is enabled");
    /* a cron.d entry */
    assert_int_equal(fx_write("aide-cron/usr/sbin/aide", "x", 0755), 0);
    assert_int_equal(fx_write("aide-cron/var/lib/aide/aide.db", "x", 0600), 0);
    assert_int_equal(fx_write("aide-cron/etc/cron.d/aide",
                              "# nightly\n30 3 * * * root /usr/sbin/aide --check\n", 0644),
                     0);
    expect("aide-cron", E, "integ.file_integrity", EF_PASS, "/etc/cron.d/aide line 2 runs aide");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_policy_ids),
        cmocka_unit_test(test_host_firewall),
        cmocka_unit_test(test_nft_json),
        cmocka_unit_test(test_listening_services),
        cmocka_unit_test(test_av_active),
        cmocka_unit_test(test_signatures_fresh),
        cmocka_unit_test(test_screen_lock),
        cmocka_unit_test(test_no_automount),
        cmocka_unit_test(test_secure_boot),
        cmocka_unit_test(test_bootloader_password),
        cmocka_unit_test(test_core_dumps),
        cmocka_unit_test(test_mac),
        cmocka_unit_test(test_aslr),
        cmocka_unit_test(test_world_writable),
        cmocka_unit_test(test_world_writable_resume),
        cmocka_unit_test(test_usb_storage),
        cmocka_unit_test(test_file_integrity),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
