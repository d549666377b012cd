/* SPDX-License-Identifier: EUPL-1.2 */
/* /etc/efterlev/agent.yml: where to report, and how to enroll without a person. */
#ifndef EFTERLEV_AGENT_CONFIG_H
#define EFTERLEV_AGENT_CONFIG_H

#include <limits.h>
#include <stddef.h>

#define EF_CFG_MAX_POLICIES 16
#define EF_URL_MAX 512

struct agent_config {
    char collector[EF_URL_MAX]; /* https://host:port */
    char ca[PATH_MAX];          /* CA file to verify the collector with */
    char token[256];            /* department enrollment token, for the first run */
    char hostname[256];         /* override the reported host name */
    char machine_id[129];       /* override /etc/machine-id (cloned images, tests) */
    char *policies[EF_CFG_MAX_POLICIES];
    int npolicies;
    long spool_max_reports;    /* bound on spooled reports */
    long long spool_max_bytes; /* bound on spooled bytes */
    long timeout_s;            /* per upload request */
    long retry_attempts;       /* attempts per report and run when the collector is away */
    long retry_base_ms;        /* first backoff; doubles per attempt, with jitter */
};

void agent_config_defaults(struct agent_config *c);
void agent_config_free(struct agent_config *c);
/* How agent_config_load treats the file. */
#define EF_CFG_MUST_EXIST                                                                          \
    1                    /* named explicitly (--config, EFTERLEV_CONFIG): missing is an error      \
                          */
#define EF_CFG_TRUSTED 2 /* running as root: refuse a file others could change */

/* Load path (flags: EF_CFG_*); a missing file leaves the defaults (return 0) unless
 * EF_CFG_MUST_EXIST. Errors name file and line. */
int agent_config_load(struct agent_config *c, const char *path, int flags, char *err,
                      size_t errlen);

#endif
