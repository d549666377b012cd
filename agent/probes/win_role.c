/* SPDX-License-Identifier: EUPL-1.2 */
/* Windows role probe (win_role): host.product_type and host.role in the Linux vocabulary.
 *   Product type: HKLM\SYSTEM\CurrentControlSet\Control\ProductOptions ProductType (WinNT
 *     workstation, ServerNT server, LanmanNT domain controller); when the registry does not
 *     hold it, WMI Win32_OperatingSystem.ProductType (1 workstation, 2 domain controller,
 *     3 server).
 *   Role: server for a server or domain controller; a workstation is a laptop when WMI
 *     Win32_SystemEnclosure.ChassisTypes holds a portable type (8 Portable, 9 Laptop,
 *     10 Notebook, 14 Sub Notebook, 30 Tablet, 31 Convertible, 32 Detachable), or, when the
 *     enclosure cannot be read, Win32_ComputerSystem.PCSystemType is 2 (Mobile); else a
 *     desktop. Without WMI (a recorded registry scanned without a recording, or a class
 *     that cannot be read) a workstation is a desktop, and the evidence says so. */
#include "facts.h"

#include "platform/registry.h"
#include "platform/winsys.h"

#include "efterlev/textlist.h"
#include "efterlev/util.h"

#include <stdio.h>
#include <string.h>

#define PRODUCT_OPTIONS "HKLM\\SYSTEM\\CurrentControlSet\\Control\\ProductOptions"
#define CIMV2 "root\\CIMV2"

static const char *chassis_name(long long t)
{
    static const char *const names[] = {NULL,
                                        "Other",
                                        "Unknown",
                                        "Desktop",
                                        "Low Profile Desktop",
                                        "Pizza Box",
                                        "Mini Tower",
                                        "Tower",
                                        "Portable",
                                        "Laptop",
                                        "Notebook",
                                        "Hand Held",
                                        "Docking Station",
                                        "All in One",
                                        "Sub Notebook",
                                        "Space-Saving",
                                        "Lunch Box",
                                        "Main System Chassis",
                                        "Expansion Chassis",
                                        "SubChassis",
                                        "Bus Expansion Chassis",
                                        "Peripheral Chassis",
                                        "Storage Chassis",
                                        "Rack Mount Chassis",
                                        "Sealed-Case PC",
                                        "Multi-system chassis",
                                        "Compact PCI",
                                        "Advanced TCA",
                                        "Blade",
                                        "Blade Enclosure",
                                        "Tablet",
                                        "Convertible",
                                        "Detachable",
                                        "IoT Gateway",
                                        "Embedded PC",
                                        "Mini PC",
                                        "Stick PC"};
    if (t < 1 || t >= (long long)EF_ARRAY_LEN(names))
        return "?";
    return names[t];
}

static int portable(long long t)
{
    return t == 8 || t == 9 || t == 10 || t == 14 || t == 30 || t == 31 || t == 32;
}

/* 0 workstation, 1 server, 2 domain controller; -1 unknown (why set). src names the source. */
static int product_type(struct ef_facts *f, char *src, size_t srclen, char *why, size_t whylen)
{
    struct ef_reg *r = ef_facts_registry(f);
    struct ef_reg_value v;
    char rwhy[300] = "";
    ef_reg_status st =
        ef_reg_get(r, PRODUCT_OPTIONS, "ProductType", EF_REG_VIEW_64, &v, rwhy, sizeof(rwhy));
    if (st == EF_REG_PRESENT) {
        snprintf(src, srclen, "%s ProductType %.40s", PRODUCT_OPTIONS, v.text);
        if (ef_reg_name_eq(v.text, "WinNT"))
            return 0;
        if (ef_reg_name_eq(v.text, "ServerNT"))
            return 1;
        if (ef_reg_name_eq(v.text, "LanmanNT"))
            return 2;
        snprintf(why, whylen, "%s is not WinNT, ServerNT or LanmanNT", src);
        return -1;
    }
    if (st == EF_REG_ABSENT)
        snprintf(rwhy, sizeof(rwhy), "no ProductType under %s", PRODUCT_OPTIONS);
    /* the registry does not say: Win32_OperatingSystem.ProductType */
    struct ef_win *w = ef_facts_win(f);
    json_t *rows;
    char wwhy[400] = "";
    long long pt;
    if (w == NULL) {
        snprintf(why, whylen, "%s; no recording of WMI (scan --recording FILE.json)", rwhy);
        return -1;
    }
    ef_win_status ws = ef_win_wmi(w, CIMV2, "Win32_OperatingSystem", &rows, wwhy, sizeof(wwhy));
    if (ws != EF_WIN_OK || json_array_size(rows) == 0 ||
        ef_win_int(json_array_get(rows, 0), "ProductType", &pt) != 0 || pt < 1 || pt > 3) {
        snprintf(why, whylen, "%s; Win32_OperatingSystem.ProductType: %s", rwhy,
                 ws == EF_WIN_DENIED ? "needs Administrator"
                 : ws != EF_WIN_OK   ? wwhy
                                     : "absent or not 1, 2 or 3");
        return -1;
    }
    snprintf(src, srclen, "%s; WMI Win32_OperatingSystem.ProductType %lld", rwhy, pt);
    return pt == 1 ? 0 : pt == 2 ? 2 : 1;
}

