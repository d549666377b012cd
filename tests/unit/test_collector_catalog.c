/* SPDX-License-Identifier: EUPL-1.2 */
/* The collector's check catalog (check_catalog.h), what of a report counts (assigned.h) and
 * the collector.yml key `policies`. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "assigned.h"
#include "check_catalog.h"
#include "config.h"
#include "controls.h"
#include "efterlev/util.h"
#include "host_levels.h"
#include "store/store.h"

#define DEFAULT_POLICIES EF_SOURCE_DIR "/checks/policies"

/* Every aspect at one level: a host of no system. */
static const ef_level *all_at(ef_level l)
{
    static ef_level v[EF_ASPECTS];

    ef_levels_fill(v, l);
    return v;
}

static char dir[64];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof(dir), "/tmp/ef-coll-cat.XXXXXX");
    assert_non_null(mkdtemp(dir));
    return 0;
}

static int teardown(void **state)
{
    char cmd[128];

    (void)state;
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
    return 0;
}

static void put(const char *name, const char *text)
{
    char path[256], err[128];

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    assert_int_equal(ef_write_file_atomic(path, text, strlen(text), 0644, err, sizeof(err)), 0);
}

static const char one_check[] = "policy:\n"
                                "  id: site\n"
                                "  version: \"1\"\n"
                                "checks:\n"
                                "  - id: site.backup\n"
                                "    title: Backups\n"
                                "    description: d\n"
                                "    rationale: r\n"
                                "    remediation: m\n"
                                "    controls: [\"8.13\"]\n"
                                "    severity: high\n"
                                "    level: elevated\n"
                                "    all:\n"
                                "      - file: /etc/passwd\n"
                                "        exists: true\n";

/* The ISO/IEC 27002 catalog: every control has a short Swedish title of its own, which a
 * Swedish page shows; English otherwise. */
static void test_control_titles(void **state)
{
    struct ef_catalog cat;
    const struct ef_catalog_control *cc;
    char err[512];

    (void)state;
    if (ef_catalog_load(EF_SOURCE_DIR "/checks/iso27002-2022.yml", &cat, err, sizeof(err)) != 0)
        fail_msg("%s", err);
    assert_int_equal(cat.n, 93);
    for (size_t i = 0; i < cat.n; i++) {
        if (cat.v[i].title_sv[0] == '\0')
            fail_msg("control %s: title_sv missing", cat.v[i].number);
        if (strcmp(cat.v[i].title_sv, cat.v[i].title) == 0)
            fail_msg("control %s: title_sv is the English title", cat.v[i].number);
    }
    cc = ef_catalog_find(&cat, "8.24");
    assert_non_null(cc);
    assert_string_equal(ef_catalog_control_title(cc, "sv"), "Kryptering");
    assert_string_equal(ef_catalog_control_title(cc, "en"), "Use of cryptography");
    ef_catalog_free(&cat);
}

static void test_load_default(void **state)
{
    struct ef_check_catalog c;
    const struct ef_catalog_check *k;
    char err[512];
    size_t i;

    (void)state;
    assert_int_equal(ef_check_catalog_load(&c, DEFAULT_POLICIES, err, sizeof(err)), 0);
    assert_int_equal(c.n, 47);
    assert_string_equal(c.policy_id, "efterlev-default");
    assert_int_equal(strlen(c.policy_sha256), 64);
    for (i = 1; i < c.n; i++)
        assert_true(strcmp(c.v[i - 1].id, c.v[i].id) < 0);
    k = ef_check_catalog_find(&c, "acct.uid0_only_root");
    assert_non_null(k);
    assert_int_equal(k->level, EF_LEVEL_BASIC);
    assert_int_equal(k->severity, EF_SEV_CRITICAL);
    assert_int_equal(k->ncontrols, 2);
    assert_string_equal(k->controls[0], "8.2");
    assert_string_equal(k->controls[1], "5.15");
    k = ef_check_catalog_find(&c, "enc.luks_params");
    assert_non_null(k);
    assert_int_equal(k->level, EF_LEVEL_HIGH);
    /* First and last of the sorted table are found too (bsearch bounds). */
    assert_ptr_equal(ef_check_catalog_find(&c, c.v[0].id), &c.v[0]);
    assert_ptr_equal(ef_check_catalog_find(&c, c.v[c.n - 1].id), &c.v[c.n - 1]);
    assert_null(ef_check_catalog_find(&c, "fake.check_1"));
    assert_null(ef_check_catalog_find(&c, ""));
    assert_null(ef_check_catalog_find(NULL, "acct.uid0_only_root"));
    ef_check_catalog_free(&c);
    assert_int_equal(c.n, 0);
    assert_null(c.v);
}

