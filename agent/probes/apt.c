/* SPDX-License-Identifier: EUPL-1.2 */
/* Patch probes for Debian and Ubuntu, without running apt:
 *
 * apt_pending  updates.security_pending, updates.security_pending_days,
 *              updates.stale_metadata: installed packages (ROOT/var/lib/dpkg/status)
 *              against the security package lists in ROOT/var/lib/apt/lists. A list is a
 *              security list when its file name has "-security_" or "_security_", or when
 *              the Release/InRelease file of its suite says "Suite: *-security" or
 *              "Label: *Security*". A package is pending when a security list offers a
 *              version newer by Debian ordering for the same architecture (or "all").
 *              Age: without a record of when each update was first seen, the age of the
 *              oldest pending update is the age of the list file offering it (apt keeps
 *              the server's modification time): a lower bound.
 *              updates.security_pending_undated: the pending updates whose age the agent
 *              cannot know. An update is dated when the agent's record (first_seen.h)
 *              began watching before this scan and first saw the update pending later than
 *              that: it appeared between two watched scans. An update already pending when
 *              the record began (the agent's first run, or no state at all) is undated: the
 *              list's age and the first sighting only bound its age from below, and a first
 *              sighting on this run proves no freshness. The policy counts undated updates
 *              as past the grace period from elevated.
 * apt_history  updates.days_since_upgrade: newest install or upgrade in
 *              /var/log/apt/history.log(.1) (End-Date of a transaction with Install: or
 *              Upgrade:) and /var/log/dpkg.log(.1); rotated .gz files are not read. Fallback
 *              the mtime of /var/lib/dpkg/status. On RHEL (live only): newest rpm INSTALLTIME.
 */
#include "facts.h"
#include "decompress.h"
#include "first_seen.h"
#include "probe_util.h"
#include "pkgdb.h"
#include "run_command.h"

#include "efterlev/array.h"
#include "efterlev/util.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

/* ---- security pending ---- */

struct inst {
    const char *name, *arch, *ver;
    const char *cand;  /* newest security candidate, NULL when none */
    char *cand_owned;  /* copy of cand */
    time_t list_mtime; /* mtime of the list offering cand */
    const char *list;  /* that list's file name */
};

struct instv {
    struct inst *v;
    size_t n, cap;
};

static void add_inst(const char *name, const char *arch, const char *version, void *ctx)
{
    struct instv *iv = ctx;
    struct inst *nv = ef_array_grow(iv->v, iv->n, &iv->cap, sizeof(*nv), 256, EF_ARRAY_NO_MAX);
    if (nv == NULL)
        return;
    iv->v = nv;
    iv->v[iv->n++] = (struct inst){.name = name, .arch = arch, .ver = version};
}

static int inst_cmp(const void *a, const void *b)
{
    const struct inst *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    return c ? c : strcmp(x->arch, y->arch);
}

static int ends_with(const char *s, const char *suf)
{
    size_t n = strlen(s), m = strlen(suf);
    return n >= m && strcmp(s + n - m, suf) == 0;
}

/* Whether a Release/InRelease text names a security suite. */
static int release_is_security(char *buf, size_t len)
{
    size_t pos = 0, ln = 0;
    char *line;
    while ((line = ef_pu_next_line(buf, len, &pos, &ln)) != NULL) {
        if (*line == '\0' && ln > 1)
            break; /* end of the header stanza */
        if (strncasecmp(line, "Suite:", 6) == 0 || strncasecmp(line, "Codename:", 9) == 0) {
            char *v = ef_pu_trim(strchr(line, ':') + 1);
            if (ends_with(v, "-security") || ends_with(v, "/updates"))
                return 1;
        } else if (strncasecmp(line, "Label:", 6) == 0) {
            if (strcasestr(line + 6, "security") != NULL)
                return 1;
        }
    }
    return 0;
}

