/* SPDX-License-Identifier: EUPL-1.2 */
/* wmi: rules (agent/rules/wmi.c) through the engine, on small recordings this test writes
 * (agent/platform/winsys_recorded.c): equals, in, min, max per level, matches, contains on
 * an array; rows all and any; the where-filter (numbers, booleans, strings, and); missing
 * (no row, class absent); denied (needs Administrator), a table not recorded, no recording,
 * no Windows system; the loader's refusals with file and line. Then the probes that read
 * WMI: host.role from the chassis types (laptop, desktop, server, the fallback without
 * WMI), the system volume's BitLocker state (on, suspended, in progress, paused, no
 * BitLocker, denied) and key protectors, another anti-malware product, the firmware type. */
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
#include "platform/winsys.h"

#define CONTROLS EF_SOURCE_DIR "/checks/iso27002-2022.yml"

static char dir[] = "/tmp/efterlev-test-wmi-XXXXXX";

static const char *path_of(const char *name)
{
    static char p[4][512];
    static int slot;
    slot = (slot + 1) % 4;
    snprintf(p[slot], sizeof(p[slot]), "%s/%s", dir, name);
    return p[slot];
}

static void write_text(const char *name, const char *text)
{
    FILE *f = fopen(path_of(name), "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
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

#define WORKSTATION                                                                                \
    "Windows Registry Editor Version 5.00\n\n"                                                     \
    "[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Control\\ProductOptions]\n"                   \
    "\"ProductType\"=\"WinNT\"\n"
#define SERVER                                                                                     \
    "Windows Registry Editor Version 5.00\n\n"                                                     \
    "[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Control\\ProductOptions]\n"                   \
    "\"ProductType\"=\"ServerNT\"\n"
#define NOPRODUCT "Windows Registry Editor Version 5.00\n\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\X]\n"

#define BL "wmi:root\\\\CIMV2\\\\Security\\\\MicrosoftVolumeEncryption:Win32_EncryptableVolume"
#define TPM "wmi:root\\\\CIMV2\\\\Security\\\\MicrosoftTpm:Win32_Tpm"
#define OS "wmi:root\\\\CIMV2:Win32_OperatingSystem"
#define ENCL "wmi:root\\\\CIMV2:Win32_SystemEnclosure"
#define CS "wmi:root\\\\CIMV2:Win32_ComputerSystem"
#define DG "wmi:root\\\\Microsoft\\\\Windows\\\\DeviceGuard:Win32_DeviceGuard"
#define MP "wmi:root\\\\Microsoft\\\\Windows\\\\Defender:MSFT_MpComputerStatus"

/* A volume row: letter, VolumeType, ProtectionStatus, ConversionStatus, EncryptionMethod. */
#define VOL(l, t, p, c, m)                                                                         \
    "{\"DeviceID\": \"\\\\\\\\?\\\\Volume{" l "}\\\\\", \"DriveLetter\": \"" l ":\", "             \
    "\"VolumeType\": " #t ", \"ProtectionStatus\": " #p ", \"ConversionStatus\": " #c ", "         \
    "\"EncryptionMethod\": " #m "}"

/* The recording most tests use: a laptop with three volumes and a TPM 2.0. */
static const char rec_main[] =
    "{\"efterlev_windows_recording\": 1, \"tables\": {\n"
    "\"" BL
    "\": [" VOL("C", 0, 1, 1, 7) ", " VOL("D", 1, 0, 0, 0) ", " VOL("E", 1, 1, 1, 6) ", " VOL(
        "F", 2, 0, 0,
        0) "],\n"
           "\"" TPM "\": [{\"IsEnabled_InitialValue\": true, \"IsActivated_InitialValue\": true, "
           "\"SpecVersion\": \"2.0, 0, 1.38\", \"ManufacturerVersion\": null, "
           "\"_why\": \"not reported by this TPM\"}],\n"
           "\"" OS "\": [{\"SystemDrive\": \"C:\", \"ProductType\": 1}],\n"
           "\"" ENCL "\": [{\"Tag\": \"System Enclosure 0\", \"ChassisTypes\": [10]}],\n"
           "\"" DG
           "\": [{\"SecurityServicesRunning\": [1, 2], \"AvailableSecurityProperties\": [1, 2]}],\n"
           "\"" MP "\": [{\"AntivirusSignatureAge\": 2, \"AMServiceEnabled\": true}],\n"
           "\"wmi:root\\\\CIMV2:Win32_OptionalFeature\": [{\"Name\": "
           "\"MicrosoftWindowsPowerShellV2\", "
           "\"InstallState\": 2}],\n"
           "\"wmi:root\\\\CIMV2:Win32_Denied\": {\"status\": \"denied\", \"why\": \"access denied "
           "(WBEM_E_ACCESS_DENIED)\"},\n"
           "\"wmi:root\\\\CIMV2:Win32_Gone\": {\"status\": \"absent\", \"why\": \"invalid "
           "namespace "
           "(no TPM provider)\"},\n"
           "\"api:BitLockerKeyProtectors\": [{\"device_id\": \"x\", \"drive_letter\": \"C:\", "
           "\"type\": 3}, {\"device_id\": \"x\", \"drive_letter\": \"c:\", \"type\": 4}, "
           "{\"device_id\": \"y\", \"drive_letter\": \"D:\", \"type\": 1}],\n"
           "\"api:SecurityCenterAntivirus\": [{\"name\": \"Windows Defender\", \"state\": \"off\", "
           "\"signature_up_to_date\": true}, {\"name\": \"Bitdefender Endpoint Security Tools\", "
           "\"state\": \"on\", \"signature_up_to_date\": true}],\n"
           "\"api:Firmware\": [{\"type\": \"bios\"}]\n"
           "}}\n";

enum { NO_WIN = 0, WITH_WIN = 1, NO_REG = 2 };

/* One check holding cond, scanned at level over the registry reg_text and the recording
 * rec_text (mode: NO_WIN scans the registry without a recording, NO_REG is a Linux scan). */
static ef_status run(const char *cond, ef_level level, const char *reg_text, const char *rec_text,
                     int mode, char *ev, size_t evlen)
{
    char text[8192], err[600] = "";
    snprintf(text, sizeof(text),
             "policy: {id: t, version: \"1\"}\n"
             "checks:\n"
             "  - id: t.rule\n"
             "    title: t\n    description: d\n    rationale: r\n    remediation: r\n"
             "    controls: [\"8.20\"]\n    severity: low\n    level: basic\n"
             "%s",
             cond);
    write_text("p.yml", text);
    struct ef_policy_set ps;
    ef_policy_init(&ps);
    if (ef_policy_load(&ps, path_of("p.yml"), CONTROLS, err, sizeof(err)) != 0)
        fail_msg("%s", err);
    write_text("m.reg", reg_text);
    write_text("m.json", rec_text);
    struct ef_reg *reg = NULL;
    struct ef_win *win = NULL;
    if (mode != NO_REG) {
        reg = ef_reg_open_recorded(path_of("m.reg"), err, sizeof(err));
        if (reg == NULL)
            fail_msg("%s", err);
    }
    if (mode == WITH_WIN) {
        win = ef_win_open_recorded(path_of("m.json"), err, sizeof(err));
        if (win == NULL)
            fail_msg("%s", err);
    }
    struct ef_scan_opts o = {.root = "/nonexistent", .registry = reg, .win = win, .level = level};
    struct ef_report r;
    ef_report_init(&r);
    assert_int_equal(ef_scan(&ps, &o, &r), 0);
    assert_int_equal(r.nresults, 1);
    ef_status st = r.results[0].status;
    snprintf(ev, evlen, "%s", r.results[0].evidence);
    ef_report_free(&r);
    ef_policy_free(&ps);
    ef_win_free(win);
    ef_reg_free(reg);
    return st;
}

#define B EF_LEVEL_BASIC
#define E EF_LEVEL_ELEVATED
#define HI EF_LEVEL_HIGH

static void expect_on(const char *cond, ef_level lv, const char *reg, const char *rec, int mode,
                      ef_status want, const char *ev_has)
{
    char ev[EF_EVIDENCE_MAX + 1];
    ef_status st = run(cond, lv, reg, rec, mode, ev, sizeof(ev));
    if (st != want || strstr(ev, ev_has) == NULL)
        fail_msg("status %s (expected %s), evidence '%s' (expected to hold '%s')",
                 ef_status_name(st), ef_status_name(want), ev, ev_has);
}

static void expect(const char *cond, ef_level lv, ef_status want, const char *ev_has)
{
    expect_on(cond, lv, WORKSTATION, rec_main, WITH_WIN, want, ev_has);
}

#define TPM_RULE                                                                                   \
    "    all:\n      - wmi: Win32_Tpm\n"                                                           \
    "        namespace: 'root\\CIMV2\\Security\\MicrosoftTpm'\n"
#define VOL_RULE                                                                                   \
    "    all:\n      - wmi: Win32_EncryptableVolume\n"                                             \
    "        namespace: 'root\\CIMV2\\Security\\MicrosoftVolumeEncryption'\n"

static void test_tests(void **state)
{
    (void)state;
    expect(TPM_RULE "        property: SpecVersion\n        matches: '^2\\.0'\n", B, EF_PASS,
           "wmi root\\CIMV2\\Security\\MicrosoftTpm Win32_Tpm: SpecVersion = \"2.0, 0, 1.38\"");
    expect(TPM_RULE "        property: SpecVersion\n        matches: '^1\\.2'\n", B, EF_FAIL,
           "SpecVersion = \"2.0, 0, 1.38\" (does not match '^1\\.2')");
    expect(TPM_RULE "        property: IsActivated_InitialValue\n        equals: true\n", B,
           EF_PASS, "IsActivated_InitialValue = true");
    expect(TPM_RULE "        property: IsActivated_InitialValue\n        equals: false\n", B,
           EF_FAIL, "IsActivated_InitialValue = true (expected false)");
    /* text compares case-insensitively, as WMI does */
    expect(TPM_RULE "        property: SpecVersion\n        equals: '2.0, 0, 1.38'\n", B, EF_PASS,
           "SpecVersion");
    /* the namespace as PowerShell users write it, any case */
    expect("    all:\n      - wmi: win32_tpm\n        namespace: root/cimv2/security/microsofttpm\n"
           "        property: SpecVersion\n        matches: '^2'\n",
           B, EF_PASS, "wmi root\\cimv2\\security\\microsofttpm win32_tpm: SpecVersion");
    /* per-level max */
    const char *age = "    all:\n      - wmi: MSFT_MpComputerStatus\n"
                      "        namespace: 'root\\Microsoft\\Windows\\Defender'\n"
                      "        property: AntivirusSignatureAge\n"
                      "        max: {basic: 3, elevated: 2, high: 1}\n";
    expect(age, E, EF_PASS, "MSFT_MpComputerStatus: AntivirusSignatureAge = 2");
    expect(age, HI, EF_FAIL, "AntivirusSignatureAge = 2 (max 1)");
    /* min on a string is not a number */
    expect(TPM_RULE "        property: SpecVersion\n        min: 2\n", B, EF_FAIL,
           "(not a number)");
    /* contains on an array property, and in */
    const char *dg = "    all:\n      - wmi: Win32_DeviceGuard\n"
                     "        namespace: 'root\\Microsoft\\Windows\\DeviceGuard'\n"
                     "        property: SecurityServicesRunning\n";
    char cond[1024];
    snprintf(cond, sizeof(cond), "%s        contains: 1\n", dg);
    expect(cond, B, EF_PASS, "SecurityServicesRunning = [1,2]");
    snprintf(cond, sizeof(cond), "%s        contains: 3\n", dg);
    expect(cond, B, EF_FAIL, "SecurityServicesRunning = [1,2] (expected to contain 3)");
    expect(VOL_RULE "        where: \"DriveLetter = 'C:'\"\n        property: EncryptionMethod\n"
                    "        in: [6, 7]\n",
           B, EF_PASS, "DriveLetter C:, EncryptionMethod = 7");
    expect(VOL_RULE "        where: \"DriveLetter = 'C:'\"\n        property: EncryptionMethod\n"
                    "        in: [5, 6]\n",
           B, EF_FAIL, "EncryptionMethod = 7 (expected one of 5, 6)");
    /* a null property cannot be judged: unknown with the row's _why; an absent one too */
    expect(TPM_RULE "        property: ManufacturerVersion\n        equals: x\n", B, EF_UNKNOWN,
           "ManufacturerVersion = null (not read: not reported by this TPM)");
    expect(TPM_RULE "        property: NoSuchProperty\n        equals: x\n", B, EF_UNKNOWN,
           "has no property NoSuchProperty");
}

static void test_rows_where(void **state)
{
    (void)state;
    /* rows: all over the fixed data volumes (VolumeType 1): D: is plaintext, listed */
    const char *data = VOL_RULE "        where: \"VolumeType = 1\"\n"
                                "        property: ProtectionStatus\n        equals: 1\n";
    expect(data, B, EF_FAIL,
           "wmi root\\CIMV2\\Security\\MicrosoftVolumeEncryption Win32_EncryptableVolume (where "
           "VolumeType = 1): 1 of 2 rows fail (rows: all): DriveLetter D:, ProtectionStatus = 0 "
           "(expected 1)");
    char cond[1024];
    snprintf(cond, sizeof(cond), "%s        rows: any\n", data);
    expect(cond, B, EF_PASS, "1 of 2 rows pass (rows: any): DriveLetter E:, ProtectionStatus = 1");
    /* every row */
    expect(VOL_RULE "        property: VolumeType\n        max: 2\n", B, EF_PASS,
           "4 of 4 rows pass (rows: all)");
    /* and: numbers and strings; a number written as a string in the row still matches */
    expect(VOL_RULE "        where: \"VolumeType = 1 and DriveLetter = 'e:'\"\n"
                    "        property: EncryptionMethod\n        equals: 6\n",
           B, EF_PASS,
           "(where VolumeType = 1 and DriveLetter = 'e:'): DriveLetter E:, "
           "EncryptionMethod = 6");
    /* booleans */
    expect(TPM_RULE "        where: 'IsEnabled_InitialValue = TRUE'\n"
                    "        property: SpecVersion\n        matches: '^2'\n",
           B, EF_PASS, "SpecVersion");
    /* a quote inside a string */
    expect(VOL_RULE "        where: \"DriveLetter = 'C'':'\"\n        property: VolumeType\n"
                    "        equals: 0\n",
           B, EF_UNKNOWN, "no row matches the where-filter (4 in the class)");
}

static void test_missing_denied_absent(void **state)
{
    (void)state;
    const char *none = VOL_RULE "        where: \"VolumeType = 9\"\n"
                                "        property: ProtectionStatus\n        equals: 1\n";
    char cond[1024];
    /* default: unknown */
    expect(none, B, EF_UNKNOWN,
           "Win32_EncryptableVolume (where VolumeType = 9).ProtectionStatus: no row matches the "
           "where-filter (4 in the class): does not decide (missing: unknown)");
    snprintf(cond, sizeof(cond), "%s        missing: pass\n", none);
    expect(cond, B, EF_PASS, "accepted (missing: pass)");
    snprintf(cond, sizeof(cond), "%s        missing: {basic: pass, high: fail}\n", none);
    expect(cond, E, EF_PASS, "accepted (missing: pass)");
    expect(cond, HI, EF_FAIL, "fails (missing: fail)");
    /* denied: unknown "needs Administrator", whatever missing says */
    expect("    all:\n      - wmi: Win32_Denied\n        property: X\n        equals: 1\n"
           "        missing: fail\n",
           B, EF_UNKNOWN,
           "wmi root\\CIMV2 Win32_Denied.X: needs Administrator (access denied "
           "(WBEM_E_ACCESS_DENIED))");
    /* absent: per missing, with why */
    expect("    all:\n      - wmi: Win32_Gone\n        property: X\n        equals: 1\n"
           "        missing: fail\n",
           B, EF_FAIL,
           "wmi root\\CIMV2 Win32_Gone.X: not on this machine (invalid namespace (no TPM "
           "provider)): fails (missing: fail)");
    expect("    all:\n      - wmi: Win32_Gone\n        property: X\n        equals: 1\n", B,
           EF_UNKNOWN, "does not decide (missing: unknown)");
    /* a class the recording does not hold */
    expect("    all:\n      - wmi: Win32_Bios\n        property: X\n        equals: 1\n", B,
           EF_UNKNOWN, "wmi root\\CIMV2 Win32_Bios.X: cannot be read:");
    /* no recording; no Windows system */
    expect_on(TPM_RULE "        property: SpecVersion\n        matches: '^2'\n", B, WORKSTATION,
              rec_main, NO_WIN, EF_UNKNOWN,
              "no recording of this machine's WMI and API results (scan --recording FILE.json): "
              "wmi root\\CIMV2\\Security\\MicrosoftTpm Win32_Tpm.SpecVersion not read");
    expect_on(TPM_RULE "        property: SpecVersion\n        matches: '^2'\n", B, WORKSTATION,
              rec_main, NO_REG, EF_UNKNOWN,
              "no Windows system in this scan (a linux system): wmi "
              "root\\CIMV2\\Security\\MicrosoftTpm Win32_Tpm.SpecVersion not read");
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
    write_text("bad.yml", text);
    struct ef_policy_set ps;
    ef_policy_init(&ps);
    assert_int_not_equal(ef_policy_load(&ps, path_of("bad.yml"), CONTROLS, err, sizeof(err)), 0);
    if (strstr(err, want) == NULL)
        fail_msg("error '%s', expected '%s'", err, want);
    ef_policy_free(&ps);
}

static void test_loader(void **state)
{
    (void)state;
    expect_load_error("      - wmi: 'Win32 Tpm'\n        property: A\n        equals: 1\n",
                      "bad.yml:12: wmi: bad WMI class name 'Win32 Tpm'");
    expect_load_error("      - wmi: Win32_Tpm\n        namespace: 'CIMV2'\n        property: A\n"
                      "        equals: 1\n",
                      "bad.yml:13: namespace: 'CIMV2' is not a WMI namespace");
    expect_load_error("      - wmi: Win32_Tpm\n        namespace: 'root\\\\CIMV2'\n"
                      "        property: A\n        equals: 1\n",
                      "bad.yml:13: namespace:");
    expect_load_error("      - wmi: Win32_Tpm\n        namespace: 'root\\CIMV2;x'\n"
                      "        property: A\n        equals: 1\n",
                      "is not a WMI namespace");
    expect_load_error("      - wmi: Win32_Tpm\n        property: 'A-B'\n        equals: 1\n",
                      "bad.yml:13: property: bad WMI property name 'A-B'");
    expect_load_error("      - wmi: Win32_Tpm\n        where: 'A > 1'\n        property: A\n"
                      "        equals: 1\n",
                      "bad.yml:13: where: expected '=' after A (equality only");
    expect_load_error("      - wmi: Win32_Tpm\n        where: 'A = 1 or B = 2'\n"
                      "        property: A\n        equals: 1\n",
                      "where: expected 'and' or the end at 'or B = 2'");
    expect_load_error("      - wmi: Win32_Tpm\n        where: \"A = 'x\"\n        property: A\n"
                      "        equals: 1\n",
                      "where: unterminated string after A =");
    expect_load_error("      - wmi: Win32_Tpm\n        where: 'A = x'\n        property: A\n"
                      "        equals: 1\n",
                      "where: the value of A must be a number, true, false or a 'string'");
    expect_load_error("      - wmi: Win32_Tpm\n        where: 'A = 1 and'\n        property: A\n"
                      "        equals: 1\n",
                      "where: expected 'and' or the end at 'and'");
    expect_load_error("      - wmi: Win32_Tpm\n        where: ''\n        property: A\n"
                      "        equals: 1\n",
                      "where: empty");
    expect_load_error("      - wmi: Win32_Tpm\n        property: A\n        equals: 1\n"
                      "        rows: some\n",
                      "bad.yml:15: rows: expected all or any, got 'some'");
    expect_load_error("      - wmi: Win32_Tpm\n        property: A\n        equals: 1\n"
                      "        missing: maybe\n",
                      "bad.yml:15: missing: expected pass, fail or unknown");
    expect_load_error("      - wmi: Win32_Tpm\n        equals: 1\n",
                      "bad.yml:12: wmi rule without 'property'");
    expect_load_error("      - wmi: Win32_Tpm\n        property: A\n",
                      "bad.yml:12: wmi rule has nothing to test (add e.g. equals, in, min, max, "
                      "matches or contains)");
    expect_load_error("      - wmi: Win32_Tpm\n        property: A\n        equals: 1\n"
                      "        view: 32\n",
                      "bad.yml:15: unknown key 'view' in a wmi rule");
    expect_load_error("      - wmi: Win32_Tpm\n        registry: 'HKLM\\X'\n        value: A\n",
                      "a rule has exactly one kind");
    expect_load_error("      - fact: os.id\n        contains: 1\n",
                      "unknown key 'contains' in a fact rule");
}

/* ---- the probes that read WMI ---- */

static const char role_rule[] = "    all:\n      - fact: host.role\n        matches: '.'\n";

static void test_role(void **state)
{
    (void)state;
    /* laptop: ChassisTypes 10 Notebook */
    expect_on(role_rule, B, WORKSTATION, rec_main, WITH_WIN, EF_PASS,
              "host.role = laptop: workstation (HKLM\\SYSTEM\\CurrentControlSet\\Control\\"
              "ProductOptions ProductType WinNT); WMI Win32_SystemEnclosure.ChassisTypes [10 "
              "Notebook]: portable");
    /* desktop: a tower */
    expect_on(role_rule, B, WORKSTATION,
              "{\"efterlev_windows_recording\": 1, \"tables\": {\"" ENCL
              "\": [{\"ChassisTypes\": [7]}]}}",
              WITH_WIN, EF_PASS,
              "host.role = desktop: workstation (HKLM\\SYSTEM\\CurrentControlSet\\Control\\"
              "ProductOptions ProductType WinNT); WMI Win32_SystemEnclosure.ChassisTypes [7 "
              "Tower]: not a portable type");
    /* the enclosure denied: Win32_ComputerSystem.PCSystemType 2 (Mobile) says laptop */
    expect_on(role_rule, B, WORKSTATION,
              "{\"efterlev_windows_recording\": 1, \"tables\": {\"" ENCL
              "\": {\"status\": \"denied\", \"why\": \"access denied\"}, \"" CS
              "\": [{\"PCSystemType\": 2}]}}",
              WITH_WIN, EF_PASS,
              "host.role = laptop: workstation (HKLM\\SYSTEM\\CurrentControlSet\\Control\\"
              "ProductOptions ProductType WinNT); Win32_SystemEnclosure needs Administrator "
              "(access denied); WMI Win32_ComputerSystem.PCSystemType 2 (Mobile)");
    /* no WMI at all: desktop, as before, saying so */
    expect_on(role_rule, B, WORKSTATION, rec_main, NO_WIN, EF_PASS,
              "host.role = desktop: workstation (HKLM\\SYSTEM\\CurrentControlSet\\Control\\"
              "ProductOptions ProductType WinNT); chassis not known from WMI (no recording of "
              "this machine's WMI and API results (scan --recording FILE.json)): treated as "
              "desktop, as without WMI");
    /* a server is a server whatever its chassis */
    expect_on(role_rule, B, SERVER, rec_main, WITH_WIN, EF_PASS,
              "host.role = server: HKLM\\SYSTEM\\CurrentControlSet\\Control\\ProductOptions "
              "ProductType ServerNT (server)");
    /* no ProductType in the registry: Win32_OperatingSystem.ProductType */
    expect_on("    all:\n      - fact: host.product_type\n        equals: server\n", B, NOPRODUCT,
              "{\"efterlev_windows_recording\": 1, \"tables\": {\"" OS
              "\": [{\"ProductType\": 3}]}}",
              WITH_WIN, EF_PASS,
              "host.product_type = server: no ProductType under HKLM\\SYSTEM\\CurrentControlSet\\"
              "Control\\ProductOptions; WMI Win32_OperatingSystem.ProductType 3");
    expect_on(role_rule, B, NOPRODUCT, rec_main, NO_WIN, EF_UNKNOWN,
              "host.role unknown: product type unknown: no ProductType under");
}

static const char state_rule[] =
    "    all:\n      - fact: bitlocker.os_volume.state\n        equals: \"on\"\n";

static void expect_state(const char *vol_c, ef_status want, const char *ev)
{
    char rec[2048];
    snprintf(rec, sizeof(rec),
             "{\"efterlev_windows_recording\": 1, \"tables\": {\"" OS
             "\": [{\"SystemDrive\": \"C:\"}], \"" BL "\": [%s]}}",
             vol_c);
    expect_on(state_rule, B, WORKSTATION, rec, WITH_WIN, want, ev);
}

static void test_bitlocker(void **state)
{
    (void)state;
    expect_state(VOL("C", 0, 1, 1, 7), EF_PASS,
                 "bitlocker.os_volume.state = on: WMI "
                 "root\\CIMV2\\Security\\MicrosoftVolumeEncryption Win32_EncryptableVolume "
                 "DriveLetter C: (the system drive, Win32_OperatingSystem.SystemDrive): "
                 "ProtectionStatus 1 (protection on), ConversionStatus 1 (fully encrypted)");
    expect_state(VOL("C", 0, 0, 1, 7), EF_FAIL,
                 "bitlocker.os_volume.state = suspended (expected on)");
    expect_state(VOL("C", 0, 0, 1, 7), EF_FAIL,
                 "ProtectionStatus 0, ConversionStatus 1 (fully "
                 "encrypted): protection suspended");
    expect_state(VOL("C", 0, 0, 2, 7), EF_FAIL,
                 "state = encrypting (expected on): WMI "
                 "root\\CIMV2\\Security\\MicrosoftVolumeEncryption Win32_EncryptableVolume "
                 "DriveLetter C: (the system drive, Win32_OperatingSystem.SystemDrive): "
                 "ProtectionStatus 0 (protection off), ConversionStatus 2 (encryption in "
                 "progress)");
    expect_state(VOL("C", 0, 0, 4, 7), EF_FAIL, "state = encryption_paused (expected on)");
    expect_state(VOL("C", 0, 0, 0, 0), EF_FAIL, "state = off (expected on)");
    /* the system drive has no row: unknown, saying which */
    expect_state(VOL("D", 1, 1, 1, 7), EF_UNKNOWN, "no row with DriveLetter C:");
    /* no BitLocker on this edition: not encrypted by it */
    expect_on(state_rule, B, WORKSTATION,
              "{\"efterlev_windows_recording\": 1, \"tables\": {\"" OS
              "\": [{\"SystemDrive\": \"C:\"}], \"" BL
              "\": {\"status\": \"absent\", \"why\": \"invalid namespace\"}}}",
              WITH_WIN, EF_FAIL, "state = unavailable (expected on)");
    /* denied: unknown, needs Administrator */
    expect_on(state_rule, B, WORKSTATION,
              "{\"efterlev_windows_recording\": 1, \"tables\": {\"" OS
              "\": [{\"SystemDrive\": \"C:\"}], \"" BL
              "\": {\"status\": \"denied\", \"why\": \"access denied\"}}}",
              WITH_WIN, EF_UNKNOWN,
              "bitlocker.os_volume.state unknown: WMI "
              "root\\CIMV2\\Security\\MicrosoftVolumeEncryption Win32_EncryptableVolume: needs "
              "Administrator (access denied)");
    expect_on(state_rule, B, WORKSTATION, rec_main, NO_WIN, EF_UNKNOWN, "no recording");
    /* method and key protectors of C: (drive letters compare case-insensitively) */
    expect("    all:\n      - fact: bitlocker.os_volume.encryption_method\n        equals: 7\n", B,
           EF_PASS, "EncryptionMethod 7 (XTS-AES-256)");
    expect("    all:\n      - fact: bitlocker.os_volume.tpm_protector\n"
           "        matches: {basic: '^tpm', high: '^tpm_pin$'}\n",
           HI, EF_PASS,
           "bitlocker.os_volume.tpm_protector = tpm_pin: api:BitLockerKeyProtectors of the system "
           "volume C:, protectors 3 "
           "numerical password; 4 TPM+PIN");
}

static void test_av_firmware(void **state)
{
    (void)state;
    /* Bitdefender is not Microsoft Defender */
    expect("    all:\n      - fact: malware.other_av\n        equals: none\n", B, EF_FAIL,
           "malware.other_av = Bitdefender Endpoint Security Tools (expected none): "
           "api:SecurityCenterAntivirus: another product is on: Windows Defender (off); "
           "Bitdefender Endpoint Security Tools (on)");
    /* a server: no Security Center */
    expect_on("    all:\n      - fact: malware.other_av\n        equals: none\n", B, SERVER,
              "{\"efterlev_windows_recording\": 1, \"tables\": {\"api:SecurityCenterAntivirus\": "
              "{\"status\": \"absent\", \"why\": \"no Security Center on servers\"}}}",
              WITH_WIN, EF_PASS, "no Windows Security Center (no Security Center on servers)");
    expect("    all:\n      - fact: boot.uefi\n        equals: true\n", B, EF_FAIL,
           "boot.uefi = false (expected true): api:Firmware type bios (GetFirmwareType): booted "
           "by legacy BIOS");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tests),
        cmocka_unit_test(test_rows_where),
        cmocka_unit_test(test_missing_denied_absent),
        cmocka_unit_test(test_loader),
        cmocka_unit_test(test_role),
        cmocka_unit_test(test_bitlocker),
        cmocka_unit_test(test_av_firmware),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