static void test_load_errors(void **state)
{
    struct ef_check_catalog c;
    char err[512], path[256];

    (void)state;
    snprintf(path, sizeof(path), "%s/nowhere", dir);
    assert_int_equal(ef_check_catalog_load(&c, path, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "nowhere"));
    /* An empty folder holds no check: nothing could ever count. */
    assert_int_equal(ef_check_catalog_load(&c, dir, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "no *.yml"));
    /* A bad file stops the load, naming file and line. */
    put("10-good.yml", one_check);
    put("20-bad.yml", "policy:\n  id: bad\n  version: \"1\"\nchecks:\n  - id: Not-An-Id\n");
    assert_int_equal(ef_check_catalog_load(&c, dir, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "20-bad.yml:5"));
    /* A control number the ISO/IEC 27002 catalog does not hold is refused. */
    snprintf(path, sizeof(path), "%s/20-bad.yml", dir);
    unlink(path);
    put("30-control.yml", "policy:\n  id: ctl\n  version: \"1\"\nchecks:\n"
                          "  - id: ctl.x\n    title: t\n    description: d\n    rationale: r\n"
                          "    remediation: m\n    controls: [\"9.99\"]\n    severity: low\n"
                          "    level: basic\n    all:\n      - file: /x\n        exists: true\n");
    assert_int_equal(ef_check_catalog_load(&c, dir, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "30-control.yml"));
    snprintf(path, sizeof(path), "%s/30-control.yml", dir);
    unlink(path);
    /* A single file is a catalog too. */
    snprintf(path, sizeof(path), "%s/10-good.yml", dir);
    assert_int_equal(ef_check_catalog_load(&c, path, err, sizeof(err)), 0);
    assert_int_equal(c.n, 1);
    assert_string_equal(c.v[0].id, "site.backup");
    ef_check_catalog_free(&c);
}

static struct ef_result *add(struct ef_report *r, const char *check, ef_status st, ef_level level,
                             const char *control, ef_severity sev)
{
    struct ef_result *x = ef_report_add(r);

    assert_non_null(x);
    snprintf(x->check, sizeof(x->check), "%s", check);
    x->status = st;
    x->level = level;
    snprintf(x->evidence, sizeof(x->evidence), "ev %s", check);
    snprintf(x->controls[0], sizeof(x->controls[0]), "%s", control);
    x->ncontrols = 1;
    x->severity = sev;
    return x;
}

