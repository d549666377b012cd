/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * The operating system, as lib/ and the agent see it: every call whose spelling differs
 * between Linux and Windows, declared once here and written once per system
 * (lib/os_posix.c, lib/os_win32.c). Paths are UTF-8 on both systems; the Windows side
 * converts them to UTF-16 and calls the wide APIs, so a folder named "C:\Program
 * Files\Åsa" works. Code above this layer uses these instead of open, stat, rename, mkdir,
 * unlink, opendir, gmtime_r and timegm.
 */
#ifndef EFTERLEV_OS_H
#define EFTERLEV_OS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>

/* The system's own path separator ('/' is accepted on Windows too). */
#ifdef _WIN32
#define EF_OS_SEP '\\'
#else
#define EF_OS_SEP '/'
#endif

/* open(2) for reading, binary and not inherited by child processes. fd or -1 (errno). */
int ef_open_read(const char *path);
/* stat(2). On Windows st_uid is 0 and the permission bits are what the C runtime makes
 * of them. */
int ef_stat(const char *path, struct stat *st);
/* rename(2), replacing an existing `to` (Windows: MoveFileEx with REPLACE_EXISTING and
 * WRITE_THROUGH). 0 or -1 (errno). */
int ef_rename(const char *from, const char *to);
int ef_unlink(const char *path);
int ef_mkdir(const char *path, mode_t mode);
/* An absolute, normalised form of path (realpath(3), GetFullPathNameW). 0 or -1 (errno). */
int ef_abspath(const char *path, char *out, size_t outlen);

/* Directory listing: names other than "." and "..", in the system's order. */
struct ef_dir;
struct ef_dir *ef_dir_open(const char *path); /* NULL (errno) */
const char *ef_dir_next(struct ef_dir *d);    /* NULL at the end */
void ef_dir_close(struct ef_dir *d);

/* Make the existing folder dir usable and private: this process can write it, and only
 * the system's administrators (root; LocalSystem and Administrators) and this process's
 * user can read it; what is created inside inherits that. Linux: access(2), then chmod
 * 0700 when it is wider. Windows: a protected DACL (no inherited entries) granting full
 * control to LocalSystem and Administrators (and to this user when it is neither: a by-hand
 * --state-dir of a normal user), inherited by files and folders.
 * 0, or a negative errno with err set. */
int ef_os_private_dir(const char *dir, char *err, size_t errlen);

/* Whether the process may change the system: root on Linux; on Windows a member of the
 * Administrators group with an elevated token, or LocalSystem. */
int ef_os_is_admin(void);
/* Whether the file (open as fd, path for messages) could be changed by someone other than
 * the system's administrators and the caller. Linux: group- or world-writable, or owned by
 * another user than root and the caller. Windows: its DACL grants write, delete or
 * permission changes to any SID but LocalSystem, Administrators, TrustedInstaller, the
 * owner rights of an administrator and the caller. Returns 1 with why ("refusing FILE:
 * ...; fix: ..."), else 0. */
int ef_os_file_untrusted(int fd, const char *path, char *why, size_t whylen);

/* Whether a private key file can be read by anyone but the administrators and the caller
 * (Linux: any group or other permission bit). 0 no, 1 yes (why says who and the fix), -1
 * the file cannot be examined (why says why; errno ENOENT when it does not exist). */
int ef_os_key_exposed(const char *path, char *why, size_t whylen);

/* UTC broken-down time and back (gmtime_r, timegm). */
void ef_gmtime(time_t t, struct tm *out);
time_t ef_timegm(struct tm *tm);
/* A monotonic clock in microseconds (0 when the system has none). */
uint64_t ef_mono_us(void);
void ef_sleep_ms(unsigned ms);

#endif
