/* SPDX-License-Identifier: EUPL-1.2 */
/* Policy loader: the default policy, and one test per kind of loader error, each asserting
 * the message names file:line and the problem. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test_os.h"
#include "efterlev/levels.h"
#include "efterlev/policy.h"
#include "efterlev/util.h"
#include "policy_internal.h"

#define CONTROLS EF_SOURCE_DIR "/checks/iso27002-2022.yml"
#define DEFAULT_POLICY EF_SOURCE_DIR "/checks/policies"

static char tmpdir[256];

static int cmp_name(const void *a, const void *b)
{
    return strcmp(a, b);
}

static int group_setup(void **state)
{
    (void)state;
    return t_tmpdir(tmpdir, sizeof(tmpdir), "policy");
}

static int group_teardown(void **state)
{
    (void)state;
    return t_rmtree(tmpdir);
}

/* Write text to tmpdir/name; returns the path (static). */
static const char *write_policy(const char *name, const char *text)
{
    static char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(fputs(text, f) >= 0, 1);
    assert_int_equal(fclose(f), 0);
    return path;
}

#define assert_contains(hay, needle)                                                               \
    do {                                                                                           \
        if (strstr((hay), (needle)) == NULL)                                                       \
            fail_msg("expected \"%s\" in \"%s\"", (needle), (hay));                                \
    } while (0)

/* The policy text must fail to load with "bad.yml:LINE: ..." containing what. */
static void expect_error(const char *text, int line, const char *what)
{
    struct ef_policy_set ps;
    char err[512] = "", where[PATH_MAX + 32];
    const char *path = write_policy("bad.yml", text);

    snprintf(where, sizeof(where), "%s:%d: ", path, line);
    ef_policy_init(&ps);
    assert_int_equal(ef_policy_load(&ps, path, CONTROLS, err, sizeof(err)), -1);
    if (strncmp(err, where, strlen(where)) != 0)
        fail_msg("expected \"%s\" at the start of \"%s\"", where, err);
    assert_contains(err, what);
    assert_int_equal(ps.nchecks, 0); /* nothing of a failed file is kept */
    ef_policy_free(&ps);
}

/* A valid check, lines 3..13 of the file. */
#define HEAD                                                                                       \
    "policy: {id: test, version: \"1\"}\n" /* 1 */                                                 \
    "checks:\n"                            /* 2 */
#define CHECK_A                                                                                    \
    "  - id: t.a\n"               /* 3 */                                                          \
    "    title: A\n"              /* 4 */                                                          \
    "    description: D\n"        /* 5 */                                                          \
    "    rationale: R\n"          /* 6 */                                                          \
    "    remediation: M\n"        /* 7 */                                                          \
    "    controls: [\"8.5\"]\n"   /* 8 */                                                          \
    "    severity: high\n"        /* 9 */                                                          \
    "    level: basic\n"          /* 10 */                                                         \
    "    all:\n"                  /* 11 */                                                         \
    "      - file: /etc/passwd\n" /* 12 */                                                         \
    "        exists: true\n"      /* 13 */
#define CHECK_B_HEAD                                                                               \
    "  - id: t.b\n"        /* 14 */                                                                \
    "    title: B\n"       /* 15 */                                                                \
    "    description: D\n" /* 16 */                                                                \
    "    rationale: R\n"   /* 17 */                                                                \
    "    remediation: M\n" /* 18 */

