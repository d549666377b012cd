/* SPDX-License-Identifier: EUPL-1.2 */
/* Test hooks of the probes: replace what a probe would ask the running system, so unit tests
 * can judge canned answers under any root. Not for production use. */
#ifndef EFTERLEV_AGENT_TEST_HOOKS_H
#define EFTERLEV_AGENT_TEST_HOOKS_H

#include <stddef.h>

/* Replace running `auditctl OPT` (opt "-s" or "-l") for every root: fn writes the output
 * (NUL-terminated, at most cap bytes) and returns 0, or -1 with why. NULL restores auditctl.
 * (audit.c) */
typedef int (*ef_audit_cmd_fn)(const char *opt, char *out, size_t cap, char *why, size_t whylen);
void ef_audit_set_command(ef_audit_cmd_fn fn);

/* Replace adjtimex(2) for time.kernel_synced, for every root (NULL restores the system call).
 * (timesync.c) */
struct timex;
void ef_timesync_set_adjtimex(int (*fn)(struct timex *));

/* Stop the file-system walk after this many entries per scan instead of its time budget
 * (0 restores the time budget), so a test can walk a small tree in slices. (fswalk.c) */
void ef_fswalk_set_entry_limit(unsigned long long entries);

#endif
