/* SPDX-License-Identifier: EUPL-1.2 */
#include "common_opts.h"

#include "efterlev/log.h"

#include <string.h>

int common_opt(struct agent_ctx *ctx, int opt, const char *arg)
{
    switch (opt) {
    case OPT_STATE_DIR:
        if (strlcpy(ctx->state_dir, arg, sizeof(ctx->state_dir)) >= sizeof(ctx->state_dir)) {
            ef_error("--state-dir: path too long");
            return -1;
        }
        return 1;
    case OPT_CONFIG:
        if (strlcpy(ctx->config_path, arg, sizeof(ctx->config_path)) >= sizeof(ctx->config_path)) {
            ef_error("--config: path too long");
            return -1;
        }
        return 1;
    case 'v':
        ef_log_set_verbose(1);
        return 1;
    default:
        return 0;
    }
}

int common_load_config(struct agent_ctx *ctx)
{
    char err[512];
    if (agent_config_load(&ctx->cfg, ctx->config_path, err, sizeof(err)) != 0) {
        ef_error("%s", err);
        return -1;
    }
    return 0;
}
