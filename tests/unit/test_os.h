/* SPDX-License-Identifier: EUPL-1.2 */
/* What the unit tests do to files that differs between Linux and Windows (the same tests
 * run on both: tests/unit/windows.cmake): a temporary folder and its removal, and file
 * permissions that let other users change or read a file (POSIX mode bits; on Windows an
 * access-allowed entry for Everyone, S-1-1-0, in the file's DACL). */
#ifndef EFTERLEV_TEST_OS_H
#define EFTERLEV_TEST_OS_H

#include "efterlev/os.h"
#include "efterlev/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef _WIN32
#include <windows.h>

#include <aclapi.h>

/* The fix a refusal names, per system (lib/os_*.c). */
#define T_FIX_UNTRUSTED "icacls"
#define T_FIX_KEY "icacls"
#define T_OTHERS "S-1-1-0"

static inline int t_tmpdir(char *out, size_t outlen, const char *name)
{
    wchar_t w[MAX_PATH];
    char base[MAX_PATH * 3];
    unsigned r = (unsigned)GetTickCount() ^ (unsigned)GetCurrentProcessId() << 16;
    if (GetTempPathW(MAX_PATH, w) == 0 ||
        WideCharToMultiByte(CP_UTF8, 0, w, -1, base, (int)sizeof(base), NULL, NULL) <= 0)
        return -1;
    for (int i = 0; i < 100; i++) {
        snprintf(out, outlen, "%sefterlev-%s-%08x", base, name, r + (unsigned)i);
        if (ef_mkdir(out, 0700) == 0)
            return 0;
    }
    return -1;
}

static inline int t_rmtree(const char *dir)
{
    struct ef_dir *d = ef_dir_open(dir);
    const char *n;
    char p[1024];
    struct stat st;
    while (d != NULL && (n = ef_dir_next(d)) != NULL) {
        snprintf(p, sizeof(p), "%s\\%s", dir, n);
        if (ef_stat(p, &st) == 0 && S_ISDIR(st.st_mode))
            t_rmtree(p);
        else
            ef_unlink(p);
    }
    ef_dir_close(d);
    return RemoveDirectoryA(dir) ? 0 : -1;
}

/* Grant Everyone write (write != 0) or read access to path. */
static inline int t_open_to_others(const char *path, int write)
{
    PACL old = NULL, acl = NULL;
    PSECURITY_DESCRIPTOR sd = NULL;
    BYTE everyone[SECURITY_MAX_SID_SIZE];
    DWORD n = sizeof(everyone);
    if (GetNamedSecurityInfoA(path, SE_FILE_OBJECT, DACL_SECURITY_INFORMATION, NULL, NULL, &old,
                              NULL, &sd) != ERROR_SUCCESS ||
        !CreateWellKnownSid(WinWorldSid, NULL, everyone, &n))
        return -1;
    EXPLICIT_ACCESS_A ea;
    memset(&ea, 0, sizeof(ea));
    ea.grfAccessPermissions = write ? (GENERIC_READ | GENERIC_WRITE) : GENERIC_READ;
    ea.grfAccessMode = GRANT_ACCESS;
    ea.Trustee.TrusteeForm = TRUSTEE_IS_SID;
    ea.Trustee.ptstrName = (LPSTR)everyone;
    int rc = SetEntriesInAclA(1, &ea, old, &acl) == ERROR_SUCCESS &&
                     SetNamedSecurityInfoA((LPSTR)path, SE_FILE_OBJECT, DACL_SECURITY_INFORMATION,
                                           NULL, NULL, acl, NULL) == ERROR_SUCCESS
                 ? 0
                 : -1;
    LocalFree(acl);
    LocalFree(sd);
    return rc;
}

/* Only the administrators and this user (as a private file the agent writes). */
static inline int t_private(const char *path)
{
    char *text = NULL;
    size_t len = 0;
    char err[256];
    if (ef_read_file(path, 1 << 20, &text, &len) != 0)
        return -1;
    int rc = ef_write_file_atomic(path, text, len, 0600, err, sizeof(err));
    free(text);
    return rc;
}

#else
#include <sys/stat.h>
#include <unistd.h>

#define T_FIX_UNTRUSTED "chmod go-w "
#define T_FIX_KEY "chmod 600"
#define T_OTHERS "others"

static inline int t_tmpdir(char *out, size_t outlen, const char *name)
{
    if ((size_t)snprintf(out, outlen, "/tmp/efterlev-%s.XXXXXX", name) >= outlen)
        return -1;
    return mkdtemp(out) ? 0 : -1;
}

static inline int t_rmtree(const char *dir)
{
    char cmd[1100];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static inline int t_open_to_others(const char *path, int write)
{
    return chmod(path, write ? 0666 : 0644);
}

static inline int t_private(const char *path)
{
    return chmod(path, 0600);
}
#endif

#endif
