/* SPDX-License-Identifier: EUPL-1.2 */
/* Desktop probe: is there a graphical login, and GNOME's system-wide screen lock and
 * automount settings with their locks.
 *
 * desktop.graphical: a display manager is enabled (the display-manager.service alias in
 * /etc/systemd/system, or gdm, gdm3, sddm, lightdm, lxdm, xdm, slim enabled) and the default
 * target (default.target in /etc, /run, /usr/lib or /lib systemd/system) is
 * graphical.target. Debian's stock default.target is graphical.target even on servers
 * without a GUI, so the target alone does not count.
 *
 * GNOME settings come from the system dconf databases of the user profile
 * (ROOT/etc/dconf/profile/user, lines "system-db:NAME", first = highest priority). Each
 * database is read from its keyfiles ROOT/etc/dconf/db/NAME.d/ * (sorted by name, a later
 * file overriding an earlier one) and its locks ROOT/etc/dconf/db/NAME.d/locks/ *. A lock
 * in a database stops every database above it, including the user's own, from changing the
 * key; without a lock users can override whatever the system sets. Keys no database sets
 * take GNOME's defaults (idle-delay 300, lock-enabled true, lock-delay 0, automount true,
 * automount-open true). The per-user databases (binary) are not read. The facts are unknown
 * when the desktop is not GNOME (no /usr/bin/gnome-shell). */
#include "facts.h"
#include "probes/systemd_units.h"
#include "probe_util.h"

#include "efterlev/util.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DBS_MAX 16
#define FILES_MAX 256
#define KEYFILE_MAX (1024 * 1024)

enum { K_IDLE, K_LOCK_ENABLED, K_LOCK_DELAY, K_AUTOMOUNT, K_AUTOMOUNT_OPEN, K_COUNT };

static const struct {
    const char *group, *name, *def;
} keys[K_COUNT] = {
    [K_IDLE] = {"org/gnome/desktop/session", "idle-delay", "300"},
    [K_LOCK_ENABLED] = {"org/gnome/desktop/screensaver", "lock-enabled", "true"},
    [K_LOCK_DELAY] = {"org/gnome/desktop/screensaver", "lock-delay", "0"},
    [K_AUTOMOUNT] = {"org/gnome/desktop/media-handling", "automount", "true"},
    [K_AUTOMOUNT_OPEN] = {"org/gnome/desktop/media-handling", "automount-open", "true"},
};

struct setting {
    int set;
    char value[64];
    char where[160]; /* "FILE line N" */
};

struct db {
    char name[64];
    struct setting s[K_COUNT];
    int locked[K_COUNT];
    char lock_where[K_COUNT][128];
};

struct dconf {
    struct db db[DBS_MAX];
    int n;
};

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Sorted names of the regular files in dir (under root); count, or -1. */
static int list_files(struct ef_facts *f, const char *dir, char **names, int max)
{
    char path[PATH_MAX];
    int n = 0;

    if (ef_facts_path(f, path, sizeof(path), dir) != 0)
        return -1;
    DIR *d = opendir(path);
    if (d == NULL)
        return -1;
    struct dirent *de;
    while (n < max && (de = readdir(d)) != NULL) {
        char full[PATH_MAX];
        struct stat st;
        if (de->d_name[0] == '.')
            continue;
        if ((size_t)snprintf(full, sizeof(full), "%s/%s", path, de->d_name) >= sizeof(full) ||
            stat(full, &st) != 0 || !S_ISREG(st.st_mode))
            continue;
        if ((names[n] = strdup(de->d_name)) != NULL)
            n++;
    }
    closedir(d);
    qsort(names, (size_t)n, sizeof(*names), cmp_str);
    return n;
}

struct keyfile {
    const char *shown;
    struct db *db;
};

/* Whether a key file's group header "[group]" names group (text after the ']' ignored). */
static int in_group(const char *header, const char *group)
{
    size_t gl = strlen(group);
    return header[0] == '[' && strncmp(header + 1, group, gl) == 0 && header[1 + gl] == ']';
}

