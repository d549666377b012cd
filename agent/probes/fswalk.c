/* SPDX-License-Identifier: EUPL-1.2 */
/* The one file-system walk: world-writable regular files, and world-writable directories
 * without the sticky bit, on local file systems.
 *
 * On the live system ("/") every mount of /proc/self/mountinfo with a local disk file
 * system type (ext2/3/4, xfs, btrfs, f2fs, jfs, reiserfs, nilfs2, bcachefs, zfs, vfat,
 * exfat, ntfs, ntfs3, overlay) is walked: symbolic links are not followed and no walk
 * crosses into another mount (st_dev). Pseudo and memory file systems (proc, sysfs,
 * devtmpfs, tmpfs, cgroup, ...), network file systems (nfs, cifs, fuse, ...) and anything
 * mounted under /proc, /sys, /dev or /run are skipped. Under another scan root only that
 * root is walked.
 *
 * The walk is depth first in byte order of names (each directory's entries sorted), so that
 * its order is the same from run to run and a walk can stop at an entry and resume there.
 *
 * Two budgets. `scan` by hand: 2000 ms of wall clock. The timed `efterlev-agent run` (the
 * only scan allowed to write the agent's state): 120000 ms, walked in a thread of its own at
 * idle priority (nice 19 and SCHED_IDLE for the CPU, IOPRIO_CLASS_IDLE for the disk, set on
 * that thread only, so the agent's other work and the caller keep theirs: nothing to
 * restore), and resumable: when the budget runs out, the entry to walk next and what this
 * pass has found so far are kept in STATE/fswalk-cursor.json (written atomically); the next
 * run goes on from there, so every host reaches a verdict after a few runs. A pass that
 * reaches the end reports everything it found over its runs and removes the cursor; the
 * next run starts a new pass. EFTERLEV_FS_WALK_BUDGET_MS (0..600000) replaces either
 * budget.
 *
 * A walk that runs out of time, or meets directories it cannot read (not root), is
 * incomplete: what it found is reported, but finding nothing makes the counts unknown,
 * never 0.
 *
 * Facts: fs.world_writable.files, fs.world_writable.dirs (counts), fs.world_writable.truncated
 * (the walk, or this pass of resumed walks, has not reached the end). */
#include "facts.h"
#include "probe_util.h"
#include "test_hooks.h"

#include "efterlev/log.h"
#include "efterlev/util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define BUDGET_SCAN_MS 2000
#define BUDGET_RUN_MS 120000
#define SHOWN_MAX 5
#define MOUNTS_MAX 256
#define MOUNTINFO_MAX (4 * 1024 * 1024)
#define DEPTH_MAX 256
#define DIR_ENTRIES_MAX (4 * 1024 * 1024)
#define CURSOR_FILE "fswalk-cursor.json"
#define CURSOR_MAX (64 * 1024)

/* ioprio_set(2): glibc has no wrapper */
#define IOPRIO_CLASS_SHIFT 13
#define IOPRIO_CLASS_IDLE 3
#define IOPRIO_WHO_PROCESS 1

/* The state of the one walk in progress (one probe runs at a time). */
static struct walk {
    long long deadline_ms;
    unsigned long long limit; /* entries, test hook; 0: none */
    size_t prefix;            /* bytes of the scan root to strip from shown paths */
    unsigned long long entries;
    long long files, dirs;
    long long unreadable;
    int truncated;
    char files_list[512], dirs_list[512], unreadable_at[256];
    char path[PATH_MAX];    /* the entry being walked */
    size_t base;            /* bytes of path that are the mount point */
    dev_t dev;              /* the mount's device: no crossing */
    char stop_at[PATH_MAX]; /* where the walk stopped: the entry to walk next, below base */
} w;

static unsigned long long test_limit;

void ef_fswalk_set_entry_limit(unsigned long long entries)
{
    test_limit = entries;
}

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

static void unreadable(const char *path)
{
    if (w.unreadable++ == 0)
        strlcpy(w.unreadable_at, *(path + w.prefix) ? path + w.prefix : "/",
                sizeof(w.unreadable_at));
}