static void test_apply(void **state)
{
    struct ef_check_catalog c;
    struct ef_assigned_tally t;
    struct ef_report r;
    char err[512];

    (void)state;
    assert_int_equal(ef_check_catalog_load(&c, DEFAULT_POLICIES, err, sizeof(err)), 0);
    ef_report_init(&r);
    /* Department at elevated. */
    add(&r, "fake.one", EF_PASS, EF_LEVEL_ELEVATED, "5.1", EF_SEV_CRITICAL);
    add(&r, "acct.uid0_only_root", EF_PASS, EF_LEVEL_ELEVATED, "5.1", EF_SEV_INFO);
    add(&r, "enc.luks_params", EF_PASS, EF_LEVEL_ELEVATED, "8.24", EF_SEV_LOW); /* from high */
    add(&r, "enc.swap_encrypted", EF_FAIL, EF_LEVEL_BASIC, "8.24", EF_SEV_MEDIUM);
    add(&r, EF_UNASSIGNED_CHECK, EF_PASS, EF_LEVEL_ELEVATED, "5.2", EF_SEV_INFO);
    add(&r, "acct.password_aging", EF_FAIL, EF_LEVEL_ELEVATED, "5.17", EF_SEV_LOW);
    ef_assigned_apply(&c, all_at(EF_LEVEL_ELEVATED), NULL, &r, &t);

    assert_int_equal(t.not_in_catalog, 2);
    assert_int_equal(t.above_level, 1);
    assert_int_equal(t.other_level, 1);
    assert_string_equal(t.first_set_aside, "fake.one");
    /* The default Linux catalog requires 31 checks at basic and 12 more at elevated: 43, of
     * which the report held 3 (acct.uid0_only_root, enc.swap_encrypted, acct.password_aging). */
    assert_int_equal(t.missing, 40);
    assert_false(t.policy_assigned);
    assert_int_equal(r.nresults, 3 + 40 + 1);
    /* Kept in order, with the catalog's controls and severity. */
    assert_string_equal(r.results[0].check, "acct.uid0_only_root");
    assert_int_equal(r.results[0].status, EF_PASS);
    assert_int_equal(r.results[0].ncontrols, 2);
    assert_string_equal(r.results[0].controls[0], "8.2");
    assert_string_equal(r.results[0].controls[1], "5.15");
    assert_int_equal(r.results[0].severity, EF_SEV_CRITICAL);
    /* Judged at basic: unknown, saying so; the level it was judged at stays on record. */
    assert_string_equal(r.results[1].check, "enc.swap_encrypted");
    assert_int_equal(r.results[1].status, EF_UNKNOWN);
    assert_int_equal(r.results[1].level, EF_LEVEL_BASIC);
    assert_string_equal(r.results[1].evidence, "judged at basic, the host requires elevated "
                                               "(reported fail: ev enc.swap_encrypted)");
    assert_string_equal(r.results[2].check, "acct.password_aging");
    assert_int_equal(r.results[2].status, EF_FAIL);
    /* Then the missing ones, with the catalog's controls and severity, at the level. */
    for (size_t i = 3; i < 43; i++) {
        const struct ef_catalog_check *k = ef_check_catalog_find(&c, r.results[i].check);

        assert_int_equal((int)r.results[i].status, EF_MISSING);
        assert_int_equal(r.results[i].level, EF_LEVEL_ELEVATED);
        assert_non_null(k);
        assert_true(k->level <= EF_LEVEL_ELEVATED);
        assert_int_equal(r.results[i].severity, k->severity);
        assert_string_equal(r.results[i].controls[0], k->controls[0]);
    }
    {
        const struct ef_result *m = NULL;

        for (size_t i = 3; i < 43; i++)
            if (strcmp(r.results[i].check, "enc.root_luks") == 0)
                m = &r.results[i];
        assert_non_null(m);
        assert_non_null(strstr(m->evidence, "required at elevated by the collector's policy "
                                            "efterlev-default"));
    }
    /* The note the collector adds; the agent's own result of that id was set aside. */
    assert_string_equal(r.results[43].check, EF_UNASSIGNED_CHECK);
    assert_int_equal(r.results[43].status, EF_ERROR);
    assert_int_equal(r.results[43].ncontrols, 0);
    assert_int_equal(r.results[43].level, EF_LEVEL_ELEVATED);
    assert_string_equal(
        r.results[43].evidence,
        "3 results not counted, this host was not assigned their checks: 2 not "
        "in the collector's catalog, 1 required only above this host's level (elevated) (first: "
        "fake.one); the signed report keeps them");
    ef_report_free(&r);

    /* Nothing set aside: no note; evidence at the edge of its limit stays valid UTF-8. */
    ef_report_init(&r);
    {
        struct ef_result *x = add(&r, "sys.aslr", EF_PASS, EF_LEVEL_HIGH, "8.9", EF_SEV_LOW);

        memset(x->evidence, 0, sizeof(x->evidence));
        for (size_t i = 0; i + 2 <= EF_EVIDENCE_MAX; i += 2)
            memcpy(x->evidence + i, "\xc3\xa5", 2); /* å */
    }
    ef_assigned_apply(&c, all_at(EF_LEVEL_ELEVATED), NULL, &r, &t);
    assert_int_equal(t.missing, 42);
    assert_int_equal(r.nresults, 1 + 42);
    assert_int_equal(r.results[0].status, EF_UNKNOWN);
    assert_true(strlen(r.results[0].evidence) <= EF_EVIDENCE_MAX);
    assert_true(ef_utf8_valid(r.results[0].evidence, strlen(r.results[0].evidence)));
    ef_report_free(&r);

    /* A full report that loses one result still gets its note. */
    ef_report_init(&r);
    for (size_t i = 0; i < EF_RESULTS_MAX; i++) {
        char id[32];

        snprintf(id, sizeof(id), "fake.c%zu", i);
        add(&r, id, EF_PASS, EF_LEVEL_BASIC, "8.9", EF_SEV_LOW);
    }
    ef_assigned_apply(&c, all_at(EF_LEVEL_BASIC), NULL, &r, &t);
    assert_int_equal(t.not_in_catalog, EF_RESULTS_MAX);
    assert_int_equal(t.missing, 31);
    assert_int_equal(r.nresults, 31 + 1);
    assert_string_equal(r.results[31].check, EF_UNASSIGNED_CHECK);
    ef_report_free(&r);

    /* The assigned policy run whole: every basic check, the catalog's sha256. Then the same
     * results under another policy's sha256: not the assigned policy. */
    for (int other = 0; other < 2; other++) {
        ef_report_init(&r);
        for (size_t i = 0; i < c.n; i++)
            if (c.v[i].level <= EF_LEVEL_BASIC)
                add(&r, c.v[i].id, EF_PASS, EF_LEVEL_BASIC, "8.9", EF_SEV_LOW);
        snprintf(r.policy_sha256, sizeof(r.policy_sha256), "%s", c.policy_sha256);
        if (other)
            r.policy_sha256[0] = r.policy_sha256[0] == '0' ? '1' : '0';
        ef_assigned_apply(&c, all_at(EF_LEVEL_BASIC), NULL, &r, &t);
        assert_int_equal(t.missing, 0);
        assert_int_equal(r.nresults, 31);
        assert_int_equal(t.policy_assigned, !other);
        /* Where a served document is the assigned policy, the report must name that one:
         * the catalog's hash no longer is, the served one is. */
        ef_assigned_apply(&c, all_at(EF_LEVEL_BASIC), "0123abcd", &r, &t);
        assert_false(t.policy_assigned);
        snprintf(r.policy_sha256, sizeof(r.policy_sha256), "0123abcd");
        ef_assigned_apply(&c, all_at(EF_LEVEL_BASIC), "0123abcd", &r, &t);
        assert_true(t.policy_assigned);
        ef_report_free(&r);
    }
    ef_check_catalog_free(&c);
}

