/* SPDX-License-Identifier: EUPL-1.2 */
/* efterlev-agent record: capture this Windows machine's WMI classes and API tables as a
 * recording (agent/platform/winsys_recorded.c, docs/windows-recording.md), which
 * `scan --registry FILE.reg --recording FILE.json` judges on any system. With `reg export
 * HKLM`, it is how an administrator captures a real machine for a test fixture. Windows
 * only: elsewhere there is no Windows to ask. */
#include "agent.h"
#include "common_opts.h"
#include "hostinfo.h"
/* ef_win_name_split: a --wmi class is checked as the recording loader will check it */
#include "platform/winsys_impl.h"

#include "efterlev/log.h"
#include "efterlev/util.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define RECORD_WMI_MAX 64 /* --wmi options */

static const char usage[] =
    "usage: efterlev-agent record [--out FILE.json] [--wmi NAMESPACE:CLASS]...\n"
    "\n"
    "Windows only. Records this machine's answers beyond its registry: every API table the\n"
    "Windows checks read (api:Token, api:AuditPolicy, api:Services, ...) and the WMI classes\n"
    "they read (Win32_OperatingSystem, Win32_EncryptableVolume, Win32_Tpm,\n"
    "MSFT_MpComputerStatus, ...), plus each --wmi class (root\\CIMV2:Win32_BIOS). A table\n"
    "that cannot be read is recorded with its status (denied, absent, error) and why: run it\n"
    "as Administrator for a whole recording. With the registry exported beside it\n"
    "(reg export HKLM FILE.reg), any agent judges the machine from the two files:\n"
    "  efterlev-agent scan --registry FILE.reg --recording FILE.json\n"
    "The format: docs/windows-recording.md. Nothing is changed or sent.\n"
    "\n"
    "  --out FILE.json          write there (atomically) instead of to standard output\n"
    "  --wmi NAMESPACE:CLASS    record this WMI class too (repeatable)\n";

#ifndef _WIN32

int cmd_record(struct agent_ctx *ctx, int argc, char **argv)
{
    (void)ctx;
    if (argc >= 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
        fputs(usage, stdout);
        return EXIT_OK;
    }
    ef_error("record needs Windows: it records the Windows machine it runs on "
             "(judge a recorded one here with scan --registry FILE.reg --recording FILE.json)");
    return EXIT_USAGE;
}

#else

/* The WMI classes every recording holds: what the default Windows policy's probes read
 * (issue 13). The one list; docs/operations.md and docs/development.md name it. */
static const struct {
    const char *ns, *cls;
} default_classes[] = {
    {"root\\CIMV2", "Win32_OperatingSystem"},
    {"root\\CIMV2", "Win32_ComputerSystem"},
    {"root\\CIMV2", "Win32_SystemEnclosure"},
    {"root\\CIMV2", "Win32_QuickFixEngineering"},
    {"root\\CIMV2", "Win32_OptionalFeature"},
    {"root\\CIMV2\\Security\\MicrosoftVolumeEncryption", "Win32_EncryptableVolume"},
    {"root\\CIMV2\\Security\\MicrosoftTpm", "Win32_Tpm"},
    {"root\\Microsoft\\Windows\\DeviceGuard", "Win32_DeviceGuard"},
    {"root\\Microsoft\\Windows\\Defender", "MSFT_MpComputerStatus"},
    {"root\\Microsoft\\Windows\\Defender", "MSFT_MpPreference"},
};

/* One table into tables: its rows, or {"status", "why"}. -1 when out of memory. */
static int record_table(struct ef_win *w, json_t *tables, const char *name)
{
    json_t *rows = NULL;
    char why[600] = "";
    const char *k;
    json_t *had;
    json_object_foreach(tables, k, had)
    {
        if (strcasecmp(k, name) == 0)
            return 0; /* a --wmi class already recorded (names compare case-insensitively) */
    }
    ef_win_status st = ef_win_table(w, name, &rows, why, sizeof(why));
    json_t *v;
    if (st == EF_WIN_OK) {
        v = json_incref(rows);
    } else {
        const char *s = st == EF_WIN_DENIED ? "denied" : st == EF_WIN_ABSENT ? "absent" : "error";
        v = json_pack("{s:s, s:s}", "status", s, "why", why[0] ? why : "no reason given");
        ef_debug("%s: %s: %s", name, s, why);
    }
    return v != NULL && json_object_set_new(tables, name, v) == 0 ? 0 : -1;
}

