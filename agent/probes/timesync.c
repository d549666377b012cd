/* SPDX-License-Identifier: EUPL-1.2 */
/* Time synchronisation probe.
 *
 *   time.kernel_synced: the kernel's clock discipline state from adjtimex(2) with no mode
 *     bits set (a read-only query that needs no privilege): synchronised unless the call
 *     returns TIME_ERROR or the status has STA_UNSYNC. This is what timedatectl's
 *     NTPSynchronized shows, read without systemd. Only on the live system.
 *   time.daemons_active: how many time daemons run: chrony (chrony.service, chronyd.service),
 *     systemd-timesyncd, ntpd (ntp.service, ntpd.service, ntpsec.service) and OpenNTPD count
 *     one each. A daemon whose unit file is not installed is not running; for installed ones
 *     the state comes from ef_unit_active (unknown where systemd is not running). */
#include "facts.h"
#include "probe_util.h"
#include "probes/systemd_units.h"
#include "test_hooks.h"

#include "efterlev/util.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/timex.h>

static const char *const unit_dirs[] = {"/etc/systemd/system", "/run/systemd/system",
                                        "/usr/local/lib/systemd/system", "/usr/lib/systemd/system",
                                        "/lib/systemd/system"};

struct family {
    const char *name;
    const char *units[4];
};

static const struct family families[] = {
    {"chrony", {"chrony.service", "chronyd.service", NULL}},
    {"systemd-timesyncd", {"systemd-timesyncd.service", NULL}},
    {"ntpd", {"ntp.service", "ntpd.service", "ntpsec.service", NULL}},
    {"openntpd", {"openntpd.service", NULL}},
};

static int unit_installed(struct ef_facts *f, const char *unit)
{
    for (size_t i = 0; i < EF_ARRAY_LEN(unit_dirs); i++) {
        char rel[PATH_MAX], full[PATH_MAX];
        struct stat st;
        snprintf(rel, sizeof(rel), "%s/%s", unit_dirs[i], unit);
        if (ef_facts_path(f, full, sizeof(full), rel) == 0 && lstat(full, &st) == 0)
            return 1;
    }
    return 0;
}

static void probe_daemons(struct ef_facts *f)
{
    char active[512] = "", unknown[EF_EVIDENCE_MAX + 1] = "", idle[512] = "";
    int nactive = 0, nunknown = 0;

    for (size_t i = 0; i < EF_ARRAY_LEN(families); i++) {
        int installed = 0, on = 0, unk = 0;
        char why[512] = "";
        for (const char *const *u = families[i].units; *u; u++) {
            if (!unit_installed(f, *u))
                continue;
            installed = 1;
            char ev[512];
            int a = ef_unit_active(ef_facts_root(f), *u, ev, sizeof(ev));
            if (a == 1) {
                on = 1;
                break;
            }
            if (a < 0 && !unk) {
                unk = 1;
                strlcpy(why, ev, sizeof(why));
            }
        }
        if (on) {
            nactive++;
            ef_pu_list_add(active, sizeof(active), families[i].name);
        } else if (installed && unk) {
            nunknown++;
            ef_pu_list_add(unknown, sizeof(unknown), why);
        } else if (installed) {
            ef_pu_list_add(idle, sizeof(idle), families[i].name);
        }
    }
    char ev[EF_EVIDENCE_MAX + 1];
    ef_text_printf(ev, sizeof(ev), "running: %s; installed but not running: %s",
                   nactive ? active : "none", idle[0] ? idle : "none");
    if (nunknown && nactive < 2)
        ef_fact_unknown(f, "time.daemons_active", "%s; %s", unknown, ev);
    else
        ef_fact_int(f, "time.daemons_active", nactive, "%s", ev);
}

static int (*adjtimex_fn)(struct timex *);

void ef_timesync_set_adjtimex(int (*fn)(struct timex *))
{
    adjtimex_fn = fn;
}

static void probe_kernel(struct ef_facts *f)
{
    struct timex tx;

    if (adjtimex_fn == NULL && !ef_pu_is_live(f)) {
        ef_fact_unknown(f, "time.kernel_synced",
                        "the kernel clock state is known only on the live system (--root /)");
        return;
    }
    memset(&tx, 0, sizeof(tx));
    int rc = adjtimex_fn ? adjtimex_fn(&tx) : adjtimex(&tx);
    if (rc < 0) {
        ef_fact_unknown(f, "time.kernel_synced", "adjtimex: %s", strerror(errno));
        return;
    }
    if (rc == TIME_ERROR || (tx.status & STA_UNSYNC))
        ef_fact_bool(f, "time.kernel_synced", 0,
                     "adjtimex: the kernel clock is not synchronised (%s)",
                     (tx.status & STA_UNSYNC) ? "STA_UNSYNC set" : "TIME_ERROR");
    else
        ef_fact_bool(f, "time.kernel_synced", 1,
                     "adjtimex: the kernel clock is synchronised (estimated error %ld us)",
                     (long)tx.esterror);
}

void ef_probe_timesync(struct ef_facts *f)
{
    probe_kernel(f);
    probe_daemons(f);
}