/* Windows hosts count against their own catalog: the same id with its own controls, an id
 * only Linux has set aside; no Windows catalog: everything set aside, the note says why. */
/* Titles for people: the chosen language, else the other, else the id; per platform. */
static void test_check_titles(void **state)
{
    struct ef_check_catalogs cs;
    const struct ef_catalog_check *k;
    char path[256], err[512];
    int absent = -1;

    (void)state;
    assert_int_equal(ef_check_catalogs_load(&cs, DEFAULT_POLICIES,
                                            EF_SOURCE_DIR "/checks/policies-windows", &absent, err,
                                            sizeof(err)),
                     0);
    assert_int_equal(absent, 0);
    k = ef_check_catalog_find(&cs.linux_checks, "enc.root_luks");
    assert_non_null(k);
    assert_string_equal(k->title, "Root filesystem is on a LUKS-encrypted device");
    assert_string_equal(k->summary,
                        "The disk holding the operating system is encrypted with LUKS.");
    assert_string_equal(k->summary_sv, "Disken där operativsystemet ligger är krypterad med LUKS.");
    assert_string_equal(ef_check_title(&cs, "linux", "enc.root_luks", "sv"),
                        "Systemdisken är krypterad");
    assert_string_equal(ef_check_title(&cs, "linux", "enc.root_luks", "en"),
                        "Root filesystem is on a LUKS-encrypted device");
    /* The same id on both platforms: each catalog's own title; no platform: Linux first. */
    assert_string_equal(ef_check_title(&cs, "windows", "acct.no_empty_passwords", "en"),
                        "Blank passwords cannot be used over the network");
    assert_string_equal(ef_check_title(&cs, "linux", "acct.no_empty_passwords", "en"),
                        "No account has an empty password");
    assert_string_equal(ef_check_title(&cs, NULL, "acct.no_empty_passwords", "sv"),
                        "Inget konto har tomt lösenord");
    /* A Windows-only check: found without a platform, not in the Linux catalog. */
    assert_string_equal(ef_check_title(&cs, "", "enc.os_volume_bitlocker", "sv"),
                        "Systemdisken är krypterad");
    assert_string_equal(ef_check_title(&cs, "linux", "enc.os_volume_bitlocker", "sv"),
                        "enc.os_volume_bitlocker");
    /* Unknown check, no catalogs: the id. */
    assert_string_equal(ef_check_title(&cs, NULL, "kommun.nothing", "sv"), "kommun.nothing");
    assert_string_equal(ef_check_title(NULL, NULL, "enc.root_luks", "sv"), "enc.root_luks");
    /* Summaries: in lang, per platform; NULL for an unknown check. */
    assert_string_equal(ef_check_summary(&cs, "linux", "enc.root_luks", "sv"),
                        "Disken där operativsystemet ligger är krypterad med LUKS.");
    assert_string_equal(ef_check_summary(&cs, NULL, "enc.root_luks", "en"),
                        "The disk holding the operating system is encrypted with LUKS.");
    assert_string_equal(ef_check_summary(&cs, "windows", "acct.no_empty_passwords", "sv"),
                        "Ett lokalt konto med tomt lösenord kan bara logga in vid själva datorn, "
                        "inte över nätverket.");
    assert_null(ef_check_summary(&cs, NULL, "kommun.nothing", "sv"));
    assert_null(ef_check_summary(NULL, NULL, "enc.root_luks", "sv"));
    ef_check_catalogs_free(&cs);

    /* A site check without title_sv: Swedish falls back to the English title. */
    put("site.yml", one_check);
    snprintf(path, sizeof(path), "%s/site.yml", dir);
    assert_int_equal(ef_check_catalogs_load(&cs, path, NULL, &absent, err, sizeof(err)), 0);
    assert_null(ef_check_catalog_find(&cs.linux_checks, "site.backup")->title_sv);
    assert_string_equal(ef_check_title(&cs, "linux", "site.backup", "sv"), "Backups");
    assert_string_equal(ef_check_title(&cs, NULL, "site.backup", "en"), "Backups");
    assert_null(ef_check_summary(&cs, NULL, "site.backup", "sv")); /* none in either language */
    ef_check_catalogs_free(&cs);
}

