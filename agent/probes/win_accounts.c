/* SPDX-License-Identifier: EUPL-1.2 */
/* Windows accounts, through agent/platform/winsys.h only (never `net accounts`, whose text is
 * localized):
 *   win_join: host.domain_joined from api:NetGetJoinInformation status ("domain").
 *   win_modals: the local password and lockout policy from api:NetUserModalsGet (levels 0
 *     and 3) and the password complexity from api:SecurityPolicy ([System Access]
 *     PasswordComplexity of the local security policy). On a domain-joined machine this is
 *     the local policy: every fact's evidence says that the domain's policy governs domain
 *     accounts.
 *   win_local_accounts: the built-in Guest (RID 501) and Administrator (RID 500) accounts of
 *     api:LocalUsers, found by RID (they may be renamed or localized), and the members of
 *     the local Administrators group (api:LocalAdministrators, S-1-5-32-544) other than the
 *     built-in Administrator, the domain's Domain Admins (a SID S-1-5-21-...-512) and the
 *     local account LAPS manages when it names one (AdministratorAccountName of Windows LAPS,
 *     AdminAccountName of legacy LAPS, in the registry): which more are allowed is the
 *     policy's pattern on accounts.local_admins_extra.
 *   win_lsa_event: LSA started as a protected process, proven by Wininit event 12 in the
 *     System log since the last boot (api:BootEvents). Never false: without the event it is
 *     unknown (Windows 11 22H2+ may enable LSA protection without writing RunAsPPL). */
#include "facts.h"
#include "win_util.h"

#include "platform/registry.h"

#include "efterlev/textlist.h"
#include "efterlev/util.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#define TIMEQ_FOREVER 4294967295LL

void ef_probe_win_join(struct ef_facts *f)
{
    static const char *const names[] = {"host.domain_joined"};
    json_t *rows = ef_win_probe_rows_or_unknown(f, "api:NetGetJoinInformation", names, 1);
    if (rows == NULL)
        return;
    const json_t *row = json_array_get(rows, 0);
    const char *st = ef_win_str(row, "status"), *name = ef_win_str(row, "name");
    if (row == NULL || st == NULL) {
        ef_fact_unknown(f, "host.domain_joined", "api:NetGetJoinInformation: no status");
        return;
    }
    if (strcmp(st, "domain") == 0)
        ef_fact_bool(f, "host.domain_joined", 1,
                     "api:NetGetJoinInformation status domain, name %.64s (NetSetupDomainName)",
                     name ? name : "?");
    else if (strcmp(st, "workgroup") == 0 || strcmp(st, "unjoined") == 0)
        ef_fact_bool(f, "host.domain_joined", 0, "api:NetGetJoinInformation status %s%s%.64s", st,
                     name ? ", name " : "", name ? name : "");
    else
        ef_fact_unknown(f, "host.domain_joined", "api:NetGetJoinInformation status %.20s", st);
}

/* One int column of row as fact name, or unknown. */
static void modal_int(struct ef_facts *f, const json_t *row, const char *col, const char *name,
                      const char *unit, const char *note)
{
    long long v;
    if (ef_win_int(row, col, &v) != 0) {
        ef_fact_unknown(f, name, "api:NetUserModalsGet %s is null or absent", col);
        return;
    }
    if (v == -1 || v == TIMEQ_FOREVER)
        ef_fact_int(f, name, TIMEQ_FOREVER,
                    "api:NetUserModalsGet %s = TIMEQ_FOREVER (until an administrator unlocks)%s",
                    col, note);
    else
        ef_fact_int(f, name, v, "api:NetUserModalsGet %s = %lld%s%s", col, v, unit, note);
}

void ef_probe_win_modals(struct ef_facts *f)
{
    static const char *const names[] = {
        "accounts.password_min_length", "accounts.password_history", "accounts.lockout_threshold",
        "accounts.lockout_duration",    "accounts.lockout_window",
    };
    static const char *const cx[] = {"accounts.password_complexity"};
    char note[200];

    ef_win_join_note(f, note, sizeof(note));
    json_t *rows = ef_win_probe_rows_or_unknown(f, "api:NetUserModalsGet", names, 5);
    if (rows != NULL) {
        const json_t *row = json_array_get(rows, 0);
        if (row == NULL) {
            ef_win_facts_unknown(f, names, 5, "api:NetUserModalsGet: no row");
        } else {
            modal_int(f, row, "min_passwd_len", names[0], " characters", note);
            modal_int(f, row, "password_hist_len", names[1], " remembered passwords", note);
            modal_int(f, row, "lockout_threshold", names[2], " failed logons (0: never locks)",
                      note);
            modal_int(f, row, "lockout_duration", names[3], " s", note);
            modal_int(f, row, "lockout_observation_window", names[4], " s", note);
        }
    }
    rows = ef_win_probe_rows_or_unknown(f, "api:SecurityPolicy", cx, 1);
    if (rows == NULL)
        return;
    long long v;
    const json_t *row = json_array_get(rows, 0);
    if (row == NULL || ef_win_int(row, "password_complexity", &v) != 0)
        ef_fact_unknown(f, cx[0], "api:SecurityPolicy password_complexity is null or absent");
    else
        ef_fact_bool(f, cx[0], v == 1,
                     "api:SecurityPolicy password_complexity ([System Access] "
                     "PasswordComplexity) = %lld%s",
                     v, note);
}