/* Apply one security Packages list to the installed packages. */
static void scan_list(struct instv *iv, char *buf, size_t len, const char *list, time_t mtime)
{
    size_t pos = 0, ln = 0;
    char *line;
    const char *name = NULL, *ver = NULL, *arch = "";

    for (;;) {
        line = ef_pu_next_line(buf, len, &pos, &ln);
        if (line == NULL || *line == '\0') {
            if (name && ver) {
                struct inst key = {.name = name, .arch = arch};
                /* any installed architecture of the name: compare per arch */
                for (size_t lo = 0, hi = iv->n; lo < hi;) {
                    size_t mid = (lo + hi) / 2;
                    int c = strcmp(iv->v[mid].name, key.name);
                    if (c < 0) {
                        lo = mid + 1;
                        continue;
                    }
                    if (c > 0) {
                        hi = mid;
                        continue;
                    }
                    while (mid > 0 && strcmp(iv->v[mid - 1].name, name) == 0)
                        mid--;
                    for (; mid < iv->n && strcmp(iv->v[mid].name, name) == 0; mid++) {
                        struct inst *in = &iv->v[mid];
                        if (strcmp(in->arch, arch) != 0 && strcmp(arch, "all") != 0 &&
                            strcmp(in->arch, "all") != 0)
                            continue;
                        if (ef_dpkg_vercmp(ver, in->ver) <= 0)
                            continue;
                        if (in->cand && ef_dpkg_vercmp(ver, in->cand) <= 0)
                            continue;
                        char *copy = strdup(ver);
                        if (copy == NULL)
                            continue;
                        free(in->cand_owned);
                        in->cand = in->cand_owned = copy;
                        in->list_mtime = mtime;
                        in->list = list;
                    }
                    break;
                }
            }
            name = ver = NULL;
            arch = "";
            if (line == NULL)
                break;
            continue;
        }
        if (strncmp(line, "Package:", 8) == 0)
            name = ef_pu_skip_ws(line + 8);
        else if (strncmp(line, "Version:", 8) == 0)
            ver = ef_pu_skip_ws(line + 8);
        else if (strncmp(line, "Architecture:", 13) == 0)
            arch = ef_pu_skip_ws(line + 13);
    }
}

struct list_piece {
    struct instv *iv;
    const char *name;
    time_t mtime;
};

static void scan_piece(char *piece, size_t len, void *ctx)
{
    struct list_piece *lp = ctx;
    scan_list(lp->iv, piece, len, lp->name, lp->mtime);
}

/* In the agent state directory: when each pending security update was first seen. */
#define FIRST_SEEN_FILE "pending-updates.json"
#define LISTS "/var/lib/apt/lists"

static int is_security_list_name(const char *n)
{
    return strstr(n, "-security_") != NULL || strstr(n, "_security_") != NULL ||
           strstr(n, "_updates_") != NULL; /* old Debian: security.debian.org/dists/X/updates */
}

