/* SPDX-License-Identifier: EUPL-1.2 */
/* Helpers shared by the probes: files under the scan root, sorted folder listings, drop-in
 * directories, line iteration and trimming, key/value configuration files, evidence texts.
 *
 * Paths called rel are relative to the scan root ("/etc/passwd" means ROOT/etc/passwd).
 * Functions returning an errno return it negative (-ENOENT); ef_pu_errtext accepts either
 * sign. */
#ifndef EFTERLEV_AGENT_PROBE_UTIL_H
#define EFTERLEV_AGENT_PROBE_UTIL_H

#include "facts.h"

#include <limits.h>
#include <stddef.h>
#include <sys/stat.h>
#include <time.h>

/* The default size limit for ef_pu_read (16 MiB). */
#define EF_PU_FILE_MAX (16 * 1024 * 1024)
/* Seconds in a day. */
#define EF_PU_DAY 86400

/* ---- files under the scan root ---- */

/* Read ROOT/rel, at most max bytes, into *buf (NUL-terminated, the caller frees it) and its
 * length into *len (len may be NULL). Returns 0, or a negative errno (-EFBIG when larger than
 * max, -ENAMETOOLONG when ROOT/rel is too long); *buf is NULL then. */
int ef_pu_read(struct ef_facts *f, const char *rel, size_t max, char **buf, size_t *len);

/* The first line of the small file ROOT/rel (at most 64 KiB; a sysfs attribute, a dm uuid), up
 * to its first CR or LF, into out. Returns 0, or -1 when the file cannot be read or the line
 * does not fit in outlen bytes. */
int ef_pu_read_attr(struct ef_facts *f, const char *rel, char *out, size_t outlen);

/* stat(2) of ROOT/rel, following links. Returns 0 or a negative errno. */
int ef_pu_stat(struct ef_facts *f, const char *rel, struct stat *st);

/* The names in folder ROOT/rel (without "." and ".."), sorted by strcmp, into *names (*n of
 * them; the caller frees them with ef_pu_list_free). Returns 0, or a negative errno when the
 * folder cannot be opened (*names is NULL and *n 0 then). Out of memory ends the listing
 * early. */
int ef_pu_list_sorted(struct ef_facts *f, const char *rel, char ***names, size_t *n);
void ef_pu_list_free(char **names, size_t n);

/* Configuration drop-ins the way systemd and kmod read them: the files of the folders dirs
 * (ndirs of them, highest priority first) whose names end in suffix (NULL: any name) and do
 * not start with '.', as root-relative paths ("/etc/modprobe.d/x.conf") into out, sorted by
 * file name across the folders; a name in a higher-priority folder masks the same name in a
 * lower one. Folders that cannot be read are skipped. Fills at most max entries of out;
 * returns how many. */
size_t ef_pu_dropins(struct ef_facts *f, const char *const *dirs, size_t ndirs, const char *suffix,
                     char (*out)[PATH_MAX], size_t max);

/* ---- lines and blanks ---- */

/* The next line of buf (len bytes) at *pos: the '\n' and a '\r' before it are replaced by
 * NULs in place, *pos moves past the line and *lineno (when not NULL) counts it. Returns the
 * line, or NULL after the last one. A line holding a NUL byte reads as ending there; lines
 * after it are still returned. Start with *pos = 0 (and *lineno = 0). */
char *ef_pu_next_line(char *buf, size_t len, size_t *pos, size_t *lineno);

/* Join lines continued by a trailing backslash in place: each "\\\n" becomes two spaces, so
 * line numbers stay those of the file. */
void ef_pu_join_continued(char *buf, size_t len);

/* s past its leading spaces and tabs. */
char *ef_pu_skip_ws(char *s);

/* s without leading spaces and tabs and without trailing spaces, tabs and CRs (cut in place);
 * returns the first character kept. */
char *ef_pu_trim(char *s);

/* Decode the octal escapes of /proc/self/mountinfo and /proc/swaps fields (\040 space, \011
 * tab, \012 newline, \134 backslash) in place. */
void ef_pu_mount_unescape(char *s);

/* ---- key/value configuration files ---- */

/* Called by ef_pu_ini_each for each "key = value" line: section is the last "[...]" line
 * before it as written (trimmed; "" before the first), key and value are trimmed and may be
 * modified; lineno counts from 1. */
typedef void (*ef_pu_kv_fn)(const char *section, char *key, char *value, size_t lineno, void *ctx);

/* Read ROOT/rel (at most max bytes) as an INI-style file (systemd units and drop-ins, GLib key
 * files, KEY=VALUE files) and call fn for every line holding '=' (split at the first '=').
 * Blank lines and lines starting with '#' or ';' are skipped; a line starting with '[' is a
 * section header, never an assignment. Returns 0 or a negative errno (file not read). */
int ef_pu_ini_each(struct ef_facts *f, const char *rel, size_t max, ef_pu_kv_fn fn, void *ctx);

/* The last assignment of key in a shell-style KEY=VALUE file ROOT/rel (at most 1 MiB; '#'
 * comments skipped, one pair of surrounding quotes removed): copies the value into val
 * (vallen bytes, truncated) and its line number into *line (when not NULL). Returns 1 when
 * found, 0 when the file has no such key, or a negative errno when it cannot be read. */
int ef_pu_kv_last(struct ef_facts *f, const char *rel, const char *key, char *val, size_t vallen,
                  int *line);

/* A systemd time span ("1y", "6month", "2w 3d", "3600" = seconds, "0") in seconds, or -1
 * when malformed. Units as systemd.time(7): us, ms, s, m/min, h, d, w, M/month (30.44 d),
 * y/year (365.25 d). "infinity" is -1 here (no finite limit). */
long long ef_pu_timespan_sec(const char *s);

/* ---- evidence ---- */

/* Why an operation failed, for evidence: "permission denied (run as root)" for EACCES and
 * EPERM, else strerror. err is an errno, positive or negative. Static text. */
const char *ef_pu_errtext(int err);

/* Append item to the ", "-separated list (capacity cap, NUL-terminated), truncating safely. */
void ef_pu_list_add(char *list, size_t cap, const char *item);

/* 1 when the scan is of the live system (root "/"), else 0. */
int ef_pu_is_live(const struct ef_facts *f);

/* Whole days from t to the scan time (ef_facts_time), 0 when t is not before it. */
long long ef_pu_days_since(struct ef_facts *f, time_t t);

#endif
