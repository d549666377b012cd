/* SPDX-License-Identifier: EUPL-1.2 */
/* Windows Update (win_update), through agent/platform/winsys.h: the Windows Update Agent's
 * own record, never a localized title or category name.
 *   updates.days_since_upgrade: days since the newest succeeded installation (operation 1,
 *     result_code 2) in api:WindowsUpdateHistory whose categories are not Definition Updates
 *     alone (Defender installs definitions daily and would make every machine look
 *     patched); cross-checked with Win32_QuickFixEngineering.InstalledOn (the packages
 *     Component Based Servicing installed, however installed): the newer of the two counts,
 *     and the evidence names both, with KB and date.
 *   updates.security_pending, _days, _undated: the updates of the local cache
 *     (api:WindowsUpdatePending, an offline search) that are security updates (MSRC severity
 *     Critical or Important, or the Security Updates category by CategoryID); their age is
 *     now - LastDeploymentChangeTime; _days is the oldest dated one, _undated counts those
 *     without a date (their age is unknown: the policy judges them as over the grace period
 *     at elevated and high). Unknown when Automatic Updates never searched successfully
 *     (the cache was never filled).
 *   updates.days_since_refresh: days since IAutomaticUpdatesResults::LastSearchSuccessDate
 *     (api:AutomaticUpdates).
 *   updates.stale_metadata: always unknown, its evidence giving that age (as on Linux: used
 *     with `any` after days_since_refresh, a stale cache turns a pass into unknown).
 *   updates.search_by_manager: false, or unknown when WSUS (UseWUServer = 1 under
 *     HKLM\SOFTWARE\Policies\Microsoft\Windows\WindowsUpdate\AU) or Configuration Manager
 *     (HKLM\SOFTWARE\Microsoft\CCM, or the CcmExec service) manages updates: then only the
 *     manager's searches are current and Automatic Updates' own date proves nothing. */
#include "win_update.h"

#include "facts.h"
#include "win_util.h"

#include "platform/registry.h"

#include "efterlev/os.h"
#include "efterlev/textlist.h"
#include "efterlev/util.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define WU_AU "HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows\\WindowsUpdate\\AU"
#define CCM_KEY "HKLM\\SOFTWARE\\Microsoft\\CCM"

static int has_category(const json_t *row, const char *cat, int *only)
{
    const json_t *cats = json_object_get(row, "categories");
    size_t i, n = json_array_size(cats);
    int found = 0;
    json_t *c;
    *only = n > 0;
    json_array_foreach(cats, i, c)
    {
        const char *s = json_string_value(c);
        if (s != NULL && strcasecmp(s, cat) == 0)
            found = 1;
        else
            *only = 0;
    }
    return found;
}

int ef_wu_history_counts(const json_t *row)
{
    long long op, rc;
    int only;
    if (ef_win_int(row, "operation", &op) != 0 || op != 1 ||
        ef_win_int(row, "result_code", &rc) != 0 || rc != 2)
        return 0;
    has_category(row, EF_WU_CAT_DEFINITIONS, &only);
    return !only;
}

int ef_wu_pending_is_security(const json_t *row)
{
    const char *sev = ef_win_str(row, "msrc_severity");
    int only;
    if (sev != NULL && (strcasecmp(sev, "Critical") == 0 || strcasecmp(sev, "Important") == 0))
        return 1;
    return has_category(row, EF_WU_CAT_SECURITY, &only);
}

static int digits(const char *s, size_t n, int *out)
{
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]))
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

