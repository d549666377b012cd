/* SPDX-License-Identifier: EUPL-1.2 */
/* The Windows registry, read-only: one interface, two sources. The live registry of this
 * machine (registry_win32.c, built only for Windows) and a recorded registry, a `.reg`
 * export as `reg export` writes it (registry_recorded.c, built everywhere), so that a Windows
 * machine's registry checks can be judged and tested on any system.
 *
 * Key paths are UTF-8, hive first: "HKLM\SOFTWARE\Policies\Microsoft\FVE" (HKEY_LOCAL_MACHINE,
 * HKU and HKEY_USERS are accepted too). Names compare case-insensitively, as Windows does.
 * Data comes out as UTF-8 text plus, for REG_DWORD and REG_QWORD, the number. */
#ifndef EFTERLEV_AGENT_PLATFORM_REGISTRY_H
#define EFTERLEV_AGENT_PLATFORM_REGISTRY_H

#include <stddef.h>

#define EF_REG_KEY_MAX 1024         /* bytes of a key path (UTF-8), hive included */
#define EF_REG_NAME_MAX 1024        /* bytes of a value name (UTF-8) */
#define EF_REG_DATA_MAX 65536       /* bytes of one value's data (as stored: UTF-16 for text) */
#define EF_REG_TEXT_MAX 1023        /* bytes of the data rendered as text; truncated beyond */
#define EF_REG_FILE_MAX (64u << 20) /* a recorded registry file */
#define EF_REG_SUBKEYS_MAX 4096     /* subkeys listed under one key */

/* Value types, numbered as winnt.h numbers them. */
enum {
    EF_REG_NONE = 0,
    EF_REG_SZ = 1,
    EF_REG_EXPAND_SZ = 2,
    EF_REG_BINARY = 3,
    EF_REG_DWORD = 4,
    EF_REG_DWORD_BIG_ENDIAN = 5,
    EF_REG_MULTI_SZ = 7,
    EF_REG_QWORD = 11,
};

/* Which registry view a 64-bit Windows shows: the native one, or what 32-bit programs see
 * (HKLM\SOFTWARE\WOW6432Node). */
typedef enum { EF_REG_VIEW_64 = 64, EF_REG_VIEW_32 = 32 } ef_reg_view;

typedef enum {
    EF_REG_CANNOT_READ = -1, /* why says so: access denied ("needs Administrator"), malformed */
    EF_REG_ABSENT = 0,       /* no such key or value */
    EF_REG_PRESENT = 1,
} ef_reg_status;

struct ef_reg_value {
    unsigned type; /* EF_REG_* */
    int numeric;   /* REG_DWORD, REG_DWORD_BIG_ENDIAN, REG_QWORD: num holds it */
    unsigned long long num;
    /* As text: the string (REG_SZ, REG_EXPAND_SZ unexpanded), the items of a REG_MULTI_SZ
     * joined by '\n', a number in decimal, other types as lower-case hex bytes. */
    char text[EF_REG_TEXT_MAX + 1];
    int truncated; /* text was cut at EF_REG_TEXT_MAX */
};

struct ef_reg;

/* This machine's registry: on Windows, never NULL but for lack of memory; elsewhere NULL
 * with err "no registry on this system". */
struct ef_reg *ef_reg_open_live(char *err, size_t errlen);
/* A recorded registry: a .reg file ("Windows Registry Editor Version 5.00" in UTF-16LE with
 * BOM as reg export writes it, or UTF-8; or REGEDIT4). Strict: any line it does not
 * understand stops the load with err "FILE:LINE: what". NULL on error. */
struct ef_reg *ef_reg_open_recorded(const char *path, char *err, size_t errlen);
void ef_reg_free(struct ef_reg *r);

/* What is read, for evidence: "live registry" or "recorded registry FILE". */
const char *ef_reg_source(const struct ef_reg *r);
/* 1 for the live registry of this machine (probes may then use the agent's state). */
int ef_reg_is_live(const struct ef_reg *r);

/* The value name (NULL or "" for the key's default value) of key. */
ef_reg_status ef_reg_get(struct ef_reg *r, const char *key, const char *name, ef_reg_view view,
                         struct ef_reg_value *out, char *why, size_t whylen);
ef_reg_status ef_reg_key_exists(struct ef_reg *r, const char *key, ef_reg_view view, char *why,
                                size_t whylen);
/* The names of key's direct subkeys, sorted case-insensitively, in a NULL-terminated array
 * (free with ef_reg_names_free); *n is their number. EF_REG_ABSENT when key does not exist. */
ef_reg_status ef_reg_subkeys(struct ef_reg *r, const char *key, ef_reg_view view, char ***names,
                             size_t *n, char *why, size_t whylen);
void ef_reg_names_free(char **names);

/* "REG_DWORD", ..., or "REG_TYPE_<n>" for other numbers (static storage per call site). */
const char *ef_reg_type_name(unsigned type, char buf[24]);

/* ---- shared by the two sources (registry.c) ---- */

/* Normalise key: hive abbreviated (HKLM, HKU), no leading, trailing or doubled '\'; with
 * view 32 a key under HKLM\SOFTWARE is redirected to HKLM\SOFTWARE\WOW6432Node as 64-bit
 * Windows does. -1 when key names no known hive, is empty or too long. */
int ef_reg_key_normalize(const char *key, ef_reg_view view, char *out, size_t outlen);
/* Render raw data of a type (text types as UTF-16LE bytes, as Windows stores them) into
 * out. -1 with why on malformed data (a DWORD of 3 bytes, unpaired UTF-16 surrogates). */
int ef_reg_render(unsigned type, const unsigned char *data, size_t len, struct ef_reg_value *out,
                  char *why, size_t whylen);
/* UTF-16LE (n code units) to UTF-8 into out (NUL-terminated); -1 on unpaired surrogates or
 * when it does not fit. */
int ef_reg_utf16le_to_utf8(const unsigned char *in, size_t units, char *out, size_t outlen,
                           size_t *outn);
/* Case-insensitive equality of two UTF-8 names, folding as Windows does for ASCII, Latin-1,
 * Latin Extended-A, Greek and Cyrillic letters (Å = å). */
int ef_reg_name_eq(const char *a, const char *b);
int ef_reg_name_cmp(const char *a, const char *b);
/* Like ef_reg_name_eq over the first n bytes of a (whole code points). */
int ef_reg_name_prefix(const char *a, size_t n, const char *prefix);

#endif
