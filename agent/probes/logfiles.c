/* SPDX-License-Identifier: EUPL-1.2 */
/* Log files probe: permissions under ROOT/var/log, walked without following symlinks.
 *   log.files.world_writable_count: files, and directories without the sticky bit, that
 *     anyone may write;
 *   log.files.sensitive_world_readable_count: authentication and system logs (auth.log*,
 *     secure*, syslog*, messages*, sudo.log*, everything under audit/) and journal files
 *     (*.journal, *.journal~) that anyone may read;
 *   log.files.sensitive_bad_owner_count: those authentication, system and audit logs (not
 *     journal files) owned by someone other than root or syslog (names from the root's own
 *     /etc/passwd; uid 0 is always root);
 *   log.files.audit_dir_mode: the permission bits of /var/log/audit (0 when absent);
 *   log.files.audit_file_modes: the permission bits of the files under it, together (OR;
 *     0 when none), the policy compares both with mode_max;
 *   log.files.journal_bad_group_count: journal files whose group is not systemd-journal
 *     (from the root's own /etc/group). */
#include "facts.h"
#include "probe_util.h"

#include "efterlev/util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEPTH_MAX 8
#define ENTRIES_MAX 200000
#define SHOWN_MAX 3

struct tally {
    long long ww, wr, owner, audit_files, audit_first, jgroup;
    unsigned audit_dir_mode, audit_modes; /* the directory's; the files' together */
    int audit_dir_seen;
    char ww_list[512], wr_list[512], owner_list[512], audit_list[512], jgroup_list[512];
    size_t entries;
    int truncated;
    uid_t ok_uid[2]; /* root and syslog by name; (uid_t)-1 when absent */
    gid_t journal_gid;
    int have_journal_gid;
};

/* The id of name in a passwd or group file under the root (field 3); -1 when absent. */
static long long id_of(struct ef_facts *f, const char *file, const char *name)
{
    char *buf, *line;
    long long id = -1;
    size_t nl = strlen(name), len, pos = 0;

    if (ef_pu_read(f, file, EF_PU_FILE_MAX, &buf, &len) != 0)
        return -1;
    while (id < 0 && (line = ef_pu_next_line(buf, len, &pos, NULL)) != NULL) {
        char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        if (c2 && (size_t)(c1 - line) == nl && strncmp(line, name, nl) == 0)
            id = strtoll(c2 + 1, NULL, 10);
    }
    free(buf);
    return id;
}

static int is_journal_file(const char *name)
{
    size_t n = strlen(name);
    return (n > 8 && strcmp(name + n - 8, ".journal") == 0) ||
           (n > 9 && strcmp(name + n - 9, ".journal~") == 0);
}

static int sensitive(const char *rel, const char *name)
{
    static const char *const prefixes[] = {"auth.log", "secure", "syslog", "messages", "sudo.log"};
    size_t n = strlen(name);

    if (strncmp(rel, "audit/", 6) == 0)
        return 1;
    for (size_t i = 0; i < EF_ARRAY_LEN(prefixes); i++)
        if (strncmp(name, prefixes[i], strlen(prefixes[i])) == 0)
            return 1;
    return (n > 8 && strcmp(name + n - 8, ".journal") == 0) ||
           (n > 9 && strcmp(name + n - 9, ".journal~") == 0);
}

static void note(char *list, size_t cap, long long count, const char *rel)
{
    if (count > SHOWN_MAX)
        return;
    if (list[0])
        ef_text_append(list, cap, ", ", 2);
    ef_text_append(list, cap, "/var/log/", 9);
    ef_text_append(list, cap, rel, strlen(rel));
}

static void walk(int dfd, const char *prefix, int depth, struct tally *t)
{
    DIR *d = fdopendir(dfd);
    struct dirent *de;

    if (d == NULL) {
        close(dfd);
        return;
    }
    while ((de = readdir(d)) != NULL) {
        struct stat st;
        char rel[PATH_MAX];
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        if (++t->entries > ENTRIES_MAX) {
            t->truncated = 1;
            break;
        }
        if ((size_t)snprintf(rel, sizeof(rel), "%s%s", prefix, de->d_name) >= sizeof(rel))
            continue;
        if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
            continue;
        if (S_ISREG(st.st_mode) || (S_ISDIR(st.st_mode) && !(st.st_mode & S_ISVTX))) {
            if (st.st_mode & S_IWOTH)
                note(t->ww_list, sizeof(t->ww_list), ++t->ww, rel);
        }
        if (S_ISREG(st.st_mode) && (st.st_mode & S_IROTH) && sensitive(rel, de->d_name))
            note(t->wr_list, sizeof(t->wr_list), ++t->wr, rel);
        if (S_ISREG(st.st_mode) && sensitive(rel, de->d_name) && !is_journal_file(de->d_name) &&
            st.st_uid != 0 && st.st_uid != t->ok_uid[0] && st.st_uid != t->ok_uid[1])
            note(t->owner_list, sizeof(t->owner_list), ++t->owner, rel);
        if (S_ISDIR(st.st_mode) && strcmp(rel, "audit") == 0) {
            t->audit_dir_seen = 1;
            t->audit_dir_mode = st.st_mode & 07777;
        }
        if (S_ISREG(st.st_mode) && strncmp(rel, "audit/", 6) == 0) {
            unsigned m = st.st_mode & 07777;

            t->audit_files++;
            /* The evidence names the first file to bring each bit into the union. */
            if (m & ~t->audit_modes) {
                char one[PATH_MAX + 8];

                snprintf(one, sizeof(one), "%s %04o", rel, m);
                note(t->audit_list, sizeof(t->audit_list), ++t->audit_first, one);
            }
            t->audit_modes |= m;
        }
        if (S_ISREG(st.st_mode) && is_journal_file(de->d_name) &&
            (!t->have_journal_gid || st.st_gid != t->journal_gid))
            note(t->jgroup_list, sizeof(t->jgroup_list), ++t->jgroup, rel);
        if (S_ISDIR(st.st_mode) && depth < DEPTH_MAX) {
            int sub = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            char subprefix[PATH_MAX];
            if (sub < 0)
                continue;
            if ((size_t)snprintf(subprefix, sizeof(subprefix), "%s/", rel) >= sizeof(subprefix)) {
                close(sub);
                continue;
            }
            walk(sub, subprefix, depth + 1, t);
        }
    }
    closedir(d);
}