void ef_probe_apt_pending(struct ef_facts *f)
{
    const struct ef_fact *fresh = ef_facts_get(f, "updates.days_since_refresh");
    if (fresh && fresh->known)
        ef_fact_unknown(f, "updates.stale_metadata",
                        "package metadata is %lld days old (%s): a pass on it cannot be trusted",
                        fresh->i, fresh->evidence);
    else
        ef_fact_unknown(f, "updates.stale_metadata", "package metadata age unknown: %s",
                        fresh ? fresh->evidence : "no updates.days_since_refresh");

    char *status = NULL, **names = NULL;
    size_t slen = 0, nnames = 0;
    int rc = ef_pu_read(f, "/var/lib/dpkg/status", EF_PU_FILE_MAX, &status, &slen);
    if (rc != 0) {
        const char *why =
            rc == -ENOENT ? "no /var/lib/dpkg/status (not a dpkg system)" : ef_pu_errtext(rc);
        ef_fact_unknown(f, "updates.security_pending", "cannot read /var/lib/dpkg/status: %s", why);
        ef_fact_unknown(f, "updates.security_pending_days", "cannot read /var/lib/dpkg/status: %s",
                        why);
        ef_fact_unknown(f, "updates.security_pending_undated",
                        "cannot read /var/lib/dpkg/status: %s", why);
        return;
    }
    rc = ef_pu_list_sorted(f, LISTS, &names, &nnames);
    if (rc != 0) {
        ef_fact_unknown(f, "updates.security_pending", "cannot read %s: %s", LISTS,
                        ef_pu_errtext(rc));
        ef_fact_unknown(f, "updates.security_pending_days", "cannot read %s: %s", LISTS,
                        ef_pu_errtext(rc));
        ef_fact_unknown(f, "updates.security_pending_undated", "cannot read %s: %s", LISTS,
                        ef_pu_errtext(rc));
        free(status);
        return;
    }
    struct instv iv = {0};
    ef_dpkg_each_installed(status, slen, add_inst, &iv);
    qsort(iv.v, iv.n, sizeof(*iv.v), inst_cmp);

    /* Security suites by their Release files: the list name prefix before "InRelease". */
    char **prefixes = calloc(nnames ? nnames : 1, sizeof(*prefixes));
    size_t nprefixes = 0;
    for (size_t i = 0; prefixes && i < nnames; i++) {
        const char *n = names[i];
        size_t cut = ends_with(n, "_InRelease") ? strlen(n) - 9
                     : ends_with(n, "_Release") ? strlen(n) - 7
                                                : 0;
        if (cut == 0)
            continue;
        char rel[PATH_MAX], *buf;
        size_t len;
        snprintf(rel, sizeof(rel), "%s/%s", LISTS, n);
        if (ef_pu_read(f, rel, EF_PU_FILE_MAX, &buf, &len) != 0)
            continue;
        if (release_is_security(buf, len) && (prefixes[nprefixes] = strndup(n, cut)) != NULL)
            nprefixes++;
        free(buf);
    }

    size_t nsec = 0, ncompressed = 0;
    char compressed[128] = "";
    for (size_t i = 0; i < nnames; i++) {
        const char *n = names[i];
        int sec = is_security_list_name(n);
        for (size_t p = 0; !sec && p < nprefixes; p++)
            sec = strncmp(n, prefixes[p], strlen(prefixes[p])) == 0;
        if (!sec || strstr(n, "_Packages") == NULL)
            continue;
        /* apt keeps lists plain, or compressed (lz4 on some images, gz with GzipIndexes). */
        if (!ends_with(n, "_Packages") && !ef_decompress_supported(n)) {
            if (ncompressed++ == 0)
                snprintf(compressed, sizeof(compressed), "%.100s", n);
            continue;
        }
        char rel[PATH_MAX], why[160];
        struct stat st;
        snprintf(rel, sizeof(rel), "%s/%s", LISTS, n);
        if (ef_pu_stat(f, rel, &st) != 0)
            continue;
        /* A list is read a piece at a time: a decompressed list is megabytes. */
        struct list_piece lp = {.iv = &iv, .name = n, .mtime = st.st_mtime};
        rc = ef_pu_each_stanzas(f, rel, EF_PU_FILE_MAX, scan_piece, &lp, why, sizeof(why));
        if (rc == -EILSEQ) {
            if (ncompressed++ == 0)
                snprintf(compressed, sizeof(compressed), "%.60s: %.60s", n, why);
            continue;
        }
        if (rc != 0)
            continue;
        nsec++;
    }

    if (nsec == 0) {
        const char *why = ncompressed
                              ? "no security package list the agent can read (compressed in a "
                                "format it does not read, or corrupt)"
                              : "no security package list in /var/lib/apt/lists (no security "
                                "suite in the sources, or apt update never ran)";
        ef_fact_unknown(f, "updates.security_pending", "%s%s%s", why, ncompressed ? ": " : "",
                        compressed);
        ef_fact_unknown(f, "updates.security_pending_days", "%s%s%s", why, ncompressed ? ": " : "",
                        compressed);
        ef_fact_unknown(f, "updates.security_pending_undated", "%s%s%s", why,
                        ncompressed ? ": " : "", compressed);
    } else {
        size_t pending = 0, undated = 0;
        long long oldest = 0;
        char list[EF_EVIDENCE_MAX + 1], oldest_list[160] = "", ulist[EF_EVIDENCE_MAX + 1];
        struct ef_textlist shown, ushown;
        ef_textlist_init(&shown, list, sizeof(list), ", ", 5);
        ef_textlist_init(&ushown, ulist, sizeof(ulist), ", ", 5);
        /* How long each update has waited: since this agent first saw it pending, or since
         * the list offering it was fetched, whichever is longer (both are lower bounds).
         * Dated only when first seen after the record began watching (apt.c header). */
        time_t now = ef_facts_time(f);
        struct ef_first_seen *seen = ef_first_seen_load(f, FIRST_SEEN_FILE);
        time_t since = seen ? ef_first_seen_since(seen, now) : now;
        for (size_t i = 0; i < iv.n; i++) {
            struct inst *in = &iv.v[i];
            if (in->cand == NULL)
                continue;
            pending++;
            long long d = ef_pu_days_since(f, in->list_mtime);
            int dated = 0;
            if (seen != NULL) {
                char key[256];
                snprintf(key, sizeof(key), "%.100s:%.30s %.100s", in->name, in->arch, in->cand);
                time_t first = ef_first_seen_get(seen, key, now);
                long long ds = ef_pu_days_since(f, first);
                if (ds > d)
                    d = ds;
                dated = first > since;
            }
            if (pending == 1 || d > oldest) {
                oldest = d;
                snprintf(oldest_list, sizeof(oldest_list), "%.150s", in->list);
            }
            ef_textlist_addf(&shown, "%.60s %.60s -> %.60s", in->name, in->ver, in->cand);
            if (!dated) {
                undated++;
                ef_textlist_addf(&ushown, "%.60s -> %.60s", in->name, in->cand);
            }
        }
        if (seen != NULL) {
            ef_first_seen_save(seen, f);
            ef_first_seen_free(seen);
        }
        char watch[96];
        if (ef_facts_state_dir(f) == NULL)
            snprintf(watch, sizeof(watch), "no agent state to remember first sightings");
        else if (since >= now)
            snprintf(watch, sizeof(watch), "the agent's record of first sightings begins now");
        else {
            char when[32];
            ef_time_rfc3339(since, when);
            snprintf(watch, sizeof(watch), "the agent has watched since %s", when);
        }
        if (pending == 0) {
            ef_fact_int(f, "updates.security_pending", 0,
                        "no security update pending (%zu installed packages against %zu security "
                        "list%s)",
                        iv.n, nsec, nsec == 1 ? "" : "s");
            ef_fact_int(f, "updates.security_pending_days", 0, "no security update pending");
            ef_fact_int(f, "updates.security_pending_undated", 0, "no security update pending");
        } else {
            ef_textlist_end(&shown);
            ef_fact_int(f, "updates.security_pending", (long long)pending,
                        "%zu security update%s pending: %s", pending, pending == 1 ? "" : "s",
                        list);
            ef_fact_int(f, "updates.security_pending_days", oldest,
                        "%zu security update%s pending, the oldest for at least %lld days "
                        "(pending since first seen by this agent, or offered by %s/%s; %s)",
                        pending, pending == 1 ? "" : "s", oldest, LISTS, oldest_list, list);
            if (undated == 0)
                ef_fact_int(f, "updates.security_pending_undated", 0,
                            "all %zu pending security update%s dated: first seen pending after "
                            "the agent began watching (%s)",
                            pending, pending == 1 ? "" : "s", watch);
            else {
                ef_textlist_end(&ushown);
                ef_fact_int(f, "updates.security_pending_undated", (long long)undated,
                            "%zu of %zu pending security update%s undated: pending already when "
                            "the agent began watching (%s), so how long they have waited is "
                            "unknown and they count as past the grace period: %s",
                            undated, pending, pending == 1 ? "" : "s", watch, ulist);
            }
        }
    }
    for (size_t i = 0; i < iv.n; i++)
        free(iv.v[i].cand_owned);
    free(iv.v);
    for (size_t p = 0; p < nprefixes; p++)
        free(prefixes[p]);
    free(prefixes);
    ef_pu_list_free(names, nnames);
    free(status);
}

