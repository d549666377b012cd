/* SPDX-License-Identifier: EUPL-1.2 */
/* File integrity monitoring probe: AIDE installed, initialised and scheduled.
 *
 * integ.aide.installed: ROOT/usr/bin/aide or /usr/sbin/aide exists.
 * integ.aide.database: a baseline database exists: /var/lib/aide/aide.db or aide.db.gz
 *   (unknown when /var/lib/aide cannot be read: run as root).
 * integ.aide.scheduled: a regular check is scheduled: dailyaidecheck.timer (Debian) or
 *   aidecheck.timer (RHEL, SUSE) enabled, /etc/cron.daily/dailyaidecheck or
 *   /etc/cron.daily/aide present, or a non-comment line running aide in /etc/crontab,
 *   /etc/cron.d/ *, /var/spool/cron/crontabs/root or /var/spool/cron/root. */
#include "facts.h"
#include "probes/systemd_units.h"
#include "probe_util.h"

#include "efterlev/util.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int exists(struct ef_facts *f, const char *shown, int *err)
{
    char path[PATH_MAX];
    struct stat st;
    if (ef_facts_path(f, path, sizeof(path), shown) != 0)
        return 0;
    if (stat(path, &st) == 0)
        return 1;
    if (err && errno != ENOENT && errno != ENOTDIR)
        *err = errno;
    return 0;
}

/* Line number of a non-comment line running aide in a crontab, 0 when none. */
static int cron_line(struct ef_facts *f, const char *shown)
{
    char *text, *line;
    regex_t re;
    size_t len, pos = 0, lineno = 0;
    int found = 0;

    if (ef_pu_read(f, shown, 1 << 20, &text, &len) != 0)
        return 0;
    if (regcomp(&re, "(^|[[:space:]/])aide(check)?([[:space:]]|$)", REG_EXTENDED | REG_NOSUB) !=
        0) {
        free(text);
        return 0;
    }
    while (!found && (line = ef_pu_next_line(text, len, &pos, &lineno)) != NULL) {
        char *s = ef_pu_trim(line);
        found = *s != '#' && *s != '\0' && regexec(&re, s, 0, NULL, 0) == 0;
    }
    regfree(&re);
    free(text);
    return found ? (int)lineno : 0;
}

static int scheduled(struct ef_facts *f, char *ev, size_t evlen)
{
    static const char *const timers[] = {"dailyaidecheck.timer", "aidecheck.timer"};
    static const char *const daily[] = {"/etc/cron.daily/dailyaidecheck", "/etc/cron.daily/aide"};
    static const char *const tabs[] = {"/etc/crontab", "/var/spool/cron/crontabs/root",
                                       "/var/spool/cron/root"};
    char one[512];
    int line;

    for (size_t i = 0; i < EF_ARRAY_LEN(timers); i++)
        if (ef_unit_enabled(ef_facts_root(f), timers[i], one, sizeof(one))) {
            ef_text_printf(ev, evlen, "%s", one);
            return 1;
        }
    for (size_t i = 0; i < EF_ARRAY_LEN(daily); i++)
        if (exists(f, daily[i], NULL)) {
            ef_text_printf(ev, evlen, "%s present", daily[i]);
            return 1;
        }
    for (size_t i = 0; i < EF_ARRAY_LEN(tabs); i++)
        if ((line = cron_line(f, tabs[i])) > 0) {
            ef_text_printf(ev, evlen, "%s line %d runs aide", tabs[i], line);
            return 1;
        }
    char dir[PATH_MAX];
    if (ef_facts_path(f, dir, sizeof(dir), "/etc/cron.d") == 0) {
        DIR *d = opendir(dir);
        struct dirent *de;
        int found = 0;
        while (d && !found && (de = readdir(d)) != NULL) {
            char shown[PATH_MAX];
            if (de->d_name[0] == '.')
                continue;
            snprintf(shown, sizeof(shown), "/etc/cron.d/%s", de->d_name);
            if ((line = cron_line(f, shown)) > 0) {
                ef_text_printf(ev, evlen, "%.200s line %d runs aide", shown, line);
                found = 1;
            }
        }
        if (d)
            closedir(d);
        if (found)
            return 1;
    }
    ef_text_printf(ev, evlen,
                   "no AIDE schedule: dailyaidecheck.timer and aidecheck.timer not "
                   "enabled, no cron job running aide");
    return 0;
}

void ef_probe_integrity(struct ef_facts *f)
{
    char ev[640];
    int err = 0;

    if (exists(f, "/usr/bin/aide", NULL))
        ef_fact_bool(f, "integ.aide.installed", 1, "/usr/bin/aide present");
    else if (exists(f, "/usr/sbin/aide", NULL))
        ef_fact_bool(f, "integ.aide.installed", 1, "/usr/sbin/aide present");
    else
        ef_fact_bool(f, "integ.aide.installed", 0,
                     "AIDE is not installed (no /usr/bin/aide or /usr/sbin/aide)");

    if (exists(f, "/var/lib/aide/aide.db", &err))
        ef_fact_bool(f, "integ.aide.database", 1, "/var/lib/aide/aide.db present");
    else if (exists(f, "/var/lib/aide/aide.db.gz", &err))
        ef_fact_bool(f, "integ.aide.database", 1, "/var/lib/aide/aide.db.gz present");
    else if (err)
        ef_fact_unknown(f, "integ.aide.database", "cannot look into /var/lib/aide: %s",
                        ef_pu_errtext(err));
    else
        ef_fact_bool(f, "integ.aide.database", 0,
                     "no AIDE database (/var/lib/aide/aide.db, aide.db.gz): not initialised");

    int s = scheduled(f, ev, sizeof(ev));
    ef_fact_bool(f, "integ.aide.scheduled", s, "%s", ev);
}
