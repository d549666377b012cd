/* SPDX-License-Identifier: EUPL-1.2 */
/* platform/commands.h on Windows: the service. */
#include "commands.h"

#include "service.h"

const struct agent_command agent_platform_commands[] = {{"service", cmd_service}};
const size_t agent_platform_ncommands = 1;
const char agent_platform_usage[] =
    "  service   the Windows service: what the service manager starts (service --help)\n";
