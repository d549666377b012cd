/* SPDX-License-Identifier: EUPL-1.2 */
/* The recorded registry (agent/platform/registry_recorded.c): a .reg file in UTF-16LE with
 * BOM as reg export writes it, Swedish letters in key and value names and data, continuation
 * lines, every value type, case-insensitive lookups, the 32-bit view, and each kind of bad
 * input refused with file and line. Then registry: rules (agent/rules/registry.c) through
 * the engine: policy over local, missing, view, exists, levels, no registry, and the
 * loader's refusals. */
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
#include "engine.h"
#include "platform/registry.h"

#define CONTROLS EF_SOURCE_DIR "/checks/iso27002-2022.yml"

static char dir[] = "/tmp/efterlev-test-registry-XXXXXX";

static const char *path_of(const char *name)
{
    static char p[4][512];
    static int slot;
    slot = (slot + 1) % 4;
    snprintf(p[slot], sizeof(p[slot]), "%s/%s", dir, name);
    return p[slot];
}

/* Write UTF-8 text as UTF-16LE with BOM (code points below U+10000), CRLF line ends. */
static void write_utf16(const char *name, const char *text)
{
    FILE *f = fopen(path_of(name), "wb");
    assert_non_null(f);
    fputc(0xff, f);
    fputc(0xfe, f);
    for (const unsigned char *s = (const unsigned char *)text; *s;) {
        unsigned c = *s++;
        if (c >= 0xe0)
            c = (c & 0x0f) << 12 | (s[0] & 0x3f) << 6 | (s[1] & 0x3f), s += 2;
        else if (c >= 0xc0)
            c = (c & 0x1f) << 6 | (s[0] & 0x3f), s += 1;
        if (c == '\n') {
            fputc('\r', f);
            fputc(0, f);
        }
        fputc((int)(c & 0xff), f);
        fputc((int)(c >> 8), f);
    }
    fclose(f);
}

