/* journald probe: the effective Storage= and MaxRetentionSec= settings, read like systemd
 * reads them.
 *
 * ROOT/etc/systemd/journald.conf first, then every drop-in *.conf of
 * /usr/lib/systemd/journald.conf.d/, /run/systemd/journald.conf.d/ and
 * /etc/systemd/journald.conf.d/, sorted by file name across the directories; a drop-in in
 * /etc masks one of the same name in /run, which masks /usr/lib. The last valid assignment
 * in the [Journal] section wins; the default is "auto", which is persistent only when
 * /var/log/journal exists. */
#include "confdirs.h"
#include "facts.h"

#include "efterlev/util.h"

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define CONF_MAX (256 * 1024)
#define DROPINS_MAX 128

static const char *const dropin_dirs[] = {
    /* lowest priority first */
    "/usr/lib/systemd/journald.conf.d",
    "/run/systemd/journald.conf.d",
    "/etc/systemd/journald.conf.d",
};

struct dropin {
    char name[NAME_MAX + 1];
    int dir; /* index into dropin_dirs */
};

struct setting {
    char value[64];
    char file[PATH_MAX];
    int line;
};

static int valid_storage(const char *v)
{
    return strcmp(v, "volatile") == 0 || strcmp(v, "persistent") == 0 || strcmp(v, "auto") == 0 ||
           strcmp(v, "none") == 0;
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
        s[--n] = '\0';
    return s;
}

/* Apply the Storage= and MaxRetentionSec= assignments of one file (path shown as shown). */
static void parse_conf(struct ef_facts *f, const char *shown, struct setting *set,
                       struct setting *ret)
{
    char full[PATH_MAX], *buf;
    size_t len;

    if (ef_facts_path(f, full, sizeof(full), shown) != 0 ||
        ef_read_file(full, CONF_MAX, &buf, &len) != 0)
        return;
    int in_journal = 0, lineno = 0;
    char *p = buf;
    while (p && *p) {
        char *nl = strchr(p, '\n');
        if (nl)
            *nl = '\0';
        lineno++;
        char *line = trim(p);
        p = nl ? nl + 1 : NULL;
        if (*line == '\0' || *line == '#' || *line == ';')
            continue;
        if (*line == '[') {
            in_journal = strcmp(line, "[Journal]") == 0;
            continue;
        }
        char *eq = strchr(line, '=');
        if (!in_journal || eq == NULL)
            continue;
        *eq = '\0';
        char *key = trim(line), *val = trim(eq + 1);
        struct setting *to = NULL;
        if (strcmp(key, "Storage") == 0 && valid_storage(val))
            to = set; /* systemd ignores invalid values with a warning */
        else if (strcmp(key, "MaxRetentionSec") == 0 && ef_timespan_sec(val) >= 0)
            to = ret;
        if (to == NULL)
            continue;
        strlcpy(to->value, val, sizeof(to->value));
        strlcpy(to->file, shown, sizeof(to->file));
        to->line = lineno;
    }
    free(buf);
}

static int cmp_dropin(const void *a, const void *b)
{
    return strcmp(((const struct dropin *)a)->name, ((const struct dropin *)b)->name);
}

static size_t collect_dropins(struct ef_facts *f, struct dropin *out, size_t max)
{
    size_t n = 0;

    for (int di = 0; di < (int)EF_ARRAY_LEN(dropin_dirs); di++) {
        char dir[PATH_MAX];
        if (ef_facts_path(f, dir, sizeof(dir), dropin_dirs[di]) != 0)
            continue;
        DIR *d = opendir(dir);
        struct dirent *de;
        if (d == NULL)
            continue;
        while ((de = readdir(d)) != NULL) {
            size_t nl = strlen(de->d_name);
            if (de->d_name[0] == '.' || nl < 6 || strcmp(de->d_name + nl - 5, ".conf") != 0)
                continue;
            size_t i;
            for (i = 0; i < n; i++)
                if (strcmp(out[i].name, de->d_name) == 0)
                    break;
            if (i < n) {
                out[i].dir = di; /* higher priority directory masks the earlier one */
                continue;
            }
            if (n == max)
                break;
            strlcpy(out[n].name, de->d_name, sizeof(out[n].name));
            out[n++].dir = di;
        }
        closedir(d);
    }
    qsort(out, n, sizeof(*out), cmp_dropin);
    return n;
}

void ef_probe_journald(struct ef_facts *f)
{
    struct setting set = {.value = "auto"}, ret = {.value = "0"};
    struct dropin *dropins = calloc(DROPINS_MAX, sizeof(*dropins));
    char ev[EF_EVIDENCE_MAX + 1], full[PATH_MAX];

    if (dropins == NULL) {
        ef_fact_unknown(f, "log.journald.storage", "out of memory");
        ef_fact_unknown(f, "log.journald.persistent", "out of memory");
        ef_fact_unknown(f, "log.journald.max_retention_days", "out of memory");
        return;
    }
    parse_conf(f, "/etc/systemd/journald.conf", &set, &ret);
    size_t n = collect_dropins(f, dropins, DROPINS_MAX);
    for (size_t i = 0; i < n; i++) {
        char shown[PATH_MAX];
        snprintf(shown, sizeof(shown), "%s/%s", dropin_dirs[dropins[i].dir], dropins[i].name);
        parse_conf(f, shown, &set, &ret);
    }
    free(dropins);

    if (set.file[0])
        ef_text_printf(ev, sizeof(ev), "Storage=%s set in %s line %d", set.value, set.file,
                       set.line);
    else
        ef_text_printf(ev, sizeof(ev),
                       "Storage=auto (the default; not set in journald.conf or "
                       "its drop-ins)");
    ef_fact_str(f, "log.journald.storage", set.value, "%s", ev);

    long long sec = ef_timespan_sec(ret.value);
    if (ret.file[0] && sec > 0)
        ef_fact_int(f, "log.journald.max_retention_days", sec / 86400,
                    "MaxRetentionSec=%s set in %s line %d", ret.value, ret.file, ret.line);
    else if (ret.file[0])
        ef_fact_int(f, "log.journald.max_retention_days", 0,
                    "MaxRetentionSec=%s set in %s line %d: no time limit", ret.value, ret.file,
                    ret.line);
    else
        ef_fact_int(f, "log.journald.max_retention_days", 0,
                    "MaxRetentionSec not set: journald deletes entries by size only");

    if (strcmp(set.value, "persistent") == 0) {
        ef_fact_bool(f, "log.journald.persistent", 1, "%s", ev);
    } else if (strcmp(set.value, "auto") == 0) {
        struct stat st;
        int dir = ef_facts_path(f, full, sizeof(full), "/var/log/journal") == 0 &&
                  stat(full, &st) == 0 && S_ISDIR(st.st_mode);
        ef_fact_bool(f, "log.journald.persistent", dir, "%s; /var/log/journal %s", ev,
                     dir ? "exists" : "does not exist, so the journal is kept in /run only");
    } else {
        ef_fact_bool(f, "log.journald.persistent", 0, "%s", ev);
    }
}
