/* SPDX-License-Identifier: EUPL-1.2 */
/* A platform's fact table: which probe provides which fact. One table per scanned platform
 * (facts_linux.c, facts_windows.c); facts.c holds the mechanics shared by both. Private to
 * agent/probes. */
#ifndef EFTERLEV_AGENT_FACT_TABLE_H
#define EFTERLEV_AGENT_FACT_TABLE_H

#include "facts.h"

struct ef_fact_def {
    const char *name;
    ef_fact_type type;
    const char *probe;
    void (*run)(struct ef_facts *f);
};

extern const struct ef_fact_def ef_facts_linux[];
extern const size_t ef_facts_linux_n;
extern const struct ef_fact_def ef_facts_windows[];
extern const size_t ef_facts_windows_n;

#endif
