/* SPDX-License-Identifier: EUPL-1.2 */
/* What every agent command shares: where state and configuration live, and the loaded
 * configuration. */
#ifndef EFTERLEV_AGENT_H
#define EFTERLEV_AGENT_H

#include "agent_config.h"

#include <limits.h>

/* Exit codes (DESIGN §6). */
#define EXIT_OK 0
#define EXIT_FAILED 1 /* scan: some check failed; run: reports still spooled */
#define EXIT_USAGE 2  /* usage, configuration or policy error */
#define EXIT_STATE 3  /* the state directory cannot be written (not root, read-only) */

struct agent_ctx {
    char state_dir[PATH_MAX];
    char config_path[PATH_MAX];
    const char *config_named_by; /* "--config" or "EFTERLEV_CONFIG"; NULL: the default */
    struct agent_config cfg;
    const char *registry_file;  /* scan --registry: a recorded Windows registry (.reg) */
    const char *recording_file; /* scan --recording: a recorded Windows machine (.json) */
};

/* The program: argv in UTF-8 (agent/platform/main_*.c make it so and call this). */
int agent_main(int argc, char **argv);

int cmd_scan(struct agent_ctx *ctx, int argc, char **argv);
int cmd_checks(struct agent_ctx *ctx, int argc, char **argv);
int cmd_enroll(struct agent_ctx *ctx, int argc, char **argv);
int cmd_run(struct agent_ctx *ctx, int argc, char **argv);
int cmd_status(struct agent_ctx *ctx, int argc, char **argv);
int cmd_record(struct agent_ctx *ctx, int argc, char **argv);

/* Load the policies named on the command line, else in the configuration, else the
 * installed policy directory, else this source tree's (for a build tree). Returns 0 or -1
 * with the loader's message printed. */
struct ef_policy_set;
int agent_load_policies(struct agent_ctx *ctx, char **paths, int npaths, struct ef_policy_set *ps);

/* Enroll with the collector at url; saves the enrollment in the state directory.
 * Returns 0 or -1 (error printed). */
struct enrollment;
int agent_enroll(struct agent_ctx *ctx, const char *url, const char *token, const char *ca,
                 struct enrollment *out);

#endif
