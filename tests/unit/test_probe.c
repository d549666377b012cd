/* SPDX-License-Identifier: EUPL-1.2 */
/* Probes against fixture roots: fact values and evidence. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "efterlev/util.h"
#include "facts.h"

#include "test_fixture.h"

static int group_setup(void **state)
{
    (void)state;
    return fx_setup() ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    fx_teardown();
    return 0;
}

static const struct ef_fact *get(struct ef_facts *f, const char *name)
{
    const struct ef_fact *v = ef_facts_get(f, name);
    assert_non_null(v);
    return v;
}

#define assert_contains(hay, needle)                                                               \
    do {                                                                                           \
        if (strstr((hay), (needle)) == NULL)                                                       \
            fail_msg("expected \"%s\" in \"%s\"", (needle), (hay));                                \
    } while (0)

static void expect_bool(struct ef_facts *f, const char *name, int value, const char *ev)
{
    const struct ef_fact *v = get(f, name);
    if (!v->known)
        fail_msg("%s unknown: %s", name, v->evidence);
    assert_int_equal(v->type, EF_FACT_BOOL);
    assert_int_equal(v->b, value);
    assert_contains(v->evidence, ev);
}

static void expect_int(struct ef_facts *f, const char *name, long long value, const char *ev)
{
    const struct ef_fact *v = get(f, name);
    if (!v->known)
        fail_msg("%s unknown: %s", name, v->evidence);
    assert_int_equal(v->type, EF_FACT_INT);
    assert_int_equal(v->i, value);
    assert_contains(v->evidence, ev);
}

static void expect_str(struct ef_facts *f, const char *name, const char *value, const char *ev)
{
    const struct ef_fact *v = get(f, name);
    if (!v->known)
        fail_msg("%s unknown: %s", name, v->evidence);
    assert_string_equal(v->s, value);
    assert_contains(v->evidence, ev);
}

static void expect_unknown(struct ef_facts *f, const char *name, const char *ev)
{
    const struct ef_fact *v = get(f, name);
    assert_int_equal(v->known, 0);
    assert_contains(v->evidence, ev);
}

static struct ef_facts *facts(const char *root)
{
    struct ef_facts *f = ef_facts_new(root, fx_now());
    assert_non_null(f);
    return f;
}

static void test_unknown_fact_name(void **state)
{
    (void)state;
    struct ef_facts *f = facts(fx_root("debian12-luks"));
    assert_null(ef_facts_get(f, "no.such.fact"));
    assert_int_equal(ef_fact_type_of("os.days_to_eol"), EF_FACT_INT);
    assert_int_equal(ef_fact_type_of("no.such.fact"), -1);
    ef_facts_free(f);
}

static void test_now_override(void **state)
{
    (void)state;
    time_t t;
    assert_int_equal(ef_engine_now(&t), 0);
    assert_int_equal((long long)t, (long long)fx_now());
    setenv("EFTERLEV_NOW", "yesterday", 1);
    assert_int_equal(ef_engine_now(&t), -1);
    setenv("EFTERLEV_NOW", "2026-11-23T00:00:00Z", 1);
}

static void test_storage_luks(void **state)
{
    (void)state;
    struct ef_facts *f = facts(fx_root("debian12-luks"));
    expect_bool(f, "storage.root.encrypted", 1, "/ on 253:2 (dm-2 <- dm-1 <- sda3)");
    expect_bool(f, "storage.root.encrypted", 1, "dm-1 dm/uuid CRYPT-LUKS2-");
    expect_bool(f, "storage.swap.encrypted", 1,
                "/dev/dm-3 (dm-3 <- sda2); dm-3 dm/uuid "
                "CRYPT-PLAIN-swap");
    expect_bool(f, "storage.swap.encrypted", 1, "/dev/zram0 is compressed RAM");
    ef_facts_free(f);
}

static void test_storage_plain(void **state)
{
    (void)state;
    struct ef_facts *f = facts(fx_root("debian10-plain"));
    expect_bool(f, "storage.root.encrypted", 0, "/ on 254:0 (vda): no LUKS layer");
    expect_bool(f, "storage.swap.encrypted", 0,
                "swap file /swapfile: / on 254:0 (vda): no "
                "encryption layer");
    ef_facts_free(f);
}

static void test_storage_unknown(void **state)
{
    (void)state;
    fx_write("empty/.keep", "", 0644);
    struct ef_facts *f = facts(fx_root("empty"));
    expect_unknown(f, "storage.root.encrypted", "cannot read /proc/self/mountinfo");
    expect_unknown(f, "storage.swap.encrypted", "cannot read /proc/self/mountinfo");
    ef_facts_free(f);

    /* root on an overlay (a container): not a block device */
    fx_write("overlay/proc/self/mountinfo", "100 1 0:52 / / rw - overlay overlay rw,lowerdir=/x\n",
             0644);
    fx_write("overlay/proc/swaps", "Filename Type Size Used Priority\n", 0644);
    f = facts(fx_root("overlay"));
    expect_unknown(f, "storage.root.encrypted", "/ is overlay from overlay");
    expect_bool(f, "storage.swap.encrypted", 1, "no swap in use");
    ef_facts_free(f);
}

