/* SPDX-License-Identifier: EUPL-1.2 */
/* The encryption and logging checks of the default policy (enc.*, log.*, time.*) on fixture
 * roots: each passes on one root and fails on another, with na and unknown where the check
 * defines them; plus the parsers behind them (LUKS2 headers, journal headers, modprobe.d,
 * logrotate, time spans). Binary files (LUKS and journal headers), modes, owners and times
 * are made here at run time; auditctl and adjtimex are replaced by test hooks. */
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
#include <sys/timex.h>
#include <time.h>
#include <unistd.h>

#include "efterlev/policy.h"
#include "efterlev/util.h"
#include "engine.h"
#include "facts.h"
#include "probes/probe_util.h"
#include "probes/test_hooks.h"

#define CONTROLS EF_SOURCE_DIR "/checks/iso27002-2022.yml"
#define DEFAULT_POLICY EF_SOURCE_DIR "/checks/policies"

#include "test_fixture.h"

static struct ef_policy_set defpol;

#define assert_contains(hay, needle)                                                               \
    do {                                                                                           \
        if (strstr((hay), (needle)) == NULL)                                                       \
            fail_msg("expected \"%s\" in \"%s\"", (needle), (hay));                                \
    } while (0)

/* ---- building binary fixtures ---- */

static void write_bin(const char *rel, const void *data, size_t len, mode_t mode)
{
    const char *p = fx_path(rel);
    char dir[PATH_MAX];
    strlcpy(dir, p, sizeof(dir));
    *strrchr(dir, '/') = '\0';
    assert_int_equal(ef_mkdirs(dir, 0755), 0);
    int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, data, len), (ssize_t)len);
    close(fd);
    assert_int_equal(chmod(p, mode), 0);
}

static void put_be(unsigned char *p, uint64_t v, int n)
{
    for (int i = n - 1; i >= 0; i--, v >>= 8)
        p[i] = (unsigned char)(v & 0xff);
}

static void put_le64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++, v >>= 8)
        p[i] = (unsigned char)(v & 0xff);
}

/* A LUKS2 header (binary header + 12 KiB JSON area) holding json. */
static void write_luks2(const char *rel, const char *json)
{
    size_t size = 16384;
    unsigned char *h = calloc(1, size);
    assert_non_null(h);
    memcpy(h, "LUKS\xba\xbe", 6);
    put_be(h + 6, 2, 2);
    put_be(h + 8, size, 8);
    memcpy(h + 0x48, "sha256", 6);
    assert_true(strlen(json) < size - 4096);
    memcpy(h + 4096, json, strlen(json));
    write_bin(rel, h, size, 0600);
    free(h);
}

/* A journal file header with n entries, the first days_ago days before the test's now. */
static void write_journal(const char *rel, uint64_t n, long long days_ago)
{
    unsigned char h[272];
    memset(h, 0, sizeof(h));
    memcpy(h, "LPKSHHRH", 8);
    h[16] = 2; /* archived */
    put_le64(h + 88, sizeof(h));
    put_le64(h + 152, n);
    if (n)
        put_le64(h + 184, (uint64_t)(fx_now() - days_ago * 86400) * 1000000u + 123456u);
    write_bin(rel, h, sizeof(h), 0640);
}

static void prepend(const char *rel, const char *line)
{
    char *old;
    size_t len;
    assert_int_equal(ef_read_file(fx_path(rel), 1 << 20, &old, &len), 0);
    size_t n = strlen(line) + len + 1;
    char *buf = malloc(n);
    assert_non_null(buf);
    snprintf(buf, n, "%s%s", line, old);
    assert_int_equal(fx_write(rel, buf, 0644), 0);
    free(buf);
    free(old);
}

static const char *const luks_good =
    "{\"keyslots\":{\"0\":{\"type\":\"luks2\",\"key_size\":64,\"kdf\":{\"type\":\"argon2id\","
    "\"time\":4,\"memory\":1048576,\"cpus\":4,\"salt\":\"c2FsdHNhbHRzYWx0\"}},"
    "\"1\":{\"type\":\"luks2\",\"key_size\":64,\"kdf\":{\"type\":\"argon2id\",\"time\":4,"
    "\"memory\":1048576,\"cpus\":4,\"salt\":\"c2FsdHNhbHRzYWx0\"}}},"
    "\"tokens\":{\"0\":{\"type\":\"systemd-tpm2\",\"keyslots\":[\"1\"],\"tpm2-pin\":true}},"
    "\"segments\":{},\"digests\":{},\"config\":{\"json_size\":\"12288\"}}";

