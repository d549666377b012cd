/* SPDX-License-Identifier: EUPL-1.2 */
/* What the parts of the Windows service share (private to agent/platform/service_*_win32.c):
 * service_win32.c (the service's life, its schedule and logs), service_child_win32.c (runs
 * as child processes), service_configure_win32.c (the enrollment the MSI leaves). */
#ifndef EFTERLEV_AGENT_PLATFORM_SERVICE_INTERNAL_H
#define EFTERLEV_AGENT_PLATFORM_SERVICE_INTERNAL_H

#include "efterlev/attr.h"

#include <windows.h>

#include <limits.h>

#include "../agent.h"
#include "../upload.h"

#define SVC_NAME L"efterlev-agent"
#define SVC_PARAMS_KEY L"SYSTEM\\CurrentControlSet\\Services\\efterlev-agent\\Parameters"
#define PENDING_FILE "msi-enroll.json"
#define SCHEDULE_FILE "service-schedule.json"
#define CA_FILE_NAME "ca.pem"
#define LOG_FILE "service.log"
#define LOG_FILE_OLD "service.log.1"
#define RUN_OUT_FILE "service-run.out"
#define SMALL_FILE_MAX (64 * 1024)
#define CA_INPUT_MAX (1024 * 1024)
/* Only SYSTEM and Administrators, nothing inherited: the pending enrollment holds a token. */

struct svc_times {
    long first_delay_s; /* OnBootSec=5min */
    long interval_s;    /* OnCalendar=00/6:00 */
    long jitter_s;      /* RandomizedDelaySec=1h, FixedRandomDelay=true */
    long run_timeout_s; /* TimeoutStartSec=15min */
    long enroll_retry_s;
    long log_max_bytes;
};

/* The agent's context of `efterlev-agent.exe service` (its state folder) and the event set
 * when the service is asked to stop. */
extern struct agent_ctx *svc_ctx;
extern HANDLE svc_stop;

/* A line to service.log and, unless type is EVENTLOG_INFORMATION_TYPE in the foreground, the
 * event log (message id). */
void svc_log(WORD type, DWORD id, const char *fmt, ...) EF_PRINTF(3, 4);
/* A file of the state folder, as UTF-16 (free it); NULL when too long. */
wchar_t *state_path_w(const char *name);

/* ---- child processes (service_child_win32.c) ---- */
enum child_end { CHILD_EXITED, CHILD_TIMEOUT, CHILD_STOPPED, CHILD_NOT_STARTED };
/* Start efterlev-agent.exe ARGS... (its own path), no window, below-normal priority, in a
 * job object, its output in service-run.out; wait up to timeout_s or until stop. */
enum child_end run_child(const char *const *args, int nargs, long timeout_s, DWORD *code,
                         char *last, size_t lastlen);
/* The arguments every child gets (--state-dir, --config): how many were put in args. */
int common_child_args(const char **args, int n);

/* ---- the enrollment the MSI leaves (service_configure_win32.c) ---- */
struct pending {
    char collector[EF_URL_MAX];
    char token[256];
    char ca[PATH_MAX];
};
/* 1 there is one, 0 none, -1 damaged (err). */
int pending_load(struct pending *p, char *err, size_t errlen);
void pending_remove(void);
/* efterlev-agent.exe service configure ...: what the MSI runs. */
int service_configure(struct agent_ctx *ctx, int argc, char **argv);

#endif
