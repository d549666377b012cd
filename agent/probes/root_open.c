/* SPDX-License-Identifier: EUPL-1.2 */
/* Opening files under a scan root without leaving it (see root_open.h). */
#include "root_open.h"

#include "efterlev/util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define LINKS_MAX 40 /* as the kernel's MAXSYMLINKS */
#define DEPTH_MAX 256

static int is_live(const char *root)
{
    return strcmp(root, "/") == 0;
}

/* rel without its leading slashes; "." for the root itself. */
static const char *inner(const char *rel)
{
    while (*rel == '/')
        rel++;
    return *rel ? rel : ".";
}

int ef_root_open_walk(int rootfd, const char *rel, int flags)
{
    /* The directories walked so far: stack[0] is the root (not ours to close). */
    int stack[DEPTH_MAX];
    size_t depth = 0;
    int links = 0, rc = -ENOENT;
    char rest[PATH_MAX * 2];

    stack[0] = rootfd;
    if (strlcpy(rest, rel, sizeof(rest)) >= sizeof(rest))
        return -ENAMETOOLONG;
    char *p = rest;
    for (;;) {
        while (*p == '/')
            p++;
        if (*p == '\0') { /* rel named a directory walked to ("/", "a/b/") */
            rc = openat(stack[depth], ".", flags | O_CLOEXEC);
            rc = rc < 0 ? -errno : rc;
            break;
        }
        char *end = strchr(p, '/');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        char name[NAME_MAX + 1];
        if (n > NAME_MAX) {
            rc = -ENAMETOOLONG;
            break;
        }
        memcpy(name, p, n);
        name[n] = '\0';
        p += n;
        while (*p == '/')
            p++;
        int last = *p == '\0';
        if (strcmp(name, ".") == 0) {
            continue;
        }
        if (strcmp(name, "..") == 0) { /* never above the root */
            if (depth > 0)
                close(stack[depth--]);
            continue;
        }
        int fd = openat(stack[depth], name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0) {
            rc = -errno;
            break;
        }
        struct stat st;
        if (fstat(fd, &st) != 0) {
            rc = -errno;
            close(fd);
            break;
        }
        if (S_ISLNK(st.st_mode)) {
            char target[PATH_MAX];
            ssize_t tl = readlinkat(fd, "", target, sizeof(target) - 1);
            close(fd);
            if (tl < 0) {
                rc = -errno;
                break;
            }
            if (++links > LINKS_MAX) {
                rc = -ELOOP;
                break;
            }
            target[tl] = '\0';
            /* the target, then what was left after the link */
            char next[PATH_MAX * 2];
            int k = snprintf(next, sizeof(next), "%s/%s", target, p);
            if (k < 0 || (size_t)k >= sizeof(next)) {
                rc = -ENAMETOOLONG;
                break;
            }
            memcpy(rest, next, (size_t)k + 1);
            p = rest;
            if (target[0] == '/') /* absolute: from the root again */
                while (depth > 0)
                    close(stack[depth--]);
            continue;
        }
        if (last) {
            close(fd);
            /* O_NOFOLLOW: a link swapped in since the check fails (ELOOP), never followed */
            rc = openat(stack[depth], name, flags | O_NOFOLLOW | O_CLOEXEC);
            rc = rc < 0 ? -errno : rc;
            break;
        }
        if (!S_ISDIR(st.st_mode)) {
            close(fd);
            rc = -ENOTDIR;
            break;
        }
        if (depth + 1 == DEPTH_MAX) {
            close(fd);
            rc = -ENAMETOOLONG;
            break;
        }
        stack[++depth] = fd;
    }
    while (depth > 0)
        close(stack[depth--]);
    return rc;
}

int ef_root_open(const char *root, const char *rel, int flags)
{
    if (is_live(root)) {
        int fd = open(rel, flags | O_CLOEXEC);
        return fd < 0 ? -errno : fd;
    }
    int rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (rootfd < 0)
        return -errno;
    struct open_how how = {.flags = (unsigned long long)(flags | O_CLOEXEC),
                           .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS};
    long fd;
    int tries = 0;
    do /* EAGAIN: a rename under the root raced the resolution; try again */
        fd = syscall(SYS_openat2, rootfd, inner(rel), &how, sizeof(how));
    while (fd < 0 && errno == EAGAIN && ++tries < 3);
    if (fd < 0 && (errno == ENOSYS || errno == EPERM)) /* Linux < 5.6, or a seccomp filter */
        fd = ef_root_open_walk(rootfd, rel, flags);
    else if (fd < 0)
        fd = -errno;
    close(rootfd);
    return (int)fd;
}

int ef_root_stat(const char *root, const char *rel, struct stat *st)
{
    if (is_live(root))
        return stat(rel, st) == 0 ? 0 : -errno;
    int fd = ef_root_open(root, rel, O_PATH);
    if (fd < 0)
        return fd;
    int rc = fstat(fd, st) == 0 ? 0 : -errno;
    close(fd);
    return rc;
}

int ef_root_read(const char *root, const char *rel, size_t max, char **buf, size_t *len)
{
    *buf = NULL;
    if (len)
        *len = 0;
    /* O_NONBLOCK: opening a FIFO does not wait for a writer; fstat then refuses it. */
    int fd = ef_root_open(root, rel, O_RDONLY | O_NONBLOCK | O_NOCTTY);
    if (fd < 0)
        return fd;
    struct stat st;
    int rc;
    if (fstat(fd, &st) != 0)
        rc = -errno;
    else if (S_ISDIR(st.st_mode))
        rc = -EISDIR;
    else if (!S_ISREG(st.st_mode))
        rc = -EF_ENOTREG;
    else
        rc = ef_read_fd(fd, max, buf, len);
    close(fd);
    return rc;
}

const char *ef_root_errtext(int err)
{
    if (err < 0)
        err = -err;
    if (err == EACCES || err == EPERM)
        return "permission denied (run as root)";
    if (err == EF_ENOTREG)
        return "not a regular file (a FIFO, device or socket is never read)";
    if (err == ELOOP)
        return "too many levels of symbolic links (links resolve inside the scan root)";
    return strerror(err);
}
