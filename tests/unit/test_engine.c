/* SPDX-License-Identifier: EUPL-1.2 */
/* The engine: the default policy over fixture roots (every check passes on one root and
 * fails on the other), conditions, levels, applies_if, unknown, command rules, evidence
 * bounds, and a scan of the live system. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

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

#define CONTROLS EF_SOURCE_DIR "/checks/iso27002-2022.yml"
#define DEFAULT_POLICY EF_SOURCE_DIR "/checks/policies"

#include "test_fixture.h"

static struct ef_policy_set defpol;

static int group_setup(void **state)
{
    char err[512];
    (void)state;
    if (fx_setup() == NULL)
        return -1;
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
    ef_policy_free(&defpol);
    fx_teardown();
    return 0;
}

#define assert_contains(hay, needle)                                                               \
    do {                                                                                           \
        if (strstr((hay), (needle)) == NULL)                                                       \
            fail_msg("expected \"%s\" in \"%s\"", (needle), (hay));                                \
    } while (0)

static void scan(const struct ef_policy_set *ps, const char *root, ef_level level,
                 struct ef_report *r)
{
    struct ef_scan_opts o = {.root = root, .level = level};
    ef_report_init(r);
    assert_int_equal(ef_scan(ps, &o, r), 0);
}

static const struct ef_result *result(const struct ef_report *r, const char *id)
{
    for (size_t i = 0; i < r->nresults; i++)
        if (strcmp(r->results[i].check, id) == 0)
            return &r->results[i];
    return NULL;
}

static void expect(const struct ef_report *r, const char *id, ef_status st, const char *ev)
{
    const struct ef_result *res = result(r, id);
    if (res == NULL)
        fail_msg("no result for %s", id);
    if (res->status != st)
        fail_msg("%s: expected %s, got %s: %s", id, ef_status_name(st), ef_status_name(res->status),
                 res->evidence);
    if (ev)
        assert_contains(res->evidence, ev);
    assert_true(ef_utf8_valid(res->evidence, strlen(res->evidence)));
    assert_true(strlen(res->evidence) <= EF_EVIDENCE_MAX);
}

/* Load a policy from text (checks at any level; controls validated). */
static void load_text(struct ef_policy_set *ps, const char *name, const char *text)
{
    char err[512];
    fx_write(name, text, 0644);
    ef_policy_init(ps);
    if (ef_policy_load(ps, fx_path(name), CONTROLS, err, sizeof(err)) != 0)
        fail_msg("%s", err);
}

/* One check named t.x with the given condition lines (indented 4). */
static void load_check(struct ef_policy_set *ps, const char *level, const char *extra)
{
    char buf[8192];
    snprintf(buf, sizeof(buf),
             "policy: {id: t, version: \"1\"}\n"
             "checks:\n"
             "  - id: t.x\n"
             "    title: T\n"
             "    description: D\n"
             "    rationale: R\n"
             "    remediation: M\n"
             "    controls: [\"8.9\"]\n"
             "    severity: low\n"
             "    level: %s\n"
             "%s",
             level, extra);
    load_text(ps, "t.yml", buf);
}

static ef_status scan_one(const char *root, ef_level level, const char *extra, char *ev,
                          size_t evlen)
{
    struct ef_policy_set ps;
    struct ef_report r;
    load_check(&ps, "basic", extra);
    scan(&ps, root, level, &r);
    assert_int_equal(r.nresults, 1);
    ef_status st = r.results[0].status;
    if (ev)
        strlcpy(ev, r.results[0].evidence, evlen);
    ef_report_free(&r);
    ef_policy_free(&ps);
    return st;
}

/* How many checks of the default policy a scan at level must report. */
static size_t required_at(ef_level level)
{
    size_t n = 0;
    for (size_t i = 0; i < defpol.nchecks; i++)
        n += defpol.checks[i].level <= level;
    return n;
}

