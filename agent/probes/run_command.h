/* SPDX-License-Identifier: EUPL-1.2 */
/* Running a program for a probe or a rule: no shell, a clean environment, a time limit and
 * bounded output. Probes use it to ask the system (apt-get, nft, systemctl); command: rules
 * of a policy use it too (rules may use probe helpers, never the other way round). */
#ifndef EFTERLEV_AGENT_RUN_COMMAND_H
#define EFTERLEV_AGENT_RUN_COMMAND_H

#include <stddef.h>

/* Run argv (no shell, LC_ALL=C, stdin /dev/null) with a time limit; stdout and stderr are
 * captured into buf, NUL-terminated: *len in is how many bytes buf holds besides the NUL (so
 * buf has *len + 1 bytes); *len out is how many were captured (output beyond is drained and
 * dropped). Returns 0 with the wait status, or -1 with why (timed out, not found, ...). */
int ef_run_command(char *const argv[], int timeout_ms, int *wstatus, char *buf, size_t *len,
                   char *why, size_t whylen);

#endif