int ef_wu_qfe_date(const char *s, time_t *out)
{
    int y, m, d;
    if (s == NULL)
        return -1;
    size_t len = strlen(s);
    if (len == 10 && s[4] == '-' && s[7] == '-') {
        if (digits(s, 4, &y) || digits(s + 5, 2, &m) || digits(s + 8, 2, &d))
            return -1;
    } else if (len == 8 && digits(s, 4, &y) == 0) {
        if (digits(s + 4, 2, &m) || digits(s + 6, 2, &d))
            return -1;
    } else {
        /* M/D/YYYY (WMI's own format, whatever the machine's language) */
        const char *a = strchr(s, '/'), *b = a ? strchr(a + 1, '/') : NULL;
        if (a == NULL || b == NULL || a - s < 1 || a - s > 2 || b - a - 1 < 1 || b - a - 1 > 2 ||
            strlen(b + 1) != 4 || digits(s, (size_t)(a - s), &m) ||
            digits(a + 1, (size_t)(b - a - 1), &d) || digits(b + 1, 4, &y))
            return -1;
    }
    if (y < 1990 || y > 2200 || m < 1 || m > 12 || d < 1 || d > 31)
        return -1;
    struct tm tm = {0};
    tm.tm_year = y - 1900;
    tm.tm_mon = m - 1;
    tm.tm_mday = d;
    *out = ef_timegm(&tm);
    return *out == (time_t)-1 ? -1 : 0;
}

static void last_upgrade(struct ef_facts *f, time_t now)
{
    const char *name = "updates.days_since_upgrade";
    json_t *hist, *qfe;
    char hwhy[400], qwhy[400], hpart[400] = "", qpart[400] = "";
    time_t hbest = 0, qbest = 0;
    size_t i;
    const json_t *row;

    ef_win_status hst = ef_win_probe_rows(f, "api:WindowsUpdateHistory", &hist, hwhy, sizeof(hwhy));
    ef_win_status qst =
        ef_win_probe_rows(f, "wmi:root\\CIMV2:Win32_QuickFixEngineering", &qfe, qwhy, sizeof(qwhy));
    if (hst != EF_WIN_OK && qst != EF_WIN_OK) {
        ef_fact_unknown(f, name, "%s; %s", hwhy, qwhy);
        return;
    }
    if (hst == EF_WIN_OK) {
        const json_t *best = NULL;
        size_t skipped = 0;
        json_array_foreach(hist, i, row)
        {
            time_t t;
            if (!ef_wu_history_counts(row)) {
                long long op, rc;
                if (ef_win_int(row, "operation", &op) == 0 && op == 1 &&
                    ef_win_int(row, "result_code", &rc) == 0 && rc == 2)
                    skipped++;
                continue;
            }
            if (ef_win_time(row, "date", &t) == 0 && (best == NULL || t > hbest))
                best = row, hbest = t;
        }
        if (best != NULL) {
            char when[32];
            const char *kb = ef_win_str(best, "kb");
            ef_time_rfc3339(hbest, when);
            snprintf(hpart, sizeof(hpart),
                     "api:WindowsUpdateHistory: newest succeeded installation %.40s on %s "
                     "(%zu definition-only updates not counted)",
                     kb && kb[0] ? kb : "(no KB)", when, skipped);
        } else {
            snprintf(hpart, sizeof(hpart),
                     "api:WindowsUpdateHistory: no succeeded installation other than definition "
                     "updates among %zu entries",
                     json_array_size(hist));
        }
    } else {
        snprintf(hpart, sizeof(hpart), "%s", hwhy);
    }
    if (qst == EF_WIN_OK) {
        const char *kb = NULL;
        size_t undated = 0;
        json_array_foreach(qfe, i, row)
        {
            time_t t;
            if (ef_wu_qfe_date(ef_win_str(row, "InstalledOn"), &t) != 0) {
                undated++;
                continue;
            }
            if (kb == NULL || t > qbest)
                kb = ef_win_str(row, "HotFixID"), qbest = t;
        }
        if (kb != NULL) {
            char when[32];
            ef_time_rfc3339(qbest, when);
            snprintf(qpart, sizeof(qpart),
                     "Win32_QuickFixEngineering: newest %.40s InstalledOn %.10s%s", kb, when,
                     undated ? " (some without a date)" : "");
        } else {
            snprintf(qpart, sizeof(qpart), "Win32_QuickFixEngineering: no dated hotfix");
        }
    } else {
        snprintf(qpart, sizeof(qpart), "%s", qwhy);
    }
    time_t best = hbest > qbest ? hbest : qbest;
    if (best == 0) {
        ef_fact_unknown(f, name, "no dated installation: %s; %s", hpart, qpart);
        return;
    }
    ef_fact_int(f, name, ef_win_days_between(best, now), "%lld days since the newest (%s): %s; %s",
                ef_win_days_between(best, now),
                hbest >= qbest ? "Windows Update history" : "hotfix list", hpart, qpart);
}