static const char *const luks_pbkdf2 =
    "{\"keyslots\":{\"0\":{\"type\":\"luks2\",\"kdf\":{\"type\":\"pbkdf2\",\"hash\":\"sha256\","
    "\"iterations\":1000,\"salt\":\"U0VDUkVUU0FMVA==\"}},\"2\":{\"type\":\"luks2\","
    "\"kdf\":{\"type\":\"argon2id\"}}},\"tokens\":{},\"segments\":{},\"digests\":{},"
    "\"config\":{}}";

static void setup_enc(void)
{
    write_luks2("enc-good/dev/sda3", luks_good);
    write_luks2("enc-good/dev/sdb1", luks_good);
    write_luks2("enc-bad/dev/sda4", luks_pbkdf2);
}

static void setup_log(void)
{
    char line[128];
    const char *mid = "0123456789abcdef0123456789abcdef";
    char rel[PATH_MAX];

    /* owners and groups are named by the roots' own passwd and group files */
    if (geteuid() != 0) {
        snprintf(line, sizeof(line), "root:x:%u:%u:test runner:/:/bin/sh\n", (unsigned)geteuid(),
                 (unsigned)getegid());
        prepend("log-good/etc/passwd", line);
    }
    snprintf(line, sizeof(line), "systemd-journal:x:%u:\n", (unsigned)getegid());
    prepend("log-good/etc/group", line);

    static const struct {
        const char *rel;
        mode_t mode;
    } modes[] = {
        {"log-good/var/log/auth.log", 0640},
        {"log-good/var/log/auth.log.1", 0640},
        {"log-good/var/log/syslog", 0640},
        {"log-good/var/log/audit", 0750},
        {"log-good/var/log/audit/audit.log", 0600},
        {"log-good/var/log/dpkg.log", 0644},
        {"log-bad/var/log/auth.log", 0644},
        {"log-bad/var/log/syslog", 0640},
        {"log-bad/var/log/audit", 0755},
        {"log-bad/var/log/audit/audit.log", 0644},
    };
    for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
        assert_int_equal(chmod(fx_path(modes[i].rel), modes[i].mode), 0);
    if (geteuid() == 0) /* as root: give the file to anna (uid 1000 in log-bad/etc/passwd) */
        assert_int_equal(chown(fx_path("log-bad/var/log/auth.log"), 1000, 1000), 0);

    snprintf(rel, sizeof(rel), "log-good/var/log/journal/%s/system@0005f1-0000000000000001.journal",
             mid);
    write_journal(rel, 1200, 200);
    snprintf(rel, sizeof(rel), "log-good/var/log/journal/%s/system.journal", mid);
    write_journal(rel, 80, 1);
    snprintf(rel, sizeof(rel), "log-good/var/log/journal/%s/user-1000.journal", mid);
    write_journal(rel, 0, 0);
    snprintf(rel, sizeof(rel), "log-bad/var/log/journal/%s/system.journal", mid);
    write_journal(rel, 300, 10);
}

static int group_setup(void **state)
{
    char err[512];
    (void)state;
    if (fx_setup() == NULL)
        return -1;
    setup_enc();
    setup_log();
    ef_policy_init(&defpol);
    if (ef_policy_load(&defpol, DEFAULT_POLICY, CONTROLS, err, sizeof(err)) != 0) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    ef_audit_set_command(NULL);
    ef_timesync_set_adjtimex(NULL);
    ef_policy_free(&defpol);
    fx_teardown();
    return 0;
}

/* ---- test hooks ---- */

static int adjtimex_synced(struct timex *tx)
{
    memset(tx, 0, sizeof(*tx));
    tx->status = STA_PLL;
    tx->esterror = 1500;
    return TIME_OK;
}

