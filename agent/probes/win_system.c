/* SPDX-License-Identifier: EUPL-1.2 */
/* Windows probes over the registry (agent/platform/registry.h) beyond the release:
 *   win_reboot: a restart is pending when HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\
 *     WindowsUpdate\Auto Update\RebootRequired or ...\Component Based Servicing\RebootPending
 *     exists (community practice, not documented by Microsoft; PendingFileRenameOperations
 *     alone is too noisy). The registry does not date it: its age is the first sighting
 *     kept in the agent's state, as for pending updates on Linux; without state (a recorded
 *     registry) the age is unknown.
 *   win_netbt: every interface under HKLM\SYSTEM\CurrentControlSet\Services\NetBT\
 *     Parameters\Interfaces has NetbiosOptions 2 (NetBIOS over TCP/IP disabled). */
#include "facts.h"
#include "first_seen.h"

#include "platform/registry.h"

#include "efterlev/textlist.h"
#include "efterlev/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REBOOT_WU                                                                                  \
    "HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\WindowsUpdate\\Auto "                     \
    "Update\\RebootRequired"
#define REBOOT_CBS                                                                                 \
    "HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Component Based Servicing\\RebootPending"
#define NETBT_IFS "HKLM\\SYSTEM\\CurrentControlSet\\Services\\NetBT\\Parameters\\Interfaces"

void ef_probe_win_reboot(struct ef_facts *f)
{
    struct ef_reg *r = ef_facts_registry(f);
    static const char *const keys[] = {REBOOT_WU, REBOOT_CBS};
    char why[300], found[700] = "";

    if (r == NULL)
        return;
    for (size_t i = 0; i < EF_ARRAY_LEN(keys); i++) {
        ef_reg_status st = ef_reg_key_exists(r, keys[i], EF_REG_VIEW_64, why, sizeof(why));
        if (st == EF_REG_CANNOT_READ) {
            ef_fact_unknown(f, "updates.reboot_required", "%s", why);
            ef_fact_unknown(f, "updates.reboot_pending_days", "%s", why);
            return;
        }
        if (st == EF_REG_PRESENT && found[0] == '\0')
            snprintf(found, sizeof(found), "%s", keys[i]);
    }
    if (found[0] == '\0') {
        ef_fact_bool(f, "updates.reboot_required", 0, "neither %s nor %s exists", REBOOT_WU,
                     REBOOT_CBS);
        ef_fact_int(f, "updates.reboot_pending_days", 0,
                    "no restart pending: neither %s nor %s "
                    "exists",
                    REBOOT_WU, REBOOT_CBS);
        return;
    }
    ef_fact_bool(f, "updates.reboot_required", 1, "%s exists", found);
    if (!ef_reg_is_live(r) || ef_facts_state_dir(f) == NULL) {
        ef_fact_unknown(f, "updates.reboot_pending_days",
                        "%s exists; since when is unknown: the registry does not date it, the "
                        "agent's state dates its first sighting (efterlev-agent run on the "
                        "machine)",
                        found);
        return;
    }
    struct ef_first_seen *fs = ef_first_seen_load(f, "reboot-pending-windows.json");
    if (fs == NULL) {
        ef_fact_unknown(f, "updates.reboot_pending_days", "out of memory");
        return;
    }
    time_t now = ef_facts_time(f), first = ef_first_seen_get(fs, "restart", now);
    ef_first_seen_save(fs, f);
    ef_first_seen_free(fs);
    char when[32];
    ef_time_rfc3339(first, when);
    ef_fact_int(f, "updates.reboot_pending_days",
                first >= now ? 0 : (long long)((now - first) / 86400),
                "%s exists, first seen by the agent %s", found, when);
}

void ef_probe_win_netbt(struct ef_facts *f)
{
    struct ef_reg *r = ef_facts_registry(f);
    char why[300], on[EF_EVIDENCE_MAX / 2] = "", key[EF_REG_KEY_MAX + 1];
    char **names;
    size_t n, off = 0;

    if (r == NULL)
        return;
    ef_reg_status st = ef_reg_subkeys(r, NETBT_IFS, EF_REG_VIEW_64, &names, &n, why, sizeof(why));
    if (st == EF_REG_CANNOT_READ) {
        ef_fact_unknown(f, "net.netbios.interfaces_off", "%s", why);
        return;
    }
    if (st == EF_REG_ABSENT || n == 0) {
        ef_fact_unknown(f, "net.netbios.interfaces_off", "no interfaces under %s", NETBT_IFS);
        ef_reg_names_free(names);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        struct ef_reg_value v;
        snprintf(key, sizeof(key), "%s\\%s", NETBT_IFS, names[i]);
        st = ef_reg_get(r, key, "NetbiosOptions", EF_REG_VIEW_64, &v, why, sizeof(why));
        if (st == EF_REG_CANNOT_READ) {
            ef_fact_unknown(f, "net.netbios.interfaces_off", "%s", why);
            ef_reg_names_free(names);
            return;
        }
        if (st == EF_REG_PRESENT && v.numeric && v.num == 2)
            continue;
        char item[300];
        snprintf(item, sizeof(item), "%.200s NetbiosOptions %.60s", names[i],
                 st == EF_REG_ABSENT ? "absent (0: from DHCP)" : v.text);
        ef_evidence_add(on, sizeof(on), item);
        off++;
    }
    ef_reg_names_free(names);
    if (off == 0)
        ef_fact_bool(f, "net.netbios.interfaces_off", 1,
                     "NetbiosOptions 2 on all %zu interfaces under %s", n, NETBT_IFS);
    else
        ef_fact_bool(f, "net.netbios.interfaces_off", 0,
                     "%zu of %zu interfaces under %s do not disable NetBIOS: %s", off, n, NETBT_IFS,
                     on);
}
