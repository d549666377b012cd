/* SPDX-License-Identifier: EUPL-1.2 */
/* The check engine: evaluates a policy set against a system root. */
#ifndef EFTERLEV_AGENT_ENGINE_H
#define EFTERLEV_AGENT_ENGINE_H

#include "efterlev/policy.h"
#include "efterlev/report.h"

struct ef_reg;
struct ef_win;

struct ef_scan_opts {
    const char *root;        /* system root, "/" for this machine */
    struct ef_reg *registry; /* a Windows registry (live or recorded): the scan judges that
                                Windows system with its fact table; NULL: Linux under root */
    struct ef_win *win;      /* with registry: its WMI classes and API results, or NULL */
    ef_level level;          /* protection level to judge at */
    const ef_level *levels;  /* or, per aspect (EF_ASPECTS of them, efterlev/policy.h): each
                                check at ef_check_level of its aspects; NULL: level */
    const char *const *skip; /* check ids to leave out (NULL-terminated), or NULL */
    const char *state_dir;   /* the agent's state directory, or NULL */
    int update_state;        /* probes may update their state there (run, not scan) */
};

/* Evaluate every check of ps that is required at its level (opts->level, or per aspect
 * opts->levels: check level <= that level), in policy order, appending one result per check
 * to r: status, evidence, controls, severity, the level it was judged at and duration_us. Checks
 * above the level, and those named in opts->skip, are left out. Returns 0, or -1 only when r cannot
 * grow (out of memory / too many results). */
int ef_scan(const struct ef_policy_set *ps, const struct ef_scan_opts *opts, struct ef_report *r);

#endif