static void test_default_all_pass(void **state)
{
    (void)state;
    struct ef_report r;
    scan(&defpol, fx_root("debian12-luks"), EF_LEVEL_HIGH, &r);
    assert_int_equal(r.nresults, defpol.nchecks);
    expect(&r, "enc.root_luks", EF_PASS,
           "/ on 253:2 (dm-2 <- dm-1 <- sda3); dm-1 dm/uuid CRYPT-LUKS2-");
    expect(&r, "enc.swap_encrypted", EF_PASS, "CRYPT-PLAIN-swap");
    expect(&r, "patch.os_supported", EF_PASS,
           "os.supported = true: debian 12: security support "
           "until 2028-06-30");
    expect(&r, "patch.metadata_fresh", EF_PASS, "updates.days_since_refresh = 1: newest");
    expect(&r, "log.journald_persistent", EF_PASS,
           "Storage=persistent set in "
           "/etc/systemd/journald.conf.d/50-persistent.conf");
    expect(&r, "log.file_permissions", EF_PASS, "log.files.world_writable_count = 0");
    expect(&r, "acct.uid0_only_root", EF_PASS, "/etc/passwd: no line matches");
    expect(&r, "acct.no_empty_passwords", EF_PASS, "/etc/shadow: no line matches '^[^:]+::'");
    expect(&r, "acct.shadowed_passwords", EF_PASS, "/etc/passwd: no line matches");
    /* group root or shadow: the checkout's group, named by the fixture's /etc/group */
    expect(&r, "acct.shadow_file_perms", EF_PASS,
           "/etc/shadow mode 0640; /etc/shadow owner root; "
           "/etc/shadow group ");
    expect(&r, "acct.shadow_file_perms", EF_PASS, "/etc/gshadow- does not exist");
    expect(&r, "acct.shadow_file_perms", EF_PASS, "/etc/shadow- mode 0600");
    for (size_t i = 0; i < r.nresults; i++) {
        assert_int_equal(r.results[i].level, EF_LEVEL_HIGH);
        assert_true(r.results[i].ncontrols >= 1);
    }
    ef_report_free(&r);
}

static void test_default_all_fail(void **state)
{
    (void)state;
    struct ef_report r;
    scan(&defpol, fx_root("debian10-plain"), EF_LEVEL_HIGH, &r);
    assert_int_equal(r.nresults, defpol.nchecks);
    expect(&r, "enc.root_luks", EF_FAIL,
           "storage.root.encrypted = false (expected true): / on "
           "254:0 (vda): no LUKS layer");
    expect(&r, "enc.swap_encrypted", EF_FAIL, "swap file /swapfile");
    expect(&r, "patch.os_supported", EF_FAIL, "security support ended 2024-06-30");
    expect(&r, "patch.metadata_fresh", EF_FAIL, "updates.days_since_refresh = 30 (max 7)");
    expect(&r, "log.journald_persistent", EF_FAIL,
           "Storage=volatile set in "
           "/etc/systemd/journald.conf line 3");
    expect(&r, "log.file_permissions", EF_FAIL, "/var/log/tmp-debug.log");
    expect(&r, "log.file_permissions", EF_FAIL, "/var/log/auth.log");
    expect(&r, "acct.uid0_only_root", EF_FAIL, "/etc/passwd line 2: toor");
    expect(&r, "acct.no_empty_passwords", EF_FAIL, "/etc/shadow line 2: eve::");
    expect(&r, "acct.shadowed_passwords", EF_FAIL, "/etc/passwd line 3: bob:");
    expect(&r, "acct.shadow_file_perms", EF_FAIL, "/etc/shadow mode 0644 exceeds 0640");
    /* no secrets: never a hash, never more of a shadow line than the match */
    for (size_t i = 0; i < r.nresults; i++) {
        assert_null(strstr(r.results[i].evidence, "$6$"));
        assert_null(strstr(r.results[i].evidence, "$y$"));
        assert_null(strstr(r.results[i].evidence, "19800"));
        assert_null(strstr(r.results[i].evidence, "FIXTUREONLY"));
    }
    ef_report_free(&r);
}

static void test_levels_filter(void **state)
{
    (void)state;
    struct ef_report r;
    scan(&defpol, fx_root("debian12-luks"), EF_LEVEL_BASIC, &r);
    assert_int_equal(r.nresults, required_at(EF_LEVEL_BASIC));
    assert_true(required_at(EF_LEVEL_BASIC) < defpol.nchecks);
    assert_null(result(&r, "enc.swap_encrypted")); /* elevated */
    assert_non_null(result(&r, "enc.root_luks"));
    assert_int_equal(r.results[0].level, EF_LEVEL_BASIC);
    ef_report_free(&r);
    scan(&defpol, fx_root("debian12-luks"), EF_LEVEL_ELEVATED, &r);
    assert_int_equal(r.nresults, required_at(EF_LEVEL_ELEVATED));
    ef_report_free(&r);
}