static void write_raw(const char *name, const char *bytes, size_t len)
{
    FILE *f = fopen(path_of(name), "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(bytes, 1, len, f), len);
    fclose(f);
}

static int setup(void **state)
{
    (void)state;
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    char cmd[600];
    (void)state;
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static const char sample[] =
    "Windows Registry Editor Version 5.00\n"
    "\n"
    "; a comment\n"
    "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Kommun\\Förvaltning Ö]\n"
    "@=\"standardvärde\"\n"
    "\"Enhetsnamn\"=\"Barn- och utbildningsförvaltningen\"\n"
    "\"Sökväg\"=\"C:\\\\Program Files\\\\Åre \\\"kommun\\\"\"\n"
    "\"Antal\"=dword:0000002a\n"
    "\"Stor\"=hex(b):00,c0,89,76,45,3c,da,01\n"
    /* %ProgramData%\Ö: 25 00 50 00 ... , split over continuation lines */
    "\"Miljö\"=hex(2):25,00,50,00,72,00,6f,00,67,00,72,00,61,00,6d,00,44,00,61,00,\\\n"
    "  74,00,61,00,25,00,5c,00,d6,00,00,00\n"
    "\"Ämnen\"=hex(7):53,00,76,00,65,00,6e,00,73,00,6b,00,61,00,00,00,53,00,6c,00,\\\n"
    "  f6,00,6a,00,64,00,00,00,00,00\n"
    "\"Binär\"=hex:de,ad,be,ef\n"
    "\"Ingen\"=hex(0):\n"
    "\"Stor-endian\"=hex(5):00,00,01,00\n"
    /* a device property's type (reg export HKLM writes them under Enum\...\Properties) */
    "\"Enhet\"=hex(ffff0007):03,00,00,00\n"
    "\n"
    "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Kommun\\Förvaltning Ö\\Skola\\Klass 7]\n"
    "\"Elever\"=dword:0000001c\n"
    "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Kommun\\Förvaltning Ö\\Äldreomsorg]\n"
    "[HKEY_LOCAL_MACHINE\\SOFTWARE\\WOW6432Node\\Kommun\\Förvaltning Ö]\n"
    "\"Antal\"=dword:00000020\n"
    "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Kommun\\Förvaltning Ö]\n"
    "\"Antal\"=dword:0000002b\n";

static struct ef_reg *open_ok(const char *name)
{
    char err[512] = "";
    struct ef_reg *r = ef_reg_open_recorded(path_of(name), err, sizeof(err));
    if (r == NULL)
        fail_msg("%s", err);
    return r;
}

static void get(struct ef_reg *r, const char *key, const char *name, ef_reg_view view,
                ef_reg_status want, struct ef_reg_value *v)
{
    char why[300] = "";
    ef_reg_status st = ef_reg_get(r, key, name, view, v, why, sizeof(why));
    if (st != want)
        fail_msg("%s\\%s: status %d, expected %d (%s)", key, name, st, want, why);
}

static void test_read_utf16(void **state)
{
    (void)state;
    write_utf16("sample.reg", sample);
    struct ef_reg *r = open_ok("sample.reg");
    struct ef_reg_value v;
    const char *k = "HKLM\\SOFTWARE\\Kommun\\Förvaltning Ö";
    char tn[24];

    get(r, k, "Enhetsnamn", EF_REG_VIEW_64, EF_REG_PRESENT, &v);
    assert_int_equal(v.type, EF_REG_SZ);
    assert_string_equal(v.text, "Barn- och utbildningsförvaltningen");
    get(r, k, "", EF_REG_VIEW_64, EF_REG_PRESENT, &v); /* @= the default value */
    assert_string_equal(v.text, "standardvärde");
    get(r, k, "sökväg", EF_REG_VIEW_64, EF_REG_PRESENT, &v); /* \\ and \" unescaped */
    assert_string_equal(v.text, "C:\\Program Files\\Åre \"kommun\"");
    /* the key listed twice merges; the value listed twice keeps the last one: 0x2b */
    get(r, k, "Antal", EF_REG_VIEW_64, EF_REG_PRESENT, &v);
    assert_int_equal(v.type, EF_REG_DWORD);
    assert_true(v.numeric);
    assert_int_equal(v.num, 43);
    assert_string_equal(v.text, "43");
    get(r, k, "Stor", EF_REG_VIEW_64, EF_REG_PRESENT, &v);
    assert_int_equal(v.type, EF_REG_QWORD);
    assert_true(v.num == 133485408000000000ULL); /* 0x01da3c457689c000 */
    get(r, k, "MILJÖ", EF_REG_VIEW_64, EF_REG_PRESENT, &v);
    assert_int_equal(v.type, EF_REG_EXPAND_SZ);
    assert_string_equal(v.text, "%ProgramData%\\Ö"); /* not expanded */
    get(r, k, "ämnen", EF_REG_VIEW_64, EF_REG_PRESENT, &v);
    assert_int_equal(v.type, EF_REG_MULTI_SZ);
    assert_string_equal(v.text, "Svenska\nSlöjd");
    get(r, k, "Binär", EF_REG_VIEW_64, EF_REG_PRESENT, &v);
    assert_int_equal(v.type, EF_REG_BINARY);
    assert_string_equal(v.text, "deadbeef");
    get(r, k, "Ingen", EF_REG_VIEW_64, EF_REG_PRESENT, &v);
    assert_int_equal(v.type, EF_REG_NONE);
    assert_string_equal(v.text, "");
    get(r, k, "Stor-endian", EF_REG_VIEW_64, EF_REG_PRESENT, &v);
    assert_int_equal(v.num, 256); /* 00 00 01 00 big-endian */
    assert_string_equal(ef_reg_type_name(v.type, tn), "REG_DWORD_BIG_ENDIAN");
    get(r, k, "Enhet", EF_REG_VIEW_64, EF_REG_PRESENT, &v);
    assert_int_equal(v.type, 0xffff0007u);
    get(r, k, "Saknas", EF_REG_VIEW_64, EF_REG_ABSENT, &v);
    get(r, "HKLM\\SOFTWARE\\Kommun\\Ingen", "Antal", EF_REG_VIEW_64, EF_REG_ABSENT, &v);

    /* case-insensitive keys, long hive name, Swedish capitals folded */
    get(r, "HKEY_LOCAL_MACHINE\\software\\KOMMUN\\FÖRVALTNING ö", "ANTAL", EF_REG_VIEW_64,
        EF_REG_PRESENT, &v);
    assert_int_equal(v.num, 43);
    /* 32-bit view: WOW6432Node */
    get(r, k, "Antal", EF_REG_VIEW_32, EF_REG_PRESENT, &v);
    assert_int_equal(v.num, 32);

    char why[200];
    assert_int_equal(
        ef_reg_key_exists(r, "HKLM\\SOFTWARE\\Kommun", EF_REG_VIEW_64, why, sizeof(why)),
        EF_REG_PRESENT); /* a parent of recorded keys */
    assert_int_equal(
        ef_reg_key_exists(r, "HKLM\\SOFTWARE\\Kommu", EF_REG_VIEW_64, why, sizeof(why)),
        EF_REG_ABSENT);
    char **names;
    size_t n;
    assert_int_equal(ef_reg_subkeys(r, k, EF_REG_VIEW_64, &names, &n, why, sizeof(why)),
                     EF_REG_PRESENT);
    assert_int_equal(n, 2); /* Skola (a parent of Klass 7) and Äldreomsorg, sorted */
    assert_string_equal(names[0], "Skola");
    assert_string_equal(names[1], "Äldreomsorg");
    assert_null(names[2]);
    ef_reg_names_free(names);
    assert_non_null(strstr(ef_reg_source(r), "sample.reg"));
    assert_false(ef_reg_is_live(r));
    ef_reg_free(r);

    /* the same as UTF-8 with BOM and LF, and as REGEDIT4 */
    char *u8 = malloc(sizeof(sample) + 3);
    memcpy(u8, "\xef\xbb\xbf", 3);
    memcpy(u8 + 3, sample, sizeof(sample));
    write_raw("utf8.reg", u8, sizeof(sample) + 2);
    free(u8);
    r = open_ok("utf8.reg");
    get(r, k, "Enhetsnamn", EF_REG_VIEW_64, EF_REG_PRESENT, &v);
    assert_string_equal(v.text, "Barn- och utbildningsförvaltningen");
    ef_reg_free(r);
    static const char r4[] = "REGEDIT4\n\n[HKEY_LOCAL_MACHINE\\SYSTEM\\X]\n\"A\"=dword:1\n";
    write_raw("r4.reg", r4, sizeof(r4) - 1);
    r = open_ok("r4.reg");
    get(r, "HKLM\\SYSTEM\\X", "A", EF_REG_VIEW_64, EF_REG_PRESENT, &v);
    assert_int_equal(v.num, 1);
    ef_reg_free(r);

    /* no registry here */
    char err[200];
    assert_null(ef_reg_open_live(err, sizeof(err)));
    assert_non_null(strstr(err, "no registry on this system"));
}

static void expect_bad(const char *name, const char *text, int utf16, const char *want)
{
    char err[600] = "";
    if (utf16)
        write_utf16(name, text);
    else
        write_raw(name, text, strlen(text));
    struct ef_reg *r = ef_reg_open_recorded(path_of(name), err, sizeof(err));
    if (r != NULL)
        fail_msg("%s: loaded, expected: %s", name, want);
    char full[700];
    snprintf(full, sizeof(full), "%s%s", path_of(name), want);
    if (strstr(err, full) == NULL)
        fail_msg("%s: error '%s', expected '%s'", name, err, full);
}

#define H "Windows Registry Editor Version 5.00\n\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\X]\n"

static void test_bad_input(void **state)
{
    (void)state;
    expect_bad("hdr.reg", "Windows Registry Editor Version 4.00\n", 1,
               ":1: not a .reg file: line 1 must be");
    expect_bad("empty.reg", "", 0, ":1: empty file");
    expect_bad("be.reg", "\xfe\xff\0W", 0, ":1: UTF-16 big-endian");
    expect_bad("odd.reg", "\xff\xfeW\0i\0n", 0, ":1: UTF-16LE file with an odd number of bytes");
    expect_bad("latin1.reg", H "\"A\"=\"\xe5\"\n", 0, ":4: not valid UTF-8");
    expect_bad("dword.reg", H "\"A\"=dword:xyz\n", 1, ":4: dword: 'xyz' is not hexadecimal");
    expect_bad("dword9.reg", H "\"A\"=dword:000000001\n", 1, ":4: dword: expected 1 to 8 hex");
    expect_bad("delkey.reg", H "[-HKEY_LOCAL_MACHINE\\SOFTWARE\\Y]\n", 1,
               ":4: deletion of key [HKEY_LOCAL_MACHINE\\SOFTWARE\\Y] refused");
    expect_bad("delval.reg", H "\"A\"=-\n", 1, ":4: deletion of value 'A' refused");
    expect_bad("escape.reg", H "\"A\"=\"C:\\temp\"\n", 1, ":4: string data: unknown escape '\\t'");
    expect_bad("quote.reg", H "\"A\"=\"open\n", 1, ":4: string data: no closing quote");
    expect_bad("after.reg", H "\"A\"=\"x\" y\n", 1, ":4: unexpected text after the closing quote");
    expect_bad("nokey.reg", "Windows Registry Editor Version 5.00\n\"A\"=dword:1\n", 1,
               ":2: a value before the first [KEY] line");
    expect_bad("hive.reg", "Windows Registry Editor Version 5.00\n[HKEY_CURRENT_USER\\X]\n", 1,
               ":2: key 'HKEY_CURRENT_USER\\X' is not under HKEY_LOCAL_MACHINE");
    expect_bad("keyline.reg", H "[HKEY_LOCAL_MACHINE\\SOFTWARE\n", 1,
               ":4: a key line must be [KEY]");
    expect_bad("hex.reg", H "\"A\"=hex:01,zz\n", 1,
               ":4: hex data: expected two hex digits at 'zz'");
    expect_bad("hexsep.reg", H "\"A\"=hex:01;02\n", 1, ":4: hex data: expected ','");
    expect_bad("hextype.reg", H "\"A\"=hex(q):01\n", 1, ":4: hex(N): bad type number");
    expect_bad("hextype33.reg", H "\"A\"=hex(100000000):01\n", 1, ":4: hex(N): bad type number");
    expect_bad("qword.reg", H "\"A\"=hex(b):01,02\n", 1, ":4: value 'A': a QWORD of 2 bytes");
    expect_bad("utf16data.reg", H "\"A\"=hex(2):41\n", 1,
               ":4: value 'A': odd number of bytes (1) in UTF-16 text");
    expect_bad("cont.reg", H "\"A\"=hex:01,\\\n", 1, ":4: the file ends inside a continued value");
    /* the error names the value's first line; a bad continuation line its own */
    expect_bad("cont2.reg", H "\"A\"=hex:01,\\\n02\n", 1,
               ":5: a continuation line must start with spaces");
    expect_bad("data.reg", H "\"A\"=unknown:1\n", 1, ":4: value 'A': unknown data 'unknown:1'");
    expect_bad("eq.reg", H "\"A\" dword:1\n", 1, ":4: expected '=' after the value name");
    expect_bad("junk.reg", H "junk\n", 1, ":4: cannot read this line: 'junk'");

    /* data beyond 64 KiB: 65537 bytes of hex */
    size_t n = 65537, len = strlen(H) + 8 + 3 * n + 2;
    char *big = malloc(len + 1), *p = big;
    p += sprintf(p, "%s\"A\"=hex:", H);
    for (size_t i = 0; i < n; i++)
        p += sprintf(p, i + 1 < n ? "00," : "00");
    strcpy(p, "\n");
    expect_bad("big.reg", big, 0, ":4: hex data longer than 65536 bytes");
    free(big);
    /* a NUL byte in a UTF-8 file */
    static const char nul[] = "Windows Registry Editor Version 5.00\n\n[HKEY_LOCAL_MACHINE\\A]\n"
                              "\"A\"=\"x\0y\"\n";
    char err[600];
    write_raw("nul2.reg", nul, sizeof(nul) - 1);
    assert_null(ef_reg_open_recorded(path_of("nul2.reg"), err, sizeof(err)));
    assert_non_null(strstr(err, ":4: NUL character in the file"));
    /* an unpaired surrogate on line 2 of a UTF-16LE file: "W\n" U+D800 "x" */
    static const char sur[] = "\xff\xfeW\0\n\0\x00\xd8x\0";
    write_raw("surrogate.reg", sur, sizeof(sur) - 1);
    assert_null(ef_reg_open_recorded(path_of("surrogate.reg"), err, sizeof(err)));
    assert_non_null(strstr(err, "surrogate.reg:2: not valid UTF-16LE (unpaired surrogate)"));
    /* a missing file */
    assert_null(ef_reg_open_recorded(path_of("none.reg"), err, sizeof(err)));
    assert_non_null(strstr(err, "No such file"));
}

/* ---- the rule, through the engine ---- */

static const char rules_reg[] =
    "Windows Registry Editor Version 5.00\n"
    "\n"
    "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Microsoft\\WindowsFirewall\\DomainProfile]\n"
    "\"EnableFirewall\"=dword:00000000\n"
    "[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\SharedAccess\\Parameters\\"
    "FirewallPolicy\\DomainProfile]\n"
    "\"EnableFirewall\"=dword:00000001\n"
    "[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\SharedAccess\\Parameters\\"
    "FirewallPolicy\\PublicProfile]\n"
    "\"EnableFirewall\"=dword:00000001\n"
    "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Microsoft\\Windows\\System]\n"
    "\"ShellSmartScreenLevel\"=\"Block\"\n"
    "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Policies\\System]\n"
    "\"InactivityTimeoutSecs\"=dword:00000258\n"
    "[HKEY_LOCAL_MACHINE\\SOFTWARE\\WOW6432Node\\Kommun]\n"
    "\"Version\"=\"7\"\n"
    "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Kommun]\n"
    "\"Version\"=\"8\"\n"
    "\"Vilotid\"=\"900\"\n";

#define FW_POLICY "HKLM\\SOFTWARE\\Policies\\Microsoft\\WindowsFirewall\\"
#define FW_LOCAL                                                                                   \
    "HKLM\\SYSTEM\\CurrentControlSet\\Services\\SharedAccess\\Parameters\\FirewallPolicy\\"

/* One check holding cond, scanned at level over the recorded rules_reg (or no registry). */
static ef_status run(const char *cond, ef_level level, int with_registry, char *ev, size_t evlen)
{
    char text[4096], err[600] = "";
    snprintf(text, sizeof(text),
             "policy: {id: t, version: \"1\"}\n"
             "checks:\n"
             "  - id: t.rule\n"
             "    title: t\n    description: d\n    rationale: r\n    remediation: r\n"
             "    controls: [\"8.20\"]\n    severity: low\n    level: basic\n"
             "%s",
             cond);
    write_raw("p.yml", text, strlen(text));
    struct ef_policy_set ps;
    ef_policy_init(&ps);
    if (ef_policy_load(&ps, path_of("p.yml"), CONTROLS, err, sizeof(err)) != 0)
        fail_msg("%s", err);
    write_utf16("rules.reg", rules_reg);
    struct ef_reg *reg = with_registry ? open_ok("rules.reg") : NULL;
    struct ef_scan_opts o = {.root = "/nonexistent", .registry = reg, .level = level};
    struct ef_report r;
    ef_report_init(&r);
    assert_int_equal(ef_scan(&ps, &o, &r), 0);
    assert_int_equal(r.nresults, 1);
    ef_status st = r.results[0].status;
    snprintf(ev, evlen, "%s", r.results[0].evidence);
    ef_report_free(&r);
    ef_policy_free(&ps);
    ef_reg_free(reg);
    return st;
}

#define B EF_LEVEL_BASIC
#define E EF_LEVEL_ELEVATED
#define HI EF_LEVEL_HIGH

static void expect(const char *cond, ef_level lv, int reg, ef_status want, const char *ev_has)
{
    char ev[EF_EVIDENCE_MAX + 1];
    ef_status st = run(cond, lv, reg, ev, sizeof(ev));
    if (st != want || strstr(ev, ev_has) == NULL)
        fail_msg("status %s (expected %s), evidence '%s' (expected to hold '%s')",
                 ef_status_name(st), ef_status_name(want), ev, ev_has);
}

static void test_rule_precedence(void **state)
{
    (void)state;
    /* policy 0 overrides local 1 */
    expect("    all:\n"
           "      - registry: ['" FW_POLICY "DomainProfile', '" FW_LOCAL "DomainProfile']\n"
           "        value: EnableFirewall\n        equals: 1\n",
           B, 1, EF_FAIL,
           FW_POLICY "DomainProfile\\EnableFirewall = 0 (REG_DWORD) (expected 1): policy value, "
                     "overrides the local setting");
    /* no policy value: the local one decides, and says why */
    expect("    all:\n"
           "      - registry: ['" FW_POLICY "PublicProfile', '" FW_LOCAL "PublicProfile']\n"
           "        value: EnableFirewall\n        equals: 1\n",
           B, 1, EF_PASS,
           FW_LOCAL "PublicProfile\\EnableFirewall = 1 (REG_DWORD): local value, no "
                    "EnableFirewall under " FW_POLICY "PublicProfile");
}

static void test_rule_missing(void **state)
{
    (void)state;
    const char *base =
        "    all:\n"
        "      - registry: ['" FW_POLICY "PrivateProfile', '" FW_LOCAL "StandardProfile']\n"
        "        value: DefaultInboundAction\n        equals: 1\n";
    char cond[1024];
    expect(base, B, 1, EF_FAIL,
           "no value DefaultInboundAction under " FW_POLICY "PrivateProfile (policy) nor " FW_LOCAL
           "StandardProfile (local) (not set)");
    snprintf(cond, sizeof(cond), "%s        missing: pass\n", base);
    expect(cond, B, 1, EF_PASS, "(absent is accepted: the Windows default)");
    snprintf(cond, sizeof(cond), "%s        missing: unknown\n", base);
    expect(cond, B, 1, EF_UNKNOWN, "(absent does not decide: unknown)");
    /* per level: accepted at basic, not at high */
    snprintf(cond, sizeof(cond), "%s        missing: {basic: pass, high: fail}\n", base);
    expect(cond, E, 1, EF_PASS, "absent is accepted");
    expect(cond, HI, 1, EF_FAIL, "(not set)");
    /* exists */
    expect("    all:\n      - registry: 'HKLM\\SOFTWARE\\Kommun'\n        value: Hemlig\n"
           "        exists: false\n",
           B, 1, EF_PASS, "no value Hemlig under HKLM\\SOFTWARE\\Kommun (local) (expected absent)");
    expect("    all:\n      - registry: 'HKLM\\SOFTWARE\\Kommun'\n        value: Version\n"
           "        exists: false\n",
           B, 1, EF_FAIL, "HKLM\\SOFTWARE\\Kommun\\Version exists (REG_SZ) (expected absent)");
    expect("    all:\n      - registry: 'HKLM\\SOFTWARE\\Kommun\\Saknas'\n        exists: true\n",
           B, 1, EF_FAIL, "HKLM\\SOFTWARE\\Kommun\\Saknas does not exist (expected to exist)");
    expect(
        "    all:\n      - registry: 'HKLM\\SOFTWARE\\Policies\\Microsoft'\n        exists: true\n",
        B, 1, EF_PASS, "HKLM\\SOFTWARE\\Policies\\Microsoft exists (policy key)");
}

static void test_rule_view_levels_tests(void **state)
{
    (void)state;
    expect("    all:\n      - registry: 'HKLM\\SOFTWARE\\Kommun'\n        value: Version\n"
           "        equals: 8\n",
           B, 1, EF_PASS, "HKLM\\SOFTWARE\\Kommun\\Version = 8 (REG_SZ)");
    expect("    all:\n      - registry: 'HKLM\\SOFTWARE\\Kommun'\n        value: Version\n"
           "        equals: 8\n        view: 32\n",
           B, 1, EF_FAIL, "HKLM\\SOFTWARE\\Kommun\\Version = 7 (REG_SZ, 32-bit view) (expected 8)");
    /* 600 s: max 900 at basic, 600 at elevated, 300 at high */
    const char *lock = "    all:\n"
                       "      - registry: 'HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\"
                       "Policies\\System'\n"
                       "        value: InactivityTimeoutSecs\n        min: 1\n"
                       "        max: {basic: 900, elevated: 600, high: 300}\n";
    expect(lock, B, 1, EF_PASS, "InactivityTimeoutSecs = 600 (REG_DWORD): policy value");
    expect(lock, E, 1, EF_PASS, "= 600");
    expect(lock, HI, 1, EF_FAIL, "InactivityTimeoutSecs = 600 (REG_DWORD) (max 300)");
    /* a number kept as text counts for min/max; text does not */
    expect("    all:\n      - registry: 'HKLM\\SOFTWARE\\Kommun'\n        value: Vilotid\n"
           "        max: 900\n",
           B, 1, EF_PASS, "Vilotid = 900 (REG_SZ)");
    expect("    all:\n      - registry: 'HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows\\System'\n"
           "        value: ShellSmartScreenLevel\n        min: 1\n",
           B, 1, EF_FAIL, "= Block (REG_SZ) (not a number)");
    /* text: equals case-insensitively, in, matches */
    expect("    all:\n      - registry: 'HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows\\System'\n"
           "        value: ShellSmartScreenLevel\n        equals: block\n",
           B, 1, EF_PASS, "ShellSmartScreenLevel = Block (REG_SZ): policy value");
    expect("    all:\n      - registry: 'HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows\\System'\n"
           "        value: ShellSmartScreenLevel\n        in: [Warn, Off]\n",
           B, 1, EF_FAIL, "(expected one of Warn, Off)");
    expect("    all:\n      - registry: 'HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows\\System'\n"
           "        value: ShellSmartScreenLevel\n        matches: '^W'\n",
           B, 1, EF_FAIL, "(does not match '^W')");
    /* equals in hex, as regedit shows DWORDs */
    expect("    all:\n      - registry: 'HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\"
           "Policies\\System'\n        value: InactivityTimeoutSecs\n        equals: '0x258'\n",
           B, 1, EF_PASS, "= 600");
    /* without a registry: unknown, saying why */
    expect("    all:\n      - registry: 'HKLM\\SOFTWARE\\Kommun'\n        value: Version\n"
           "        equals: 8\n",
           B, 0, EF_UNKNOWN,
           "no Windows registry in this scan (a linux system; a recorded registry is scanned "
           "with --registry FILE.reg): HKLM\\SOFTWARE\\Kommun\\Version not read");
}

static void expect_load_error(const char *rule, const char *want)
{
    char text[2048], err[600] = "";
    snprintf(text, sizeof(text),
             "policy: {id: t, version: \"1\"}\n"
             "checks:\n"
             "  - id: t.rule\n"
             "    title: t\n    description: d\n    rationale: r\n    remediation: r\n"
             "    controls: [\"8.20\"]\n    severity: low\n    level: basic\n"
             "    all:\n%s",
             rule);
    write_raw("bad.yml", text, strlen(text));
    struct ef_policy_set ps;
    ef_policy_init(&ps);
    assert_int_not_equal(ef_policy_load(&ps, path_of("bad.yml"), CONTROLS, err, sizeof(err)), 0);
    if (strstr(err, want) == NULL)
        fail_msg("error '%s', expected '%s'", err, want);
    ef_policy_free(&ps);
}

static void test_rule_loader(void **state)
{
    (void)state;
    expect_load_error("      - registry: 'HKLM\\X'\n        value: A\n        equal: 1\n",
                      "bad.yml:14: unknown key 'equal' in a registry rule");
    expect_load_error("      - registry: 'HKLM\\X'\n        value: A\n        equals: 1\n"
                      "        view: 16\n",
                      "bad.yml:15: view: must be 64");
    expect_load_error("      - registry: 'HKLM\\X'\n        value: A\n        equals: 1\n"
                      "        missing: maybe\n",
                      "bad.yml:15: missing: expected pass, fail or unknown, got 'maybe'");
    expect_load_error("      - registry: 'HKLM\\X'\n        equals: 1\n",
                      "bad.yml:12: registry rule without 'value' can only test that the key "
                      "exists");
    expect_load_error("      - registry: 'HKLM\\X'\n        value: A\n",
                      "bad.yml:12: registry rule has nothing to test");
    expect_load_error("      - registry: 'HKLM\\X'\n        value: A\n        exists: true\n"
                      "        missing: pass\n",
                      "'missing' does not go with 'exists'");
    expect_load_error("      - registry: 'HKCU\\X'\n        value: A\n        equals: 1\n",
                      "bad.yml:12: registry: 'HKCU\\X' is not a key path");
    expect_load_error(
        "      - registry: ['HKLM\\X', 'HKLM\\\\Y']\n        value: A\n        equals: 1\n",
        "is not a key path");
    expect_load_error("      - registry: 'HKLM\\X'\n        value: A\n        matches: '(x'\n",
                      "bad.yml:14: matches: bad regular expression '(x'");
    expect_load_error("      - registry: 'HKLM\\X'\n        value: A\n        min: many\n",
                      "bad.yml:14: min: wrong type: expected an integer");
    expect_load_error("      - registry: 'HKLM\\X'\n        fact: os.id\n        equals: x\n",
                      "a rule has exactly one kind");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_read_utf16),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_rule_precedence),
        cmocka_unit_test(test_rule_missing),
        cmocka_unit_test(test_rule_view_levels_tests),
        cmocka_unit_test(test_rule_loader),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