static void test_windows_catalog(void **state)
{
    static const char win_check[] = "policy:\n"
                                    "  id: site-windows\n"
                                    "  version: \"1\"\n"
                                    "checks:\n"
                                    "  - id: net.host_firewall\n"
                                    "    title: Firewall\n"
                                    "    description: d\n"
                                    "    rationale: r\n"
                                    "    remediation: m\n"
                                    "    controls: [\"8.22\", \"8.20\"]\n"
                                    "    severity: low\n"
                                    "    level: basic\n"
                                    "    all:\n"
                                    "      - file: /nonexistent\n"
                                    "        exists: true\n";
    struct ef_check_catalogs cs;
    struct ef_assigned_tally t;
    struct ef_report r;
    char path[256], err[512];
    int absent = -1;

    (void)state;
    put("win.yml", win_check);
    snprintf(path, sizeof(path), "%s/win.yml", dir);
    assert_int_equal(ef_check_catalogs_load(&cs, DEFAULT_POLICIES, path, &absent, err, sizeof(err)),
                     0);
    assert_int_equal(absent, 0);
    assert_ptr_equal(ef_check_catalog_for(&cs, EF_PLATFORM_LINUX), &cs.linux_checks);
    assert_ptr_equal(ef_check_catalog_for(&cs, EF_PLATFORM_WINDOWS), &cs.windows_checks);
    /* Linux: the default catalog maps net.host_firewall to 8.20 first. */
    assert_string_equal(ef_check_catalog_find(&cs.linux_checks, "net.host_firewall")->controls[0],
                        "8.20");

    ef_report_init(&r);
    snprintf(r.host.platform, sizeof(r.host.platform), "%s", EF_PLATFORM_WINDOWS);
    add(&r, "net.host_firewall", EF_FAIL, EF_LEVEL_BASIC, "5.1", EF_SEV_CRITICAL);
    add(&r, "acct.uid0_only_root", EF_PASS, EF_LEVEL_BASIC, "8.2", EF_SEV_HIGH); /* Linux only */
    ef_assigned_apply(ef_check_catalog_for(&cs, r.host.platform), all_at(EF_LEVEL_BASIC), NULL, &r,
                      &t);
    assert_int_equal(t.not_in_catalog, 1);
    assert_int_equal(t.no_catalog, 0);
    assert_int_equal(r.nresults, 2);
    assert_string_equal(r.results[0].check, "net.host_firewall");
    assert_int_equal(r.results[0].ncontrols, 2);
    assert_string_equal(r.results[0].controls[0], "8.22");
    assert_int_equal(r.results[0].severity, EF_SEV_LOW);
    assert_string_equal(r.results[1].evidence,
                        "1 results not counted, this host was not assigned their checks: 1 not "
                        "in the collector's Windows catalog, 0 required only above this host's "
                        "level (basic) (first: "
                        "acct.uid0_only_root); the signed report keeps them");
    ef_report_free(&r);
    ef_check_catalogs_free(&cs);

    /* No Windows catalog (the folder does not exist). */
    snprintf(path, sizeof(path), "%s/no-such-folder", dir);
    assert_int_equal(ef_check_catalogs_load(&cs, DEFAULT_POLICIES, path, &absent, err, sizeof(err)),
                     0);
    assert_int_equal(absent, 1);
    assert_null(ef_check_catalog_for(&cs, EF_PLATFORM_WINDOWS));
    ef_report_init(&r);
    snprintf(r.host.platform, sizeof(r.host.platform), "%s", EF_PLATFORM_WINDOWS);
    add(&r, "net.host_firewall", EF_PASS, EF_LEVEL_BASIC, "8.20", EF_SEV_HIGH);
    add(&r, "win.defender", EF_PASS, EF_LEVEL_BASIC, "8.7", EF_SEV_HIGH);
    ef_assigned_apply(ef_check_catalog_for(&cs, r.host.platform), all_at(EF_LEVEL_BASIC), NULL, &r,
                      &t);
    assert_int_equal(t.no_catalog, 1);
    assert_int_equal(r.nresults, 1);
    assert_string_equal(r.results[0].check, EF_UNASSIGNED_CHECK);
    assert_string_equal(r.results[0].evidence,
                        "2 results not counted: the collector has no check catalog for windows "
                        "hosts (collector.yml policies_windows) (first: net.host_firewall); the "
                        "signed report keeps them");
    ef_report_free(&r);
    ef_check_catalogs_free(&cs);

    /* A Windows catalog that exists but does not load is an error. */
    put("bad.yml", "policy: [\n");
    snprintf(path, sizeof(path), "%s/bad.yml", dir);
    assert_int_equal(ef_check_catalogs_load(&cs, DEFAULT_POLICIES, path, &absent, err, sizeof(err)),
                     -1);
}