static void test_per_level_threshold(void **state)
{
    (void)state;
    const char *cond = "    all:\n"
                       "      - fact: updates.days_since_refresh\n"
                       "        max: {basic: 30, elevated: 14, high: 7}\n";
    char ev[EF_EVIDENCE_MAX + 1];
    fx_write("ten/var/lib/apt/lists/x_InRelease", "x\n", 0644);
    assert_int_equal(fx_age("ten/var/lib/apt/lists/x_InRelease", 10), 0);
    const char *root = fx_root("ten");
    assert_int_equal(scan_one(root, EF_LEVEL_BASIC, cond, ev, sizeof(ev)), EF_PASS);
    assert_contains(ev, "updates.days_since_refresh = 10");
    assert_int_equal(scan_one(root, EF_LEVEL_ELEVATED, cond, ev, sizeof(ev)), EF_PASS);
    assert_int_equal(scan_one(root, EF_LEVEL_HIGH, cond, ev, sizeof(ev)), EF_FAIL);
    assert_contains(ev, "updates.days_since_refresh = 10 (max 7)");

    /* a check above the scan level is left out */
    struct ef_policy_set ps;
    struct ef_report r;
    load_check(&ps, "high", cond);
    scan(&ps, root, EF_LEVEL_ELEVATED, &r);
    assert_int_equal(r.nresults, 0);
    ef_report_free(&r);
    scan(&ps, root, EF_LEVEL_HIGH, &r);
    assert_int_equal(r.nresults, 1);
    ef_report_free(&r);
    ef_policy_free(&ps);
}

static void test_applies_if_and_platforms(void **state)
{
    (void)state;
    char ev[EF_EVIDENCE_MAX + 1];
    const char *root = fx_root("debian12-luks");
    assert_int_equal(scan_one(root, EF_LEVEL_BASIC,
                              "    applies_if:\n"
                              "      fact: os.id\n"
                              "      equals: ubuntu\n"
                              "    all:\n"
                              "      - file: /etc/nonexistent\n"
                              "        exists: true\n",
                              ev, sizeof(ev)),
                     EF_NA);
    assert_contains(ev, "not applicable: os.id = debian (expected ubuntu)");
    assert_int_equal(scan_one(root, EF_LEVEL_BASIC,
                              "    applies_if: {any: [{fact: os.id, in: [debian, ubuntu]}]}\n"
                              "    all:\n"
                              "      - file: /etc/passwd\n"
                              "        exists: true\n",
                              ev, sizeof(ev)),
                     EF_PASS);
    assert_int_equal(scan_one(root, EF_LEVEL_BASIC,
                              "    platforms: [rhel, fedora]\n"
                              "    all:\n"
                              "      - file: /etc/passwd\n"
                              "        exists: true\n",
                              ev, sizeof(ev)),
                     EF_NA);
    assert_contains(ev, "not applicable on debian (check is for rhel, fedora)");
    /* applies_if that cannot be decided: unknown, not na */
    assert_int_equal(scan_one(fx_root("empty"), EF_LEVEL_BASIC,
                              "    applies_if: {fact: os.id, equals: debian}\n"
                              "    all:\n"
                              "      - file: /etc/passwd\n"
                              "        exists: true\n",
                              ev, sizeof(ev)),
                     EF_UNKNOWN);
    assert_contains(ev, "applies_if: os.id unknown: cannot read /etc/os-release");
}

static void test_unknown(void **state)
{
    (void)state;
    struct ef_report r;
    /* a root where the probes' sources are missing */
    scan(&defpol, fx_root("empty"), EF_LEVEL_HIGH, &r);
    expect(&r, "enc.root_luks", EF_UNKNOWN,
           "storage.root.encrypted unknown: cannot read "
           "/proc/self/mountinfo");
    expect(&r, "patch.os_supported", EF_UNKNOWN, "os.supported unknown");
    /* platforms need os.id: unknown too */
    expect(&r, "patch.metadata_fresh", EF_UNKNOWN, "platform unknown");
    expect(&r, "acct.no_empty_passwords", EF_FAIL, "/etc/shadow does not exist");
    ef_report_free(&r);
}

static void test_unknown_eacces(void **state)
{
    (void)state;
    if (geteuid() == 0)
        skip(); /* root reads mode-000 files: EACCES cannot happen */
    fx_write("noperm/etc/shadow", "eve::1:0:99999:7:::\n", 0000);
    char ev[EF_EVIDENCE_MAX + 1];
    assert_int_equal(scan_one(fx_root("noperm"), EF_LEVEL_BASIC,
                              "    all:\n"
                              "      - file: /etc/shadow\n"
                              "        no_line_matches: '^[^:]+::'\n",
                              ev, sizeof(ev)),
                     EF_UNKNOWN);
    assert_contains(ev, "cannot read /etc/shadow: permission denied (run as root)");
}