/* 1 laptop, 0 desktop, -1 not known from WMI (why says why). */
static int chassis(struct ef_facts *f, char *ev, size_t evlen, char *why, size_t whylen)
{
    struct ef_win *w = ef_facts_win(f);
    json_t *rows;
    char wwhy[400];

    if (w == NULL) {
        snprintf(why, whylen,
                 "no recording of this machine's WMI and API results (scan --recording "
                 "FILE.json)");
        return -1;
    }
    ef_win_status st = ef_win_wmi(w, CIMV2, "Win32_SystemEnclosure", &rows, wwhy, sizeof(wwhy));
    if (st == EF_WIN_OK) {
        size_t i, j;
        const json_t *row, *t;
        char types[300] = "";
        int any = 0, lap = 0;
        json_array_foreach(rows, i, row)
        {
            const json_t *ct = json_object_get(row, "ChassisTypes");
            if (!json_is_array(ct))
                continue;
            json_array_foreach(ct, j, t)
            {
                if (!json_is_integer(t))
                    continue;
                long long n = (long long)json_integer_value(t);
                char one[64];
                snprintf(one, sizeof(one), "%lld %s", n, chassis_name(n));
                ef_evidence_add(types, sizeof(types), one);
                any = 1;
                lap |= portable(n);
            }
        }
        if (any) {
            snprintf(ev, evlen, "WMI Win32_SystemEnclosure.ChassisTypes [%s]: %s", types,
                     lap ? "portable" : "not a portable type (8, 9, 10, 14, 30, 31, 32)");
            return lap;
        }
        snprintf(wwhy, sizeof(wwhy), "no ChassisTypes in Win32_SystemEnclosure");
    } else if (st == EF_WIN_DENIED) {
        char d[450];
        snprintf(d, sizeof(d), "Win32_SystemEnclosure needs Administrator (%.300s)", wwhy);
        snprintf(wwhy, sizeof(wwhy), "%.390s", d);
    }
    /* the enclosure does not say: Win32_ComputerSystem.PCSystemType (2 Mobile) */
    char cwhy[300];
    long long pst;
    if (ef_win_wmi(w, CIMV2, "Win32_ComputerSystem", &rows, cwhy, sizeof(cwhy)) == EF_WIN_OK &&
        json_array_size(rows) > 0 &&
        ef_win_int(json_array_get(rows, 0), "PCSystemType", &pst) == 0 && pst >= 1) {
        snprintf(ev, evlen, "%.300s; WMI Win32_ComputerSystem.PCSystemType %lld (%s)", wwhy, pst,
                 pst == 2 ? "Mobile" : "not Mobile");
        return pst == 2;
    }
    snprintf(why, whylen, "%s", wwhy);
    return -1;
}

void ef_probe_win_role(struct ef_facts *f)
{
    char src[800] = "", why[800] = "", ev[700] = "", cwhy[600] = "";

    if (ef_facts_registry(f) == NULL)
        return;
    int pt = product_type(f, src, sizeof(src), why, sizeof(why));
    if (pt < 0) {
        ef_fact_unknown(f, "host.product_type", "%s", why);
        ef_fact_unknown(f, "host.role", "product type unknown: %s", why);
        return;
    }
    if (pt > 0) {
        ef_fact_str(f, "host.product_type", pt == 2 ? "domain_controller" : "server", "%s", src);
        ef_fact_str(f, "host.role", "server", "%s (%s)", src,
                    pt == 2 ? "domain controller" : "server");
        return;
    }
    ef_fact_str(f, "host.product_type", "workstation", "%s", src);
    int lap = chassis(f, ev, sizeof(ev), cwhy, sizeof(cwhy));
    if (lap < 0)
        ef_fact_str(f, "host.role", "desktop",
                    "workstation (%s); chassis not known from WMI (%s): treated as desktop, "
                    "as without WMI",
                    src, cwhy);
    else
        ef_fact_str(f, "host.role", lap ? "laptop" : "desktop", "workstation (%s); %s", src, ev);
}
