/* SPDX-License-Identifier: EUPL-1.2 */
/* hostinfo.h on Windows: the computer's DNS host name (GetComputerNameExW), and the rest
 * (MachineGuid as the machine id, release, edition, build, kernel version, architecture)
 * from the live registry, read as the Windows probes read it (ef_win_hostinfo in
 * agent/probes/win_os.c). The configuration's hostname and machine_id win. */
#include "../facts.h"
#include "../hostinfo.h"
#include "registry.h"

#include <windows.h>

#include <stdio.h>
#include <string.h>

int hostinfo_collect(const char *root, const struct agent_config *cfg, struct ef_host *h, char *err,
                     size_t errlen)
{
    (void)root; /* Windows is scanned live only (or from a recorded registry: report_build.c) */
    memset(h, 0, sizeof(*h));
    strlcpy(h->platform, EF_PLATFORM_WINDOWS, sizeof(h->platform));

    wchar_t w[256];
    DWORD n = (DWORD)(sizeof(w) / sizeof(w[0]));
    if (cfg && cfg->hostname[0])
        strlcpy(h->hostname, cfg->hostname, sizeof(h->hostname));
    else if (GetComputerNameExW(ComputerNameDnsHostname, w, &n) &&
             WideCharToMultiByte(CP_UTF8, 0, w, -1, h->hostname, (int)sizeof(h->hostname), NULL,
                                 NULL) <= 0)
        h->hostname[0] = '\0';
    if (cfg && cfg->machine_id[0])
        strlcpy(h->machine_id, cfg->machine_id, sizeof(h->machine_id));

    struct ef_reg *reg = ef_reg_open_live(err, errlen);
    if (reg == NULL)
        return -1;
    int rc = ef_win_hostinfo(reg, h, err, errlen);
    ef_reg_free(reg);
    if (h->hostname[0] == '\0')
        strlcpy(h->hostname, "localhost", sizeof(h->hostname));
    if (h->machine_id[0] == '\0') {
        snprintf(err, errlen,
                 "no machine id: HKLM\\SOFTWARE\\Microsoft\\Cryptography MachineGuid is missing "
                 "(set machine_id in the configuration)");
        return -1;
    }
    return rc;
}