/* The account of rid in api:LocalUsers, or NULL. */
static const json_t *user_by_rid(const json_t *users, long long rid)
{
    size_t i;
    const json_t *row;
    json_array_foreach(users, i, row)
    {
        long long r;
        if (ef_win_int(row, "rid", &r) == 0 && r == rid)
            return row;
    }
    return NULL;
}

static void builtin_disabled(struct ef_facts *f, const json_t *users, long long rid,
                             const char *fact, const char *what)
{
    const json_t *row = user_by_rid(users, rid);
    int dis;
    if (row == NULL) {
        ef_fact_bool(f, fact, 1, "api:LocalUsers: no account with RID %lld (the %s)", rid, what);
        return;
    }
    const char *name = ef_win_str(row, "name"), *sid = ef_win_str(row, "sid");
    if (ef_win_bool(row, "disabled", &dis) != 0) {
        ef_fact_unknown(f, fact, "api:LocalUsers: %.64s (RID %lld) has no disabled flag",
                        name ? name : "?", rid);
        return;
    }
    ef_fact_bool(f, fact, dis, "api:LocalUsers: the %s %.64s (%.80s, RID %lld) is %s", what,
                 name ? name : "?", sid ? sid : "?", rid,
                 dis ? "disabled (UF_ACCOUNTDISABLE)" : "enabled");
}

static int ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* The local account LAPS manages when it is not the built-in Administrator: Windows LAPS
 * AdministratorAccountName in the first of its roots that holds one (CSP, Group Policy,
 * local), or legacy LAPS AdminAccountName. "" when none; where names the key. */
static void laps_account(struct ef_facts *f, char *out, size_t outlen, char *where, size_t wlen)
{
    static const char *const keys[][2] = {
        {"HKLM\\Software\\Microsoft\\Policies\\LAPS", "AdministratorAccountName"},
        {"HKLM\\Software\\Microsoft\\Windows\\CurrentVersion\\Policies\\LAPS",
         "AdministratorAccountName"},
        {"HKLM\\Software\\Microsoft\\Windows\\CurrentVersion\\LAPS\\Config",
         "AdministratorAccountName"},
        {"HKLM\\SOFTWARE\\Policies\\Microsoft Services\\AdmPwd", "AdminAccountName"},
    };
    struct ef_reg *r = ef_facts_registry(f);
    struct ef_reg_value v;
    char why[300];

    out[0] = where[0] = '\0';
    for (size_t i = 0; r != NULL && i < EF_ARRAY_LEN(keys); i++)
        if (ef_reg_get(r, keys[i][0], keys[i][1], EF_REG_VIEW_64, &v, why, sizeof(why)) ==
                EF_REG_PRESENT &&
            v.text[0] != '\0') {
            snprintf(out, outlen, "%.100s", v.text);
            snprintf(where, wlen, "%s\\%s", keys[i][0], keys[i][1]);
            return;
        }
}

/* A local account's SID: the machine's prefix, that of the RID-500 account. */
static int same_machine(const char *sid, const char *admin_sid)
{
    const char *dash = admin_sid ? strrchr(admin_sid, '-') : NULL;
    return dash != NULL && strncmp(sid, admin_sid, (size_t)(dash - admin_sid + 1)) == 0;
}