/* ---- history ---- */

/* "2026-11-20  10:12:13" or "2026-11-20 10:12:13" as UTC (local time is unknown offline:
 * an error of hours, irrelevant for ages in days). */
static int parse_stamp(const char *s, time_t *out)
{
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    s = ef_pu_skip_ws((char *)s);
    const char *e = strptime(s, "%Y-%m-%d", &tm);
    if (e == NULL)
        return -1;
    e = ef_pu_skip_ws((char *)e);
    if (strptime(e, "%H:%M:%S", &tm) == NULL)
        return -1;
    *out = timegm(&tm);
    return 0;
}

struct newest {
    time_t t;
    char where[160];
};

static void consider(struct newest *nw, time_t t, const char *file, size_t line)
{
    if (nw->where[0] == '\0' || t > nw->t) {
        nw->t = t;
        snprintf(nw->where, sizeof(nw->where), "%s line %zu", file, line);
    }
}

static void read_history(struct ef_facts *f, const char *rel, struct newest *nw, int *seen)
{
    char *buf, *line;
    size_t len, pos = 0, ln = 0;
    int changed = 0;

    if (ef_pu_read(f, rel, EF_PU_FILE_MAX, &buf, &len) != 0)
        return;
    *seen = 1;
    while ((line = ef_pu_next_line(buf, len, &pos, &ln)) != NULL) {
        time_t t;
        if (strncmp(line, "Start-Date:", 11) == 0)
            changed = 0;
        else if (strncmp(line, "Install:", 8) == 0 || strncmp(line, "Upgrade:", 8) == 0)
            changed = 1;
        else if (strncmp(line, "End-Date:", 9) == 0 && changed && parse_stamp(line + 9, &t) == 0)
            consider(nw, t, rel, ln);
    }
    free(buf);
}