/* 1 when the budget is spent: before walking the next entry */
static int out_of_budget(void)
{
    if (w.limit)
        return w.entries >= w.limit;
    return (w.entries & 255) == 1 && now_ms() >= w.deadline_ms;
}

static void judge(const struct stat *st)
{
    if (S_ISREG(st->st_mode) && (st->st_mode & S_IWOTH))
        note(w.files_list, sizeof(w.files_list), ++w.files, w.path);
    else if (S_ISDIR(st->st_mode) && (st->st_mode & S_IWOTH) && !(st->st_mode & S_ISVTX))
        note(w.dirs_list, sizeof(w.dirs_list), ++w.dirs, w.path);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The directory open as dfd, whose path is w.path (len bytes), already judged. cur: the
 * entry to resume at, relative to this directory ("a/b/c"), or NULL to walk it all.
 * Returns 1 when the budget stopped the walk (w.stop_at set), else 0. */
static int walk_dir(int dfd, size_t len, const char *cur, int depth)
{
    int fd2 = dup(dfd);
    DIR *d = fd2 >= 0 ? fdopendir(fd2) : NULL;
    if (d == NULL) {
        if (fd2 >= 0)
            close(fd2);
        unreadable(w.path);
        return 0;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    errno = 0;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 64;
            char **nn = ncap <= DIR_ENTRIES_MAX ? realloc(names, ncap * sizeof(*nn)) : NULL;
            if (nn == NULL)
                break;
            names = nn;
            cap = ncap;
        }
        if ((names[n] = strdup(e->d_name)) == NULL)
            break;
        n++;
    }
    if (e != NULL || errno != 0)
        unreadable(w.path); /* too many entries, out of memory or a read error */
    closedir(d);
    if (n > 1)
        qsort(names, n, sizeof(*names), by_name);

    /* the resume point's first component, and what lies below it */
    char first[NAME_MAX + 1] = "";
    const char *rest = NULL;
    if (cur != NULL) {
        const char *slash = strchr(cur, '/');
        size_t fl = slash ? (size_t)(slash - cur) : strlen(cur);
        if (fl > NAME_MAX)
            fl = NAME_MAX;
        memcpy(first, cur, fl);
        first[fl] = '\0';
        rest = slash && slash[1] ? slash + 1 : NULL;
    }
    int stopped = 0;
    for (size_t i = 0; i < n && !stopped; i++) {
        const char *name = names[i];
        int c = cur ? strcmp(name, first) : 1;
        if (c < 0)
            continue; /* walked by an earlier run of this pass */
        size_t nl = strlen(name);
        if (len + 1 + nl >= sizeof(w.path)) {
            unreadable(w.path);
            continue;
        }
        w.path[len] = '/';
        memcpy(w.path + len + 1, name, nl + 1);
        int resume_below = c == 0 && rest != NULL; /* name itself was walked already */
        cur = NULL;
        if (!resume_below && out_of_budget()) {
            strlcpy(w.stop_at, w.path + w.base + (w.path[w.base] == '/'), sizeof(w.stop_at));
            w.truncated = 1;
            stopped = 1;
            break;
        }
        struct stat st;
        if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
            if (!resume_below) {
                w.entries++;
                unreadable(w.path);
            }
            continue;
        }
        if (!resume_below) {
            w.entries++;
            judge(&st);
        }
        if (!S_ISDIR(st.st_mode) || st.st_dev != w.dev)
            continue;
        if (depth >= DEPTH_MAX) {
            unreadable(w.path);
            continue;
        }
        int sub = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (sub < 0) {
            unreadable(w.path);
            continue;
        }
        stopped = walk_dir(sub, len + 1 + nl, resume_below ? rest : NULL, depth + 1);
        close(sub);
    }
    w.path[len] = '\0';
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return stopped;
}

/* Walk one mount point (the root itself judged unless resuming inside it). 0 walked,
 * 1 stopped by the budget, -1 cannot open (errno). */