static int adjtimex_unsynced(struct timex *tx)
{
    memset(tx, 0, sizeof(*tx));
    tx->status = STA_UNSYNC;
    return TIME_ERROR;
}

static const char *const rules_complete =
    "-w /etc/passwd -p wa -k identity\n"
    "-w /etc/shadow -p wa -k identity\n"
    "-w /etc/group -p wa -k identity\n"
    "-w /etc/gshadow -p wa -k identity\n"
    "-w /etc/security/opasswd -p wa -k identity\n"
    "-w /etc/sudoers -p wa -k scope\n"
    "-w /etc/sudoers.d -p wa -k scope\n"
    "-w /var/log/sudo.log -p wa -k sudo_log_file\n"
    "-a always,exit -F arch=b64 -S adjtimex,settimeofday,clock_settime -F key=time-change\n"
    "-a always,exit -F arch=b32 -S adjtimex,settimeofday,clock_settime -F key=time-change\n"
    "-a always,exit -F arch=b64 -S init_module,finit_module,delete_module -F key=kernel_modules\n"
    "-a always,exit -F arch=b64 -C euid!=uid -F auid!=unset -S execve -F key=user_emulation\n"
    "-a always,exit -S all -F path=/usr/bin/sudo -F perm=x -F auid>=1000 -F auid!=-1 "
    "-F key=privileged\n";

static const char *const rules_partial =
    "-w /etc/passwd -p wa -k identity\n"
    "-a always,exit -F arch=b64 -S adjtimex,settimeofday -F key=time-change\n";

static int audit_good(const char *opt, char *out, size_t cap, char *why, size_t whylen)
{
    (void)why, (void)whylen;
    if (strcmp(opt, "-s") == 0)
        snprintf(out, cap,
                 "enabled 2\nfailure 1\npid 401\nrate_limit 0\nbacklog_limit 8192\n"
                 "lost 0\nbacklog 0\n");
    else
        snprintf(out, cap, "%s", rules_complete);
    return 0;
}

static int audit_bad(const char *opt, char *out, size_t cap, char *why, size_t whylen)
{
    (void)why, (void)whylen;
    if (strcmp(opt, "-s") == 0)
        snprintf(out, cap, "enabled 0\nfailure 1\npid 0\nrate_limit 0\nbacklog_limit 64\n");
    else
        snprintf(out, cap, "%s", rules_partial);
    return 0;
}

/* ---- scanning ---- */

static struct ef_report rep;

static void scan(const char *root, ef_level level)
{
    struct ef_scan_opts o = {.root = root, .level = level};
    ef_report_init(&rep);
    assert_int_equal(ef_scan(&defpol, &o, &rep), 0);
    for (size_t i = 0; i < rep.nresults; i++)
        assert_int_not_equal(rep.results[i].status, EF_ERROR);
}

static const char *expect(const char *id, ef_status st, const char *ev)
{
    for (size_t i = 0; i < rep.nresults; i++) {
        const struct ef_result *r = &rep.results[i];
        if (strcmp(r->check, id) != 0)
            continue;
        if (r->status != st)
            fail_msg("%s: expected %s, got %s: %s", id, ef_status_name(st),
                     ef_status_name(r->status), r->evidence);
        if (ev)
            assert_contains(r->evidence, ev);
        assert_true(ef_utf8_valid(r->evidence, strlen(r->evidence)));
        return r->evidence;
    }
    fail_msg("no result for %s", id);
    return NULL;
}

/* ---- disk encryption ---- */