static void test_config_key(void **state)
{
    struct ef_coll_config cfg, back;
    char path[256], err[512], want[320], *text;
    const char *yml;
    size_t len;

    (void)state;
    snprintf(path, sizeof(path), "%s/collector.yml", dir);
    /* Absent: the default (the installed folder, else this tree's). */
    yml = "database: \"sqlite:x.db\"\ntls: {cert: c.pem, key: k.pem}\n";
    assert_int_equal(ef_write_file_atomic(path, yml, strlen(yml), 0644, err, sizeof(err)), 0);
    assert_int_equal(ef_coll_config_load(path, &cfg, err, sizeof(err)), 0);
    assert_string_equal(cfg.policies, ef_check_catalog_default_path());
    /* Relative to the file's folder. */
    yml = "database: \"sqlite:x.db\"\ntls: {cert: c.pem, key: k.pem, ca: ca.pem}\npolicies: site\n";
    assert_int_equal(ef_write_file_atomic(path, yml, strlen(yml), 0644, err, sizeof(err)), 0);
    assert_int_equal(ef_coll_config_load(path, &cfg, err, sizeof(err)), 0);
    assert_non_null(realpath(dir, want));
    strcat(want, "/site");
    assert_string_equal(cfg.policies, want);
    /* Rendered by init, read back the same. */
    text = ef_coll_config_render(&cfg, &len);
    assert_non_null(text);
    assert_non_null(strstr(text, "policies: "));
    assert_int_equal(ef_write_file_atomic(path, text, len, 0644, err, sizeof(err)), 0);
    free(text);
    assert_int_equal(ef_coll_config_load(path, &back, err, sizeof(err)), 0);
    assert_string_equal(back.policies, want);
    /* Not a string: an error naming the line. */
    yml = "database: \"sqlite:x.db\"\ntls: {cert: c.pem, key: k.pem}\npolicies: [a, b]\n";
    assert_int_equal(ef_write_file_atomic(path, yml, strlen(yml), 0644, err, sizeof(err)), 0);
    assert_int_equal(ef_coll_config_load(path, &cfg, err, sizeof(err)), -1);
    assert_non_null(strstr(err, ":3: policies"));
    /* policies_windows: the default, else relative to the file's folder; rendered back. */
    yml = "database: \"sqlite:x.db\"\ntls: {cert: c.pem, key: k.pem}\n";
    assert_int_equal(ef_write_file_atomic(path, yml, strlen(yml), 0644, err, sizeof(err)), 0);
    assert_int_equal(ef_coll_config_load(path, &cfg, err, sizeof(err)), 0);
    assert_string_equal(cfg.policies_windows, ef_check_catalog_windows_default_path());
    yml = "database: \"sqlite:x.db\"\ntls: {cert: c.pem, key: k.pem, ca: ca.pem}\n"
          "policies_windows: win\n";
    assert_int_equal(ef_write_file_atomic(path, yml, strlen(yml), 0644, err, sizeof(err)), 0);
    assert_int_equal(ef_coll_config_load(path, &cfg, err, sizeof(err)), 0);
    assert_non_null(realpath(dir, want));
    strcat(want, "/win");
    assert_string_equal(cfg.policies_windows, want);
    text = ef_coll_config_render(&cfg, &len);
    assert_non_null(text);
    assert_int_equal(ef_write_file_atomic(path, text, len, 0644, err, sizeof(err)), 0);
    free(text);
    assert_int_equal(ef_coll_config_load(path, &back, err, sizeof(err)), 0);
    assert_string_equal(back.policies_windows, want);
}