static void test_conditions(void **state)
{
    (void)state;
    char ev[EF_EVIDENCE_MAX + 1];
    const char *root = fx_root("debian12-luks");
#define YES "{file: /etc/passwd, exists: true}"
#define NO "{file: /etc/missing, exists: true}"
#define UNK "{fact: updates.days_since_refresh, max: 1}" /* unknown in 'empty' */
#define ERR "{fact: no.such.fact, equals: x}"
    struct {
        const char *cond;
        ef_status st;
    } cases[] = {
        {"all: [" YES ", " YES "]", EF_PASS},
        {"all: [" YES ", " NO "]", EF_FAIL},
        {"any: [" NO ", " YES "]", EF_PASS},
        {"any: [" NO ", " NO "]", EF_FAIL},
        {"none: [" NO ", " NO "]", EF_PASS},
        {"none: [" NO ", " YES "]", EF_FAIL},
        {"all: [" YES ", {any: [" NO ", {none: [" NO "]}]}]", EF_PASS},
        {"all: [" YES ", " ERR "]", EF_ERROR},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char extra[1024];
        snprintf(extra, sizeof(extra), "    %s\n", cases[i].cond);
        ef_status st = scan_one(root, EF_LEVEL_BASIC, extra, ev, sizeof(ev));
        if (st != cases[i].st)
            fail_msg("%s: expected %s, got %s (%s)", cases[i].cond, ef_status_name(cases[i].st),
                     ef_status_name(st), ev);
    }
    /* evidence of the deciding rule only */
    assert_int_equal(scan_one(root, EF_LEVEL_BASIC, "    all: [" YES ", " NO "]\n", ev, sizeof(ev)),
                     EF_FAIL);
    assert_string_equal(ev, "/etc/missing does not exist");

    /* unknown: decides only when nothing definite does */
    const char *empty = fx_root("empty");
    struct {
        const char *cond;
        ef_status st;
    } unk[] = {
        {"all: [" YES ", " UNK "]", EF_UNKNOWN},
        {"all: [" NO ", " UNK "]", EF_FAIL},
        {"any: [" YES ", " UNK "]", EF_PASS},
        {"any: [" NO ", " UNK "]", EF_UNKNOWN},
        {"none: [" UNK "]", EF_UNKNOWN},
        {"any: [" UNK ", " ERR "]", EF_ERROR}, /* error beats unknown */
    };
    fx_write("empty/etc/passwd", "root:x:0:0::/:/bin/sh\n", 0644);
    for (size_t i = 0; i < sizeof(unk) / sizeof(unk[0]); i++) {
        char extra[1024];
        snprintf(extra, sizeof(extra), "    %s\n", unk[i].cond);
        ef_status st = scan_one(empty, EF_LEVEL_BASIC, extra, ev, sizeof(ev));
        if (st != unk[i].st)
            fail_msg("%s: expected %s, got %s (%s)", unk[i].cond, ef_status_name(unk[i].st),
                     ef_status_name(st), ev);
    }
    unlink(fx_path("empty/etc/passwd"));
    rmdir(fx_path("empty/etc"));
    assert_int_equal(
        scan_one(empty, EF_LEVEL_BASIC, "    any: [" NO ", " UNK "]\n", ev, sizeof(ev)),
        EF_UNKNOWN);
    assert_contains(ev, "no package metadata found");
}

