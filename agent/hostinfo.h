/* SPDX-License-Identifier: EUPL-1.2 */
/* Who this host is: name, machine id, OS release, kernel, architecture. */
#ifndef EFTERLEV_AGENT_HOSTINFO_H
#define EFTERLEV_AGENT_HOSTINFO_H

#include "agent_config.h"
#include "efterlev/report.h"

#include <stddef.h>

/* Fill h from the system under root ("/" for this machine); configuration overrides name
 * and machine id. The machine id is required for enrollment: returns -1 with err when
 * it cannot be found, 0 otherwise (other fields are best effort, left empty). */
int hostinfo_collect(const char *root, const struct agent_config *cfg, struct ef_host *h, char *err,
                     size_t errlen);

#endif
