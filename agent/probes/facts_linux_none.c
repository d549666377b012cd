/* SPDX-License-Identifier: EUPL-1.2 */
/* The Windows build's Linux fact table: empty. efterlev-agent.exe judges only Windows
 * systems (its own registry, or a recorded one); the Linux probes are not built there. A
 * fact of a Linux policy is then unknown ("no probe provides it"), never passed. */
#include "fact_table.h"

const struct ef_fact_def ef_facts_linux[1] = {{NULL, EF_FACT_BOOL, NULL, NULL}};
const size_t ef_facts_linux_n = 0;