static void test_file_tests(void **state)
{
    (void)state;
    char ev[EF_EVIDENCE_MAX + 1];
    const char *root = fx_root("debian12-luks");
    assert_int_equal(scan_one(root, EF_LEVEL_BASIC,
                              "    all:\n"
                              "      - file: /etc/passwd\n"
                              "        line_matches: '^alice:[^:]*'\n",
                              ev, sizeof(ev)),
                     EF_PASS);
    assert_contains(ev, "/etc/passwd line "); /* 3, or 4 when not run as root (fixture.c) */
    assert_contains(ev, ": alice:x");
    assert_null(strstr(ev, "Alice")); /* only the match is quoted */
    assert_int_equal(scan_one(root, EF_LEVEL_BASIC,
                              "    all:\n"
                              "      - file: /etc/passwd\n"
                              "        line_matches: '^mallory:'\n",
                              ev, sizeof(ev)),
                     EF_FAIL);
    assert_contains(ev, "/etc/passwd: no line matches '^mallory:'");
    assert_int_equal(scan_one(root, EF_LEVEL_BASIC,
                              "    all:\n"
                              "      - file: /etc/nothing\n"
                              "        exists: false\n",
                              ev, sizeof(ev)),
                     EF_PASS);
    assert_int_equal(scan_one(root, EF_LEVEL_BASIC,
                              "    all:\n"
                              "      - file: /etc/passwd\n"
                              "        owner: daemon\n"
                              "        group: [daemon]\n",
                              ev, sizeof(ev)),
                     EF_FAIL);
    assert_contains(ev, "/etc/passwd owner root (expected daemon); /etc/passwd group");

    /* many long multi-byte matches: evidence stays bounded and valid UTF-8 */
    char big[64 * 1024] = "";
    for (int i = 0; i < 200; i++)
        strlcat(big,
                "\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4"
                "\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4"
                "\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4"
                "\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4"
                "\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4"
                "\xc3\xa4\xc3\xa4\xc3\xa4\xff\n",
                sizeof(big));
    fx_write("big/etc/data", big, 0644);
    assert_int_equal(scan_one(fx_root("big"), EF_LEVEL_BASIC,
                              "    all:\n"
                              "      - file: /etc/data\n"
                              "        no_line_matches: '^\xc3\xa4+'\n"
                              "      - file: /etc/data\n"
                              "        no_line_matches: '\xc3\xa4\xc3\xa4'\n",
                              ev, sizeof(ev)),
                     EF_FAIL);
    assert_true(strlen(ev) <= EF_EVIDENCE_MAX);
    assert_true(ef_utf8_valid(ev, strlen(ev)));
    assert_contains(ev, "/etc/data line 1: ");
    assert_contains(ev, "... and 192 more");
}

static void test_command(void **state)
{
    (void)state;
    char ev[EF_EVIDENCE_MAX + 1];
    assert_int_equal(scan_one("/", EF_LEVEL_BASIC,
                              "    all:\n"
                              "      - command: [/bin/sh, -c, 'echo hello $LC_ALL; exit 3']\n"
                              "        exit_code: 3\n"
                              "        output_matches: 'hello C'\n",
                              ev, sizeof(ev)),
                     EF_PASS);
    assert_contains(ev, "exited 3");
    assert_contains(ev, "output matches: hello C");
    assert_int_equal(scan_one("/", EF_LEVEL_BASIC,
                              "    all:\n"
                              "      - command: [sh, -c, 'echo oops >&2; exit 1']\n"
                              "        exit_code: 0\n",
                              ev, sizeof(ev)),
                     EF_FAIL);
    assert_contains(ev, "`sh -c echo oops >&2; exit 1` exited 1 (expected 0)");
    assert_int_equal(scan_one("/", EF_LEVEL_BASIC,
                              "    all:\n"
                              "      - command: [/bin/sh, -c, 'read x; echo got$x']\n"
                              "        output_matches: '^got$'\n",
                              ev, sizeof(ev)),
                     EF_PASS); /* stdin is /dev/null */

    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(scan_one("/", EF_LEVEL_BASIC,
                              "    all:\n"
                              "      - command: [/bin/sh, -c, 'sleep 10']\n"
                              "        exit_code: 0\n"
                              "        timeout_ms: 200\n",
                              ev, sizeof(ev)),
                     EF_UNKNOWN);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    assert_contains(ev, "timed out after 200 ms");
    assert_true(t1.tv_sec - t0.tv_sec < 5);

    assert_int_equal(scan_one("/", EF_LEVEL_BASIC,
                              "    all:\n"
                              "      - command: [/nonexistent/efterlev-probe]\n"
                              "        exit_code: 0\n",
                              ev, sizeof(ev)),
                     EF_UNKNOWN);
    assert_contains(ev, "cannot run /nonexistent/efterlev-probe: program not found");
    assert_int_equal(scan_one(fx_root("debian12-luks"), EF_LEVEL_BASIC,
                              "    all:\n"
                              "      - command: [/bin/true]\n"
                              "        exit_code: 0\n",
                              ev, sizeof(ev)),
                     EF_UNKNOWN);
    assert_contains(ev, "command rules run only on the live system (--root /)");
}