static void test_default_policy(void **state)
{
    (void)state;
    /* The catalog of ../shared/CHECKS.md: ids are a contract. */
    static const char *ids[] = {
        "enc.root_luks",
        "enc.data_mounts_luks",
        "enc.swap_encrypted",
        "enc.removable_media_policy",
        "enc.luks_params",
        "patch.security_updates_pending",
        "patch.auto_updates_enabled",
        "patch.last_update_age",
        "patch.reboot_pending",
        "patch.os_supported",
        "patch.metadata_fresh",
        "patch.repo_signatures",
        "log.journald_persistent",
        "log.retention",
        "log.remote_forwarding",
        "log.auditd_active",
        "log.audit_rules",
        "log.file_permissions",
        "time.sync_active",
        "acct.uid0_only_root",
        "acct.no_empty_passwords",
        "acct.shadowed_passwords",
        "acct.shadow_file_perms",
        "acct.password_aging",
        "acct.password_quality",
        "acct.login_lockout",
        "acct.inactive_lock",
        "acct.dormant_accounts",
        "acct.system_accounts_nologin",
        "acct.sudo_requires_auth",
        "acct.ssh_root_login",
        "acct.ssh_password_auth",
        "net.host_firewall",
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
        "avail.backup_agent",
    };
    struct ef_policy_set ps;
    char err[512] = "";

    ef_policy_init(&ps);
    if (ef_policy_load(&ps, DEFAULT_POLICY, CONTROLS, err, sizeof(err)) != 0)
        fail_msg("%s", err);
    /* Every catalog id is in the default policy, and nothing else is. */
    assert_int_equal(ps.nchecks, sizeof(ids) / sizeof(ids[0]));
    for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
        if (ef_policy_find(&ps, ids[i]) == NULL)
            fail_msg("catalog check %s is missing from the default policy", ids[i]);
    for (size_t i = 0; i < ps.nchecks; i++) {
        assert_non_null(ps.checks[i].title);
        assert_non_null(ps.checks[i].remediation);
        assert_true(ps.checks[i].ncontrols >= 1);
        assert_non_null(ps.checks[i].condition);
    }
    assert_string_equal(ps.id, "efterlev-default");
    assert_string_equal(ps.version, "0.1.0");
    assert_int_equal(strlen(ps.sha256), 64);

    /* sha256 is over the files' bytes, in name order */
    char names[64][64];
    size_t nnames = 0;
    struct ef_dir *d = ef_dir_open(DEFAULT_POLICY);
    const char *name;
    assert_non_null(d);
    while ((name = ef_dir_next(d)) != NULL && nnames < 64) {
        size_t nl = strlen(name);
        if (nl > 4 && nl < sizeof(names[0]) && strcmp(name + nl - 4, ".yml") == 0)
            strlcpy(names[nnames++], name, sizeof(names[0]));
    }
    ef_dir_close(d);
    qsort(names, nnames, sizeof(names[0]), cmp_name);
    assert_true(nnames >= 2);
    char *all = NULL, hex[65];
    size_t total = 0;
    for (size_t i = 0; i < nnames; i++) {
        char *buf, path[PATH_MAX + 80];
        size_t len;
        snprintf(path, sizeof(path), "%s/%s", DEFAULT_POLICY, names[i]);
        assert_int_equal(ef_read_file(path, 1 << 22, &buf, &len), 0);
        all = realloc(all, total + len);
        memcpy(all + total, buf, len);
        total += len;
        free(buf);
    }
    ef_sha256_hex(all, total, hex);
    assert_string_equal(ps.sha256, hex);
    free(all);

    const struct ef_check *c = ef_policy_find(&ps, "enc.swap_encrypted");
    assert_non_null(c);
    assert_int_equal(c->level, EF_LEVEL_ELEVATED);
    assert_int_equal(c->severity, EF_SEV_MEDIUM);
    assert_string_equal(c->controls[0], "8.24");
    assert_string_equal(c->controls[1], "8.1");
    c = ef_policy_find(&ps, "patch.metadata_fresh");
    assert_non_null(c->platforms);
    assert_string_equal(c->platforms[0], "debian");
    assert_null(ef_policy_find(&ps, "no.such"));
    ef_policy_free(&ps);

    /* the directory form loads the same */
    ef_policy_init(&ps);
    if (ef_policy_load(&ps, EF_SOURCE_DIR "/checks/policies", CONTROLS, err, sizeof(err)) != 0)
        fail_msg("%s", err);
    assert_true(ps.nchecks >= 10);
    ef_policy_free(&ps);
}

/* Every check of both default catalogs has a Swedish title and a one-sentence summary in
 * English and Swedish: shown in place of the id (dashboard, CSV, board report). */
static void assert_one_sentence(const char *id, const char *what, const char *s)
{
    size_t n = s != NULL ? strlen(s) : 0;

    if (n == 0) {
        fail_msg("%s: %s missing", id, what);
        return;
    }
    if (n > 200)
        fail_msg("%s: %s longer than 200 bytes: %s", id, what, s);
    if (s[n - 1] != '.')
        fail_msg("%s: %s does not end in a full stop: %s", id, what, s);
    for (const char *p = s; p < s + n - 1; p++)
        if ((*p == '.' || *p == '!' || *p == '?' || *p == ';') && p[1] == ' ')
            fail_msg("%s: %s is more than one sentence: %s", id, what, s);
}

static void test_default_titles(void **state)
{
    (void)state;
    static const struct {
        const char *dir;
        size_t n;
    } cats[] = {{DEFAULT_POLICY, 47}, {EF_SOURCE_DIR "/checks/policies-windows", 55}};

    for (size_t c = 0; c < EF_ARRAY_LEN(cats); c++) {
        struct ef_policy_set ps;
        char err[512] = "";

        ef_policy_init(&ps);
        if (ef_policy_load(&ps, cats[c].dir, CONTROLS, err, sizeof(err)) != 0)
            fail_msg("%s", err);
        assert_int_equal(ps.nchecks, cats[c].n);
        for (size_t i = 0; i < ps.nchecks; i++) {
            const struct ef_check *k = &ps.checks[i];

            if (k->title_sv == NULL || k->title_sv[0] == '\0')
                fail_msg("%s: title_sv missing", k->id);
            if (strcmp(k->title_sv, k->title) == 0)
                fail_msg("%s: title_sv is the English title", k->id);
            assert_one_sentence(k->id, "summary", k->summary);
            assert_one_sentence(k->id, "summary_sv", k->summary_sv);
            if (strcmp(k->summary, k->summary_sv) == 0)
                fail_msg("%s: summary_sv is the English summary", k->id);
            if (k->aspects == 0) /* issue 15: every default check names its aspects */
                fail_msg("%s: no aspects", k->id);
        }
        ef_policy_free(&ps);
    }
}