static void test_storage_mapper_source(void **state)
{
    (void)state;
    /* btrfs-like: anonymous device number, /dev/mapper source resolved via dm/name */
    fx_write("btrfs/proc/self/mountinfo", "27 1 0:31 /@ / rw - btrfs /dev/mapper/luks-root rw\n",
             0644);
    fx_write("btrfs/proc/swaps", "Filename Type Size Used Priority\n", 0644);
    fx_write("btrfs/sys/class/block/dm-1/dm/name", "luks-root\n", 0644);
    fx_write("btrfs/sys/class/block/dm-1/dm/uuid", "CRYPT-LUKS1-00ff-luks-root\n", 0644);
    struct ef_facts *f = facts(fx_root("btrfs"));
    expect_bool(f, "storage.root.encrypted", 1,
                "/ on /dev/mapper/luks-root (dm-1); dm-1 dm/uuid "
                "CRYPT-LUKS1-");
    ef_facts_free(f);
}

static void test_os_distro_info(void **state)
{
    (void)state;
    struct ef_facts *f = facts(fx_root("debian12-luks"));
    expect_str(f, "os.id", "debian", "ID=debian in /etc/os-release");
    expect_str(f, "os.version_id", "12", "VERSION_ID=12");
    expect_str(f, "os.pretty_name", "Debian GNU/Linux 12 (bookworm)", "PRETTY_NAME");
    expect_bool(f, "os.supported", 1,
                "security support until 2028-06-30 (eol-lts in "
                "/usr/share/distro-info/debian.csv), 585 days left");
    expect_int(f, "os.days_to_eol", 585, "2028-06-30");
    ef_facts_free(f);

    f = facts(fx_root("debian10-plain"));
    expect_bool(f, "os.supported", 0, "security support ended 2024-06-30");
    expect_int(f, "os.days_to_eol", -876, "eol-lts");
    ef_facts_free(f);
}

static void test_os_builtin_and_support_end(void **state)
{
    (void)state;
    /* no distro-info: the built-in table */
    fx_write("bare12/usr/lib/os-release", "ID=debian\nVERSION_ID=\"12\"\n", 0644);
    struct ef_facts *f = facts(fx_root("bare12"));
    expect_str(f, "os.id", "debian", "/usr/lib/os-release");
    expect_bool(f, "os.supported", 1, "built-in table");
    expect_int(f, "os.days_to_eol", 585, "2028-06-30");
    ef_facts_free(f);

    fx_write("fedora/etc/os-release",
             "ID=fedora\nVERSION_ID=40\nSUPPORT_END=2025-05-13\nPRETTY_NAME='Fedora 40'\n", 0644);
    f = facts(fx_root("fedora"));
    expect_bool(f, "os.supported", 0, "ended 2025-05-13 (SUPPORT_END in /etc/os-release)");
    expect_int(f, "os.days_to_eol", -559, "SUPPORT_END");
    expect_str(f, "os.pretty_name", "Fedora 40", "PRETTY_NAME");
    ef_facts_free(f);

    /* Past releases fail without distro-info (issue 13): Debian 9 ended 2022-06-30 (LTS),
     * RHEL 7.9 on 2024-06-30, Ubuntu 20.04 on 2025-05-29; the scan's day is 2026-11-23:
     * 1607, 876 and 543 days before it. */
    fx_write("bare9/usr/lib/os-release", "ID=debian\nVERSION_ID=\"9\"\n", 0644);
    f = facts(fx_root("bare9"));
    expect_bool(f, "os.supported", 0, "ended 2022-06-30 (the agent's built-in table (LTS))");
    expect_int(f, "os.days_to_eol", -1607, "2022-06-30");
    ef_facts_free(f);
    fx_write("rhel7/etc/os-release", "ID=\"rhel\"\nVERSION_ID=\"7.9\"\n", 0644);
    f = facts(fx_root("rhel7"));
    expect_bool(f, "os.supported", 0, "rhel 7.9: security support ended 2024-06-30");
    expect_int(f, "os.days_to_eol", -876, "2024-06-30");
    ef_facts_free(f);
    fx_write("focal/etc/os-release", "ID=ubuntu\nVERSION_ID=\"20.04\"\n", 0644);
    f = facts(fx_root("focal"));
    expect_bool(f, "os.supported", 0, "ended 2025-05-29");
    expect_int(f, "os.days_to_eol", -543, "2025-05-29");
    ef_facts_free(f);

    fx_write("unknownos/etc/os-release", "ID=plan9\nVERSION_ID=4\n", 0644);
    f = facts(fx_root("unknownos"));
    expect_unknown(f, "os.supported", "no end-of-support data");
    ef_facts_free(f);

    f = facts(fx_root("empty"));
    expect_unknown(f, "os.id", "cannot read /etc/os-release");
    ef_facts_free(f);
}