static void test_enc_good(void **state)
{
    (void)state;
    scan(fx_root("enc-good"), EF_LEVEL_HIGH);
    const char *ev = expect("enc.data_mounts_luks", EF_PASS,
                            "storage.data.encrypted = true: 2 local filesystems on LUKS: / on "
                            "253:1 (dm-1 <- dm-0 <- sda3); dm-0 dm/uuid CRYPT-LUKS2-");
    assert_contains(ev, "/home on 253:2");
    /* not judged: boot, ESP, squashfs, tmpfs, the USB stick, the bind mount */
    assert_null(strstr(ev, "/boot"));
    assert_null(strstr(ev, "/snap"));
    assert_null(strstr(ev, "/media"));
    assert_null(strstr(ev, "/mnt/bind"));
    expect("enc.removable_media_policy", EF_PASS,
           "USBGuard has 2 rules (implicit target block); usbguard.service is active");
    ev = expect("enc.luks_params", EF_PASS,
                "dm-0 (luks-sda3) on sda3: /dev/sda3: LUKS2, keyslot KDF 0: argon2id, 1: argon2id; "
                "systemd-tpm2 token (TPM with PIN)");
    assert_contains(ev, "dm-3 (luks-stick) on sdb1");
    assert_contains(ev, "/etc/crypttab line 2: tpm2-device= (TPM unlock)");
    assert_null(strstr(ev, "c2FsdH")); /* never a salt */
    expect("enc.root_luks", EF_PASS, "CRYPT-LUKS2-");
    ef_report_free(&rep);
}

static void test_enc_bad(void **state)
{
    (void)state;
    scan(fx_root("enc-bad"), EF_LEVEL_HIGH);
    expect("enc.data_mounts_luks", EF_FAIL,
           "1 of 3 local filesystems not on LUKS: /srv on 8:17 (sdb1): no LUKS layer");
    expect("enc.removable_media_policy", EF_FAIL,
           "unencrypted removable media mounted: /media/usb on 8:33 (sdc1): no encryption layer "
           "[USB]");
    const char *ev =
        expect("enc.luks_params", EF_FAIL, "dm-0 (luks-root) on sda3: LUKS1 (PBKDF2 only");
    assert_contains(ev, "dm-1 (luks-home) on sda4: /dev/sda4: LUKS2, keyslot KDF 0: pbkdf2, 2: "
                        "argon2id");
    assert_null(strstr(ev, "U0VDUkVU"));
    ef_report_free(&rep);
}

/* / on an LVM logical volume without LUKS (debian12-lvm: dm-0 vg-root, dm/uuid LVM-, on the
 * plain partition sda3; swap on dm-1 vg-swap, LVM too): device-mapper is not encryption. */
static void test_enc_lvm_plain(void **state)
{
    (void)state;
    scan(fx_root("debian12-lvm"), EF_LEVEL_HIGH);
    expect("enc.root_luks", EF_FAIL,
           "storage.root.encrypted = false (expected true): / on 253:0 (dm-0 <- sda3): no LUKS "
           "layer; dm-0 is device-mapper LVM (dm/uuid LVM-...), not dm-crypt");
    expect("enc.swap_encrypted", EF_FAIL,
           "/dev/dm-1 (dm-1 <- sda3): no encryption layer; dm-1 is device-mapper LVM");
    expect("enc.data_mounts_luks", EF_FAIL,
           "1 of 1 local filesystems not on LUKS: / on 253:0 (dm-0 <- sda3): no LUKS layer");
    expect("enc.luks_params", EF_NA, "storage.luks.count = 0 (min 1)");
    ef_report_free(&rep);
}

static void test_enc_na_unknown(void **state)
{
    (void)state;
    /* no LUKS at all: luks_params is not applicable */
    scan(fx_root("debian10-plain"), EF_LEVEL_HIGH);
    expect("enc.luks_params", EF_NA, "not applicable: storage.luks.count = 0 (min 1)");
    expect("enc.data_mounts_luks", EF_FAIL, "/ on 254:0 (vda): no LUKS layer");
    ef_report_free(&rep);
    /* LUKS2 whose header cannot be read; no removable-media enforcement visible */
    scan(fx_root("debian12-luks"), EF_LEVEL_HIGH);
    expect("enc.luks_params", EF_UNKNOWN, "cannot read /dev/sda3");
    expect("enc.removable_media_policy", EF_UNKNOWN,
           "no enforcement detectable, manual review needed: usb-storage can load");
    expect("enc.data_mounts_luks", EF_PASS, "1 local filesystem on LUKS: / on 253:2");
    ef_report_free(&rep);
    /* a ZFS dataset is not inspected */
    fx_write("zfs/proc/self/mountinfo", "27 1 0:40 / / rw - zfs rpool/ROOT/debian rw,xattr\n",
             0644);
    fx_write("zfs/etc/os-release", "ID=debian\nVERSION_ID=\"12\"\n", 0644);
    scan(fx_root("zfs"), EF_LEVEL_HIGH);
    expect("enc.data_mounts_luks", EF_UNKNOWN, "/ is ZFS dataset rpool/ROOT/debian");
    ef_report_free(&rep);
}