static void test_fact_tests(void **state)
{
    (void)state;
    char ev[EF_EVIDENCE_MAX + 1];
    const char *root = fx_root("debian12-luks");
    assert_int_equal(scan_one(root, EF_LEVEL_BASIC,
                              "    all:\n"
                              "      - fact: os.version_id\n"
                              "        matches: '^1[0-9]$'\n"
                              "      - fact: os.days_to_eol\n"
                              "        min: 90\n"
                              "        equals: 585\n",
                              ev, sizeof(ev)),
                     EF_PASS);
    assert_int_equal(scan_one(root, EF_LEVEL_BASIC,
                              "    all:\n"
                              "      - fact: os.id\n"
                              "        in: [rhel, rocky]\n",
                              ev, sizeof(ev)),
                     EF_FAIL);
    assert_contains(ev, "os.id = debian (not in the allowed list)");
    /* A pass against max with a value above 0 says why it passes; not against a "no limit"
     * max, and a failure never does. */
    assert_int_equal(scan_one(root, EF_LEVEL_ELEVATED,
                              "    all:\n"
                              "      - fact: os.days_to_eol\n"
                              "        max: {basic: 1000, elevated: 600, high: 10}\n",
                              ev, sizeof(ev)),
                     EF_PASS);
    assert_contains(ev, "; passes: 585 is within the elevated limit of 600");
    assert_int_equal(scan_one(root, EF_LEVEL_ELEVATED,
                              "    all:\n"
                              "      - fact: os.days_to_eol\n"
                              "        max: 1000000\n",
                              ev, sizeof(ev)),
                     EF_PASS);
    assert_null(strstr(ev, "passes:"));
    assert_int_equal(scan_one(root, EF_LEVEL_HIGH,
                              "    all:\n"
                              "      - fact: os.days_to_eol\n"
                              "        max: {basic: 1000, elevated: 600, high: 10}\n",
                              ev, sizeof(ev)),
                     EF_FAIL);
    assert_contains(ev, "os.days_to_eol = 585 (max 10)");
    assert_null(strstr(ev, "passes:"));
    /* type mismatch is a broken check: error */
    assert_int_equal(scan_one(root, EF_LEVEL_BASIC,
                              "    all:\n"
                              "      - fact: os.id\n"
                              "        min: 3\n",
                              ev, sizeof(ev)),
                     EF_ERROR);
    assert_int_equal(scan_one(root, EF_LEVEL_BASIC,
                              "    all:\n"
                              "      - fact: storage.root.encrypted\n"
                              "        equals: yes\n",
                              ev, sizeof(ev)),
                     EF_ERROR);
}

static void test_bad_now(void **state)
{
    (void)state;
    struct ef_report r;
    setenv("EFTERLEV_NOW", "not-a-time", 1);
    scan(&defpol, fx_root("debian12-luks"), EF_LEVEL_BASIC, &r);
    expect(&r, "enc.root_luks", EF_ERROR, "EFTERLEV_NOW");
    ef_report_free(&r);
    setenv("EFTERLEV_NOW", "2026-11-23T00:00:00Z", 1);
}

/* The live system: nothing in the default policy is broken here. */
static void test_live_system(void **state)
{
    (void)state;
    struct ef_report r;
    unsetenv("EFTERLEV_NOW");
    scan(&defpol, "/", EF_LEVEL_HIGH, &r);
    setenv("EFTERLEV_NOW", "2026-11-23T00:00:00Z", 1);
    assert_int_equal(r.nresults, defpol.nchecks);
    for (size_t i = 0; i < r.nresults; i++) {
        fprintf(stderr, "  live: %-26s %-7s %s\n", r.results[i].check,
                ef_status_name(r.results[i].status), r.results[i].evidence);
        assert_int_not_equal(r.results[i].status, EF_ERROR);
        assert_true(r.results[i].evidence[0] != '\0');
    }
    ef_report_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_all_pass),
        cmocka_unit_test(test_default_all_fail),
        cmocka_unit_test(test_levels_filter),
        cmocka_unit_test(test_per_level_threshold),
        cmocka_unit_test(test_applies_if_and_platforms),
        cmocka_unit_test(test_unknown),
        cmocka_unit_test(test_unknown_eacces),
        cmocka_unit_test(test_conditions),
        cmocka_unit_test(test_file_tests),
        cmocka_unit_test(test_command),
        cmocka_unit_test(test_fact_tests),
        cmocka_unit_test(test_bad_now),
        cmocka_unit_test(test_live_system),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