static int walk_mount(const char *point, const char *cur)
{
    size_t len = strlen(point);
    while (len > 1 && point[len - 1] == '/')
        len--;
    if (len >= sizeof(w.path)) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(w.path, point, len);
    w.path[len] = '\0';
    w.base = len;
    int fd = open(w.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        errno = e;
        return -1;
    }
    w.dev = st.st_dev;
    if (cur == NULL) {
        w.entries++;
        judge(&st);
    }
    if (len == 1 && w.path[0] == '/')
        len = 0; /* "/" + "/" + name: no double slash */
    int stopped = walk_dir(fd, len, cur, 0);
    close(fd);
    return stopped;
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

static long long budget_ms(int timed)
{
    const char *s = getenv("EFTERLEV_FS_WALK_BUDGET_MS");
    long long dflt = timed ? BUDGET_RUN_MS : BUDGET_SCAN_MS;
    char *end;
    if (s == NULL || *s == '\0')
        return dflt;
    long long v = strtoll(s, &end, 10);
    return *end != '\0' || v < 0 || v > 600000 ? dflt : v;
}

/* ---- the cursor: where a timed walk resumes, and what its pass found so far ---- */

struct cursor {
    int valid;
    char root[PATH_MAX], mount[PATH_MAX], at[PATH_MAX];
    long long started, runs;
    json_int_t entries, files, dirs, unreadable;
    char files_list[512], dirs_list[512], unreadable_at[256];
};

static int cursor_path(struct ef_facts *f, char *out, size_t outlen)
{
    const char *dir = ef_facts_state_dir(f);
    return dir != NULL && (size_t)snprintf(out, outlen, "%s/%s", dir, CURSOR_FILE) < outlen ? 0
                                                                                            : -1;
}

static int jstr(json_t *o, const char *k, char *out, size_t outlen)
{
    json_t *v = json_object_get(o, k);
    return json_is_string(v) && strlcpy(out, json_string_value(v), outlen) < outlen ? 0 : -1;
}

static int jint(json_t *o, const char *k, json_int_t *out)
{
    json_t *v = json_object_get(o, k);
    if (!json_is_integer(v) || json_integer_value(v) < 0)
        return -1;
    *out = json_integer_value(v);
    return 0;
}

/* The cursor of this root's unfinished pass; invalid (start a new pass) when there is
 * none, or it is damaged or of another root. */
static void cursor_load(struct ef_facts *f, const char *root, struct cursor *c)
{
    char path[PATH_MAX], *text = NULL;
    size_t len;
    memset(c, 0, sizeof(*c));
    if (cursor_path(f, path, sizeof(path)) != 0 || ef_read_file(path, CURSOR_MAX, &text, &len) != 0)
        return;
    json_t *o = json_loadb(text, len, 0, NULL);
    free(text);
    json_int_t started, runs;
    if (json_is_object(o) && jstr(o, "root", c->root, sizeof(c->root)) == 0 &&
        jstr(o, "mount", c->mount, sizeof(c->mount)) == 0 &&
        jstr(o, "at", c->at, sizeof(c->at)) == 0 && c->at[0] != '\0' && c->at[0] != '/' &&
        jint(o, "started", &started) == 0 && jint(o, "runs", &runs) == 0 &&
        jint(o, "entries", &c->entries) == 0 && jint(o, "files", &c->files) == 0 &&
        jint(o, "dirs", &c->dirs) == 0 && jint(o, "unreadable", &c->unreadable) == 0 &&
        jstr(o, "files_list", c->files_list, sizeof(c->files_list)) == 0 &&
        jstr(o, "dirs_list", c->dirs_list, sizeof(c->dirs_list)) == 0 &&
        jstr(o, "unreadable_at", c->unreadable_at, sizeof(c->unreadable_at)) == 0) {
        c->started = started;
        c->runs = runs;
        c->valid = strcmp(c->root, root) == 0;
    } else {
        ef_warn("%s is damaged; the file-system walk starts a new pass", path);
    }
    json_decref(o);
}

static void cursor_save(struct ef_facts *f, const char *root, const char *mount,
                        const struct cursor *prev)
{
    char path[PATH_MAX], err[256];
    if (cursor_path(f, path, sizeof(path)) != 0)
        return;
    json_t *o = json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:s, s:s, s:s}", "root",
                          root, "mount", mount, "at", w.stop_at, "started",
                          (json_int_t)(prev->valid ? prev->started : ef_facts_time(f)), "runs",
                          (json_int_t)(prev->valid ? prev->runs + 1 : 1), "entries",
                          (json_int_t)w.entries, "files", (json_int_t)w.files, "dirs",
                          (json_int_t)w.dirs, "unreadable", (json_int_t)w.unreadable, "files_list",
                          w.files_list, "dirs_list", w.dirs_list, "unreadable_at", w.unreadable_at);
    char *text = o ? json_dumps(o, JSON_SORT_KEYS | JSON_COMPACT) : NULL;
    if (text == NULL || ef_write_file_atomic(path, text, strlen(text), 0600, err, sizeof(err)) != 0)
        ef_warn("cannot keep the file-system walk's cursor: %s", text ? err : "out of memory");
    free(text);
    json_decref(o);
}