/* aspects: K, R, T, S, each once; optional; examples from the default catalogs. */
static void test_aspects(void **state)
{
    (void)state;
    struct ef_policy_set ps;
    char err[512] = "";

    ef_policy_init(&ps);
    if (ef_policy_load(&ps, DEFAULT_POLICY, CONTROLS, err, sizeof(err)) != 0)
        fail_msg("%s", err);
    for (size_t i = 0; i < ps.nchecks; i++) {
        const struct ef_check *k = &ps.checks[i];

        if (strcmp(k->id, "enc.root_luks") == 0)
            assert_int_equal(k->aspects, EF_ASPECT_K);
        if (strcmp(k->id, "log.remote_forwarding") == 0)
            assert_int_equal(k->aspects, EF_ASPECT_R | EF_ASPECT_S);
        if (strcmp(k->id, "avail.backup_agent") == 0)
            assert_int_equal(k->aspects, EF_ASPECT_R | EF_ASPECT_T);
    }
    ef_policy_free(&ps);
    const char *p = write_policy("asp.yml", HEAD CHECK_A "    aspects: [S, K]\n");
    ef_policy_init(&ps);
    if (ef_policy_load(&ps, p, CONTROLS, err, sizeof(err)) != 0)
        fail_msg("%s", err);
    assert_int_equal(ps.checks[0].aspects, EF_ASPECT_K | EF_ASPECT_S);
    ef_policy_free(&ps);
    expect_error(HEAD CHECK_A "    aspects: [K, X]\n", 14,
                 "aspects: 'X' is not K (konfidentialitet), R (riktighet), T (tillgänglighet) "
                 "or S (spårbarhet)");
    expect_error(HEAD CHECK_A "    aspects: [K, K]\n", 14, "aspects: 'K' listed twice");
    expect_error(HEAD CHECK_A "    aspects: []\n", 14, "aspects: needs at least one of K, R, T, S");
    expect_error(HEAD CHECK_A "    aspects: K\n", 14, "aspects");
}

/* The header's classes: all four consequence levels, none lower than the one below; the
 * default catalogs state 1-2 basic, 3 elevated, 4 high; files of a set must agree. */
static void test_classes(void **state)
{
    (void)state;
    struct ef_policy_set ps;
    char err[512] = "", pa[PATH_MAX];
    static const ef_level want[EF_CLASSES + 1] = {0, EF_LEVEL_BASIC, EF_LEVEL_BASIC,
                                                  EF_LEVEL_ELEVATED, EF_LEVEL_HIGH};

    ef_policy_init(&ps);
    if (ef_policy_load(&ps, DEFAULT_POLICY, CONTROLS, err, sizeof(err)) != 0)
        fail_msg("%s", err);
    assert_memory_equal(ps.classes, want, sizeof(want));
    ef_policy_free(&ps);
#define CLS(x) "policy: {id: test, version: \"1\", classes: " x "}\nchecks:\n"
    strlcpy(pa, write_policy("c.yml", CLS("{1: basic, 2: elevated, 3: high, 4: high}") CHECK_A),
            sizeof(pa));
    ef_policy_init(&ps);
    assert_int_equal(ef_policy_load(&ps, pa, CONTROLS, err, sizeof(err)), 0);
    assert_int_equal(ps.classes[2], EF_LEVEL_ELEVATED);
    assert_int_equal(ps.classes[3], EF_LEVEL_HIGH);
    /* a second file stating other classes is refused, one stating none is fine */
    assert_int_equal(ef_policy_load(&ps,
                                    write_policy("d.yml", "policy: {id: test, version: \"1\", "
                                                          "classes: {1: basic, 2: basic, 3: high, "
                                                          "4: high}}\nchecks: []\n"),
                                    CONTROLS, err, sizeof(err)),
                     -1);
    assert_contains(err, "classes: differs from those an earlier file stated");
    ef_policy_free(&ps);
    expect_error(CLS("{1: basic, 2: basic, 3: high}") CHECK_A, 1,
                 "classes: consequence level 4 has no protection level");
    expect_error(CLS("{1: basic, 2: basic, 3: high, 5: high}") CHECK_A, 1,
                 "classes: '5' is not a consequence level 1, 2, 3 or 4");
    expect_error(CLS("{1: high, 2: basic, 3: high, 4: high}") CHECK_A, 1,
                 "classes: level 2 requires less than level 1");
    expect_error(CLS("{1: low, 2: basic, 3: high, 4: high}") CHECK_A, 1,
                 "classes: unknown level 'low'");
#undef CLS
}

/* A check's level for a host: the highest of its aspects' levels, all four when it names
 * none; the levels as the protocol writes them. */