static void pending(struct ef_facts *f, time_t now, int never_searched, const char *au_why)
{
    static const char *const names[] = {"updates.security_pending", "updates.security_pending_days",
                                        "updates.security_pending_undated"};
    char why[EF_EVIDENCE_MAX / 2], kbs[500], oldest_kb[80] = "", undated_kbs[300];
    json_t *rows;
    size_t i, n = 0, undated = 0;
    const json_t *row;
    time_t oldest = 0;
    struct ef_textlist l, u;

    if (never_searched) {
        ef_win_facts_unknown(f, names, 3, au_why);
        return;
    }
    if (ef_win_probe_rows(f, "api:WindowsUpdatePending", &rows, why, sizeof(why)) != EF_WIN_OK) {
        ef_win_facts_unknown(f, names, 3, why);
        return;
    }
    ef_textlist_init(&l, kbs, sizeof(kbs), ", ", 10);
    ef_textlist_init(&u, undated_kbs, sizeof(undated_kbs), ", ", 6);
    json_array_foreach(rows, i, row)
    {
        if (!ef_wu_pending_is_security(row))
            continue;
        const char *kb = ef_win_str(row, "kb");
        const char *title = ef_win_str(row, "title");
        char item[80];
        snprintf(item, sizeof(item), "%.60s", kb && kb[0] ? kb : title ? title : "?");
        n++;
        ef_textlist_add(&l, item);
        time_t t;
        if (ef_win_time(row, "last_deployment_change", &t) != 0) {
            undated++;
            ef_textlist_add(&u, item);
            continue;
        }
        if (oldest == 0 || t < oldest) {
            oldest = t;
            snprintf(oldest_kb, sizeof(oldest_kb), "%s", item);
        }
    }
    ef_textlist_end(&l);
    ef_textlist_end(&u);
    if (n == 0) {
        ef_fact_int(f, names[0], 0,
                    "api:WindowsUpdatePending: no security update pending among %zu updates "
                    "of the local cache",
                    json_array_size(rows));
        ef_fact_int(f, names[1], 0, "api:WindowsUpdatePending: no security update pending");
        ef_fact_int(f, names[2], 0, "api:WindowsUpdatePending: no security update pending");
        return;
    }
    ef_fact_int(f, names[0], (long long)n,
                "api:WindowsUpdatePending: %zu security updates pending (MsrcSeverity Critical "
                "or Important, or category Security Updates): %s",
                n, kbs);
    if (oldest != 0) {
        char when[32];
        ef_time_rfc3339(oldest, when);
        ef_fact_int(f, names[1], ef_win_days_between(oldest, now),
                    "api:WindowsUpdatePending: %zu security updates pending (%s); the oldest, "
                    "%s, since %s (last_deployment_change)%s",
                    n, kbs, oldest_kb, when, undated ? "; others have no date" : "");
    } else {
        ef_fact_int(f, names[1], 0,
                    "api:WindowsUpdatePending: %zu security updates pending (%s), none of them "
                    "dated (see updates.security_pending_undated)",
                    n, kbs);
    }
    if (undated)
        ef_fact_int(f, names[2], (long long)undated,
                    "api:WindowsUpdatePending: %zu pending security updates without "
                    "last_deployment_change (%s): their age is unknown, judged as over the grace "
                    "period at elevated and high",
                    undated, undated_kbs);
    else
        ef_fact_int(f, names[2], 0,
                    "api:WindowsUpdatePending: every pending security update is dated");
}

