/* SPDX-License-Identifier: EUPL-1.2 */
/* Host role probe: laptop, desktop or server, from the SMBIOS chassis type in
 * ROOT/sys/class/dmi/id/chassis_type (SMBIOS 3.x table 17).
 *   laptop: 8 Portable, 9 Laptop, 10 Notebook, 11 Hand Held, 14 Sub Notebook, 30 Tablet,
 *           31 Convertible, 32 Detachable;
 *   desktop: 3 Desktop, 4 Low Profile Desktop, 5 Pizza Box, 6 Mini Tower, 7 Tower,
 *           13 All in One, 15 Space-saving, 16 Lunch Box, 35 Mini PC, 36 Stick PC;
 *   server: 17 Main Server Chassis, 23 Rack Mount Chassis, 25 Multi-system Chassis,
 *           28 Blade, 29 Blade Enclosure, and 1 Other / 2 Unknown, which virtual machines
 *           report (QEMU/KVM, VMware): in a municipality's estate these are servers.
 * A host without SMBIOS chassis information (no such file: ARM boards, some cloud
 * instances, containers) is treated as a server too; laptops and desktops have SMBIOS.
 * Other types (docking stations, expansion chassis, ...) leave the role unknown. A
 * configuration override is planned. */
#include "facts.h"
#include "probe_util.h"

#include "efterlev/util.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

static const char *role_of(long t)
{
    static const struct {
        long type;
        const char *role;
    } map[] = {
        {1, "server"},  {2, "server"},   {3, "desktop"}, {4, "desktop"},  {5, "desktop"},
        {6, "desktop"}, {7, "desktop"},  {8, "laptop"},  {9, "laptop"},   {10, "laptop"},
        {11, "laptop"}, {13, "desktop"}, {14, "laptop"}, {15, "desktop"}, {16, "desktop"},
        {17, "server"}, {23, "server"},  {25, "server"}, {28, "server"},  {29, "server"},
        {30, "laptop"}, {31, "laptop"},  {32, "laptop"}, {35, "desktop"}, {36, "desktop"},
    };
    for (size_t i = 0; i < EF_ARRAY_LEN(map); i++)
        if (map[i].type == t)
            return map[i].role;
    return NULL;
}

void ef_probe_host(struct ef_facts *f)
{
    char *text, *end;
    int rc = ef_pu_read(f, "/sys/class/dmi/id/chassis_type", 64, &text, NULL);

    if (rc == -ENOENT) {
        ef_fact_str(f, "host.role", "server",
                    "no SMBIOS chassis type (/sys/class/dmi/id/chassis_type): treated as server");
        return;
    }
    if (rc != 0) {
        ef_fact_unknown(f, "host.role", "cannot read /sys/class/dmi/id/chassis_type: %s",
                        strerror(-rc));
        return;
    }
    long t = strtol(text, &end, 10);
    int bad = end == text;
    free(text);
    const char *role = bad ? NULL : role_of(t);
    if (role == NULL) {
        ef_fact_unknown(f, "host.role", "SMBIOS chassis type %ld is not mapped to a role",
                        bad ? -1L : t);
        return;
    }
    ef_fact_str(f, "host.role", role, "SMBIOS chassis type %ld (/sys/class/dmi/id/chassis_type)",
                t);
}