static void test_updates(void **state)
{
    (void)state;
    struct ef_facts *f = facts(fx_root("debian12-luks"));
    /* the *_Packages file is newer but does not count */
    expect_int(f, "updates.days_since_refresh", 1,
               "/var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_InRelease");
    ef_facts_free(f);

    f = facts(fx_root("debian10-plain"));
    expect_int(f, "updates.days_since_refresh", 30, "buster_Release");
    ef_facts_free(f);

    f = facts(fx_root("empty"));
    expect_unknown(f, "updates.days_since_refresh", "no package metadata found");
    ef_facts_free(f);
}

static void test_journald(void **state)
{
    (void)state;
    /* usr/lib 10-volatile, then 50-persistent from /etc (masking /run's Storage=none) */
    struct ef_facts *f = facts(fx_root("debian12-luks"));
    expect_str(f, "log.journald.storage", "persistent",
               "Storage=persistent set in /etc/systemd/journald.conf.d/50-persistent.conf line 3");
    expect_bool(f, "log.journald.persistent", 1, "50-persistent.conf");
    ef_facts_free(f);

    f = facts(fx_root("debian10-plain"));
    expect_str(f, "log.journald.storage", "volatile",
               "Storage=volatile set in /etc/systemd/journald.conf line 3");
    expect_bool(f, "log.journald.persistent", 0, "volatile");
    ef_facts_free(f);

    /* default auto: persistent only with /var/log/journal */
    f = facts(fx_root("empty"));
    expect_str(f, "log.journald.storage", "auto", "the default");
    expect_bool(f, "log.journald.persistent", 0, "/var/log/journal does not exist");
    ef_facts_free(f);
    fx_write("autojournal/var/log/journal/.keep", "", 0644);
    fx_write("autojournal/etc/systemd/journald.conf",
             "[Journal]\nStorage=persistent\n[Other]\nStorage=none\n", 0644);
    fx_write("autojournal/run/systemd/journald.conf.d/90-auto.conf",
             "[Journal]\n  Storage = auto \nStorage=bogus\n", 0644);
    f = facts(fx_root("autojournal"));
    expect_str(f, "log.journald.storage", "auto",
               "/run/systemd/journald.conf.d/90-auto.conf line 2");
    expect_bool(f, "log.journald.persistent", 1, "/var/log/journal exists");
    ef_facts_free(f);
}

static void test_logfiles(void **state)
{
    (void)state;
    struct ef_facts *f = facts(fx_root("debian12-luks"));
    expect_int(f, "log.files.world_writable_count", 0, "nothing under /var/log");
    expect_int(f, "log.files.sensitive_world_readable_count", 0, "no sensitive log");
    ef_facts_free(f);

    f = facts(fx_root("debian10-plain"));
    expect_int(f, "log.files.world_writable_count", 1, "/var/log/tmp-debug.log");
    expect_int(f, "log.files.sensitive_world_readable_count", 1, "/var/log/auth.log");
    ef_facts_free(f);

    f = facts(fx_root("empty"));
    expect_unknown(f, "log.files.world_writable_count", "cannot read /var/log");
    ef_facts_free(f);
}

static void test_text_helpers(void **state)
{
    (void)state;
    char buf[8] = "";
    /* "a" + "é" (2 bytes) x4 does not fit in 7 bytes: cut before a split sequence */
    ef_text_append(buf, sizeof(buf), "a\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", 9);
    assert_string_equal(buf, "a\xc3\xa9\xc3\xa9\xc3\xa9");
    char c[16] = "";
    ef_text_append(c, sizeof(c), "x\x01y\xffz", 5);
    assert_string_equal(c, "x?y?z");
    char p[6];
    ef_text_printf(p, sizeof(p), "%s", "ab\xc3\xa9\xc3\xa9");
    assert_string_equal(p, "ab\xc3\xa9");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unknown_fact_name), cmocka_unit_test(test_now_override),
        cmocka_unit_test(test_storage_luks),      cmocka_unit_test(test_storage_plain),
        cmocka_unit_test(test_storage_unknown),   cmocka_unit_test(test_storage_mapper_source),
        cmocka_unit_test(test_os_distro_info),    cmocka_unit_test(test_os_builtin_and_support_end),
        cmocka_unit_test(test_updates),           cmocka_unit_test(test_journald),
        cmocka_unit_test(test_logfiles),          cmocka_unit_test(test_text_helpers),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