/* One "key=value" line of a key file. */
static void keyfile_line(const char *group, char *k, char *v, size_t lineno, void *ctx)
{
    struct keyfile *kf = ctx;
    for (int i = 0; i < K_COUNT; i++) {
        if (!in_group(group, keys[i].group) || strcmp(k, keys[i].name) != 0)
            continue;
        struct setting *st = &kf->db->s[i];
        st->set = 1;
        st->value[0] = '\0';
        ef_text_append(st->value, sizeof(st->value), v, strlen(v));
        snprintf(st->where, sizeof(st->where), "%.120s line %zu", kf->shown, lineno);
    }
}

static void parse_keyfile(struct ef_facts *f, const char *shown, struct db *db)
{
    struct keyfile kf = {shown, db};
    ef_pu_ini_each(f, shown, KEYFILE_MAX, keyfile_line, &kf);
}

static void parse_locks(struct ef_facts *f, const char *shown, struct db *db)
{
    char *text, *line;
    size_t len, pos = 0;

    if (ef_pu_read(f, shown, KEYFILE_MAX, &text, &len) != 0)
        return;
    while ((line = ef_pu_next_line(text, len, &pos, NULL)) != NULL) {
        char *s = ef_pu_trim(line);
        if (*s != '/')
            continue;
        size_t n = strlen(s);
        for (int i = 0; i < K_COUNT; i++) {
            char full[256];
            snprintf(full, sizeof(full), "/%s/%s", keys[i].group, keys[i].name);
            /* a key, or a whole path ending in '/' */
            if (strcmp(s, full) == 0 || (s[n - 1] == '/' && strncmp(full, s, n) == 0)) {
                db->locked[i] = 1;
                snprintf(db->lock_where[i], sizeof(db->lock_where[i]), "%.120s", shown);
            }
        }
    }
    free(text);
}

/* parse each regular file of dir, in name order. */
static void parse_files(struct ef_facts *f, const char *dir, struct db *db,
                        void (*parse)(struct ef_facts *, const char *, struct db *))
{
    char *names[FILES_MAX];
    int n = list_files(f, dir, names, FILES_MAX);

    for (int i = 0; i < n; i++) {
        char shown[PATH_MAX];
        snprintf(shown, sizeof(shown), "%s/%s", dir, names[i]);
        parse(f, shown, db);
        free(names[i]);
    }
}

static void read_db(struct ef_facts *f, struct db *db)
{
    char dir[128], sub[160];

    snprintf(dir, sizeof(dir), "/etc/dconf/db/%s.d", db->name);
    parse_files(f, dir, db, parse_keyfile);
    snprintf(sub, sizeof(sub), "%s/locks", dir);
    parse_files(f, sub, db, parse_locks);
}

/* The system databases of the user profile; -errno when the profile cannot be read. */
static int read_profile(struct ef_facts *f, struct dconf *dc)
{
    char *text, *line;
    size_t len, pos = 0;
    int rc = ef_pu_read(f, "/etc/dconf/profile/user", KEYFILE_MAX, &text, &len);

    if (rc != 0)
        return rc;
    while (dc->n < DBS_MAX && (line = ef_pu_next_line(text, len, &pos, NULL)) != NULL) {
        char *s = ef_pu_trim(line);
        if (strncmp(s, "system-db:", 10) != 0)
            continue;
        s = ef_pu_trim(s + 10);
        if (*s == '\0' || strchr(s, '/') != NULL || strlen(s) >= sizeof(dc->db[0].name))
            continue;
        strlcpy(dc->db[dc->n].name, s, sizeof(dc->db[0].name));
        read_db(f, &dc->db[dc->n]);
        dc->n++;
    }
    free(text);
    return 0;
}

struct effective {
    const char *value;
    char where[200];
    int locked;
    char lock_where[128];
};

static void effective(const struct dconf *dc, int k, struct effective *e)
{
    int lowest_lock = -1;

    for (int i = 0; i < dc->n; i++)
        if (dc->db[i].locked[k])
            lowest_lock = i;
    e->locked = lowest_lock >= 0;
    e->lock_where[0] = '\0';
    if (e->locked)
        strlcpy(e->lock_where, dc->db[lowest_lock].lock_where[k], sizeof(e->lock_where));
    for (int i = lowest_lock < 0 ? 0 : lowest_lock; i < dc->n; i++) {
        if (dc->db[i].s[k].set) {
            e->value = dc->db[i].s[k].value;
            snprintf(e->where, sizeof(e->where), "%s", dc->db[i].s[k].where);
            return;
        }
    }
    e->value = keys[k].def;
    snprintf(e->where, sizeof(e->where), "not set system-wide (GNOME default)");
}

