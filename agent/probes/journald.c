/* SPDX-License-Identifier: EUPL-1.2 */
/* journald probe: the effective Storage= and MaxRetentionSec= settings, read like systemd
 * reads them.
 *
 * ROOT/etc/systemd/journald.conf first, then every drop-in *.conf of
 * /usr/lib/systemd/journald.conf.d/, /run/systemd/journald.conf.d/ and
 * /etc/systemd/journald.conf.d/, sorted by file name across the directories; a drop-in in
 * /etc masks one of the same name in /run, which masks /usr/lib. The last valid assignment
 * in the [Journal] section wins; the default is "auto", which is persistent only when
 * /var/log/journal exists. */
#include "facts.h"
#include "probe_util.h"

#include "efterlev/util.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define CONF_MAX (256 * 1024)
#define DROPINS_MAX 128

static const char *const dropin_dirs[] = {
    /* highest priority first */
    "/etc/systemd/journald.conf.d",
    "/run/systemd/journald.conf.d",
    "/usr/lib/systemd/journald.conf.d",
};

struct setting {
    char value[64];
    char file[PATH_MAX];
    int line;
};

struct journald {
    const char *shown;
    struct setting set, ret; /* Storage=, MaxRetentionSec= */
};

static int valid_storage(const char *v)
{
    return strcmp(v, "volatile") == 0 || strcmp(v, "persistent") == 0 || strcmp(v, "auto") == 0 ||
           strcmp(v, "none") == 0;
}

/* One assignment: the valid Storage= and MaxRetentionSec= values of [Journal]. */
static void journald_line(const char *section, char *key, char *val, size_t lineno, void *ctx)
{
    struct journald *j = ctx;
    struct setting *to = NULL;

    if (strcmp(section, "[Journal]") != 0)
        return;
    if (strcmp(key, "Storage") == 0 && valid_storage(val))
        to = &j->set; /* systemd ignores invalid values with a warning */
    else if (strcmp(key, "MaxRetentionSec") == 0 && ef_pu_timespan_sec(val) >= 0)
        to = &j->ret;
    if (to == NULL)
        return;
    strlcpy(to->value, val, sizeof(to->value));
    strlcpy(to->file, j->shown, sizeof(to->file));
    to->line = (int)lineno;
}

/* Apply the assignments of one file (path shown as shown). */
static void parse_conf(struct ef_facts *f, const char *shown, struct journald *j)
{
    j->shown = shown;
    ef_pu_ini_each(f, shown, CONF_MAX, journald_line, j);
}

void ef_probe_journald(struct ef_facts *f)
{
    struct journald j = {.set = {.value = "auto"}, .ret = {.value = "0"}};
    struct setting *set = &j.set, *ret = &j.ret;
    char(*dropins)[PATH_MAX] = calloc(DROPINS_MAX, sizeof(*dropins));
    char ev[EF_EVIDENCE_MAX + 1], full[PATH_MAX];

    if (dropins == NULL) {
        ef_fact_unknown(f, "log.journald.storage", "out of memory");
        ef_fact_unknown(f, "log.journald.persistent", "out of memory");
        ef_fact_unknown(f, "log.journald.max_retention_days", "out of memory");
        return;
    }
    parse_conf(f, "/etc/systemd/journald.conf", &j);
    size_t n =
        ef_pu_dropins(f, dropin_dirs, EF_ARRAY_LEN(dropin_dirs), ".conf", dropins, DROPINS_MAX);
    for (size_t i = 0; i < n; i++)
        parse_conf(f, dropins[i], &j);
    free(dropins);

    if (set->file[0])
        ef_text_printf(ev, sizeof(ev), "Storage=%s set in %s line %d", set->value, set->file,
                       set->line);
    else
        ef_text_printf(ev, sizeof(ev),
                       "Storage=auto (the default; not set in journald.conf or "
                       "its drop-ins)");
    ef_fact_str(f, "log.journald.storage", set->value, "%s", ev);

    long long sec = ef_pu_timespan_sec(ret->value);
    if (ret->file[0] && sec > 0)
        ef_fact_int(f, "log.journald.max_retention_days", sec / 86400,
                    "MaxRetentionSec=%s set in %s line %d", ret->value, ret->file, ret->line);
    else if (ret->file[0])
        ef_fact_int(f, "log.journald.max_retention_days", 0,
                    "MaxRetentionSec=%s set in %s line %d: no time limit", ret->value, ret->file,
                    ret->line);
    else
        ef_fact_int(f, "log.journald.max_retention_days", 0,
                    "MaxRetentionSec not set: journald deletes entries by size only");

    if (strcmp(set->value, "persistent") == 0) {
        ef_fact_bool(f, "log.journald.persistent", 1, "%s", ev);
    } else if (strcmp(set->value, "auto") == 0) {
        struct stat st;
        int dir = ef_facts_path(f, full, sizeof(full), "/var/log/journal") == 0 &&
                  stat(full, &st) == 0 && S_ISDIR(st.st_mode);
        ef_fact_bool(f, "log.journald.persistent", dir, "%s; /var/log/journal %s", ev,
                     dir ? "exists" : "does not exist, so the journal is kept in /run only");
    } else {
        ef_fact_bool(f, "log.journald.persistent", 0, "%s", ev);
    }
}