void ef_probe_win_local_accounts(struct ef_facts *f)
{
    static const char *const ufacts[] = {"accounts.guest_disabled",
                                         "accounts.builtin_admin_disabled"};
    static const char *const afacts[] = {"accounts.local_admins_extra"};
    json_t *users, *members;
    char uwhy[400], value[EF_FACT_STR_MAX + 1] = "", ev[EF_EVIDENCE_MAX - 200] = "";
    const char *admin_sid = NULL;
    char laps[128], laps_key[300], laps_note[500] = "";

    ef_win_status ust = ef_win_probe_rows(f, "api:LocalUsers", &users, uwhy, sizeof(uwhy));
    if (ust != EF_WIN_OK) {
        ef_win_facts_unknown(f, ufacts, 2, uwhy);
    } else {
        builtin_disabled(f, users, 501, ufacts[0], "built-in Guest account");
        builtin_disabled(f, users, 500, ufacts[1], "built-in Administrator account");
        const json_t *a = user_by_rid(users, 500);
        admin_sid = a ? ef_win_str(a, "sid") : NULL;
    }

    members = ef_win_probe_rows_or_unknown(f, "api:LocalAdministrators", afacts, 1);
    if (members == NULL)
        return;
    laps_account(f, laps, sizeof(laps), laps_key, sizeof(laps_key));
    size_t i, n = 0, allowed = 0, cut = 0;
    const json_t *row;
    struct ef_textlist l;
    ef_textlist_init(&l, ev, sizeof(ev), ", ", 12);
    json_array_foreach(members, i, row)
    {
        const char *sid = ef_win_str(row, "sid"), *name = ef_win_str(row, "name");
        char item[300];
        if (sid == NULL) {
            ef_fact_unknown(f, afacts[0], "api:LocalAdministrators row %zu has no SID", i);
            return;
        }
        int dom = strncmp(sid, "S-1-5-21-", 9) == 0;
        if (dom && ends_with(sid, "-512")) {
            allowed++; /* the domain's Domain Admins */
            continue;
        }
        if (dom && ends_with(sid, "-500") &&
            (admin_sid != NULL ? strcmp(sid, admin_sid) == 0 : 1)) {
            allowed++; /* the built-in Administrator */
            continue;
        }
        const char *bs = name ? strrchr(name, '\\') : NULL;
        if (laps[0] && bs != NULL && ef_reg_name_eq(bs + 1, laps) && same_machine(sid, admin_sid)) {
            allowed++; /* the local account LAPS manages */
            snprintf(laps_note, sizeof(laps_note),
                     "; %.160s (%.100s) is the account LAPS manages (%s)", name, sid, laps_key);
            continue;
        }
        snprintf(item, sizeof(item), "%.160s (%.100s)", name ? name : "?", sid);
        ef_textlist_add(&l, item);
        n++;
        if (cut)
            continue;
        size_t len = strlen(value);
        if (len + (len ? 1 : 0) + strlen(item) > EF_FACT_STR_MAX - 4) {
            strlcat(value, ",...", sizeof(value));
            cut = 1;
        } else {
            if (len)
                strlcat(value, ",", sizeof(value));
            strlcat(value, item, sizeof(value));
        }
    }
    ef_textlist_end(&l);
    const char *g =
        json_array_size(members) ? ef_win_str(json_array_get(members, 0), "group_name") : NULL;
    const char *why500 =
        admin_sid ? "" : " (api:LocalUsers unread: any S-1-5-21-...-500 counted as Administrator)";
    if (n == 0)
        ef_fact_str(f, afacts[0], "none",
                    "api:LocalAdministrators (S-1-5-32-544%s%.60s): %zu members, all of them the "
                    "built-in Administrator (RID 500), Domain Admins (RID 512) or the LAPS "
                    "account%s%s",
                    g ? ", " : "", g ? g : "", allowed, why500, laps_note);
    else
        ef_fact_str(f, afacts[0], value,
                    "api:LocalAdministrators (S-1-5-32-544%s%.60s): %zu members beyond the "
                    "built-in Administrator, Domain Admins and the LAPS account: %s%s%s",
                    g ? ", " : "", g ? g : "", n, ev, why500, laps_note);
}

void ef_probe_win_lsa_event(struct ef_facts *f)
{
    static const char *const names[] = {"accounts.lsa_protected_event"};
    json_t *rows = ef_win_probe_rows_or_unknown(f, "api:BootEvents", names, 1);
    size_t i;
    const json_t *row;

    if (rows == NULL)
        return;
    json_array_foreach(rows, i, row)
    {
        long long id;
        const char *prov = ef_win_str(row, "provider");
        /* the provider as the event names it, or its event source name */
        if (ef_win_int(row, "event_id", &id) == 0 && id == 12 && prov != NULL &&
            (strcasecmp(prov, "Wininit") == 0 ||
             strcasecmp(prov, "Microsoft-Windows-Wininit") == 0)) {
            char when[64] = "";
            ef_win_text(row, "time", when, sizeof(when));
            ef_fact_bool(f, names[0], 1,
                         "api:BootEvents: Wininit event 12 (LSASS started as a protected "
                         "process) in the System log since the last boot, at %s",
                         when);
            return;
        }
    }
    ef_fact_unknown(f, names[0],
                    "api:BootEvents: no Wininit event 12 in the System log since the last boot: "
                    "LSA protection is not proven on (nor off)");
}