static void test_enc_kmod(void **state)
{
    (void)state;
    /* usb-storage blocked by modprobe.d and not loaded: removable media policy passes */
    fx_write("kmod1/proc/self/mountinfo", "27 1 0:40 / / rw - overlay overlay rw\n", 0644);
    fx_write("kmod1/etc/os-release", "ID=debian\n", 0644);
    fx_write("kmod1/etc/modprobe.d/cis.conf",
             "# CIS 1.1.1.9\ninstall usb-storage /bin/false\nblacklist usb-storage\n", 0644);
    fx_write("kmod1/sys/module/ext4/parameters/x", "", 0644);
    scan(fx_root("kmod1"), EF_LEVEL_ELEVATED);
    expect("enc.removable_media_policy", EF_PASS,
           "usb-storage cannot load: /etc/modprobe.d/cis.conf line 2: install usb-storage "
           "/bin/false; /sys/module/usb_storage does not exist");
    ef_report_free(&rep);

    struct ef_facts *f = ef_facts_new(fx_root("kmod1"), fx_now());
    const struct ef_fact *v = ef_facts_get(f, "kmod.usb_storage.blacklisted");
    assert_true(v->known && v->b);
    assert_contains(v->evidence, "cis.conf line 3: blacklist usb-storage");
    ef_facts_free(f);

    /* the first install line wins (kmod order: file names sorted across directories; a name
     * in /etc masks the same name in /lib); continuation lines are joined */
    fx_write("kmod2/etc/modprobe.d/10-allow.conf",
             "install usb_storage /sbin/modprobe \\\n  --ignore-install usb_storage\n", 0644);
    fx_write("kmod2/lib/modprobe.d/05-block.conf", "install usb-storage /bin/true\n", 0644);
    fx_write("kmod2/etc/modprobe.d/05-block.conf", "# emptied by the admin\n", 0644);
    fx_write("kmod2/etc/modprobe.d/50-block.conf", "install usb-storage /bin/false\n", 0644);
    f = ef_facts_new(fx_root("kmod2"), fx_now());
    v = ef_facts_get(f, "kmod.usb_storage.blocked");
    assert_true(v->known && !v->b);
    assert_contains(v->evidence, "/etc/modprobe.d/10-allow.conf line 1: install usb_storage "
                                 "/sbin/modprobe");
    v = ef_facts_get(f, "kmod.usb_storage.loaded");
    assert_false(v->known);
    assert_contains(v->evidence, "no /sys/module under this root");
    ef_facts_free(f);

    /* the kernel's module_blacklist= blocks it whatever modprobe.d says */
    fx_write("kmod2/proc/cmdline", "root=/dev/vda ro module_blacklist=uas,usb_storage quiet\n",
             0644);
    f = ef_facts_new(fx_root("kmod2"), fx_now());
    v = ef_facts_get(f, "kmod.usb_storage.blocked");
    assert_true(v->known && v->b);
    assert_contains(v->evidence, "module_blacklist=");
    ef_facts_free(f);
}

/* ---- logging and time ---- */

