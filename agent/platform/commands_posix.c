/* SPDX-License-Identifier: EUPL-1.2 */
/* platform/commands.h on Linux: no commands of its own. */
#include "commands.h"

const struct agent_command agent_platform_commands[1] = {{NULL, NULL}};
const size_t agent_platform_ncommands = 0;
const char agent_platform_usage[] = "";
