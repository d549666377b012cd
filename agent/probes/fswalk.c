/* SPDX-License-Identifier: EUPL-1.2 */
/* The one file-system walk: world-writable regular files, and world-writable directories
 * without the sticky bit, on local file systems.
 *
 * On the live system ("/") every mount of /proc/self/mountinfo with a local disk file
 * system type (ext2/3/4, xfs, btrfs, f2fs, jfs, reiserfs, nilfs2, bcachefs, zfs, vfat,
 * exfat, ntfs, ntfs3, overlay) is walked with nftw(FTW_PHYS | FTW_MOUNT): symbolic links
 * are not followed and no walk crosses into another mount. Pseudo and memory file systems
 * (proc, sysfs, devtmpfs, tmpfs, cgroup, ...), network file systems (nfs, cifs, fuse, ...)
 * and anything mounted under /proc, /sys, /dev or /run are skipped. Under another scan root
 * only that root is walked.
 *
 * The walk has a wall-clock budget: 2000 ms, or EFTERLEV_FS_WALK_BUDGET_MS (0..600000)
 * when set. A walk that runs out of time, or meets directories it cannot read (not root),
 * is incomplete: what it found is reported, but finding nothing makes the counts unknown,
 * never 0.
 *
 * Facts: fs.world_writable.files, fs.world_writable.dirs (counts), fs.world_writable.truncated
 * (the walk ran out of time). */
#include "facts.h"
#include "probe_util.h"

#include "efterlev/util.h"

#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define BUDGET_DEFAULT_MS 2000
#define SHOWN_MAX 5
#define MOUNTS_MAX 256
#define MOUNTINFO_MAX (4 * 1024 * 1024)

/* nftw has no user pointer: the state of the one walk in progress. */
static struct walk {
    long long deadline_ms;
    size_t prefix; /* bytes of the scan root to strip from shown paths */
    unsigned long long entries;
    long long files, dirs;
    long long unreadable;
    int truncated;
    char files_list[512], dirs_list[512], unreadable_at[256];
} w;

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void note(char *list, size_t cap, long long count, const char *path)
{
    const char *shown = path + w.prefix;
    if (count > SHOWN_MAX)
        return;
    ef_pu_list_add(list, cap, *shown ? shown : "/");
}

static int visit(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)ftw;
    if ((++w.entries & 255) == 1 && now_ms() >= w.deadline_ms) {
        w.truncated = 1;
        return FTW_STOP;
    }
    if (flag == FTW_DNR || flag == FTW_NS) {
        if (w.unreadable++ == 0)
            strlcpy(w.unreadable_at, path + w.prefix, sizeof(w.unreadable_at));
        return FTW_CONTINUE;
    }
    if (flag == FTW_F && S_ISREG(st->st_mode) && (st->st_mode & S_IWOTH))
        note(w.files_list, sizeof(w.files_list), ++w.files, path);
    else if (flag == FTW_D && (st->st_mode & S_IWOTH) && !(st->st_mode & S_ISVTX))
        note(w.dirs_list, sizeof(w.dirs_list), ++w.dirs, path);
    return FTW_CONTINUE;
}

static int local_fstype(const char *t)
{
    static const char *const local[] = {"ext2",  "ext3",     "ext4",   "xfs",      "btrfs", "f2fs",
                                        "jfs",   "reiserfs", "nilfs2", "bcachefs", "zfs",   "vfat",
                                        "exfat", "ntfs",     "ntfs3",  "overlay"};
    for (size_t i = 0; i < EF_ARRAY_LEN(local); i++)
        if (strcmp(t, local[i]) == 0)
            return 1;
    return 0;
}

static int under(const char *mp, const char *dir)
{
    size_t n = strlen(dir);
    return strncmp(mp, dir, n) == 0 && (mp[n] == '/' || mp[n] == '\0');
}

struct mounts {
    char *point[MOUNTS_MAX];
    char key[MOUNTS_MAX][96]; /* "MAJ:MIN ROOT": walked once */
    size_t n;
    char shown[256];
};

static void live_mounts(struct mounts *m)
{
    char *text = NULL;
    if (ef_read_file("/proc/self/mountinfo", MOUNTINFO_MAX, &text, NULL) != 0) {
        m->point[m->n++] = strdup("/");
        return;
    }
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line && m->n < MOUNTS_MAX;
         line = strtok_r(NULL, "\n", &save)) {
        char devno[32], root[PATH_MAX], point[PATH_MAX], fstype[64];
        char *dash = strstr(line, " - ");
        if (dash == NULL || sscanf(line, "%*s %*s %31s %4095s %4095s", devno, root, point) != 3 ||
            sscanf(dash + 3, "%63s", fstype) != 1)
            continue;
        ef_pu_mount_unescape(root);
        ef_pu_mount_unescape(point);
        if (!local_fstype(fstype) || under(point, "/proc") || under(point, "/sys") ||
            under(point, "/dev") || under(point, "/run"))
            continue;
        char key[96];
        snprintf(key, sizeof(key), "%s %.60s", devno, root);
        size_t j;
        for (j = 0; j < m->n; j++)
            if (strcmp(m->key[j], key) == 0)
                break;
        if (j < m->n)
            continue;
        if ((m->point[m->n] = strdup(point)) == NULL)
            continue;
        strlcpy(m->key[m->n], key, sizeof(m->key[0]));
        ef_pu_list_add(m->shown, sizeof(m->shown), point);
        m->n++;
    }
    free(text);
}

