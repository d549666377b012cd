/* Log files probe: permissions under ROOT/var/log, walked without following symlinks.
 *   log.files.world_writable_count: files, and directories without the sticky bit, that
 *     anyone may write;
 *   log.files.sensitive_world_readable_count: authentication and system logs (auth.log*,
 *     secure*, syslog*, messages*, sudo.log*, everything under audit/) and journal files
 *     (*.journal, *.journal~) that anyone may read. */
#include "facts.h"

#include "efterlev/util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEPTH_MAX 8
#define ENTRIES_MAX 200000
#define SHOWN_MAX 3

struct tally {
    long long ww, wr;
    char ww_list[512], wr_list[512];
    size_t entries;
    int truncated;
};

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
    if (ef_facts_path(f, path, sizeof(path), "/var/log") == 0)
        fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        const char *why = errno == EACCES ? "permission denied (run as root)" : strerror(errno);
        ef_fact_unknown(f, "log.files.world_writable_count", "cannot read /var/log: %s", why);
        ef_fact_unknown(f, "log.files.sensitive_world_readable_count", "cannot read /var/log: %s",
                        why);
        return;
    }
    walk(fd, "", 0, &t);
    if (t.truncated) {
        ef_fact_unknown(f, "log.files.world_writable_count",
                        "more than %d entries under /var/log: walk stopped", ENTRIES_MAX);
        ef_fact_unknown(f, "log.files.sensitive_world_readable_count",
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
}
