/* SPDX-License-Identifier: EUPL-1.2 */
/* Facts: typed values about the system under the scan root, computed by probes
 * (agent/probes/). A probe runs at most once per scan, on the first request for any
 * fact it provides; its facts are then cached in the scan's ef_facts. */
#ifndef EFTERLEV_AGENT_FACTS_H
#define EFTERLEV_AGENT_FACTS_H

#include "efterlev/attr.h"
#include "efterlev/report.h"
#include "efterlev/textlist.h"

#include <stddef.h>
#include <time.h>

typedef enum { EF_FACT_BOOL = 0, EF_FACT_INT, EF_FACT_STR } ef_fact_type;

#define EF_FACT_STR_MAX 255

struct ef_fact {
    const char *name;
    ef_fact_type type;
    int known;                          /* 1: value valid; 0: unknown, evidence says why */
    int b;                              /* EF_FACT_BOOL */
    long long i;                        /* EF_FACT_INT */
    char s[EF_FACT_STR_MAX + 1];        /* EF_FACT_STR */
    char evidence[EF_EVIDENCE_MAX + 1]; /* what was seen, or why it is unknown */
};

struct ef_facts;

struct ef_reg;
struct ef_win;

/* A fact cache for one scan of the Linux system under root, judged at time now. NULL when
 * out of memory. */
struct ef_facts *ef_facts_new(const char *root, time_t now);
/* A fact cache for one scan of the Windows system whose registry is reg and whose WMI
 * classes and API results win answers (live or recorded; the caller keeps and frees both;
 * win may be NULL: then every fact that needs it is unknown, saying so). NULL when reg is
 * NULL or out of memory. */
struct ef_facts *ef_facts_new_windows(struct ef_reg *reg, struct ef_win *win, time_t now);
void ef_facts_free(struct ef_facts *f);

/* The fact called name, running its probe on first use; NULL when no probe of either
 * platform provides it. A fact of the other platform is returned unknown, saying so. */
const struct ef_fact *ef_facts_get(struct ef_facts *f, const char *name);
/* The type of a fact name without running anything; -1 when no probe provides it. */
int ef_fact_type_of(const char *name);
/* All fact names of both platforms, once each, NULL-terminated (for `checks` listings). */
const char *const *ef_fact_names(void);
/* The platforms whose scans provide a fact: "linux", "windows" or "linux, windows". */
const char *ef_fact_platforms(const char *name);

/* The time scans judge ages against: EFTERLEV_NOW (RFC 3339) when set, else the clock.
 * This is the only place the agent reads the override. Returns 0, or -1 when EFTERLEV_NOW
 * is set but malformed. */
int ef_engine_now(time_t *out);

/* ---- for probes ---- */

const char *ef_facts_root(const struct ef_facts *f);
/* The registry of a Windows scan; NULL for a Linux scan. */
struct ef_reg *ef_facts_registry(const struct ef_facts *f);
/* The WMI classes and API results of a Windows scan (agent/platform/winsys.h); NULL for a
 * Linux scan, or a Windows scan of a recorded registry without a recording. */
struct ef_win *ef_facts_win(const struct ef_facts *f);
/* EF_PLATFORM_LINUX or EF_PLATFORM_WINDOWS: the platform this scan judges. */
const char *ef_facts_platform(const struct ef_facts *f);
/* The agent's state directory, where probes keep what must survive between scans (first
 * sightings of pending updates); NULL when there is none. Only `run` lets probes write it. */
void ef_facts_set_state(struct ef_facts *f, const char *state_dir, int writable);
const char *ef_facts_state_dir(const struct ef_facts *f);
int ef_facts_state_writable(const struct ef_facts *f);
time_t ef_facts_time(const struct ef_facts *f);
/* root + path into out; -1 when too long. */
int ef_facts_path(const struct ef_facts *f, char *out, size_t outlen, const char *path);

void ef_fact_bool(struct ef_facts *f, const char *name, int v, const char *fmt, ...)
    EF_PRINTF(4, 5);
