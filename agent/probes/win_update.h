/* SPDX-License-Identifier: EUPL-1.2 */
/* The Windows Update probe's judging helpers, for the probe and its tests. Private to
 * agent/probes. */
#ifndef EFTERLEV_AGENT_PROBES_WIN_UPDATE_H
#define EFTERLEV_AGENT_PROBES_WIN_UPDATE_H

#include <jansson.h>
#include <time.h>

#define EF_WU_CAT_SECURITY "0fa1201d-4330-4fa8-8ae9-b877473b6441"
#define EF_WU_CAT_DEFINITIONS "e0789628-ce08-4437-be74-2495b842f43b"

/* A row of api:WindowsUpdateHistory is a succeeded installation (operation 1, result_code
 * 2) of something other than definition updates alone (categories not only
 * EF_WU_CAT_DEFINITIONS). */
int ef_wu_history_counts(const json_t *row);
/* A row of api:WindowsUpdatePending is a security update: msrc_severity Critical or
 * Important, or the Security Updates category. */
int ef_wu_pending_is_security(const json_t *row);
/* Win32_QuickFixEngineering.InstalledOn as WMI gives it ("11/12/2026": month/day/year, or
 * "2026-11-12", or "20261112") into UTC midnight of that day; -1 when not a date. */
int ef_wu_qfe_date(const char *s, time_t *out);

#endif