/* WSUS or Configuration Manager: why Automatic Updates' date proves nothing, or "". */
static void manager(struct ef_facts *f, char *out, size_t outlen)
{
    struct ef_reg *r = ef_facts_registry(f);
    struct ef_reg_value v;
    char why[300];
    json_t *svc;

    out[0] = '\0';
    if (r != NULL &&
        ef_reg_get(r, WU_AU, "UseWUServer", EF_REG_VIEW_64, &v, why, sizeof(why)) ==
            EF_REG_PRESENT &&
        v.numeric && v.num == 1) {
        snprintf(out, outlen, "WSUS manages updates (%s\\UseWUServer = 1)", WU_AU);
        return;
    }
    if (r != NULL &&
        ef_reg_key_exists(r, CCM_KEY, EF_REG_VIEW_64, why, sizeof(why)) == EF_REG_PRESENT) {
        snprintf(out, outlen, "Configuration Manager manages updates (%s exists)", CCM_KEY);
        return;
    }
    if (ef_win_probe_rows(f, "api:Services", &svc, why, sizeof(why)) == EF_WIN_OK) {
        size_t i;
        const json_t *row;
        json_array_foreach(svc, i, row)
        {
            const char *n = ef_win_str(row, "name");
            if (n != NULL && strcasecmp(n, "CcmExec") == 0) {
                snprintf(out, outlen,
                         "Configuration Manager manages updates (api:Services has CcmExec)");
                return;
            }
        }
    }
}

void ef_probe_win_update(struct ef_facts *f)
{
    static const char *const au_names[] = {"updates.days_since_refresh", "updates.stale_metadata"};
    time_t now = ef_facts_time(f), last;
    char why[EF_EVIDENCE_MAX / 2], mgr[200];
    json_t *rows;
    int never = 0;

    if (ef_facts_registry(f) == NULL)
        return;
    last_upgrade(f, now);

    manager(f, mgr, sizeof(mgr));
    if (mgr[0])
        ef_fact_unknown(f, "updates.search_by_manager",
                        "%s: its searches do not move Automatic Updates' LastSearchSuccessDate, "
                        "so a stale date there proves nothing",
                        mgr);
    else
        ef_fact_bool(f, "updates.search_by_manager", 0,
                     "no update manager: %s\\UseWUServer is not 1, no %s, no CcmExec service",
                     WU_AU, CCM_KEY);

    if (ef_win_probe_rows(f, "api:AutomaticUpdates", &rows, why, sizeof(why)) != EF_WIN_OK ||
        json_array_size(rows) == 0) {
        if (why[0] == '\0')
            snprintf(why, sizeof(why), "api:AutomaticUpdates: no row");
        ef_win_facts_unknown(f, au_names, 2, why);
        pending(f, now, 0, why);
        return;
    }
    const json_t *row = json_array_get(rows, 0);
    if (json_is_null(json_object_get(row, "last_search_success")) ||
        ef_win_time(row, "last_search_success", &last) != 0) {
        snprintf(why, sizeof(why),
                 "api:AutomaticUpdates last_search_success is null: Windows Update never "
                 "searched successfully, so the local update cache was never filled");
        ef_win_facts_unknown(f, au_names, 2, why);
        never = 1;
    } else {
        char when[32];
        long long days = ef_win_days_between(last, now);
        ef_time_rfc3339(last, when);
        ef_fact_int(f, au_names[0], days,
                    "api:AutomaticUpdates last_search_success (LastSearchSuccessDate) %s, %lld "
                    "days ago%s%s",
                    when, days, mgr[0] ? "; " : "", mgr);
        ef_fact_unknown(f, au_names[1],
                        "Windows Update last searched %lld days ago (%s): pending updates known "
                        "to the local cache may be out of date",
                        days, when);
    }
    pending(f, now, never, why);
}