/* A department's site policies join the catalog its hosts are counted against: their
 * checks required like the catalog's, a repeated catalog id the catalog's own. */
static void test_with_sites(void **state)
{
    static const char site[] = "policy:\n  id: kommun\n  version: \"1\"\nchecks:\n"
                               "  - id: kommun.marker\n    title: t\n    description: d\n"
                               "    rationale: r\n    remediation: m\n"
                               "    controls: [\"5.10\"]\n    severity: high\n"
                               "    level: basic\n    all:\n      - file: /x\n"
                               "        exists: true\n"
                               "  - id: enc.luks_params\n    title: t\n    description: d\n"
                               "    rationale: r\n    remediation: m\n"
                               "    controls: [\"5.1\"]\n    severity: low\n"
                               "    level: basic\n    all:\n      - file: /x\n"
                               "        exists: true\n";
    struct ef_check_catalog base, c;
    struct ef_site_policy sp = {0};
    struct ef_assigned_tally t;
    struct ef_report r;
    char err[512];

    (void)state;
    assert_int_equal(ef_check_catalog_load(&base, DEFAULT_POLICIES, err, sizeof(err)), 0);
    snprintf(sp.name, sizeof(sp.name), "kommun-site");
    sp.yaml = (char *)site;
    if (ef_check_catalog_with_sites(&c, &base, &sp, 1, err, sizeof(err)) != 0)
        fail_msg("%s", err);
    assert_int_equal(c.n, base.n + 1);
    assert_string_equal(c.policy_sha256, base.policy_sha256);
    const struct ef_catalog_check *k = ef_check_catalog_find(&c, "kommun.marker");
    assert_non_null(k);
    assert_int_equal(k->severity, EF_SEV_HIGH);
    assert_string_equal(k->controls[0], "5.10");
    k = ef_check_catalog_find(&c, "enc.luks_params"); /* the catalog's, from high */
    assert_int_equal(k->level, EF_LEVEL_HIGH);
    assert_null(k->title);
    /* required at basic: missing from a report of one other check */
    ef_report_init(&r);
    add(&r, "acct.uid0_only_root", EF_PASS, EF_LEVEL_BASIC, "5.1", EF_SEV_INFO);
    ef_assigned_apply(&c, all_at(EF_LEVEL_BASIC), NULL, &r, &t);
    assert_int_equal(t.missing, 31);
    int seen = 0;
    for (size_t i = 0; i < r.nresults; i++)
        seen |= strcmp(r.results[i].check, "kommun.marker") == 0 &&
                (int)r.results[i].status == EF_MISSING;
    assert_true(seen);
    ef_report_free(&r);
    ef_check_catalog_free(&c);
    /* a site policy the loader refuses: an error naming it */
    sp.yaml = (char *)"policy: {id: x}\nchecks: [1]\n";
    assert_int_equal(ef_check_catalog_with_sites(&c, &base, &sp, 1, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "kommun-site"));
    ef_check_catalog_free(&base);
}