static void test_log_good(void **state)
{
    (void)state;
    ef_audit_set_command(audit_good);
    ef_timesync_set_adjtimex(adjtimex_synced);
    scan(fx_root("log-good"), EF_LEVEL_HIGH);
    ef_audit_set_command(NULL);
    ef_timesync_set_adjtimex(NULL);
    const char *ev = expect("log.file_permissions", EF_PASS, "log.files.world_writable_count = 0");
    assert_contains(ev, "log.files.sensitive_bad_owner_count = 0");
    assert_contains(ev, "log.files.audit_dir_mode = 0750: /var/log/audit mode 0750");
    assert_contains(ev, "log.files.audit_file_modes = 0600: 1 files under /var/log/audit, modes "
                        "together 0600");
    assert_contains(ev, "log.files.journal_bad_group_count = 0");
    ev = expect("log.retention", EF_PASS, "log.retention.days = 210: journal: oldest entry ");
    assert_contains(ev, ", 200 days ago; logrotate: /var/log/syslog rotate 30 weekly = 210 days "
                        "(/etc/logrotate.d/rsyslog line 5)");
    expect("log.remote_forwarding", EF_PASS,
           "forwards to logs.kommun.example (/etc/rsyslog.d/90-remote.conf line 2); "
           "rsyslog.service is active");
    ev = expect("log.auditd_active", EF_PASS, "auditd.service is enabled");
    assert_contains(ev, "auditd.service is active");
    assert_contains(ev, "audit.enabled = 2");
    assert_contains(ev, "kernel command line: audit=1");
    assert_contains(ev, "audit_backlog_limit=8192");
    expect("log.audit_rules", EF_PASS, "`auditctl -l`: 13 rules loaded, covering identity");
    ev = expect("time.sync_active", EF_PASS,
                "adjtimex: the kernel clock is synchronised (estimated error 1500 us)");
    /* systemd-timesyncd is masked there */
    assert_contains(ev, "time.daemons_active = 1: running: chrony; installed but not running: "
                        "systemd-timesyncd");
    expect("log.journald_persistent", EF_PASS, "Storage=persistent");
    ef_report_free(&rep);
}

static void test_log_bad(void **state)
{
    (void)state;
    ef_audit_set_command(audit_bad);
    ef_timesync_set_adjtimex(adjtimex_unsynced);
    scan(fx_root("log-bad"), EF_LEVEL_HIGH);
    ef_audit_set_command(NULL);
    ef_timesync_set_adjtimex(NULL);
    const char *ev = expect("log.file_permissions", EF_FAIL,
                            "log.files.sensitive_world_readable_count = 2 (max 0): "
                            "world-readable: ");
    /* as root auth.log belongs to anna; otherwise every file belongs to the runner, whom
     * log-bad's passwd does not name */
    assert_contains(ev, geteuid() == 0 ? "log.files.sensitive_bad_owner_count = 1 (max 0): not "
                                         "owned by root or syslog: /var/log/auth.log"
                                       : "not owned by root or syslog: /var/log/");
    /* The probe reports the modes; the policy's mode_max judges them. */
    assert_contains(ev, "log.files.audit_dir_mode = 0755 (bits beyond 0750): /var/log/audit mode "
                        "0755");
    assert_contains(ev, "log.files.audit_file_modes = 0644 (bits beyond 0640): 1 files under "
                        "/var/log/audit, modes together 0644; first with each bit: "
                        "/var/log/audit/audit.log 0644");
    assert_contains(ev, "log.files.journal_bad_group_count = 1 (max 0): journal files not in "
                        "group systemd-journal: /var/log/journal/");
    ev = expect("log.retention", EF_FAIL,
                "log.retention.days = 28 (min 180): journal: oldest "
                "entry ");
    assert_contains(ev, "10 days ago, kept at most 7 days (MaxRetentionSec)");
    assert_contains(ev, "logrotate: /var/log/syslog rotate 4 weekly = 28 days "
                        "(/etc/logrotate.d/rsyslog line 1)");
    expect("log.remote_forwarding", EF_FAIL,
           "configured but not running: forwards to logs.kommun.example:514 (/etc/rsyslog.conf "
           "line 3); rsyslog.service is not running");
    ev = expect("log.auditd_active", EF_FAIL, "auditd.service is installed but not enabled");
    assert_contains(ev, "audit.enabled = 0 (min 1)");
    assert_contains(ev, "audit.boot_enabled = false (expected true): kernel command line: audit=0");
    assert_contains(ev, "audit.backlog_limit = 0 (min 8192)");
    ev = expect("log.audit_rules", EF_FAIL,
                "`auditctl -l`: 2 rules loaded; missing: identity (/etc/shadow, /etc/group, "
                "/etc/gshadow, /etc/security/opasswd); sudoers (/etc/sudoers, /etc/sudoers.d); "
                "time (clock_settime); modules (init_module, finit_module, delete_module); sudo "
                "log");
    assert_contains(ev, "privileged commands");
    assert_contains(ev, "audit.enabled = 0 (expected 2)");
    ev = expect("time.sync_active", EF_FAIL,
                "time.kernel_synced = false (expected true): adjtimex: the kernel clock is not "
                "synchronised (STA_UNSYNC set)");
    assert_contains(ev, "time.daemons_active = 2 (expected 1): running: chrony, "
                        "systemd-timesyncd");
    ef_report_free(&rep);

    /* the minimum depends on the level: 28 days fail basic (30) too */
    scan(fx_root("log-bad"), EF_LEVEL_BASIC);
    expect("log.retention", EF_FAIL, "log.retention.days = 28 (min 30)");
    ef_report_free(&rep);
}