void ef_fact_int(struct ef_facts *f, const char *name, long long v, const char *fmt, ...)
    EF_PRINTF(4, 5);
void ef_fact_str(struct ef_facts *f, const char *name, const char *v, const char *fmt, ...)
    EF_PRINTF(4, 5);
void ef_fact_unknown(struct ef_facts *f, const char *name, const char *fmt, ...) EF_PRINTF(3, 4);

/* Probes: each sets every fact it provides (known or unknown). */
void ef_probe_storage(struct ef_facts *f);
void ef_probe_os(struct ef_facts *f);
void ef_probe_updates(struct ef_facts *f);
void ef_probe_journald(struct ef_facts *f);
void ef_probe_logfiles(struct ef_facts *f);
/* --- patch and accounts probes --- */
void ef_probe_apt_pending(struct ef_facts *f);
void ef_probe_apt_history(struct ef_facts *f);
void ef_probe_aptconf(struct ef_facts *f);
void ef_probe_reposig(struct ef_facts *f);
void ef_probe_reboot(struct ef_facts *f);
void ef_probe_accounts(struct ef_facts *f);
void ef_probe_sudoers(struct ef_facts *f);
void ef_probe_pam(struct ef_facts *f);
void ef_probe_sshd(struct ef_facts *f);
/* --- encryption and logging probes --- */
void ef_probe_luks(struct ef_facts *f);
void ef_probe_kmod(struct ef_facts *f);
void ef_probe_usbguard(struct ef_facts *f);
void ef_probe_removable(struct ef_facts *f);
void ef_probe_audit(struct ef_facts *f);
void ef_probe_timesync(struct ef_facts *f);
void ef_probe_logfwd(struct ef_facts *f);
void ef_probe_logretention(struct ef_facts *f);
/* --- network, malware, desktop and system probes --- */
void ef_probe_host(struct ef_facts *f);
void ef_probe_firewall(struct ef_facts *f);
void ef_probe_listeners(struct ef_facts *f);
void ef_probe_malware(struct ef_facts *f);
void ef_probe_desktop(struct ef_facts *f);
void ef_probe_boot(struct ef_facts *f);
void ef_probe_kernel(struct ef_facts *f);
void ef_probe_fswalk(struct ef_facts *f);
void ef_probe_integrity(struct ef_facts *f);
/* --- Windows probes (the registry, through agent/platform/registry.h) --- */
void ef_probe_win_os(struct ef_facts *f);
void ef_probe_win_reboot(struct ef_facts *f);
void ef_probe_win_netbt(struct ef_facts *f);
/* --- Windows probes over WMI and the API tables (agent/platform/winsys.h) --- */
void ef_probe_win_role(struct ef_facts *f);
void ef_probe_win_bitlocker(struct ef_facts *f);
void ef_probe_win_av(struct ef_facts *f);
void ef_probe_win_asr(struct ef_facts *f);
void ef_probe_win_firmware(struct ef_facts *f);
void ef_probe_win_join(struct ef_facts *f);
void ef_probe_win_modals(struct ef_facts *f);
void ef_probe_win_local_accounts(struct ef_facts *f);
void ef_probe_win_lsa_event(struct ef_facts *f);
void ef_probe_win_audit(struct ef_facts *f);
void ef_probe_win_eventlog(struct ef_facts *f);
void ef_probe_win_install(struct ef_facts *f);
void ef_probe_win_update(struct ef_facts *f);
void ef_probe_win_users(struct ef_facts *f);

/* The report's host fields of a Windows machine from its registry: platform "windows",
 * os_id, os_version, os_pretty, os_edition, os_build and, when empty, the hostname
 * (ComputerName) and machine id (MachineGuid). Fields it cannot read stay as they are.
 * Returns 0, or -1 with err when CurrentVersion cannot be read at all. */
int ef_win_hostinfo(struct ef_reg *reg, struct ef_host *h, char *err, size_t errlen);

#endif
