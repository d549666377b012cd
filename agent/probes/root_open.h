/* SPDX-License-Identifier: EUPL-1.2 */
/* Files under a scan root, never outside it. `scan --root DIR` judges an image or a mounted
 * disk: its symbolic links are resolved inside DIR (an absolute target is taken relative to
 * DIR, ".." stops at DIR), so a link /etc/shadow -> /etc/shadow in the image never reads the
 * host's file. Reads take regular files only, opened non-blocking: a FIFO, device or socket
 * is never read (a FIFO would block the scan forever).
 *
 * rel is an absolute path within the root ("/etc/passwd"). Errors are negative errnos, plus
 * -EF_ENOTREG for what is not a regular file (ef_root_errtext gives the text of both). On the
 * live system (root "/") paths resolve as usual. Probes and rules use these; see also
 * probe_util.h, whose file helpers are built on them. */
#ifndef EFTERLEV_AGENT_ROOT_OPEN_H
#define EFTERLEV_AGENT_ROOT_OPEN_H

#include <stddef.h>
#include <sys/stat.h>

/* Not an errno: "not a regular file" (a FIFO, device, socket). Larger than any errno. */
#define EF_ENOTREG 4096

/* open(2) of rel under root with flags (O_CLOEXEC added), resolving symbolic links inside
 * root: openat2(RESOLVE_IN_ROOT) on Linux >= 5.6, else a careful resolver (below). Returns
 * the descriptor or a negative errno (-ELOOP for too many links). */
int ef_root_open(const char *root, const char *rel, int flags);

/* stat(2) of rel under root, following links inside root. Returns 0 or a negative errno. */
int ef_root_stat(const char *root, const char *rel, struct stat *st);

/* Read the regular file rel under root, at most max bytes, into *buf (NUL-terminated, the
 * caller frees it) and its length into *len (may be NULL). Returns 0, or a negative errno
 * (-EISDIR, -EF_ENOTREG, -EFBIG, ...); *buf is NULL then. */
int ef_root_read(const char *root, const char *rel, size_t max, char **buf, size_t *len);

/* Why a root file operation failed: "permission denied (run as root)", "not a regular file
 * (a FIFO, device or socket is never read)", else strerror. err positive or negative. */
const char *ef_root_errtext(int err);

/* The resolver used when openat2 is not available (ENOSYS: Linux < 5.6, or a seccomp filter
 * refusing it): walks rel a component at a time from a descriptor of root with O_PATH |
 * O_NOFOLLOW, reads each link and restarts from root on an absolute target; the last
 * component is opened with O_NOFOLLOW. Exposed for its tests. */
int ef_root_open_walk(int rootfd, const char *rel, int flags);

#endif