static void read_dpkg_log(struct ef_facts *f, const char *rel, struct newest *nw, int *seen)
{
    char *buf, *line;
    size_t len, pos = 0, ln = 0;

    if (ef_pu_read(f, rel, EF_PU_FILE_MAX, &buf, &len) != 0)
        return;
    *seen = 1;
    while ((line = ef_pu_next_line(buf, len, &pos, &ln)) != NULL) {
        /* "2026-11-20 10:12:13 upgrade pkg:arch old new" */
        time_t t;
        if (strlen(line) < 20)
            continue;
        const char *act = line + 20;
        if ((strncmp(act, "upgrade ", 8) == 0 || strncmp(act, "install ", 8) == 0) &&
            parse_stamp(line, &t) == 0)
            consider(nw, t, rel, ln);
    }
    free(buf);
}

static int rpm_newest(struct ef_facts *f, struct newest *nw, char *why, size_t whylen)
{
    static char out[65536];
    char *argv[] = {"rpm", "-qa", "--qf", "%{INSTALLTIME}\\n", NULL};
    size_t len = sizeof(out) - 1;
    int ws;
    (void)f;
    if (ef_run_command(argv, 5000, &ws, out, &len, why, whylen) != 0)
        return -1;
    if (!WIFEXITED(ws) || WEXITSTATUS(ws) != 0) {
        snprintf(why, whylen, "rpm -qa failed");
        return -1;
    }
    out[len] = '\0';
    for (char *p = out; *p;) {
        char *end;
        long long v = strtoll(p, &end, 10);
        if (end != p && v > 0 && (nw->where[0] == '\0' || (time_t)v > nw->t)) {
            nw->t = (time_t)v;
            snprintf(nw->where, sizeof(nw->where), "rpm database (rpm -qa INSTALLTIME)");
        }
        p = strchr(end, '\n');
        if (p == NULL)
            break;
        p++;
    }
    return nw->where[0] ? 0 : -1;
}

void ef_probe_apt_history(struct ef_facts *f)
{
    struct newest nw = {0};
    int seen = 0;
    char when[32];
    static const char *const hist[] = {"/var/log/apt/history.log", "/var/log/apt/history.log.1"};
    static const char *const dlog[] = {"/var/log/dpkg.log", "/var/log/dpkg.log.1"};

    if (ef_pkgdb_kind(ef_facts_root(f)) == EF_PKGDB_RPM) {
        char why[256] = "";
        if (!ef_pu_is_live(f)) {
            ef_fact_unknown(f, "updates.days_since_upgrade",
                            "the rpm database is read with rpm on the live system only (--root /)");
            return;
        }
        if (rpm_newest(f, &nw, why, sizeof(why)) != 0) {
            ef_fact_unknown(f, "updates.days_since_upgrade", "rpm -qa: %s", why);
            return;
        }
        ef_time_rfc3339(nw.t, when);
        ef_fact_int(f, "updates.days_since_upgrade", ef_pu_days_since(f, nw.t),
                    "newest package installed %s (%s)", when, nw.where);
        return;
    }
    for (size_t i = 0; i < EF_ARRAY_LEN(hist); i++)
        read_history(f, hist[i], &nw, &seen);
    for (size_t i = 0; i < EF_ARRAY_LEN(dlog); i++)
        read_dpkg_log(f, dlog[i], &nw, &seen);
    if (nw.where[0]) {
        ef_time_rfc3339(nw.t, when);
        ef_fact_int(f, "updates.days_since_upgrade", ef_pu_days_since(f, nw.t),
                    "newest package install or upgrade %s (%s)", when, nw.where);
        return;
    }
    struct stat st;
    int rc = ef_pu_stat(f, "/var/lib/dpkg/status", &st);
    if (rc == 0) {
        ef_time_rfc3339(st.st_mtime, when);
        ef_fact_int(f, "updates.days_since_upgrade", ef_pu_days_since(f, st.st_mtime),
                    "%s; /var/lib/dpkg/status last changed %s",
                    seen ? "no install or upgrade in the apt and dpkg logs" : "no apt or dpkg log",
                    when);
        return;
    }
    ef_fact_unknown(f, "updates.days_since_upgrade",
                    "no apt or dpkg log and no /var/lib/dpkg/status (%s)", ef_pu_errtext(rc));
}