static void test_check_level(void **state)
{
    (void)state;
    ef_level lv[EF_ASPECTS] = {EF_LEVEL_HIGH, EF_LEVEL_ELEVATED, EF_LEVEL_BASIC, EF_LEVEL_BASIC},
             got[EF_ASPECTS];

    assert_int_equal(ef_check_level(EF_ASPECT_K, lv), EF_LEVEL_HIGH);
    assert_int_equal(ef_check_level(EF_ASPECT_T, lv), EF_LEVEL_BASIC);
    assert_int_equal(ef_check_level(EF_ASPECT_R | EF_ASPECT_T, lv), EF_LEVEL_ELEVATED);
    assert_int_equal(ef_check_level(0, lv), EF_LEVEL_HIGH);
    assert_int_equal(ef_levels_max(lv), EF_LEVEL_HIGH);
    assert_int_equal(ef_levels_parse_text("K=high,R=elevated,T=basic,S=basic", got), 0);
    assert_memory_equal(got, lv, sizeof(lv));
    assert_int_equal(ef_levels_parse_text("S=basic,T=basic,R=elevated,K=high", got), 0);
    assert_memory_equal(got, lv, sizeof(lv));
    static const char *const bad[] = {"",
                                      "K=high,R=elevated,T=basic",
                                      "K=high,R=elevated,T=basic,S=basic,",
                                      "K=high,K=elevated,T=basic,S=basic",
                                      "K=high,R=elevated,T=basic,X=basic",
                                      "K=top,R=elevated,T=basic,S=basic",
                                      "K=high;R=elevated;T=basic;S=basic",
                                      "K=high,R=elevated,T=basic,S=basic,K=high"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (ef_levels_parse_text(bad[i], got) == 0)
            fail_msg("accepted \"%s\"", bad[i]);
    json_t *o = ef_levels_to_json(lv);
    assert_non_null(o);
    memset(got, 0, sizeof(got));
    assert_int_equal(ef_levels_from_json(o, got), 0);
    assert_memory_equal(got, lv, sizeof(lv));
    json_object_set_new(o, "X", json_string("basic"));
    assert_int_equal(ef_levels_from_json(o, got), -1);
    json_decref(o);
}

static void test_two_files(void **state)
{
    (void)state;
    struct ef_policy_set ps;
    char err[512] = "", pa[PATH_MAX], pb[PATH_MAX];

    strlcpy(pa, write_policy("a.yml", HEAD CHECK_A), sizeof(pa));
    strlcpy(pb,
            write_policy("b.yml", "policy: {id: site, version: \"2\"}\n"
                                  "checks:\n" CHECK_B_HEAD "    controls: [\"5.17\"]\n"
                                  "    severity: low\n"
                                  "    level: high\n"
                                  "    none:\n"
                                  "      - file: /etc/x\n"
                                  "        exists: true\n"),
            sizeof(pb));
    ef_policy_init(&ps);
    assert_int_equal(ef_policy_load(&ps, pa, CONTROLS, err, sizeof(err)), 0);
    char first[65];
    strlcpy(first, ps.sha256, sizeof(first));
    assert_int_equal(ef_policy_load(&ps, pb, CONTROLS, err, sizeof(err)), 0);
    assert_int_equal(ps.nchecks, 2);
    assert_string_equal(ps.id, "test+site");
    assert_string_equal(ps.version, "1+2");
    assert_string_not_equal(ps.sha256, first);
    assert_int_equal(ps.checks[1].condition->op, EF_COND_NONE);

    /* the same check id again: rejected, set unchanged */
    assert_int_equal(ef_policy_load(&ps, pa, CONTROLS, err, sizeof(err)), -1);
    assert_contains(err, "a.yml:3: duplicate check id 't.a'");
    assert_int_equal(ps.nchecks, 2);
    ef_policy_free(&ps);
}

static void test_per_level_params(void **state)
{
    (void)state;
    struct ef_policy_set ps;
    char err[512] = "";
    const char *p = write_policy("lv.yml", HEAD CHECK_A CHECK_B_HEAD
                                 "    controls: [\"8.8\"]\n"
                                 "    severity: low\n"
                                 "    level: basic\n"
                                 "    any:\n"
                                 "      - fact: updates.days_since_refresh\n"
                                 "        max: {basic: 30, high: 7}\n"
                                 "      - fact: os.days_to_eol\n"
                                 "        min: {elevated: 90}\n"
                                 "      - all:\n"
                                 "          - file: /etc/shadow\n"
                                 "            mode_max: {basic: \"0640\", elevated: \"0600\"}\n"
                                 "            no_line_matches: {basic: 'a', high: 'b+'}\n");
    ef_policy_init(&ps);
    if (ef_policy_load(&ps, p, CONTROLS, err, sizeof(err)) != 0)
        fail_msg("%s", err);
    const struct ef_cond *c = ps.checks[1].condition;
    assert_int_equal(c->op, EF_COND_ANY);
    assert_int_equal(c->nrules, 3);
    const struct ef_param *mx = &c->rules[0].p[EF_P_MAX];
    assert_int_equal(mx->num[EF_LEVEL_BASIC], 30);
    assert_int_equal(mx->num[EF_LEVEL_ELEVATED], 30); /* inherits from basic */
    assert_int_equal(mx->num[EF_LEVEL_HIGH], 7);
    const struct ef_param *mn = &c->rules[1].p[EF_P_MIN];
    assert_int_equal(mn->num[EF_LEVEL_BASIC], 90); /* below the lowest declared: that one */
    assert_int_equal(mn->num[EF_LEVEL_HIGH], 90);
    const struct ef_rule *nested = &c->rules[2];
    assert_int_equal(nested->kind, EF_RULE_COND);
    const struct ef_param *mode = &nested->cond->rules[0].p[EF_P_MODE_MAX];
    assert_int_equal(mode->num[EF_LEVEL_BASIC], 0640);
    assert_int_equal(mode->num[EF_LEVEL_HIGH], 0600);
    const struct ef_param *re = &nested->cond->rules[0].p[EF_P_NO_LINE_MATCHES];
    assert_string_equal(re->str[EF_LEVEL_ELEVATED], "a");
    assert_string_equal(re->str[EF_LEVEL_HIGH], "b+");
    assert_non_null(re->re[EF_LEVEL_HIGH]);
    ef_policy_free(&ps);
}

/* title_sv, summary and summary_sv: optional, kept as written; refused when empty, over
 * long, not text or on more than one line, with the file, line and field named. */
static void test_titles_summaries(void **state)
{
    (void)state;
    struct ef_policy_set ps;
    char err[512] = "";
    const char *p = write_policy("sv.yml", HEAD CHECK_A "    title_sv: Lösenordsfilen finns\n"
                                                        "    summary: The password file exists.\n"
                                                        "    summary_sv: >-\n"
                                                        "      Filen /etc/passwd finns på\n"
                                                        "      datorn.\n");
    ef_policy_init(&ps);
    if (ef_policy_load(&ps, p, CONTROLS, err, sizeof(err)) != 0)
        fail_msg("%s", err);
    assert_int_equal(ps.nchecks, 1);
    assert_string_equal(ps.checks[0].title, "A");
    assert_string_equal(ps.checks[0].title_sv, "Lösenordsfilen finns");
    assert_string_equal(ps.checks[0].summary, "The password file exists.");
    assert_string_equal(ps.checks[0].summary_sv, "Filen /etc/passwd finns på datorn.");
    ef_policy_free(&ps);

    /* optional: a check without them loads with NULLs */
    p = write_policy("plain.yml", HEAD CHECK_A);
    ef_policy_init(&ps);
    assert_int_equal(ef_policy_load(&ps, p, CONTROLS, err, sizeof(err)), 0);
    assert_null(ps.checks[0].title_sv);
    assert_null(ps.checks[0].summary);
    assert_null(ps.checks[0].summary_sv);
    ef_policy_free(&ps);

    expect_error(HEAD CHECK_A "    title_sv: \"\"\n", 14, "title_sv: must not be empty");
    expect_error(HEAD CHECK_A "    summary_sv: |\n      Ett.\n      Två.\n", 14,
                 "summary_sv: must be one line (no line break)");
    expect_error(HEAD CHECK_A "    summary: \"One.\\nTwo.\"\n", 14,
                 "summary: must be one line (no line break)");
    expect_error(HEAD CHECK_A "    summary_sv: [a]\n", 14,
                 "summary_sv: wrong type: expected a scalar, got a list");
    expect_error(HEAD CHECK_A "    title_sv: A\n    title_sv: B\n", 15, "duplicate key 'title_sv'");

    /* over long: 8193 bytes (the limit of every string is 8192) */
    static char big[sizeof(HEAD CHECK_A) + 8300];
    int n = snprintf(big, sizeof(big), "%s    title_sv: ", HEAD CHECK_A);
    memset(big + n, 'a', 8193);
    memcpy(big + n + 8193, "\n", 2);
    expect_error(big, 14, "title_sv: value too long");
}

/* tunable: declared bounds, ef_policy_tune within them at every level, refusals; a policy
 * loaded from memory hashes like its file. */
static void test_tunable(void **state)
{
    (void)state;
    struct ef_policy_set ps, file;
    char err[512] = "", list[256];
    static const char text[] = HEAD CHECK_A CHECK_B_HEAD "    controls: [\"8.8\"]\n"
                                                         "    severity: low\n"
                                                         "    level: basic\n"
                                                         "    all:\n"
                                                         "      - any:\n"
                                                         "          - fact: os.days_to_eol\n"
                                                         "            min: {basic: 30, high: 90}\n"
                                                         "            tunable: {name: days, param: "
                                                         "min, min: 1, max: 365}\n";
    ef_policy_init(&ps);
    if (ef_policy_load_mem(&ps, "mem.yml", text, strlen(text), CONTROLS, err, sizeof(err)) != 0)
        fail_msg("%s", err);
    ef_policy_init(&file);
    /* The same bytes in a file (binary: no CRLF on Windows). */
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/tun.yml", tmpdir);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
    assert_int_equal(fclose(f), 0);
    if (ef_policy_load(&file, path, CONTROLS, err, sizeof(err)) != 0)
        fail_msg("%s", err);
    assert_string_equal(ps.sha256, file.sha256);
    ef_policy_free(&file);
    assert_int_equal(ef_policy_tunables(&ps, "t.b", list, sizeof(list)), 0);
    assert_contains(list, "days (min, 1..365, now 30)");
    const struct ef_param *mn = &ps.checks[1].condition->rules[0].cond->rules[0].p[EF_P_MIN];
    assert_int_equal(mn->num[EF_LEVEL_HIGH], 90);
    assert_int_equal(ef_policy_tune(&ps, "t.b", "days", "120", err, sizeof(err)), 0);
    assert_int_equal(mn->num[EF_LEVEL_BASIC], 120);
    assert_int_equal(mn->num[EF_LEVEL_HIGH], 120);
    assert_string_equal(mn->str[EF_LEVEL_ELEVATED], "120");
    assert_int_equal(ef_policy_tune(&ps, "t.b", "days", "366", err, sizeof(err)), -1);
    assert_contains(err, "from 1 to 365");
    assert_int_equal(ef_policy_tune(&ps, "t.b", "days", "12x", err, sizeof(err)), -1);
    assert_int_equal(ef_policy_tune(&ps, "t.b", "other", "5", err, sizeof(err)), -1);
    assert_contains(err, "no tunable parameter 'other'");
    assert_int_equal(ef_policy_tune(&ps, "t.a", "days", "5", err, sizeof(err)), -1);
    assert_int_equal(ef_policy_tune(&ps, "t.none", "days", "5", err, sizeof(err)), -1);
    assert_int_equal(mn->num[EF_LEVEL_BASIC], 120); /* refusals change nothing */
    ef_policy_free(&ps);

    /* The catalog's own values must lie within its bounds; param must be an integer test. */
    expect_error(HEAD CHECK_A CHECK_B_HEAD
                 "    controls: [\"8.8\"]\n"
                 "    severity: low\n"
                 "    level: basic\n"
                 "    all:\n"
                 "      - fact: os.days_to_eol\n"
                 "        min: {basic: 30, high: 90}\n"
                 "        tunable: {name: d, param: min, min: 1, max: 60}\n",
                 25, "outside [1, 60]");
    expect_error(HEAD CHECK_A CHECK_B_HEAD
                 "    controls: [\"8.8\"]\n"
                 "    severity: low\n"
                 "    level: basic\n"
                 "    all:\n"
                 "      - fact: os.days_to_eol\n"
                 "        min: 30\n"
                 "        tunable: {name: d, param: max, min: 1, max: 60}\n",
                 25, "no integer test of this rule");
}

static void test_err_unknown_key(void **state)
{
    (void)state;
    expect_error(HEAD CHECK_A "    colour: red\n", 14, "unknown key 'colour' in check t.a");
    expect_error(HEAD CHECK_A "        exist: true\n", 14, "unknown key 'exist' in a file rule");
    expect_error("policy: {id: t, version: \"1\"}\nchecks: []\nextra: 1\n", 3,
                 "unknown key 'extra' at top level");
    expect_error("policy: {id: t, version: \"1\", owner: me}\nchecks: []\n", 1,
                 "unknown key 'owner' in policy header");
}

static void test_err_missing_field(void **state)
{
    (void)state;
    expect_error(HEAD "  - id: t.a\n"
                      "    title: A\n"
                      "    description: D\n"
                      "    rationale: R\n"
                      "    remediation: M\n"
                      "    severity: high\n"
                      "    level: basic\n"
                      "    all:\n"
                      "      - fact: os.supported\n"
                      "        equals: true\n",
                 3, "check t.a: missing field 'controls'");
    expect_error(HEAD "  - id: t.a\n"
                      "    title: A\n"
                      "    description: D\n"
                      "    rationale: R\n"
                      "    remediation: M\n"
                      "    controls: [\"8.5\"]\n"
                      "    severity: high\n"
                      "    level: basic\n",
                 3, "missing field 'all, any or none'");
    expect_error("checks: []\n", 1, "missing 'policy:' header");
    expect_error(HEAD CHECK_B_HEAD, 3, "missing field 'controls'"); /* no id line 3: B at 3 */
}

static void test_err_controls(void **state)
{
    (void)state;
    const char *tail = "    severity: high\n"
                       "    level: basic\n"
                       "    all:\n"
                       "      - fact: os.supported\n"
                       "        equals: true\n";
    char buf[2048];
    snprintf(buf, sizeof(buf), HEAD CHECK_B_HEAD "    controls: [\"8.5\", \"9.99\"]\n%s", tail);
    expect_error(buf, 8, "'9.99' is not an ISO/IEC 27002:2022 control number");
    snprintf(buf, sizeof(buf), HEAD CHECK_B_HEAD "    controls:\n      - \"5.99\"\n%s", tail);
    expect_error(buf, 9, "unknown control '5.99'");
    snprintf(buf, sizeof(buf), HEAD CHECK_B_HEAD "    controls: []\n%s", tail);
    expect_error(buf, 8, "controls: needs at least one");
    snprintf(buf, sizeof(buf), HEAD CHECK_B_HEAD "    controls: [\"8.5\", \"8.5\"]\n%s", tail);
    expect_error(buf, 8, "'8.5' listed twice");
}

static void test_err_duplicate_id(void **state)
{
    (void)state;
    expect_error(HEAD CHECK_A CHECK_A, 14, "duplicate check id 't.a'");
    expect_error(HEAD CHECK_A "    title: again\n", 14, "duplicate key 'title'");
}

static void test_err_bad_regex(void **state)
{
    (void)state;
    expect_error(HEAD CHECK_A "        line_matches: '^(root'\n", 14,
                 "line_matches: bad regular expression '^(root': missing closing parenthesis "
                 "at offset 6");
    expect_error(HEAD CHECK_A "        no_line_matches: {basic: 'ok', high: 'a{2,1}'}\n", 14,
                 "bad regular expression 'a{2,1}'");
}

static void test_err_bad_level_severity(void **state)
{
    (void)state;
    char buf[2048];
    snprintf(buf, sizeof(buf), "%s", HEAD CHECK_A);
    char *p = strstr(buf, "level: basic");
    memcpy(p, "level: ultra", 12);
    expect_error(buf, 10, "level: unknown level 'ultra' (expected basic, elevated or high)");
    snprintf(buf, sizeof(buf), "%s", HEAD CHECK_A);
    p = strstr(buf, "severity: high");
    memcpy(p, "severity: huge", 14);
    expect_error(buf, 9, "severity: unknown severity 'huge'");
    expect_error(HEAD CHECK_A "        mode_max: {basic: \"0640\", extreme: \"0600\"}\n", 14,
                 "mode_max: unknown level 'extreme'");
}

static void test_err_wrong_type(void **state)
{
    (void)state;
    char buf[2048];
    snprintf(buf, sizeof(buf), "%s", HEAD CHECK_A);
    char *p = strstr(buf, "controls: [\"8.5\"]");
    memcpy(p, "controls: \"8.5\"  ", 17);
    expect_error(buf, 8, "controls: wrong type: expected a list, got a scalar");
    expect_error(HEAD CHECK_A "        mode_max: 999\n", 14,
                 "mode_max: expected an octal mode like \"0640\", got '999'");
    expect_error(HEAD CHECK_A "      - fact: updates.days_since_refresh\n"
                              "        max: seven\n",
                 15, "max: wrong type: expected an integer, got 'seven'");
    expect_error(HEAD CHECK_A "      - file: /etc/x\n"
                              "        exists: maybe\n",
                 15, "exists: wrong type: expected true or false");
    expect_error(HEAD CHECK_A "    title: [a, b]\n", 14, "duplicate key 'title'");
    expect_error(HEAD "  - id: t.a\n    title: [a]\n", 4,
                 "title: wrong type: expected a scalar, got a list");
    expect_error("policy: [1]\nchecks: []\n", 1, "policy: wrong type: expected a mapping");
}

static void test_err_rules(void **state)
{
    (void)state;
    expect_error(HEAD CHECK_A "      - file: etc/passwd\n        exists: true\n", 14,
                 "must be an absolute path without '..'");
    expect_error(HEAD CHECK_A "      - file: /etc/../root/x\n        exists: true\n", 14,
                 "without '..'");
    expect_error(HEAD CHECK_A "      - file: /etc/passwd\n", 14, "file rule has nothing to test");
    expect_error(HEAD CHECK_A "      - sysctl: kernel/x\n        equals: 1\n", 14,
                 "sysctl: bad name 'kernel/x'");
    expect_error(HEAD CHECK_A "      - service: \"a b\"\n        enabled: true\n", 14,
                 "service: bad name 'a b'");
    expect_error(HEAD CHECK_A "      - service: auditd\n        equals: x\n", 15,
                 "unknown key 'equals' in a service rule");
    expect_error(HEAD CHECK_A "      - service: auditd\n", 14,
                 "service rule has nothing to test (add e.g. enabled or active)");
    expect_error(HEAD CHECK_A "      - equals: 1\n", 14, "missing rule kind");
    expect_error(HEAD CHECK_A "      - file: /a\n        fact: os.id\n", 15,
                 "a rule has exactly one kind");
    expect_error(HEAD CHECK_A "      - command: [/bin/true]\n        exit_code: 300\n", 15,
                 "exit_code: must be 0..255");
    expect_error(HEAD CHECK_A "      - fact: os.id\n        owner: root\n", 15,
                 "unknown key 'owner' in a fact rule");
    expect_error(HEAD CHECK_A "    any:\n      - fact: os.id\n        equals: x\n", 14,
                 "a check has exactly one of all, any, none");
    expect_error(HEAD CHECK_A "      - any: []\n", 14, "any: needs at least one rule");
}

static void test_err_yaml_syntax(void **state)
{
    (void)state;
    expect_error(HEAD "  - id: t.a\n    title: [unclosed\n", 5, "YAML syntax error");
    expect_error(HEAD CHECK_A "---\npolicy: {}\n", 15, "more than one YAML document");
}

static void test_err_missing_file(void **state)
{
    (void)state;
    struct ef_policy_set ps;
    char err[512];

    ef_policy_init(&ps);
    assert_int_equal(ef_policy_load(&ps, "/nonexistent/p.yml", CONTROLS, err, sizeof(err)), -1);
    assert_contains(err, "/nonexistent/p.yml: No such file or directory");
    assert_int_equal(ef_policy_load(&ps, DEFAULT_POLICY, "/nonexistent/c.yml", err, sizeof(err)),
                     -1);
    assert_contains(err, "/nonexistent/c.yml");
    ef_policy_free(&ps);
}

/* trusted_only (the agent as root): a policy file others could change is refused, in a
 * directory too, and nothing of it is loaded. */
static void test_untrusted_file(void **state)
{
    (void)state;
    struct ef_policy_set ps;
    char err[1024] = "", dir[PATH_MAX], path[PATH_MAX];

    snprintf(dir, sizeof(dir), "%s/untrusted", tmpdir);
    assert_int_equal(ef_mkdir(dir, 0755), 0);
    snprintf(path, sizeof(path), "%s", write_policy("untrusted/p.yml", HEAD CHECK_A));
    assert_int_equal(t_open_to_others(path, 1), 0);
    ef_policy_init(&ps);
    assert_int_equal(ef_policy_load(&ps, path, CONTROLS, err, sizeof(err)), 0); /* not asked */
    ef_policy_free(&ps);
    ef_policy_init(&ps);
    ps.trusted_only = 1;
    assert_int_equal(ef_policy_load(&ps, path, CONTROLS, err, sizeof(err)), -1);
    assert_contains(err, "refusing ");
#ifndef _WIN32
    assert_contains(err, "p.yml: it is writable by others (mode 0666)");
#else
    assert_contains(err, "p.yml: its permissions let S-1-1-0 change it");
#endif
    assert_contains(err, T_FIX_UNTRUSTED);
    assert_int_equal(ef_policy_load(&ps, dir, CONTROLS, err, sizeof(err)), -1);
    assert_contains(err, "p.yml: it");
    assert_contains(err, T_OTHERS);
    assert_int_equal(ps.nchecks, 0);
    assert_int_equal(t_private(path), 0);
    assert_int_equal(ef_policy_load(&ps, dir, CONTROLS, err, sizeof(err)), 0);
    assert_int_equal(ps.nchecks, 1);
    ef_policy_free(&ps);
}

static void test_alias_bomb(void **state)
{
    (void)state;
    /* Nested aliases expand exponentially (8^9 rules); the loader must stop, not hang. */
    char buf[4096];
    int n =
        snprintf(buf, sizeof(buf), "%s", HEAD CHECK_A "      - &r0 {file: /etc/x, exists: true}\n");
    for (int i = 1; i < 10; i++) {
        n += snprintf(buf + n, sizeof(buf) - (size_t)n, "      - &r%d {all: [", i);
        for (int j = 0; j < 8; j++)
            n += snprintf(buf + n, sizeof(buf) - (size_t)n, "%s*r%d", j ? ", " : "", i - 1);
        n += snprintf(buf + n, sizeof(buf) - (size_t)n, "]}\n");
    }
    assert_true(n < (int)sizeof(buf));
    expect_error(buf, 14, "aliases expand to too many nodes");
}

/* The worked example in docs/policy-format.md must load as written. */
static void test_docs_example(void **state)
{
    (void)state;
    char *doc, err[512];
    size_t len;
    struct ef_policy_set ps;

    assert_int_equal(ef_read_file(EF_SOURCE_DIR "/docs/policy-format.md", 1 << 20, &doc, &len), 0);
    char *start = strstr(doc, "```yaml\npolicy:\n  id: kommun-site");
    assert_non_null(start);
    start += strlen("```yaml\n");
    char *end = strstr(start, "```");
    assert_non_null(end);
    *end = '\0';
    const char *path = write_policy("kommun.yml", start);
    free(doc);
    ef_policy_init(&ps);
    if (ef_policy_load(&ps, path, CONTROLS, err, sizeof(err)) != 0)
        fail_msg("%s", err);
    assert_int_equal(ps.nchecks, 2);
    assert_string_equal(ps.checks[0].id, "kommun.backup_client");
    assert_int_equal(ps.checks[1].level, EF_LEVEL_ELEVATED);
    ef_policy_free(&ps);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_policy),
        cmocka_unit_test(test_default_titles),
        cmocka_unit_test(test_two_files),
        cmocka_unit_test(test_per_level_params),
        cmocka_unit_test(test_titles_summaries),
        cmocka_unit_test(test_tunable),
        cmocka_unit_test(test_aspects),
        cmocka_unit_test(test_classes),
        cmocka_unit_test(test_check_level),
        cmocka_unit_test(test_err_unknown_key),
        cmocka_unit_test(test_err_missing_field),
        cmocka_unit_test(test_err_controls),
        cmocka_unit_test(test_err_duplicate_id),
        cmocka_unit_test(test_err_bad_regex),
        cmocka_unit_test(test_err_bad_level_severity),
        cmocka_unit_test(test_err_wrong_type),
        cmocka_unit_test(test_err_rules),
        cmocka_unit_test(test_err_yaml_syntax),
        cmocka_unit_test(test_err_missing_file),
        cmocka_unit_test(test_alias_bomb),
        cmocka_unit_test(test_untrusted_file),
        cmocka_unit_test(test_docs_example),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
