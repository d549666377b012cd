/* SPDX-License-Identifier: EUPL-1.2 */
/* The loaded user hives (win_users), through agent/platform/registry.h: every subkey of HKU
 * that is a real user's SID (S-1-5-21-..., not its _Classes hive; LocalSystem and the
 * service accounts have no desktop). A hive is loaded while its user is logged on (or a
 * service runs as that user): a user who is not logged on is not seen.
 *   desktop.user_screen_lock: every loaded user hive's policy Software\Policies\Microsoft\
 *     Windows\Control Panel\Desktop has ScreenSaveActive = 1 and ScreenSaverIsSecure = 1;
 *     unknown when no user hive is loaded.
 *   desktop.user_screen_timeout_max: the largest ScreenSaveTimeOut (seconds) of those hives;
 *     0 when a hive has none (no timeout is enforced for that user). The limit is the
 *     policy's.
 *   accounts.always_install_elevated_users: loaded user hives whose
 *     Software\Policies\Microsoft\Windows\Installer AlwaysInstallElevated is not 0 (0 when
 *     none, or no hive is loaded). */
#include "facts.h"

#include "platform/registry.h"

#include "efterlev/textlist.h"
#include "efterlev/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DESKTOP_POLICY "Software\\Policies\\Microsoft\\Windows\\Control Panel\\Desktop"
#define INSTALLER_POLICY "Software\\Policies\\Microsoft\\Windows\\Installer"

static int user_sid(const char *name)
{
    size_t n = strlen(name);
    return strncmp(name, "S-1-5-21-", 9) == 0 &&
           !(n > 8 && ef_reg_name_eq(name + n - 8, "_Classes"));
}

/* A value as a number (REG_DWORD, or REG_SZ of decimal digits as Group Policy writes the
 * screen saver values): 1 present, 0 absent or not a number, -1 cannot read. */
static int num(struct ef_reg *r, const char *key, const char *name, long long *out, char *why,
               size_t whylen)
{
    struct ef_reg_value v;
    ef_reg_status st = ef_reg_get(r, key, name, EF_REG_VIEW_64, &v, why, whylen);
    if (st != EF_REG_PRESENT)
        return st == EF_REG_ABSENT ? 0 : -1;
    if (v.numeric) {
        *out = (long long)v.num;
        return 1;
    }
    char *end;
    long long x = strtoll(v.text, &end, 10);
    if (end == v.text || *end != '\0')
        return 0;
    *out = x;
    return 1;
}

void ef_probe_win_users(struct ef_facts *f)
{
    static const char *const names[] = {"desktop.user_screen_lock",
                                        "desktop.user_screen_timeout_max",
                                        "accounts.always_install_elevated_users"};
    struct ef_reg *r = ef_facts_registry(f);
    char why[300], **subs = NULL, key[EF_REG_KEY_MAX + 1];
    char lockbad[600] = "", tmo[600] = "", aie[600] = "";
    size_t n = 0, users = 0, aie_n = 0;
    long long tmax = 0;
    int tmissing = 0, lock_ok = 1;

    if (r == NULL)
        return;
    ef_reg_status st = ef_reg_subkeys(r, "HKU", EF_REG_VIEW_64, &subs, &n, why, sizeof(why));
    if (st == EF_REG_CANNOT_READ) {
        for (size_t i = 0; i < 3; i++)
            ef_fact_unknown(f, names[i], "HKU: %s", why);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        if (!user_sid(subs[i]))
            continue;
        users++;
        long long a = 0, s = 0, t = 0;
        snprintf(key, sizeof(key), "HKU\\%s\\" DESKTOP_POLICY, subs[i]);
        int ra = num(r, key, "ScreenSaveActive", &a, why, sizeof(why));
        int rs = num(r, key, "ScreenSaverIsSecure", &s, why, sizeof(why));
        int rt = num(r, key, "ScreenSaveTimeOut", &t, why, sizeof(why));
        if (ra < 0 || rs < 0 || rt < 0) {
            ef_reg_names_free(subs);
            for (size_t k = 0; k < 3; k++)
                ef_fact_unknown(f, names[k], "%s", why);
            return;
        }
        char item[200];
        if (ra == 0 || a != 1 || rs == 0 || s != 1) {
            lock_ok = 0;
            snprintf(item, sizeof(item), "%.100s ScreenSaveActive %s, ScreenSaverIsSecure %s",
                     subs[i], ra ? (a == 1 ? "1" : "not 1") : "absent",
                     rs ? (s == 1 ? "1" : "not 1") : "absent");
            ef_evidence_add(lockbad, sizeof(lockbad), item);
        }
        if (rt == 0 || t <= 0) {
            tmissing = 1;
            snprintf(item, sizeof(item), "%.100s no ScreenSaveTimeOut", subs[i]);
        } else {
            if (t > tmax)
                tmax = t;
            snprintf(item, sizeof(item), "%.100s ScreenSaveTimeOut %lld s", subs[i], t);
        }
        ef_evidence_add(tmo, sizeof(tmo), item);

        long long e = 0;
        snprintf(key, sizeof(key), "HKU\\%s\\" INSTALLER_POLICY, subs[i]);
        int re = num(r, key, "AlwaysInstallElevated", &e, why, sizeof(why));
        if (re < 0) {
            ef_fact_unknown(f, names[2], "%s", why);
            aie_n = (size_t)-1;
        } else if (re == 1 && e != 0 && aie_n != (size_t)-1) {
            aie_n++;
            snprintf(item, sizeof(item), "HKU\\%.100s\\%s\\AlwaysInstallElevated = %lld", subs[i],
                     INSTALLER_POLICY, e);
            ef_evidence_add(aie, sizeof(aie), item);
        }
    }
    ef_reg_names_free(subs);

    if (users == 0) {
        const char *none = "no loaded user hive (HKU\\S-1-5-21-...) in the registry: no user is "
                           "logged on, so no user's screen saver policy can be read";
        ef_fact_unknown(f, names[0], "%s", none);
        ef_fact_unknown(f, names[1], "%s", none);
    } else {
        if (lock_ok)
            ef_fact_bool(f, names[0], 1,
                         "every loaded user hive (%zu) has HKU\\<SID>\\%s ScreenSaveActive = 1 and "
                         "ScreenSaverIsSecure = 1",
                         users, DESKTOP_POLICY);
        else
            ef_fact_bool(f, names[0], 0, "HKU\\<SID>\\%s: %s", DESKTOP_POLICY, lockbad);
        ef_fact_int(f, names[1], tmissing ? 0 : tmax, "HKU\\<SID>\\%s: %s%s", DESKTOP_POLICY, tmo,
                    tmissing ? " (0: a user has no timeout)" : "");
    }
    if (aie_n == (size_t)-1)
        return;
    if (aie_n == 0) /* no count: it would differ between a machine and its recording */
        ef_fact_int(f, names[2], 0,
                    "no loaded user hive sets AlwaysInstallElevated (HKU\\<SID>\\%s)",
                    INSTALLER_POLICY);
    else
        ef_fact_int(f, names[2], (long long)aie_n, "%s", aie);
}
