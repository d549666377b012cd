/* SPDX-License-Identifier: EUPL-1.2 */
/* What a Windows machine answers beyond its registry, as tables of rows: WMI classes
 * ("wmi:NAMESPACE:CLASS", any class) and Win32 API results ("api:NAME", declared once in
 * winsys_tables.c with their columns). One interface, two sources, like registry.h: this
 * machine (winsys_win32.c: COM/WMI, netapi32, advapi32, the event log and Windows Update
 * APIs, the service control manager; built only for Windows) and a recording of a machine
 * (winsys_recorded.c, a JSON file in the format of docs/windows-recording.md; built
 * everywhere), so that every Windows probe is judged and tested on any system.
 *
 * A row is a JSON object (jansson): WMI properties by their own names and CIM values as JSON
 * (numbers, booleans, strings, arrays; CIM uint64 and datetime as the strings WMI gives),
 * API columns by the names winsys_tables.c declares. A table is read at most once per
 * source (the first ask); later asks return the same rows, so a scan costs one WMI query per
 * class and one connection per namespace however many checks read it. */
#ifndef EFTERLEV_AGENT_PLATFORM_WINSYS_H
#define EFTERLEV_AGENT_PLATFORM_WINSYS_H

#include <jansson.h>
#include <stddef.h>
#include <time.h>

#define EF_WIN_TABLE_NAME_MAX 300   /* "wmi:root\\...:Class" */
#define EF_WIN_ROWS_MAX 4096        /* rows of one table (more: the table cannot be read) */
#define EF_WIN_FILE_MAX (32u << 20) /* a recording */

typedef enum {
    EF_WIN_ERROR = -3,  /* could not be read: why says what failed */
    EF_WIN_DENIED = -2, /* needs Administrator (or another right): why says which */
    EF_WIN_ABSENT = -1, /* the namespace, class or component is not on this machine
                           (no Defender, no TPM provider): why says which */
    EF_WIN_OK = 0,      /* rows (perhaps none) */
} ef_win_status;

struct ef_win;

/* This machine: on Windows, never NULL but for lack of memory (COM is initialised on first
 * use, in the calling thread); elsewhere NULL with err "no Windows system to ask here". */
struct ef_win *ef_win_open_live(char *err, size_t errlen);
/* A recording (docs/windows-recording.md). Strict: an unknown api table, an undeclared or
 * mistyped column, a malformed table name stops the load with err naming the table and
 * row. NULL on error. */
struct ef_win *ef_win_open_recorded(const char *path, char *err, size_t errlen);
void ef_win_free(struct ef_win *w);

/* What is read, for evidence: "live system" or "recording FILE". */
const char *ef_win_source(const struct ef_win *w);
int ef_win_is_live(const struct ef_win *w);

/* The rows of table name ("wmi:root\\CIMV2:Win32_Tpm", "api:NetUserModalsGet"): an array
 * of objects owned by w, valid until ef_win_free. On anything but EF_WIN_OK, *rows is NULL
 * and why says why ("Win32_Tpm in root\\CIMV2\\Security\\MicrosoftTpm: access denied:
 * needs Administrator"). A table a recording does not hold is EF_WIN_ERROR "not in the
 * recording FILE". Namespaces and class names compare case-insensitively. */
ef_win_status ef_win_table(struct ef_win *w, const char *name, json_t **rows, char *why,
                           size_t whylen);
/* The same for WMI: table "wmi:NAMESPACE:CLASS". */
ef_win_status ef_win_wmi(struct ef_win *w, const char *ns, const char *cls, json_t **rows,
                         char *why, size_t whylen);

/* ---- reading a row ---- */

/* A column as a number: JSON integers, booleans (0/1) and strings of decimal digits (CIM
 * uint64 arrives as a string). 0 on success; -1 when absent, null or not a number. */
int ef_win_int(const json_t *row, const char *col, long long *out);
/* A column as a boolean: JSON true/false, or a number (non-zero = true). -1 as above. */
int ef_win_bool(const json_t *row, const char *col, int *out);
/* A column's string (NULL when absent, null or not a string). */
const char *ef_win_str(const json_t *row, const char *col);
/* A time column: an RFC 3339 string ("2026-11-03T02:14:00Z") or a CIM datetime
 * ("20261103021400.000000+060", its offset in minutes). 0 on success, -1 otherwise. */
int ef_win_time(const json_t *row, const char *col, time_t *out);
/* The value as short text for evidence ("7", "true", "\"2.0, 0, 1.38\"", "[1, 3]"),
 * "absent" or "null"; truncated to outlen. */
void ef_win_text(const json_t *row, const char *col, char *out, size_t outlen);

/* ---- the declared API tables (winsys_tables.c) ---- */

typedef enum {
    EF_WCOL_INT = 0,
    EF_WCOL_BOOL,
    EF_WCOL_STR,
    EF_WCOL_TIME,    /* RFC 3339 string */
    EF_WCOL_STRLIST, /* array of strings */
    EF_WCOL_INTLIST, /* array of integers */
} ef_wcol_type;

struct ef_win_col {
    const char *name;
    ef_wcol_type type;
    const char *doc; /* one line, for docs/windows-recording.md */
};

struct ef_win_api_table {
    const char *name;   /* "api:NetUserModalsGet" */
    const char *source; /* the API it reads, for evidence: "NetUserModalsGet levels 0 and 3" */
    const char *doc;    /* one sentence */
    const struct ef_win_col *cols;
    size_t ncols;
};

extern const struct ef_win_api_table ef_win_api_tables[];
extern const size_t ef_win_api_tables_n;
/* The declaration of an api table, or NULL. */
const struct ef_win_api_table *ef_win_api_find(const char *name);
/* Every row may also carry "_why" (a string): why some of its columns are null. */
#define EF_WIN_ROW_WHY "_why"

#endif
