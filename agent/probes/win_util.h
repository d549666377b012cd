/* SPDX-License-Identifier: EUPL-1.2 */
/* Shared by the Windows probes that read WMI classes and API tables through
 * agent/platform/winsys.h: reading a table or saying, for every fact that needs it, why it
 * cannot be known; whole days between two times. Private to agent/probes. */
#ifndef EFTERLEV_AGENT_PROBES_WIN_UTIL_H
#define EFTERLEV_AGENT_PROBES_WIN_UTIL_H

#include "facts.h"

#include "platform/winsys.h"

#include <stddef.h>
#include <time.h>

/* The rows of table in this scan's source. On anything but EF_WIN_OK *rows is NULL and why
 * says why for evidence: no source ("no recording of this machine's WMI and API results:
 * scan --recording FILE.json"), denied ("api:AuditPolicy (AuditQuerySystemPolicy): needs
 * Administrator: ..." with api:Token's elevation when known), absent or an error. */
ef_win_status ef_win_probe_rows(struct ef_facts *f, const char *table, json_t **rows, char *why,
                                size_t whylen);
/* The same, setting each of the n facts of names unknown with why when the table cannot be
 * read; the rows or NULL. */
json_t *ef_win_probe_rows_or_unknown(struct ef_facts *f, const char *table,
                                     const char *const *names, size_t n);
/* Every fact of names unknown with the same reason. */
void ef_win_facts_unknown(struct ef_facts *f, const char *const *names, size_t n, const char *why);
/* Whole days from then to now (rounded down); 0 when then is not before now. */
long long ef_win_days_between(time_t then, time_t now);
/* Whether the machine is domain-joined, for evidence: " (domain-joined to KOMMUN: the
 * domain's policy governs domain accounts)", " (not domain-joined)" or "" when unknown. */
void ef_win_join_note(struct ef_facts *f, char *out, size_t outlen);

#endif
