/* SPDX-License-Identifier: EUPL-1.2 */
/* efterlev/os.h on Linux (and other POSIX systems): mostly the system calls themselves. */
#include "efterlev/os.h"
#include "efterlev/util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int ef_open_read(const char *path)
{
    return open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
}

int ef_stat(const char *path, struct stat *st)
{
    return stat(path, st);
}

int ef_rename(const char *from, const char *to)
{
    return rename(from, to);
}

int ef_unlink(const char *path)
{
    return unlink(path);
}

int ef_mkdir(const char *path, mode_t mode)
{
    return mkdir(path, mode);
}

int ef_abspath(const char *path, char *out, size_t outlen)
{
    char *p = realpath(path, NULL);
    if (p == NULL)
        return -1;
    size_t n = strlcpy(out, p, outlen);
    free(p);
    if (n >= outlen) {
        errno = ENAMETOOLONG;
        return -1;
    }
    return 0;
}

struct ef_dir {
    DIR *d;
};

struct ef_dir *ef_dir_open(const char *path)
{
    struct ef_dir *d = malloc(sizeof(*d));
    if (d == NULL)
        return NULL;
    if ((d->d = opendir(path)) == NULL) {
        int e = errno;
        free(d);
        errno = e;
        return NULL;
    }
    return d;
}

const char *ef_dir_next(struct ef_dir *d)
{
    struct dirent *de;
    while ((de = readdir(d->d)) != NULL)
        if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
            return de->d_name;
    return NULL;
}

void ef_dir_close(struct ef_dir *d)
{
    if (d == NULL)
        return;
    closedir(d->d);
    free(d);
}

int ef_os_private_dir(const char *dir, char *err, size_t errlen)
{
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        int e = errno ? errno : ENOTDIR;
        snprintf(err, errlen, "%s is not a directory", dir);
        return -e;
    }
    /* An existing folder of another user (root's /var/lib/efterlev for a normal user): say
     * so now rather than fail on the first file inside. */
    if (access(dir, R_OK | W_OK | X_OK) != 0) {
        int e = errno;
        snprintf(err, errlen, "cannot write %s: %s", dir, strerror(e));
        return -e;
    }
    if ((st.st_mode & 077) != 0 && chmod(dir, 0700) != 0) {
        int e = errno;
        snprintf(err, errlen, "cannot restrict %s to mode 0700: %s", dir, strerror(e));
        return -e;
    }
    return 0;
}

int ef_os_is_admin(void)
{
    return geteuid() == 0;
}

int ef_os_file_untrusted(int fd, const char *path, char *why, size_t whylen)
{
    struct stat st;
    if (fstat(fd, &st) != 0) {
        snprintf(why, whylen, "refusing %s: cannot stat it: %s", path, strerror(errno));
        return 1;
    }
    if (st.st_mode & (S_IWGRP | S_IWOTH)) {
        snprintf(why, whylen,
                 "refusing %s: it is writable by %s (mode %04o), so others could change what "
                 "the agent runs as root; fix: chmod go-w %s",
                 path, (st.st_mode & S_IWOTH) ? "others" : "its group",
                 (unsigned)(st.st_mode & 07777), path);
        return 1;
    }
    if (st.st_uid != 0 && st.st_uid != geteuid()) {
        snprintf(why, whylen,
                 "refusing %s: it is owned by uid %lu, neither root nor this user, who could "
                 "change what the agent runs; fix: chown root %s",
                 path, (unsigned long)st.st_uid, path);
        return 1;
    }
    return 0;
}

int ef_os_key_exposed(const char *path, char *why, size_t whylen)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        snprintf(why, whylen, "cannot read key %s: %s", path, strerror(errno));
        return -1;
    }
    if (st.st_mode & 077) {
        snprintf(why, whylen, "key %s is accessible by group or others (mode %04o); chmod 600 it",
                 path, (unsigned)(st.st_mode & 07777));
        return 1;
    }
    return 0;
}

static int write_all(int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

int ef_fsync_dir_of(const char *path)
{
    char copy[PATH_MAX];
    if (strlcpy(copy, path, sizeof(copy)) >= sizeof(copy)) {
        errno = ENAMETOOLONG;
        return -1;
    }
    int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

int ef_write_file_atomic(const char *path, const void *data, size_t len, mode_t mode, char *err,
                         size_t errlen)
{
    char tmp[PATH_MAX];
    if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp.XXXXXX", path) >= sizeof(tmp)) {
        snprintf(err, errlen, "path too long: %s", path);
        return -1;
    }
    int fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "cannot create %s: %s", tmp, strerror(errno));
        return -1;
    }
    const char *step = "write";
    if (fchmod(fd, mode) != 0) {
        step = "chmod";
        goto fail;
    }
    if (write_all(fd, data, len) != 0)
        goto fail;
    step = "fsync";
    if (fsync(fd) != 0)
        goto fail;
    step = "close";
    if (close(fd) != 0) {
        fd = -1;
        goto fail;
    }
    fd = -1;
    step = "rename";
    if (rename(tmp, path) != 0)
        goto fail;
    /* The rename is durable only once the directory entry is. */
    if (ef_fsync_dir_of(path) != 0) {
        snprintf(err, errlen, "cannot fsync directory of %s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
fail:;
    int saved = errno;
    if (fd >= 0)
        close(fd);
    unlink(tmp);
    snprintf(err, errlen, "cannot write %s (%s): %s", path, step, strerror(saved));
    errno = saved;
    return -1;
}

void ef_gmtime(time_t t, struct tm *out)
{
    gmtime_r(&t, out);
}

time_t ef_timegm(struct tm *tm)
{
    return timegm(tm);
}

uint64_t ef_mono_us(void)
{
    struct timespec ts;

    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
        return 0;
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

void ef_sleep_ms(unsigned ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}
