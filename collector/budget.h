/* SPDX-License-Identifier: EUPL-1.2 */
/* The per-agent ingest budget (docs/operations.md, "Limits"): at most N reports an hour and
 * B bytes of reports a day per agent, counted in memory by this collector process (several
 * collectors sharing one PostgreSQL database each count their own).
 *
 * Fixed windows: an agent's hour (and day) begins with its first report after the previous
 * one ended; a report that would exceed either count is refused, not counted, and told how
 * long until its window ends. The table is bounded: it holds at most max_agents agents, and
 * when full the agent charged least recently is forgotten (its budget starts afresh), so
 * memory stays bounded whatever the number of agents. Thread-safe (one mutex). */
#ifndef EF_COLLECTOR_BUDGET_H
#define EF_COLLECTOR_BUDGET_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define EF_BUDGET_HOUR 3600
#define EF_BUDGET_DAY 86400
/* Agents the table holds at most: about 16 MiB when full (256 bytes an agent). */
#define EF_BUDGET_AGENTS_MAX 65536

struct ef_budget;

enum ef_budget_verdict {
    EF_BUDGET_OK,      /* counted */
    EF_BUDGET_REPORTS, /* over reports_per_hour: not counted */
    EF_BUDGET_BYTES,   /* over bytes_per_day: not counted */
};

/* A table for reports_per_hour (>= 1) and bytes_per_day (>= 1) holding at most max_agents
 * (>= 1) agents. NULL when out of memory or a value is out of range. */
struct ef_budget *ef_budget_new(long reports_per_hour, int64_t bytes_per_day, size_t max_agents);
void ef_budget_free(struct ef_budget *b);

/* Count one report of bytes from agent_id arriving at now (seconds). Over the budget,
 * *retry_after is the seconds until the window that refused it ends (at least 1), and *first
 * is 1 for the first refusal of that window (to log once, not for every refused upload). An
 * agent_id longer than EF_ID_MAX is refused as over the reports budget, an hour. */
enum ef_budget_verdict ef_budget_charge(struct ef_budget *b, const char *agent_id, size_t bytes,
                                        time_t now, long *retry_after, int *first);

/* Agents the table holds now. */
size_t ef_budget_agents(struct ef_budget *b);

#endif
