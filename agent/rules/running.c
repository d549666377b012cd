/* SPDX-License-Identifier: EUPL-1.2 */
/* running: [SERVICE, ...] rules: at least one service of a site's list runs (a backup agent
 * approved by the site, say). Names are exact or globs (* and ?).
 *
 * Linux (systemd, under the scan root): a name without a unit suffix is NAME.service. A
 * .service runs when it is installed (a unit file, not masked) and active (probes/systemd_units.h:
 * its cgroup holds processes, or systemctl on the live system). A .timer runs when it is enabled
 * (linked from a .wants folder) and active. Globs are matched against the services of
 * ROOT/sys/fs/cgroup/ system.slice and the units linked from the .wants folders of
 * ROOT/etc/systemd/system.
 *
 * Windows: the service control manager's list (api:Services of agent/platform/winsys.h,
 * live or recorded): a service runs when its state is "running"; names compare without
 * regard to case. Needs Administrator or the recording: unknown otherwise.
 *
 * An empty list is unknown: the site has not named its approved services. */
#include "rules.h"

#include "platform/winsys.h"
#ifndef _WIN32
#include "probes/probe_util.h"
#include "probes/systemd_units.h"
#endif

#include "efterlev/report.h"
#include "efterlev/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CANDIDATES_MAX 4096

static int lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* Glob match of s against pattern p (* any run, ? one character); fold: ignore ASCII case. */
static int glob_match(const char *p, const char *s, int fold)
{
    const char *star = NULL, *back = NULL;
    while (*s) {
        if (*p == '*') {
            star = p++;
            back = s;
        } else if (*p == '?' || (fold ? lower(*p) == lower(*s) : *p == *s)) {
            if (*p == '\0')
                break;
            p++;
            s++;
        } else if (star) {
            p = star + 1;
            s = ++back;
        } else {
            return 0;
        }
    }
    while (*p == '*')
        p++;
    return *p == '\0' && *s == '\0';
}

static void add(char *list, size_t cap, const char *item)
{
    if (list[0] != '\0')
        ef_text_append(list, cap, ", ", 2);
    ef_text_append(list, cap, item, strlen(item));
}

static void list_names(const struct ef_rule *r, char *out, size_t outlen)
{
    out[0] = '\0';
    for (size_t i = 0; i < r->nlist; i++)
        add(out, outlen, r->list[i]);
}

/* ---- Windows: the service control manager ---- */

static void running_windows(const struct ef_ctx *ctx, const struct ef_rule *r, struct ef_eval *out)
{
    struct ef_win *win = ef_facts_win(ctx->facts);
    json_t *rows = NULL;
    char why[400], names[600];
    if (win == NULL) {
        ef_eval_set(out, EF_UNKNOWN,
                    "no recording of this machine's WMI and API results: scan --recording "
                    "FILE.json (api:Services)");
        return;
    }
    ef_win_status st = ef_win_table(win, "api:Services", &rows, why, sizeof(why));
    if (st != EF_WIN_OK) {
        ef_eval_set(out, EF_UNKNOWN, "api:Services (service control manager): %s%s", why,
                    st == EF_WIN_DENIED ? " (needs Administrator)" : "");
        return;
    }
    char found[EF_EVIDENCE_MAX + 1] = "", stopped[EF_EVIDENCE_MAX + 1] = "";
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row)
    {
        const char *name = ef_win_str(row, "name");
        if (name == NULL)
            continue;
        for (size_t k = 0; k < r->nlist; k++) {
            if (!glob_match(r->list[k], name, 1))
                continue;
            const char *state = ef_win_str(row, "state");
            const char *start = ef_win_str(row, "start_type");
            char one[400];
            snprintf(one, sizeof(one), "%.120s state %.20s (start_type %.20s)", name,
                     state ? state : "absent", start ? start : "absent");
            add(state && strcmp(state, "running") == 0 ? found : stopped, sizeof(found), one);
            break;
        }
    }
    list_names(r, names, sizeof(names));
    if (found[0])
        ef_eval_set(out, EF_PASS, "api:Services (service control manager): %s", found);
    else
        ef_eval_set(out, EF_FAIL,
                    "api:Services (service control manager): none of the site's services "
                    "(%s) runs%s%s",
                    names, stopped[0] ? ": " : " (none installed)", stopped);
}

/* ---- Linux: systemd ---- */

#ifndef _WIN32
static int is_glob(const char *s)
{
    return strpbrk(s, "*?") != NULL;
}

static void unit_of(const char *name, char *out, size_t outlen)
{
    size_t n = strlen(name);
    int suffixed = (n > 8 && strcmp(name + n - 8, ".service") == 0) ||
                   (n > 6 && strcmp(name + n - 6, ".timer") == 0);
    snprintf(out, outlen, "%s%s", name, suffixed ? "" : ".service");
}

