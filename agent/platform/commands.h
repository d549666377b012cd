/* SPDX-License-Identifier: EUPL-1.2 */
/* Commands only one system has, beside the ones every system has (main.c): on Windows
 * `service` (agent/platform/service.h), on Linux none (the systemd timer runs `run`). */
#ifndef EFTERLEV_AGENT_PLATFORM_COMMANDS_H
#define EFTERLEV_AGENT_PLATFORM_COMMANDS_H

#include <stddef.h>

struct agent_ctx;

struct agent_command {
    const char *name;
    int (*fn)(struct agent_ctx *ctx, int argc, char **argv);
};

extern const struct agent_command agent_platform_commands[];
extern const size_t agent_platform_ncommands;
/* Their lines in `efterlev-agent --help` ("" when there are none). */
extern const char agent_platform_usage[];

#endif