static void test_log_levels(void **state)
{
    (void)state;
    /* a journal reaching back 100 days: enough for elevated (90), not for high (180) */
    write_journal("ret100/var/log/journal/m/system.journal", 10, 100);
    fx_write("ret100/etc/os-release", "ID=debian\n", 0644);
    scan(fx_root("ret100"), EF_LEVEL_ELEVATED);
    expect("log.retention", EF_PASS, "log.retention.days = 100: journal: oldest entry");
    ef_report_free(&rep);
    scan(fx_root("ret100"), EF_LEVEL_HIGH);
    expect("log.retention", EF_FAIL, "log.retention.days = 100 (min 180)");
    ef_report_free(&rep);

    /* logrotate: monthly, maxage, size-only, taboo extensions */
    fx_write("rot/var/log/messages", "x\n", 0640);
    fx_write("rot/var/log/secure", "x\n", 0640);
    fx_write("rot/etc/logrotate.conf", "monthly\nrotate 6\ninclude /etc/logrotate.d\n", 0644);
    fx_write("rot/etc/logrotate.d/syslog",
             "\"/var/log/messages\" /var/log/secure {\n    maxage 120\n    missingok\n}\n", 0644);
    fx_write("rot/etc/logrotate.d/syslog.dpkg-dist", "/var/log/secure {\n rotate 1\n}\n", 0644);
    struct ef_facts *f = ef_facts_new(fx_root("rot"), fx_now());
    const struct ef_fact *v = ef_facts_get(f, "log.logrotate.min_days");
    assert_true(v->known);
    assert_int_equal(v->i, 120);
    assert_contains(v->evidence, "rotate 6 monthly (maxage) = 120 days");
    v = ef_facts_get(f, "log.retention.days");
    assert_true(v->known);
    assert_int_equal(v->i, 120);
    ef_facts_free(f);
    fx_write("rot/etc/logrotate.d/syslog", "/var/log/messages /var/log/secure {\n size 100M\n}\n",
             0644);
    f = ef_facts_new(fx_root("rot"), fx_now());
    v = ef_facts_get(f, "log.logrotate.min_days");
    assert_false(v->known);
    assert_contains(v->evidence, "rotated by size only");
    ef_facts_free(f);
}

static void test_log_unknown(void **state)
{
    (void)state;
    /* nothing to judge retention by */
    scan(fx_root("empty"), EF_LEVEL_HIGH);
    expect("log.retention", EF_UNKNOWN, "no local log history found");
    ef_report_free(&rep);
    /* audit state needs the live system; daemons' state needs systemd */
    fx_write("nosysd/etc/os-release", "ID=debian\n", 0644);
    fx_write("nosysd/lib/systemd/system/chrony.service", "[Service]\n", 0644);
    fx_write("nosysd/etc/rsyslog.d/remote.conf", "*.* @10.1.2.3\n", 0644);
    scan(fx_root("nosysd"), EF_LEVEL_HIGH);
    expect("log.audit_rules", EF_UNKNOWN,
           "audit.rules.complete unknown: the kernel's audit state is known only on the live "
           "system (--root /)");
    expect("time.sync_active", EF_UNKNOWN,
           "systemd is not running here: whether chrony.service is active is unknown");
    expect("log.remote_forwarding", EF_UNKNOWN,
           "forwards to 10.1.2.3 (/etc/rsyslog.d/remote.conf line 1); systemd is not running");
    ef_report_free(&rep);
}

