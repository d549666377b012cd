/* SPDX-License-Identifier: EUPL-1.2 */
#include "report_build.h"

#include "engine.h"
#include "hostinfo.h"

#include "efterlev/log.h"
#include "efterlev/util.h"

#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static int is_file(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

int agent_load_policies(struct agent_ctx *ctx, char **paths, int npaths, struct ef_policy_set *ps)
{
    char err[1024];
    const char *controls =
        is_file(EF_CONTROLS_INSTALL_FILE) ? EF_CONTROLS_INSTALL_FILE : EF_CONTROLS_SOURCE_FILE;
    if (npaths == 0) {
        paths = ctx->cfg.policies;
        npaths = ctx->cfg.npolicies;
    }
    /* Installed policy first; a build tree falls back to the source tree's. */
    char *fallback[1] = {is_dir(EF_POLICY_INSTALL_DIR) ? EF_POLICY_INSTALL_DIR
                                                       : EF_POLICY_SOURCE_DIR};
    if (npaths == 0) {
        paths = fallback;
        npaths = 1;
    }
    ef_policy_init(ps);
    /* As root, refuse policy files others could change: the policy decides what root reads
     * and which commands it runs. */
    ps->trusted_only = geteuid() == 0;
    for (int i = 0; i < npaths; i++) {
        ef_debug("loading policy %s", paths[i]);
        if (ef_policy_load(ps, paths[i], controls, err, sizeof(err)) != 0) {
            ef_error("%s", err);
            ef_policy_free(ps);
            return -1;
        }
    }
    if (ps->nchecks == 0) {
        ef_error("no checks found in the policy");
        ef_policy_free(ps);
        return -1;
    }
    return 0;
}

int agent_build_report(struct agent_ctx *ctx, const struct ef_policy_set *ps, const char *root,
                       ef_level level, const char *const *skip, int update_state,
                       struct ef_report *r)
{
    char err[512];
    ef_report_init(r);
    if (hostinfo_collect(root, &ctx->cfg, &r->host, err, sizeof(err)) != 0)
        ef_debug("%s", err); /* only enrollment needs the machine id */
    strlcpy(r->agent_version, EFTERLEV_VERSION, sizeof(r->agent_version));
    strlcpy(r->policy_id, ps->id, sizeof(r->policy_id));
    strlcpy(r->policy_version, ps->version, sizeof(r->policy_version));
    strlcpy(r->policy_sha256, ps->sha256, sizeof(r->policy_sha256));
    ef_now_rfc3339(r->generated_at);
    int live = strcmp(root, "/") == 0;
    struct ef_scan_opts opts = {.root = root,
                                .level = level,
                                .skip = skip,
                                .state_dir = live ? ctx->state_dir : NULL,
                                .update_state = live && update_state};
    if (ef_scan(ps, &opts, r) != 0) {
        ef_error("scan failed: out of memory or more than %d results", EF_RESULTS_MAX);
        ef_report_free(r);
        return -1;
    }
    return 0;
}
