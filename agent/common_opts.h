/* SPDX-License-Identifier: EUPL-1.2 */
/* Options every agent command takes, and loading the configuration once they are parsed. */
#ifndef EFTERLEV_AGENT_COMMON_OPTS_H
#define EFTERLEV_AGENT_COMMON_OPTS_H

#include "agent.h"

#include <getopt.h>

enum { OPT_STATE_DIR = 1000, OPT_CONFIG, OPT_VERBOSE, OPT_HELP };

#define COMMON_LONG_OPTS                                                                           \
    {"state-dir", required_argument, NULL, OPT_STATE_DIR},                                         \
        {"config", required_argument, NULL, OPT_CONFIG}, {"verbose", no_argument, NULL, 'v'},      \
        {"help", no_argument, NULL, 'h'},                                                          \
    {                                                                                              \
        NULL, 0, NULL, 0                                                                           \
    }

/* Handle a common option; returns 1 when handled, 0 if opt is not common, -1 on error. */
int common_opt(struct agent_ctx *ctx, int opt, const char *arg);
/* Load the configuration file; prints the error. 0 or -1. */
int common_load_config(struct agent_ctx *ctx);
/* Create and check the state directory: EXIT_OK, or EXIT_STATE (it cannot be written: not
 * root, read-only; a hint printed) or EXIT_FAILED, the error printed. */
int common_prepare_state(struct agent_ctx *ctx);

#endif
