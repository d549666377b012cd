/* SPDX-License-Identifier: EUPL-1.2 */
#include "report_build.h"

#include "engine.h"
#include "facts.h"
#include "hostinfo.h"
#include "platform/registry.h"
#include "platform/winsys.h"

#include "platform/paths.h"

#include "efterlev/log.h"
#include "efterlev/os.h"
#include "efterlev/util.h"

#include <string.h>

int agent_load_policies(struct agent_ctx *ctx, char **paths, int npaths, struct ef_policy_set *ps)
{
    char err[1024];
    const char *controls = agent_controls_file();
    /* A recorded Windows machine (scan --registry) is judged by the Windows policy, not by
     * this host's configured one. */
    int recorded_windows = ctx->registry_file != NULL;
    if (npaths == 0 && !recorded_windows) {
        paths = ctx->cfg.policies;
        npaths = ctx->cfg.npolicies;
    }
    /* Installed policy first; a build tree falls back to the source tree's. */
    char *fallback[1] = {
        (char *)(recorded_windows ? agent_windows_policy_dir() : agent_default_policy_dir())};
    if (npaths == 0) {
        paths = fallback;
        npaths = 1;
    }
    ef_policy_init(ps);
    /* As root, refuse policy files others could change: the policy decides what root reads
     * and which commands it runs. */
    ps->trusted_only = ef_os_is_admin();
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
                       const ef_level levels[EF_ASPECTS], const char *const *skip, int update_state,
                       struct ef_report *r)
{
    char err[1024];
    /* A Windows system is judged through its registry: a recorded one (--registry), else
     * this machine's own on Windows (none elsewhere: a Linux scan). */
    struct ef_reg *reg = NULL;
    struct ef_win *win = NULL;
    if (ctx->registry_file != NULL) {
        if ((reg = ef_reg_open_recorded(ctx->registry_file, err, sizeof(err))) == NULL) {
            ef_error("--registry: %s", err);
            return -1;
        }
        /* the rest of that machine (WMI, APIs) only from its recording: never this one's */
        if (ctx->recording_file != NULL &&
            (win = ef_win_open_recorded(ctx->recording_file, err, sizeof(err))) == NULL) {
            ef_error("--recording: %s", err);
            ef_reg_free(reg);
            return -1;
        }
    } else if (strcmp(root, "/") == 0) {
        reg = ef_reg_open_live(err, sizeof(err));
        if (reg != NULL)
            win = ef_win_open_live(err, sizeof(err));
    }
    ef_report_init(r);
    if (reg != NULL && !ef_reg_is_live(reg)) {
        /* the recorded machine, not this one: only the configuration's overrides */
        strlcpy(r->host.hostname, ctx->cfg.hostname, sizeof(r->host.hostname));
        strlcpy(r->host.machine_id, ctx->cfg.machine_id, sizeof(r->host.machine_id));
    } else if (hostinfo_collect(root, &ctx->cfg, &r->host, err, sizeof(err)) != 0) {
        ef_debug("%s", err); /* only enrollment needs the machine id */
    }
    /* A recorded machine's host fields come from its registry; this machine's came from
     * hostinfo_collect (on Windows from the same registry, through ef_win_hostinfo). */
    if (reg != NULL && !ef_reg_is_live(reg) &&
        ef_win_hostinfo(reg, &r->host, err, sizeof(err)) != 0)
        ef_debug("%s", err);
    strlcpy(r->agent_version, EFTERLEV_VERSION, sizeof(r->agent_version));
    strlcpy(r->policy_id, ps->id, sizeof(r->policy_id));
    strlcpy(r->policy_version, ps->version, sizeof(r->policy_version));
    strlcpy(r->policy_sha256, ps->sha256, sizeof(r->policy_sha256));
    ef_now_rfc3339(r->generated_at);
    int live = strcmp(root, "/") == 0;
    if (reg != NULL && !ef_reg_is_live(reg))
        live = 0; /* a recorded registry: the agent's state is not that machine's */
    struct ef_scan_opts opts = {.root = root,
                                .registry = reg,
                                .win = win,
                                .level = ef_levels_max(levels),
                                .levels = levels,
                                .skip = skip,
                                .state_dir = live ? ctx->state_dir : NULL,
                                .update_state = live && update_state};
    int rc = ef_scan(ps, &opts, r);
    ef_win_free(win);
    ef_reg_free(reg);
    if (rc != 0) {
        ef_error("scan failed: out of memory or more than %d results", EF_RESULTS_MAX);
        ef_report_free(r);
        return -1;
    }
    return 0;
}