static void test_log_forwarding_role(void **state)
{
    (void)state;
    /* required from basic on servers, from elevated on laptops and desktops */
    fx_write("laptop/sys/class/dmi/id/chassis_type", "10\n", 0644);
    fx_write("laptop/etc/os-release", "ID=debian\n", 0644);
    scan(fx_root("laptop"), EF_LEVEL_BASIC);
    expect("log.remote_forwarding", EF_NA, "not applicable: host.role = laptop");
    ef_report_free(&rep);
    scan(fx_root("laptop"), EF_LEVEL_ELEVATED);
    expect("log.remote_forwarding", EF_FAIL, "no forwarding found");
    ef_report_free(&rep);
    scan(fx_root("log-bad"), EF_LEVEL_BASIC); /* no SMBIOS: a server */
    expect("log.remote_forwarding", EF_FAIL, "configured but not running");
    ef_report_free(&rep);
}

static void test_syslog_ng_and_upload(void **state)
{
    (void)state;
    fx_write("ng/etc/syslog-ng/syslog-ng.conf",
             "source s_net { syslog(ip(0.0.0.0) transport(\"tcp\")); };\n"
             "# destination d_old { network(\"old.example\"); };\n"
             "destination d_central {\n  network(\"logs.kommun.example\" port(6514)\n"
             "          transport(\"tls\"));\n};\n",
             0644);
    fx_write("ng/sys/fs/cgroup/system.slice/syslog-ng.service/cgroup.procs", "77\n", 0644);
    struct ef_facts *f = ef_facts_new(fx_root("ng"), fx_now());
    const struct ef_fact *v = ef_facts_get(f, "log.remote.forwarding");
    assert_true(v->known && v->b);
    assert_contains(v->evidence, "forwards to logs.kommun.example (/etc/syslog-ng/syslog-ng.conf "
                                 "line 4); syslog-ng.service is active");
    v = ef_facts_get(f, "log.remote.target");
    assert_string_equal(v->s, "logs.kommun.example");
    ef_facts_free(f);

    fx_write("up/etc/systemd/journal-upload.conf", "[Upload]\n# URL=\n", 0644);
    fx_write("up/etc/systemd/journal-upload.conf.d/central.conf",
             "[Upload]\nURL=https://logs.kommun.example:19532\n", 0644);
    fx_write("up/sys/fs/cgroup/system.slice/systemd-journal-upload.service/cgroup.procs", "9\n",
             0644);
    f = ef_facts_new(fx_root("up"), fx_now());
    v = ef_facts_get(f, "log.remote.forwarding");
    assert_true(v->known && v->b);
    assert_contains(v->evidence, "forwards to https://logs.kommun.example:19532 "
                                 "(/etc/systemd/journal-upload.conf.d/central.conf line 2)");
    ef_facts_free(f);
}

static void test_timespan(void **state)
{
    (void)state;
    assert_int_equal(ef_pu_timespan_sec("1y"), 31557600);
    assert_int_equal(ef_pu_timespan_sec("2w 3d"), 2 * 604800 + 3 * 86400);
    assert_int_equal(ef_pu_timespan_sec("6month"), 6 * 2629800);
    assert_int_equal(ef_pu_timespan_sec("1h30min"), 5400);
    assert_int_equal(ef_pu_timespan_sec("3600"), 3600);
    assert_int_equal(ef_pu_timespan_sec("90 days"), 90 * 86400);
    assert_int_equal(ef_pu_timespan_sec("0"), 0);
    assert_int_equal(ef_pu_timespan_sec("1fortnight"), -1);
    assert_int_equal(ef_pu_timespan_sec(""), -1);
    assert_int_equal(ef_pu_timespan_sec("infinity"), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_enc_good),
        cmocka_unit_test(test_enc_bad),
        cmocka_unit_test(test_enc_lvm_plain),
        cmocka_unit_test(test_enc_na_unknown),
        cmocka_unit_test(test_enc_kmod),
        cmocka_unit_test(test_log_good),
        cmocka_unit_test(test_log_bad),
        cmocka_unit_test(test_log_levels),
        cmocka_unit_test(test_log_unknown),
        cmocka_unit_test(test_log_forwarding_role),
        cmocka_unit_test(test_syslog_ng_and_upload),
        cmocka_unit_test(test_timespan),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
