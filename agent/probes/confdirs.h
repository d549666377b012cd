/* Helpers of the encryption and logging probes: reading small files under the scan root and
 * listing configuration drop-ins the way systemd and kmod do. */
#ifndef EFTERLEV_AGENT_CONFDIRS_H
#define EFTERLEV_AGENT_CONFDIRS_H

#include "facts.h"

#include <limits.h>
#include <stddef.h>

/* Read ROOT/path (at most max bytes) into a NUL-terminated buffer the caller frees.
 * Returns 0 or a negative errno. */
int ef_conf_read(struct ef_facts *f, const char *path, size_t max, char **buf);

/* A text saying why errno e stopped a read, "permission denied (run as root)" for EACCES. */
const char *ef_conf_strerror(int e);

/* The files of dirs (highest priority first) whose names end in suffix (NULL: any name not
 * starting with '.'), as paths relative to the root ("/etc/modprobe.d/x.conf"), sorted by
 * file name across the directories; a name in a higher-priority directory masks the same
 * name in a lower one. Fills at most max entries of out; returns how many. */
size_t ef_conf_list(struct ef_facts *f, const char *const *dirs, size_t ndirs, const char *suffix,
                    char (*out)[PATH_MAX], size_t max);

/* Next line of a buffer (modified in place): returns the line, advances *p; NULL at end. */
char *ef_conf_next_line(char **p);

/* s without leading and trailing blanks (spaces, tabs, CR), modified in place. */
char *ef_conf_trim(char *s);

/* A systemd time span ("1y", "6month", "2w 3d", "3600" = seconds, "0") in seconds, or -1
 * when malformed. Units as systemd.time(7): us, ms, s, m/min, h, d, w, M/month (30.44 d),
 * y/year (365.25 d). "infinity" is -1 here (no finite limit). */
long long ef_timespan_sec(const char *s);

/* Test hooks. */
/* Replace running `auditctl OPT` (opt "-s" or "-l") for every root: fn writes the output
 * (NUL-terminated, at most cap bytes) and returns 0, or -1 with why. NULL restores auditctl. */
typedef int (*ef_audit_cmd_fn)(const char *opt, char *out, size_t cap, char *why, size_t whylen);
void ef_audit_set_command(ef_audit_cmd_fn fn);
/* Replace adjtimex(2) for time.kernel_synced, for every root (NULL restores the system call). */
struct timex;
void ef_timesync_set_adjtimex(int (*fn)(struct timex *));

#endif