/* The highest class decides, per aspect (docs/figures.md, "Levels per aspect", the worked
 * example): department basic; Journal K4 R3 T2, Schema K1 R2 T3; classes 1-2 basic,
 * 3 elevated, 4 high. K: Journal's 4, high. R: Journal's 3, elevated. T: Schema's 3,
 * elevated. S: each system's highest class (Journal 4, Schema 3): high, from Journal. */
static void test_host_levels(void **state)
{
    static const ef_level classes[EF_CLASSES + 1] = {0, EF_LEVEL_BASIC, EF_LEVEL_BASIC,
                                                     EF_LEVEL_ELEVATED, EF_LEVEL_HIGH};
    struct ef_system_host v[2] = {{.system = "Journal", .k = 4, .r = 3, .t = 2},
                                  {.system = "Schema", .k = 1, .r = 2, .t = 3}};
    struct ef_host_levels h;
    char text[EF_LEVELS_JSON_MAX + 1];

    (void)state;
    ef_host_levels_compute(EF_LEVEL_BASIC, classes, v, 2, &h);
    assert_int_equal(h.lv[0], EF_LEVEL_HIGH);
    assert_int_equal(h.lv[1], EF_LEVEL_ELEVATED);
    assert_int_equal(h.lv[2], EF_LEVEL_ELEVATED);
    assert_int_equal(h.lv[3], EF_LEVEL_HIGH);
    assert_string_equal(h.system[2], "Schema");
    assert_int_equal(h.klass[2], 3);
    assert_string_equal(h.system[3], "Journal");
    assert_int_equal(ef_host_levels_text(&h, text), 0);
    assert_string_equal(text, "{\"K\":{\"class\":4,\"from\":\"system\",\"level\":\"high\","
                              "\"system\":\"Journal\"},\"R\":{\"class\":3,\"from\":\"system\","
                              "\"level\":\"elevated\",\"system\":\"Journal\"},\"S\":{\"class\":4,"
                              "\"from\":\"system\",\"level\":\"high\",\"system\":\"Journal\"},"
                              "\"T\":{\"class\":3,\"from\":\"system\",\"level\":\"elevated\","
                              "\"system\":\"Schema\"}}");
    /* A department at elevated keeps what a system of class 3 (elevated too) would give: the
     * system only raises. Without systems, every aspect is the department's. */
    ef_host_levels_compute(EF_LEVEL_ELEVATED, classes, v, 2, &h);
    assert_int_equal(h.lv[1], EF_LEVEL_ELEVATED);
    assert_string_equal(h.system[1], "");
    assert_int_equal(h.lv[0], EF_LEVEL_HIGH);
    ef_host_levels_compute(EF_LEVEL_ELEVATED, classes, NULL, 0, &h);
    for (int k = 0; k < EF_ASPECTS; k++)
        assert_int_equal(h.lv[k], EF_LEVEL_ELEVATED);
    assert_int_equal(ef_host_levels_text(&h, text), 0);
    assert_string_equal(text, "{\"K\":{\"from\":\"department\",\"level\":\"elevated\"},"
                              "\"R\":{\"from\":\"department\",\"level\":\"elevated\"},"
                              "\"S\":{\"from\":\"department\",\"level\":\"elevated\"},"
                              "\"T\":{\"from\":\"department\",\"level\":\"elevated\"}}");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_control_titles),
        cmocka_unit_test(test_host_levels),
        cmocka_unit_test(test_load_default),
        cmocka_unit_test_setup_teardown(test_load_errors, setup, teardown),
        cmocka_unit_test(test_apply),
        cmocka_unit_test(test_with_sites),
        cmocka_unit_test_setup_teardown(test_check_titles, setup, teardown),
        cmocka_unit_test_setup_teardown(test_windows_catalog, setup, teardown),
        cmocka_unit_test_setup_teardown(test_config_key, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