/* "uint32 900", "900" -> 900; -1 when not a number. */
static long long gv_int(const char *v)
{
    const char *sp = strrchr(v, ' ');
    char *end;
    const char *num = sp ? sp + 1 : v;
    long long n = strtoll(num, &end, 10);
    return end == num || *end != '\0' ? -1 : n;
}

static void set_int(struct ef_facts *f, const char *fact, int k, const struct effective *e)
{
    long long n = gv_int(e->value);
    if (n < 0)
        ef_fact_unknown(f, fact, "%s=%s (%s): not a number", keys[k].name, e->value, e->where);
    else
        ef_fact_int(f, fact, n, "%s=%s (%s)", keys[k].name, e->value, e->where);
}

static void set_bool(struct ef_facts *f, const char *fact, int k, const struct effective *e)
{
    if (strcmp(e->value, "true") == 0 || strcmp(e->value, "false") == 0)
        ef_fact_bool(f, fact, e->value[0] == 't', "%s=%s (%s)", keys[k].name, e->value, e->where);
    else
        ef_fact_unknown(f, fact, "%s=%s (%s): not true or false", keys[k].name, e->value, e->where);
}

static void set_locked(struct ef_facts *f, const char *fact, const int *ks, int nk,
                       const struct effective *e)
{
    char ev[EF_EVIDENCE_MAX + 1] = "", missing[256] = "";
    int all = 1;

    for (int i = 0; i < nk; i++) {
        const struct effective *x = &e[ks[i]];
        if (!x->locked) {
            all = 0;
            ef_pu_list_add(missing, sizeof(missing), keys[ks[i]].name);
        } else if (strstr(ev, x->lock_where) == NULL) {
            ef_pu_list_add(ev, sizeof(ev), x->lock_where);
        }
    }
    if (all)
        ef_fact_bool(f, fact, 1, "locked in %s", ev);
    else
        ef_fact_bool(f, fact, 0, "not locked system-wide (users can change it): %s", missing);
}

/* The target default.target points to, by the unit search path; "" when none. */
static void default_target(struct ef_facts *f, char *out, size_t outlen, char *where,
                           size_t wherelen)
{
    static const char *const dirs[] = {"/etc/systemd/system", "/run/systemd/system",
                                       "/usr/lib/systemd/system", "/lib/systemd/system"};
    out[0] = '\0';
    for (size_t i = 0; i < EF_ARRAY_LEN(dirs); i++) {
        char rel[128], path[PATH_MAX], target[PATH_MAX];
        snprintf(rel, sizeof(rel), "%s/default.target", dirs[i]);
        if (ef_facts_path(f, path, sizeof(path), rel) != 0)
            continue;
        ssize_t n = readlink(path, target, sizeof(target) - 1);
        if (n <= 0)
            continue;
        target[n] = '\0';
        const char *base = strrchr(target, '/');
        strlcpy(out, base ? base + 1 : target, outlen);
        strlcpy(where, rel, wherelen);
        return;
    }
}