static void cursor_clear(struct ef_facts *f)
{
    char path[PATH_MAX];
    if (cursor_path(f, path, sizeof(path)) == 0 && unlink(path) != 0 && errno != ENOENT)
        ef_warn("cannot remove %s: %s", path, strerror(errno));
}

/* ---- the walk, in the caller's thread or in one at idle priority ---- */

struct job {
    struct mounts *m;
    size_t start;    /* the mount to begin with */
    const char *cur; /* where to resume in it, or NULL */
    size_t walked, stopped_mount;
    int first_err;
    int idle; /* 1: the thread runs at idle CPU and I/O priority */
};

static void walk_all(struct job *j)
{
    for (size_t i = j->start; i < j->m->n && !w.truncated; i++) {
        if (j->m->point[i] == NULL)
            continue;
        int rc = walk_mount(j->m->point[i], i == j->start ? j->cur : NULL);
        if (rc < 0) {
            if (j->first_err == 0)
                j->first_err = errno;
        } else {
            j->walked++;
        }
        if (rc == 1)
            j->stopped_mount = i;
    }
}

static void *idle_thread(void *arg)
{
    struct job *j = arg;
    pid_t tid = (pid_t)syscall(SYS_gettid);
    /* this thread only (Linux keeps nice, policy and I/O priority per thread) */
    int ok = setpriority(PRIO_PROCESS, (id_t)tid, 19) == 0;
#ifdef SCHED_IDLE
    struct sched_param sp = {0};
    ok &= pthread_setschedparam(pthread_self(), SCHED_IDLE, &sp) == 0;
#endif
    ok &= syscall(SYS_ioprio_set, IOPRIO_WHO_PROCESS, tid,
                  IOPRIO_CLASS_IDLE << IOPRIO_CLASS_SHIFT) == 0;
    j->idle = ok;
    walk_all(j);
    return NULL;
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

/* An earlier run's shown paths first, then this run's (while fewer than 5 were shown). */
static void merge_list(char *list, size_t cap, const char *earlier, long long earlier_n)
{
    char now[512];
    if (earlier_n == 0)
        return;
    strlcpy(now, list, sizeof(now));
    strlcpy(list, earlier, cap);
    if (now[0] && earlier_n < SHOWN_MAX)
        ef_pu_list_add(list, cap, now);
}

void ef_probe_fswalk(struct ef_facts *f)
{
    struct mounts *m = calloc(1, sizeof(*m));
    const char *root = ef_facts_root(f);
    /* the timed run: it alone may write the state; there the walk resumes */
    int timed = ef_facts_state_writable(f) && ef_facts_state_dir(f) != NULL;
    long long budget = budget_ms(timed), t0 = now_ms();

    if (m == NULL) {
        ef_fact_unknown(f, "fs.world_writable.files", "out of memory");
        ef_fact_unknown(f, "fs.world_writable.dirs", "out of memory");
        ef_fact_unknown(f, "fs.world_writable.truncated", "out of memory");
        return;
    }
    memset(&w, 0, sizeof(w));
    w.deadline_ms = t0 + budget;
    w.limit = test_limit;
    if (ef_pu_is_live(f)) {
        live_mounts(m);
    } else {
        m->point[m->n++] = strdup(root);
        w.prefix = strlen(root);
        while (w.prefix > 0 && root[w.prefix - 1] == '/')
            w.prefix--;
    }

    struct cursor c = {0};
    struct job j = {.m = m};
    if (timed) {
        cursor_load(f, root, &c);
        for (size_t i = 0; c.valid && i < m->n; i++)
            if (m->point[i] && strcmp(m->point[i], c.mount) == 0) {
                j.start = i;
                j.cur = c.at;
                break;
            }
        if (j.cur == NULL)
            c.valid = 0; /* its mount is gone: a new pass */
        pthread_t th;
        if (pthread_create(&th, NULL, idle_thread, &j) == 0)
            pthread_join(th, NULL);
        else
            walk_all(&j);
    } else {
        walk_all(&j);
    }
    const char *stopped_mount =
        w.truncated && m->point[j.stopped_mount] ? m->point[j.stopped_mount] : "";

    long long took = now_ms() - t0;
    unsigned long long run_entries = w.entries;
    char pass[256] = "", why[400] = "", summary[768];
    if (timed && c.valid) {
        /* what the earlier runs of this pass found counts too */
        merge_list(w.files_list, sizeof(w.files_list), c.files_list, c.files);
        merge_list(w.dirs_list, sizeof(w.dirs_list), c.dirs_list, c.dirs);
        if (c.unreadable && !w.unreadable)
            strlcpy(w.unreadable_at, c.unreadable_at, sizeof(w.unreadable_at));
        w.files += c.files;
        w.dirs += c.dirs;
        w.unreadable += c.unreadable;
        w.entries += (unsigned long long)c.entries;
        char when[32];
        ef_time_rfc3339((time_t)c.started, when);
        snprintf(pass, sizeof(pass), "; a pass over %lld runs since %s, resumed at %.80s%s%.80s",
                 c.runs + 1, when, c.mount, strcmp(c.mount, "/") == 0 ? "" : "/", c.at);
    }
    if (timed) {
        if (w.truncated)
            cursor_save(f, root, stopped_mount, &c);
        else if (j.walked > 0)
            cursor_clear(f);
    }
    const char *prio = !timed   ? ""
                       : j.idle ? ", at idle CPU and I/O priority"
                                : ", at normal priority (idle refused)";
    if (ef_pu_is_live(f) && timed)
        snprintf(summary, sizeof(summary),
                 "%llu entries on %zu file system(s) (%s), %llu in this run's %lld ms%s%s",
                 w.entries, j.walked, m->shown, run_entries, took, prio, pass);
    else if (ef_pu_is_live(f))
        snprintf(summary, sizeof(summary), "%llu entries on %zu file system(s) (%s) in %lld ms",
                 w.entries, j.walked, m->shown, took);
    else if (timed)
        snprintf(summary, sizeof(summary), "%llu entries, %llu in this run's %lld ms%s%s",
                 w.entries, run_entries, took, prio, pass);
    else
        snprintf(summary, sizeof(summary), "%llu entries in %lld ms", w.entries, took);
    for (size_t i = 0; i < m->n; i++)
        free(m->point[i]);
    free(m);
    if (j.walked == 0) {
        const char *e = j.first_err == ENOENT ? "not found"
                        : j.first_err         ? ef_pu_errtext(j.first_err)
                                              : "no local file system";
        ef_fact_unknown(f, "fs.world_writable.files", "cannot walk: %s", e);
        ef_fact_unknown(f, "fs.world_writable.dirs", "cannot walk: %s", e);
        ef_fact_unknown(f, "fs.world_writable.truncated", "cannot walk: %s", e);
        return;
    }
    if (w.truncated && timed)
        snprintf(why, sizeof(why),
                 "the walk stopped at its %lld ms budget; the next run resumes at %.200s", budget,
                 w.stop_at);
    else if (w.truncated)
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