int cmd_record(struct agent_ctx *ctx, int argc, char **argv)
{
    static const struct option opts[] = {{"out", required_argument, NULL, 'o'},
                                         {"wmi", required_argument, NULL, 'w'},
                                         COMMON_LONG_OPTS};
    const char *out = NULL;
    const char *extra[RECORD_WMI_MAX];
    int nextra = 0, c;

    while ((c = getopt_long(argc, argv, "o:w:vh", opts, NULL)) != -1) {
        int handled = common_opt(ctx, c, optarg);
        if (handled < 0)
            return EXIT_USAGE;
        if (handled)
            continue;
        if (c == 'o') {
            out = optarg;
        } else if (c == 'w') {
            char name[EF_WIN_TABLE_NAME_MAX + 8], why[600];
            char ns[EF_WIN_TABLE_NAME_MAX + 1], cls[EF_WIN_TABLE_NAME_MAX + 1];
            if (nextra == RECORD_WMI_MAX) {
                ef_error("--wmi: at most %d classes", RECORD_WMI_MAX);
                return EXIT_USAGE;
            }
            if (snprintf(name, sizeof(name), "wmi:%s", optarg) >= (int)sizeof(name) ||
                ef_win_name_split(name, ns, sizeof(ns), cls, sizeof(cls), why, sizeof(why)) != 0) {
                ef_error("--wmi %s: not NAMESPACE:CLASS (root\\CIMV2:Win32_BIOS): %s", optarg, why);
                return EXIT_USAGE;
            }
            extra[nextra++] = optarg;
        } else if (c == 'h') {
            fputs(usage, stdout);
            return EXIT_OK;
        } else {
            fputs(usage, stderr);
            return EXIT_USAGE;
        }
    }
    if (optind != argc) {
        fputs(usage, stderr);
        return EXIT_USAGE;
    }

    char err[512] = "";
    struct ef_win *w = ef_win_open_live(err, sizeof(err));
    if (w == NULL) {
        ef_error("%s", err);
        return EXIT_FAILED;
    }
    struct ef_host h;
    if (hostinfo_collect(NULL, NULL, &h, err, sizeof(err)) != 0)
        ef_debug("host: %s", err);
    char now[32];
    ef_now_rfc3339(now);
    json_t *doc = json_pack("{s:i, s:s, s:s, s:{}}", "efterlev_windows_recording", 1, "machine",
                            h.hostname, "recorded_at", now, "tables");
    json_t *tables = json_object_get(doc, "tables");
    int rc = doc != NULL ? 0 : -1;
    for (size_t i = 0; rc == 0 && i < ef_win_api_tables_n; i++)
        rc = record_table(w, tables, ef_win_api_tables[i].name);
    for (size_t i = 0; rc == 0 && i < sizeof(default_classes) / sizeof(default_classes[0]); i++) {
        char name[EF_WIN_TABLE_NAME_MAX + 8];
        snprintf(name, sizeof(name), "wmi:%s:%s", default_classes[i].ns, default_classes[i].cls);
        rc = record_table(w, tables, name);
    }
    for (int i = 0; rc == 0 && i < nextra; i++) {
        char name[EF_WIN_TABLE_NAME_MAX + 8];
        snprintf(name, sizeof(name), "wmi:%s", extra[i]);
        rc = record_table(w, tables, name);
    }
    ef_win_free(w);
    char *text = rc == 0 ? json_dumps(doc, JSON_INDENT(1) | JSON_SORT_KEYS) : NULL;
    json_decref(doc);
    if (text == NULL) {
        ef_error("out of memory");
        return EXIT_FAILED;
    }
    size_t len = strlen(text);
    int ok;
    if (out != NULL) {
        ok = ef_write_file_atomic(out, text, len, 0600, err, sizeof(err)) == 0;
        if (!ok)
            ef_error("%s", err);
    } else {
        ok = fwrite(text, 1, len, stdout) == len && putchar('\n') != EOF && fflush(stdout) == 0;
        if (!ok)
            ef_error("cannot write the recording to standard output");
    }
    free(text);
    return ok ? EXIT_OK : EXIT_FAILED;
}

#endif