static void probe_graphical(struct ef_facts *f)
{
    static const char *const dms[] = {
        "display-manager.service", "gdm.service",  "gdm3.service", "sddm.service",
        "lightdm.service",         "lxdm.service", "xdm.service",  "slim.service"};
    char target[128], where[160] = "", dm[128] = "", ev[512];
    const char *root = ef_facts_root(f);

    for (size_t i = 0; i < EF_ARRAY_LEN(dms) && dm[0] == '\0'; i++) {
        if (i == 0) {
            /* the alias link a display manager's package installs */
            char path[PATH_MAX], link[PATH_MAX];
            if (ef_facts_path(f, path, sizeof(path),
                              "/etc/systemd/system/display-manager.service") != 0)
                continue;
            ssize_t n = readlink(path, link, sizeof(link) - 1);
            if (n > 0) {
                link[n] = '\0';
                if (strcmp(link, "/dev/null") != 0) {
                    const char *b = strrchr(link, '/');
                    snprintf(dm, sizeof(dm), "display-manager.service -> %.100s", b ? b + 1 : link);
                }
            }
            continue;
        }
        if (ef_unit_enabled(root, dms[i], ev, sizeof(ev)))
            snprintf(dm, sizeof(dm), "%s enabled", dms[i]);
    }
    default_target(f, target, sizeof(target), where, sizeof(where));
    if (dm[0] == '\0') {
        ef_fact_bool(f, "desktop.graphical", 0,
                     "no display manager enabled (gdm, gdm3, sddm, lightdm, lxdm, xdm, slim)");
        return;
    }
    if (strcmp(target, "graphical.target") != 0) {
        ef_fact_bool(f, "desktop.graphical", 0, "%s, but the default target is %s", dm,
                     target[0] ? target : "not set");
        return;
    }
    ef_fact_bool(f, "desktop.graphical", 1, "%s; default target graphical.target (%s)", dm, where);
}

static const char *const gnome_facts[] = {
    "desktop.gnome.idle_delay",       "desktop.gnome.lock_enabled",
    "desktop.gnome.lock_delay",       "desktop.gnome.screen_lock_locked",
    "desktop.gnome.automount",        "desktop.gnome.automount_open",
    "desktop.gnome.automount_locked",
};

void ef_probe_desktop(struct ef_facts *f)
{
    char path[PATH_MAX];
    struct stat st;

    probe_graphical(f);
    if (ef_facts_path(f, path, sizeof(path), "/usr/bin/gnome-shell") != 0 || stat(path, &st) != 0) {
        for (size_t i = 0; i < EF_ARRAY_LEN(gnome_facts); i++)
            ef_fact_unknown(f, gnome_facts[i],
                            "GNOME is not installed (no /usr/bin/gnome-shell): only GNOME's "
                            "dconf settings are evaluated");
        return;
    }
    struct dconf *dc = calloc(1, sizeof(*dc));
    if (dc == NULL) {
        for (size_t i = 0; i < EF_ARRAY_LEN(gnome_facts); i++)
            ef_fact_unknown(f, gnome_facts[i], "out of memory");
        return;
    }
    int rc = read_profile(f, dc);
    if (rc < 0 && rc != -ENOENT) {
        for (size_t i = 0; i < EF_ARRAY_LEN(gnome_facts); i++)
            ef_fact_unknown(f, gnome_facts[i], "cannot read /etc/dconf/profile/user: %s",
                            ef_pu_errtext(rc));
        free(dc);
        return;
    }
    struct effective e[K_COUNT];
    for (int k = 0; k < K_COUNT; k++)
        effective(dc, k, &e[k]);
    set_int(f, "desktop.gnome.idle_delay", K_IDLE, &e[K_IDLE]);
    set_bool(f, "desktop.gnome.lock_enabled", K_LOCK_ENABLED, &e[K_LOCK_ENABLED]);
    set_int(f, "desktop.gnome.lock_delay", K_LOCK_DELAY, &e[K_LOCK_DELAY]);
    set_bool(f, "desktop.gnome.automount", K_AUTOMOUNT, &e[K_AUTOMOUNT]);
    set_bool(f, "desktop.gnome.automount_open", K_AUTOMOUNT_OPEN, &e[K_AUTOMOUNT_OPEN]);
    static const int lock_keys[] = {K_IDLE, K_LOCK_ENABLED, K_LOCK_DELAY};
    static const int mount_keys[] = {K_AUTOMOUNT, K_AUTOMOUNT_OPEN};
    if (rc == -ENOENT) {
        ef_fact_bool(f, "desktop.gnome.screen_lock_locked", 0,
                     "no /etc/dconf/profile/user: no system dconf database, nothing is locked");
        ef_fact_bool(f, "desktop.gnome.automount_locked", 0,
                     "no /etc/dconf/profile/user: no system dconf database, nothing is locked");
    } else {
        set_locked(f, "desktop.gnome.screen_lock_locked", lock_keys, 3, e);
        set_locked(f, "desktop.gnome.automount_locked", mount_keys, 2, e);
    }
    free(dc);
}
