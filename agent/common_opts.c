/* SPDX-License-Identifier: EUPL-1.2 */
#include "common_opts.h"

#include "agent_state.h"

#include "efterlev/log.h"
#include "efterlev/os.h"
#include "platform/paths.h"

#include <errno.h>

#include <limits.h>
#include <string.h>
#include <sys/stat.h>

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
        ctx->config_named_by = "--config";
        return 1;
    case 'v':
        ef_log_set_verbose(1);
        return 1;
    default:
        return 0;
    }
}

int common_prepare_state(struct agent_ctx *ctx)
{
    char err[PATH_MAX + 256];
    int rc = state_prepare(ctx->state_dir, err, sizeof(err));
    if (rc == 0)
        return EXIT_OK;
    ef_error("%s", err);
    if (rc == -EACCES || rc == -EPERM || rc == -EROFS) {
        ef_error("hint: run as root (sudo efterlev-agent ...), or with --state-dir DIR you can "
                 "write (env EFTERLEV_STATE_DIR)");
        return EXIT_STATE;
    }
    return EXIT_FAILED;
}

int common_load_config(struct agent_ctx *ctx)
{
    char err[PATH_MAX * 2 + 512];
    /* A file named explicitly must exist; the default may be absent (scan needs none). As
     * root, a file others could change is refused: it decides what root runs. */
    int flags =
        (ctx->config_named_by ? EF_CFG_MUST_EXIST : 0) | (ef_os_is_admin() ? EF_CFG_TRUSTED : 0);
    if (agent_config_load(&ctx->cfg, ctx->config_path, flags, err, sizeof(err)) != 0) {
        struct stat st;
        if (ctx->config_named_by && ef_stat(ctx->config_path, &st) != 0)
            ef_error("%s (named by %s; leave it out to use %s)", err, ctx->config_named_by,
                     agent_default_config());
        else
            ef_error("%s", err);
        return -1;
    }
    return 0;
}