void ef_probe_logfiles(struct ef_facts *f)
{
    char path[PATH_MAX];
    struct tally t;
    int fd = -1;

    memset(&t, 0, sizeof(t));
    long long id = id_of(f, "/etc/passwd", "root");
    t.ok_uid[0] = id < 0 ? (uid_t)-1 : (uid_t)id;
    id = id_of(f, "/etc/passwd", "syslog");
    t.ok_uid[1] = id < 0 ? (uid_t)-1 : (uid_t)id;
    id = id_of(f, "/etc/group", "systemd-journal");
    t.have_journal_gid = id >= 0;
    t.journal_gid = id < 0 ? 0 : (gid_t)id;
    if (ef_facts_path(f, path, sizeof(path), "/var/log") == 0)
        fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        const char *why = errno == EACCES ? "permission denied (run as root)" : strerror(errno);
        ef_fact_unknown(f, "log.files.world_writable_count", "cannot read /var/log: %s", why);
        ef_fact_unknown(f, "log.files.sensitive_world_readable_count", "cannot read /var/log: %s",
                        why);
        ef_fact_unknown(f, "log.files.sensitive_bad_owner_count", "cannot read /var/log: %s", why);
        ef_fact_unknown(f, "log.files.audit_dir_mode", "cannot read /var/log: %s", why);
        ef_fact_unknown(f, "log.files.audit_file_modes", "cannot read /var/log: %s", why);
        ef_fact_unknown(f, "log.files.journal_bad_group_count", "cannot read /var/log: %s", why);
        return;
    }
    walk(fd, "", 0, &t);
    if (t.truncated) {
        ef_fact_unknown(f, "log.files.world_writable_count",
                        "more than %d entries under /var/log: walk stopped", ENTRIES_MAX);
        ef_fact_unknown(f, "log.files.sensitive_world_readable_count",
                        "more than %d entries under /var/log: walk stopped", ENTRIES_MAX);
        ef_fact_unknown(f, "log.files.sensitive_bad_owner_count",
                        "more than %d entries under /var/log: walk stopped", ENTRIES_MAX);
        ef_fact_unknown(f, "log.files.audit_dir_mode",
                        "more than %d entries under /var/log: walk stopped", ENTRIES_MAX);
        ef_fact_unknown(f, "log.files.audit_file_modes",
                        "more than %d entries under /var/log: walk stopped", ENTRIES_MAX);
        ef_fact_unknown(f, "log.files.journal_bad_group_count",
                        "more than %d entries under /var/log: walk stopped", ENTRIES_MAX);
        return;
    }
    if (t.ww)
        ef_fact_int(f, "log.files.world_writable_count", t.ww, "world-writable: %s%s", t.ww_list,
                    t.ww > SHOWN_MAX ? ", ..." : "");
    else
        ef_fact_int(f, "log.files.world_writable_count", 0,
                    "nothing under /var/log is world-writable (%zu entries)", t.entries);
    if (t.wr)
        ef_fact_int(f, "log.files.sensitive_world_readable_count", t.wr, "world-readable: %s%s",
                    t.wr_list, t.wr > SHOWN_MAX ? ", ..." : "");
    else
        ef_fact_int(f, "log.files.sensitive_world_readable_count", 0,
                    "no sensitive log under /var/log is world-readable");
    if (t.owner)
        ef_fact_int(f, "log.files.sensitive_bad_owner_count", t.owner,
                    "not owned by root or syslog: %s%s", t.owner_list,
                    t.owner > SHOWN_MAX ? ", ..." : "");
    else
        ef_fact_int(f, "log.files.sensitive_bad_owner_count", 0,
                    "sensitive logs under /var/log are owned by root or syslog");
    if (t.audit_dir_seen)
        ef_fact_int(f, "log.files.audit_dir_mode", t.audit_dir_mode, "/var/log/audit mode %04o",
                    t.audit_dir_mode);
    else
        ef_fact_int(f, "log.files.audit_dir_mode", 0, "no /var/log/audit");
    if (t.audit_files)
        ef_fact_int(f, "log.files.audit_file_modes", t.audit_modes,
                    "%lld files under /var/log/audit, modes together %04o; first with each bit: "
                    "%s%s",
                    t.audit_files, t.audit_modes, t.audit_list,
                    t.audit_first > SHOWN_MAX ? ", ..." : "");
    else
        ef_fact_int(f, "log.files.audit_file_modes", 0, "no files under /var/log/audit");
    if (t.jgroup)
        ef_fact_int(f, "log.files.journal_bad_group_count", t.jgroup,
                    "journal files not in group systemd-journal%s: %s%s",
                    t.have_journal_gid ? "" : " (no such group in /etc/group)", t.jgroup_list,
                    t.jgroup > SHOWN_MAX ? ", ..." : "");
    else
        ef_fact_int(f, "log.files.journal_bad_group_count", 0,
                    "journal files are in group systemd-journal (or there are none)");
}