/* 1 runs, 0 not, -1 unknown; ev says which */
static int unit_runs(const char *root, const char *unit, char *ev, size_t evlen)
{
    size_t n = strlen(unit);
    if (n > 6 && strcmp(unit + n - 6, ".timer") == 0) {
        char en[400], ac[400];
        if (ef_unit_enabled(root, unit, en, sizeof(en)) != 1) {
            snprintf(ev, evlen, "%s", en);
            return 0;
        }
        int a = ef_unit_active(root, unit, ac, sizeof(ac));
        snprintf(ev, evlen, "%.200s; %.200s", en, ac);
        return a;
    }
    if (!ef_unit_installed(root, unit)) {
        snprintf(ev, evlen, "%s is not installed (no unit file, or masked)", unit);
        return 0;
    }
    return ef_unit_active(root, unit, ev, evlen);
}

/* Unit names a glob may match: running services (cgroup) and units linked from .wants. */
static void candidates(const struct ef_ctx *ctx, char ***out, size_t *nout)
{
    char **all = calloc(CANDIDATES_MAX, sizeof(*all));
    size_t n = 0;
    char **names = NULL, **wants = NULL;
    size_t nn = 0, nw = 0;
    *out = all;
    *nout = 0;
    if (all == NULL)
        return;
    if (ef_pu_list_sorted(ctx->facts, "/sys/fs/cgroup/system.slice", &names, &nn) == 0) {
        for (size_t i = 0; i < nn && n < CANDIDATES_MAX; i++)
            if (strlen(names[i]) > 8 && strcmp(names[i] + strlen(names[i]) - 8, ".service") == 0)
                all[n++] = strdup(names[i]);
        ef_pu_list_free(names, nn);
    }
    if (ef_pu_list_sorted(ctx->facts, "/etc/systemd/system", &wants, &nw) == 0) {
        for (size_t i = 0; i < nw; i++) {
            size_t l = strlen(wants[i]);
            char rel[600];
            if (l < 7 || strcmp(wants[i] + l - 6, ".wants") != 0)
                continue;
            snprintf(rel, sizeof(rel), "/etc/systemd/system/%.500s", wants[i]);
            if (ef_pu_list_sorted(ctx->facts, rel, &names, &nn) != 0)
                continue;
            for (size_t k = 0; k < nn && n < CANDIDATES_MAX; k++) {
                size_t j;
                for (j = 0; j < n; j++)
                    if (all[j] && strcmp(all[j], names[k]) == 0)
                        break;
                if (j == n)
                    all[n++] = strdup(names[k]);
            }
            ef_pu_list_free(names, nn);
        }
        ef_pu_list_free(wants, nw);
    }
    *nout = n;
}

static void running_linux(const struct ef_ctx *ctx, const struct ef_rule *r, struct ef_eval *out)
{
    char found[EF_EVIDENCE_MAX + 1] = "", other[EF_EVIDENCE_MAX + 1] = "", names[600];
    char **cand = NULL;
    size_t ncand = 0;
    int have_cand = 0, unknown = 0;
    for (size_t k = 0; k < r->nlist; k++) {
        char unit[300], ev[512];
        unit_of(r->list[k], unit, sizeof(unit));
        if (!is_glob(unit)) {
            int rc = unit_runs(ctx->root, unit, ev, sizeof(ev));
            add(rc == 1 ? found : other, sizeof(found), ev);
            unknown |= rc < 0;
            continue;
        }
        if (!have_cand) {
            candidates(ctx, &cand, &ncand);
            have_cand = 1;
        }
        int matched = 0;
        for (size_t i = 0; i < ncand; i++) {
            if (cand[i] == NULL || !glob_match(unit, cand[i], 0))
                continue;
            matched = 1;
            int rc = unit_runs(ctx->root, cand[i], ev, sizeof(ev));
            add(rc == 1 ? found : other, sizeof(found), ev);
            unknown |= rc < 0;
        }
        if (!matched) {
            snprintf(ev, sizeof(ev), "no running service or enabled unit matches %s", unit);
            add(other, sizeof(other), ev);
        }
    }
    for (size_t i = 0; i < ncand; i++)
        free(cand[i]);
    free(cand);
    list_names(r, names, sizeof(names));
    if (found[0])
        ef_eval_set(out, EF_PASS, "%s", found);
    else
        ef_eval_set(out, unknown ? EF_UNKNOWN : EF_FAIL,
                    "none of the site's services (%s) runs: %s", names, other);
}
#endif

void ef_rule_running(const struct ef_ctx *ctx, const struct ef_rule *r, struct ef_eval *out)
{
    if (r->nlist == 0) {
        ef_eval_set(out, EF_UNKNOWN,
                    "line %d: the site has named no services (running: [] in the policy)", r->line);
        return;
    }
    if (strcmp(ef_facts_platform(ctx->facts), EF_PLATFORM_WINDOWS) == 0) {
        running_windows(ctx, r, out);
        return;
    }
#ifdef _WIN32
    ef_eval_set(out, EF_UNKNOWN, "line %d: a Linux system is not judged on Windows", r->line);
#else
    running_linux(ctx, r, out);
#endif
}
