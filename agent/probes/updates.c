/* SPDX-License-Identifier: EUPL-1.2 */
/* Updates probe: how old the package metadata is. Newest mtime of
 * ROOT/var/lib/apt/lists/ *_InRelease and *_Release and of
 * ROOT/var/lib/apt/periodic/update-success-stamp. */
#include "facts.h"

#include "efterlev/util.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define DAY 86400

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n > m && strcmp(s + n - m, suffix) == 0;
}

static void consider(const char *full, const char *shown, time_t *best, char *bestname,
                     size_t bestlen)
{
    struct stat st;

    if (stat(full, &st) != 0 || !S_ISREG(st.st_mode))
        return;
    if (bestname[0] == '\0' || st.st_mtime > *best) {
        *best = st.st_mtime;
        strlcpy(bestname, shown, bestlen);
    }
}

void ef_probe_updates(struct ef_facts *f)
{
    char dir[PATH_MAX], full[PATH_MAX], best_name[PATH_MAX] = "";
    time_t best = 0;
    int dir_err = 0;

    if (ef_facts_path(f, dir, sizeof(dir), "/var/lib/apt/lists") == 0) {
        DIR *d = opendir(dir);
        struct dirent *de;
        if (d == NULL)
            dir_err = errno;
        while (d && (de = readdir(d)) != NULL) {
            char shown[PATH_MAX];
            if (!ends_with(de->d_name, "_InRelease") && !ends_with(de->d_name, "_Release"))
                continue;
            if ((size_t)snprintf(full, sizeof(full), "%s/%s", dir, de->d_name) >= sizeof(full))
                continue;
            snprintf(shown, sizeof(shown), "/var/lib/apt/lists/%s", de->d_name);
            consider(full, shown, &best, best_name, sizeof(best_name));
        }
        if (d)
            closedir(d);
    }
    if (ef_facts_path(f, full, sizeof(full), "/var/lib/apt/periodic/update-success-stamp") == 0)
        consider(full, "/var/lib/apt/periodic/update-success-stamp", &best, best_name,
                 sizeof(best_name));
    if (best_name[0] == '\0') {
        if (dir_err == EACCES)
            ef_fact_unknown(f, "updates.days_since_refresh",
                            "cannot read /var/lib/apt/lists: permission denied (run as root)");
        else
            ef_fact_unknown(f, "updates.days_since_refresh",
                            "no package metadata found (no /var/lib/apt/lists/*_InRelease, "
                            "*_Release or update-success-stamp)");
        return;
    }
    time_t now = ef_facts_time(f);
    long long days = best >= now ? 0 : (long long)((now - best) / DAY);
    char when[32];
    ef_time_rfc3339(best, when);
    ef_fact_int(f, "updates.days_since_refresh", days, "newest package metadata %s from %s",
                best_name, when);
}