static long long budget_ms(void)
{
    const char *s = getenv("EFTERLEV_FS_WALK_BUDGET_MS");
    char *end;
    if (s == NULL || *s == '\0')
        return BUDGET_DEFAULT_MS;
    long long v = strtoll(s, &end, 10);
    return *end != '\0' || v < 0 || v > 600000 ? BUDGET_DEFAULT_MS : v;
}

static void set_count(struct ef_facts *f, const char *name, long long count, const char *list,
                      const char *what, const char *summary, int incomplete, const char *why)
{
    if (count > 0)
        ef_fact_int(f, name, count, "%lld %s%s: %s%s; %s", count, what,
                    incomplete ? " (at least)" : "", list, count > SHOWN_MAX ? ", ..." : "",
                    summary);
    else if (incomplete)
        ef_fact_unknown(f, name, "no %s found, but %s; %s", what, why, summary);
    else
        ef_fact_int(f, name, 0, "no %s; %s", what, summary);
}

void ef_probe_fswalk(struct ef_facts *f)
{
    struct mounts *m = calloc(1, sizeof(*m));
    const char *root = ef_facts_root(f);
    long long budget = budget_ms(), t0 = now_ms();

    if (m == NULL) {
        ef_fact_unknown(f, "fs.world_writable.files", "out of memory");
        ef_fact_unknown(f, "fs.world_writable.dirs", "out of memory");
        ef_fact_unknown(f, "fs.world_writable.truncated", "out of memory");
        return;
    }
    memset(&w, 0, sizeof(w));
    w.deadline_ms = t0 + budget;
    if (ef_pu_is_live(f)) {
        live_mounts(m);
    } else {
        m->point[m->n++] = strdup(root);
        w.prefix = strlen(root);
        while (w.prefix > 0 && root[w.prefix - 1] == '/')
            w.prefix--;
    }
    size_t walked = 0;
    int first_err = 0;
    for (size_t i = 0; i < m->n && !w.truncated; i++) {
        if (m->point[i] == NULL)
            continue;
        int rc = nftw(m->point[i], visit, 16, FTW_PHYS | FTW_MOUNT | FTW_ACTIONRETVAL);
        if (rc == -1 && first_err == 0)
            first_err = errno;
        else
            walked++;
    }
    for (size_t i = 0; i < m->n; i++)
        free(m->point[i]);

    long long took = now_ms() - t0;
    char summary[512], why[400] = "";
    if (ef_pu_is_live(f))
        snprintf(summary, sizeof(summary), "%llu entries on %zu file system(s) (%s) in %lld ms",
                 w.entries, walked, m->shown, took);
    else
        snprintf(summary, sizeof(summary), "%llu entries in %lld ms", w.entries, took);
    free(m);
    if (walked == 0) {
        const char *e = first_err == ENOENT ? "not found"
                        : first_err         ? ef_pu_errtext(first_err)
                                            : "no local file system";
        ef_fact_unknown(f, "fs.world_writable.files", "cannot walk: %s", e);
        ef_fact_unknown(f, "fs.world_writable.dirs", "cannot walk: %s", e);
        ef_fact_unknown(f, "fs.world_writable.truncated", "cannot walk: %s", e);
        return;
    }
    if (w.truncated)
        snprintf(why, sizeof(why), "the walk stopped at its %lld ms budget", budget);
    else if (w.unreadable)
        snprintf(why, sizeof(why), "%lld entries could not be read (first: %.120s; run as root)",
                 w.unreadable, w.unreadable_at[0] ? w.unreadable_at : "/");
    int incomplete = w.truncated || w.unreadable;
    set_count(f, "fs.world_writable.files", w.files, w.files_list, "world-writable file(s)",
              summary, incomplete, why);
    set_count(f, "fs.world_writable.dirs", w.dirs, w.dirs_list,
              "world-writable director(ies) without the sticky bit", summary, incomplete, why);
    ef_fact_bool(f, "fs.world_writable.truncated", w.truncated, "%s%s", summary,
                 w.truncated ? " (stopped at the time budget)" : "");
}
