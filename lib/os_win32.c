/* SPDX-License-Identifier: EUPL-1.2 */
/* efterlev/os.h on Windows: UTF-8 paths converted to UTF-16 for the wide APIs, files
 * written through a temporary file and MoveFileEx, trust judged on the file's DACL. */
#include "efterlev/os.h"
#include "efterlev/os_win32.h"
#include "efterlev/util.h"

#include <windows.h>

#include <aclapi.h>
#include <errno.h>
#include <fcntl.h>
#include <io.h>
#include <sddl.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

wchar_t *ef_win_utf16(const char *s)
{
    int n = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, -1, NULL, 0);
    if (n <= 0) {
        errno = EINVAL;
        return NULL;
    }
    wchar_t *w = malloc((size_t)n * sizeof(*w));
    if (w == NULL)
        return NULL;
    if (MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, -1, w, n) != n) {
        free(w);
        errno = EINVAL;
        return NULL;
    }
    return w;
}

char *ef_win_utf8(const wchar_t *w)
{
    int n = WideCharToMultiByte(CP_UTF8, 0, w, -1, NULL, 0, NULL, NULL);
    if (n <= 0)
        return NULL;
    char *s = malloc((size_t)n);
    if (s != NULL && WideCharToMultiByte(CP_UTF8, 0, w, -1, s, n, NULL, NULL) != n) {
        free(s);
        return NULL;
    }
    return s;
}

/* UTF-16 to UTF-8 into out; -1 when it does not fit. */
static int narrow(const wchar_t *w, char *out, size_t outlen)
{
    if (outlen > INT32_MAX)
        outlen = INT32_MAX;
    int n = WideCharToMultiByte(CP_UTF8, 0, w, -1, out, (int)outlen, NULL, NULL);
    return n > 0 ? 0 : -1;
}

/* errno from GetLastError, for the few codes callers tell apart. */
static void set_errno_win(void)
{
    switch (GetLastError()) {
    case ERROR_FILE_NOT_FOUND:
    case ERROR_PATH_NOT_FOUND:
        errno = ENOENT;
        break;
    case ERROR_ACCESS_DENIED:
    case ERROR_SHARING_VIOLATION:
        errno = EACCES;
        break;
    case ERROR_ALREADY_EXISTS:
    case ERROR_FILE_EXISTS:
        errno = EEXIST;
        break;
    case ERROR_DISK_FULL:
    case ERROR_HANDLE_DISK_FULL:
        errno = ENOSPC;
        break;
    case ERROR_NOT_ENOUGH_MEMORY:
    case ERROR_OUTOFMEMORY:
        errno = ENOMEM;
        break;
    default:
        errno = EIO;
    }
}

int ef_open_read(const char *path)
{
    wchar_t *w = ef_win_utf16(path);
    if (w == NULL)
        return -1;
    int fd = _wopen(w, _O_RDONLY | _O_BINARY | _O_NOINHERIT);
    free(w);
    return fd;
}

int ef_stat(const char *path, struct stat *st)
{
    wchar_t *w = ef_win_utf16(path);
    if (w == NULL)
        return -1;
    struct _stat64 s;
    int rc = _wstat64(w, &s);
    free(w);
    if (rc != 0)
        return -1;
    memset(st, 0, sizeof(*st));
    st->st_mode = s.st_mode;
    st->st_size = (off_t)s.st_size;
    st->st_mtime = (time_t)s.st_mtime;
    st->st_nlink = s.st_nlink;
    return 0;
}

int ef_rename(const char *from, const char *to)
{
    wchar_t *a = ef_win_utf16(from), *b = ef_win_utf16(to);
    int rc = -1;
    if (a && b) {
        if (MoveFileExW(a, b, MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH))
            rc = 0;
        else
            set_errno_win();
    }
    free(a);
    free(b);
    return rc;
}

int ef_unlink(const char *path)
{
    wchar_t *w = ef_win_utf16(path);
    if (w == NULL)
        return -1;
    int rc = _wunlink(w);
    free(w);
    return rc;
}

int ef_mkdir(const char *path, mode_t mode)
{
    (void)mode; /* a new folder inherits its parent's ACL */
    wchar_t *w = ef_win_utf16(path);
    if (w == NULL)
        return -1;
    int rc = _wmkdir(w);
    free(w);
    return rc;
}

int ef_abspath(const char *path, char *out, size_t outlen)
{
    wchar_t *w = ef_win_utf16(path);
    if (w == NULL)
        return -1;
    wchar_t full[MAX_PATH * 4];
    DWORD n = GetFullPathNameW(w, (DWORD)(sizeof(full) / sizeof(full[0])), full, NULL);
    free(w);
    if (n == 0 || n >= sizeof(full) / sizeof(full[0])) {
        errno = ENAMETOOLONG;
        return -1;
    }
    if (GetFileAttributesW(full) == INVALID_FILE_ATTRIBUTES) {
        set_errno_win();
        return -1;
    }
    if (narrow(full, out, outlen) != 0) {
        errno = ENAMETOOLONG;
        return -1;
    }
    return 0;
}

struct ef_dir {
    HANDLE h;
    int first; /* the entry FindFirstFileW returned is still to be given */
    WIN32_FIND_DATAW fd;
    char name[MAX_PATH * 3 + 1]; /* UTF-8 of a name of up to MAX_PATH UTF-16 units */
};

struct ef_dir *ef_dir_open(const char *path)
{
    size_t n = strlen(path);
    char *pattern = malloc(n + 3);
    if (pattern == NULL)
        return NULL;
    memcpy(pattern, path, n);
    memcpy(pattern + n, n && (path[n - 1] == '/' || path[n - 1] == '\\') ? "*" : "\\*", 3);
    wchar_t *w = ef_win_utf16(pattern);
    free(pattern);
    if (w == NULL)
        return NULL;
    struct ef_dir *d = calloc(1, sizeof(*d));
    if (d == NULL) {
        free(w);
        return NULL;
    }
    d->h = FindFirstFileW(w, &d->fd);
    free(w);
    if (d->h == INVALID_HANDLE_VALUE) {
        set_errno_win();
        free(d);
        return NULL;
    }
    d->first = 1;
    return d;
}

const char *ef_dir_next(struct ef_dir *d)
{
    for (;;) {
        if (!d->first && !FindNextFileW(d->h, &d->fd))
            return NULL;
        d->first = 0;
        if (wcscmp(d->fd.cFileName, L".") == 0 || wcscmp(d->fd.cFileName, L"..") == 0)
            continue;
        if (narrow(d->fd.cFileName, d->name, sizeof(d->name)) != 0)
            continue; /* cannot happen for a name of MAX_PATH units */
        return d->name;
    }
}

void ef_dir_close(struct ef_dir *d)
{
    if (d == NULL)
        return;
    FindClose(d->h);
    free(d);
}

static int token_has(WELL_KNOWN_SID_TYPE type)
{
    BYTE sid[SECURITY_MAX_SID_SIZE];
    DWORD size = sizeof(sid);
    BOOL member = FALSE;
    if (!CreateWellKnownSid(type, NULL, sid, &size))
        return 0;
    return CheckTokenMembership(NULL, sid, &member) && member;
}

int ef_os_is_admin(void)
{
    /* CheckTokenMembership sees the Administrators group only in an elevated token. */
    return token_has(WinBuiltinAdministratorsSid) || token_has(WinLocalSystemSid);
}

/* The SID of this process's user, into buf; 0 or -1. */
static int own_sid(BYTE *buf, DWORD buflen)
{
    HANDLE tok;
    if (!OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &tok))
        return -1;
    BYTE info[sizeof(TOKEN_USER) + SECURITY_MAX_SID_SIZE];
    DWORD n = 0;
    BOOL ok = GetTokenInformation(tok, TokenUser, info, sizeof(info), &n);
    CloseHandle(tok);
    if (!ok)
        return -1;
    PSID sid = ((TOKEN_USER *)(void *)info)->User.Sid;
    return CopySid(buflen, buf, sid) ? 0 : -1;
}

static int sid_is(PSID sid, WELL_KNOWN_SID_TYPE type)
{
    return IsWellKnownSid(sid, type) ? 1 : 0;
}

/* TrustedInstaller: NT SERVICE\TrustedInstaller, which owns Windows' own files. */
static int sid_is_trusted_installer(PSID sid)
{
    PSID ti = NULL;
    if (!ConvertStringSidToSidW(L"S-1-5-80-956008885-3418522649-1831038044-1853292631-2271478464",
                                &ti))
        return 0;
    int eq = EqualSid(sid, ti) ? 1 : 0;
    LocalFree(ti);
    return eq;
}

/* Whether dacl grants any of mask to a SID other than LocalSystem, Administrators,
 * TrustedInstaller and this process's user; 1 with that SID in who, else 0. A missing DACL
 * grants everything to everyone. */
static int dacl_grants_others(PACL dacl, DWORD mask, char *who, size_t wholen)
{
    if (dacl == NULL) {
        strlcpy(who, "everyone (no DACL)", wholen);
        return 1;
    }
    BYTE me[SECURITY_MAX_SID_SIZE];
    int have_me = own_sid(me, sizeof(me)) == 0;
    for (DWORD i = 0; i < dacl->AceCount; i++) {
        ACE_HEADER *ace;
        if (!GetAce(dacl, i, (void **)&ace) || ace->AceType != ACCESS_ALLOWED_ACE_TYPE ||
            (ace->AceFlags & INHERIT_ONLY_ACE))
            continue;
        ACCESS_ALLOWED_ACE *a = (ACCESS_ALLOWED_ACE *)ace;
        PSID sid = (PSID)&a->SidStart;
        if (!(a->Mask & mask) || sid_is(sid, WinLocalSystemSid) ||
            sid_is(sid, WinBuiltinAdministratorsSid) || sid_is_trusted_installer(sid) ||
            (have_me && EqualSid(sid, (PSID)me)))
            continue;
        LPWSTR ws = NULL;
        strlcpy(who, "?", wholen);
        if (ConvertSidToStringSidW(sid, &ws)) {
            narrow(ws, who, wholen);
            LocalFree(ws);
        }
        return 1;
    }
    return 0;
}

#define WRITE_RIGHTS                                                                               \
    (FILE_WRITE_DATA | FILE_APPEND_DATA | WRITE_DAC | WRITE_OWNER | DELETE | GENERIC_WRITE |       \
     GENERIC_ALL)
#define READ_RIGHTS (FILE_READ_DATA | GENERIC_READ | GENERIC_ALL)

int ef_os_file_untrusted(int fd, const char *path, char *why, size_t whylen)
{
    HANDLE h = (HANDLE)_get_osfhandle(fd);
    PACL dacl = NULL;
    PSECURITY_DESCRIPTOR sd = NULL;
    if (h == INVALID_HANDLE_VALUE ||
        GetSecurityInfo(h, SE_FILE_OBJECT, DACL_SECURITY_INFORMATION, NULL, NULL, &dacl, NULL,
                        &sd) != ERROR_SUCCESS) {
        snprintf(why, whylen, "refusing %s: cannot read its permissions (error %lu)", path,
                 (unsigned long)GetLastError());
        return 1;
    }
    char who[160];
    int bad = dacl_grants_others(dacl, WRITE_RIGHTS, who, sizeof(who));
    LocalFree(sd);
    if (bad)
        snprintf(why, whylen,
                 "refusing %s: its permissions let %s change it, so others could change what "
                 "the agent runs as an administrator; fix: icacls \"%s\" /inheritance:r /grant "
                 "*S-1-5-18:F /grant *S-1-5-32-544:F",
                 path, who, path);
    return bad;
}

int ef_os_key_exposed(const char *path, char *why, size_t whylen)
{
    wchar_t *w = ef_win_utf16(path);
    PACL dacl = NULL;
    PSECURITY_DESCRIPTOR sd = NULL;
    if (w == NULL) {
        snprintf(why, whylen, "cannot read key %s: the path is not valid UTF-8", path);
        return -1;
    }
    DWORD rc = GetNamedSecurityInfoW(w, SE_FILE_OBJECT, DACL_SECURITY_INFORMATION, NULL, NULL,
                                     &dacl, NULL, &sd);
    free(w);
    if (rc != ERROR_SUCCESS) {
        snprintf(why, whylen, "cannot read key %s: %s (Windows error %lu)", path,
                 rc == ERROR_FILE_NOT_FOUND || rc == ERROR_PATH_NOT_FOUND ? "not found"
                                                                          : "no access",
                 (unsigned long)rc);
        errno = rc == ERROR_FILE_NOT_FOUND || rc == ERROR_PATH_NOT_FOUND ? ENOENT : EACCES;
        return -1;
    }
    char who[160];
    int bad = dacl_grants_others(dacl, READ_RIGHTS, who, sizeof(who));
    LocalFree(sd);
    if (bad)
        snprintf(why, whylen,
                 "key %s can be read by %s; fix: icacls \"%s\" /inheritance:r /grant "
                 "*S-1-5-18:F /grant *S-1-5-32-544:F",
                 path, who, path);
    return bad;
}

/* A DACL granting full control to LocalSystem and Administrators (and this process's user
 * when it is neither) only (LocalFree it); inherit: folders pass it on to what is created
 * inside. */
static DWORD private_acl(int inherit, PACL *out)
{
    BYTE system[SECURITY_MAX_SID_SIZE], admins[SECURITY_MAX_SID_SIZE], me[SECURITY_MAX_SID_SIZE];
    DWORD n1 = sizeof(system), n2 = sizeof(admins);
    EXPLICIT_ACCESS_W ea[3];
    ULONG nea = 2;
    *out = NULL;
    if (!CreateWellKnownSid(WinLocalSystemSid, NULL, system, &n1) ||
        !CreateWellKnownSid(WinBuiltinAdministratorsSid, NULL, admins, &n2))
        return GetLastError();
    memset(ea, 0, sizeof(ea));
    PSID sids[3] = {system, admins, me};
    /* The caller by name only when it is neither LocalSystem nor an elevated administrator
     * (a test or a by-hand --state-dir of a normal user): naming an administrator's own SID
     * would let the same user read the key from a session that is not elevated. */
    if (!ef_os_is_admin() && own_sid(me, sizeof(me)) == 0)
        nea = 3;
    for (ULONG i = 0; i < nea; i++) {
        ea[i].grfAccessPermissions = GENERIC_ALL;
        ea[i].grfAccessMode = SET_ACCESS;
        ea[i].grfInheritance = inherit ? SUB_CONTAINERS_AND_OBJECTS_INHERIT : NO_INHERITANCE;
        ea[i].Trustee.TrusteeForm = TRUSTEE_IS_SID;
        ea[i].Trustee.TrusteeType = TRUSTEE_IS_UNKNOWN;
        ea[i].Trustee.ptstrName = (LPWSTR)sids[i];
    }
    return SetEntriesInAclW(nea, ea, NULL, out);
}

int ef_os_private_dir(const char *dir, char *err, size_t errlen)
{
    wchar_t *w = ef_win_utf16(dir);
    if (w == NULL) {
        snprintf(err, errlen, "%s: the path is not valid UTF-8", dir);
        return -EINVAL;
    }
    DWORD attr = GetFileAttributesW(w);
    if (attr == INVALID_FILE_ATTRIBUTES || !(attr & FILE_ATTRIBUTE_DIRECTORY)) {
        free(w);
        snprintf(err, errlen, "%s is not a folder", dir);
        return -ENOTDIR;
    }
    PACL acl = NULL;
    DWORD rc = private_acl(1, &acl);
    if (rc == ERROR_SUCCESS)
        rc = SetNamedSecurityInfoW(w, SE_FILE_OBJECT,
                                   DACL_SECURITY_INFORMATION | PROTECTED_DACL_SECURITY_INFORMATION,
                                   NULL, NULL, acl, NULL);
    free(w);
    LocalFree(acl);
    if (rc != ERROR_SUCCESS) {
        snprintf(err, errlen,
                 "cannot restrict %s to SYSTEM, Administrators and this user (Windows error %lu)",
                 dir, (unsigned long)rc);
        return rc == ERROR_ACCESS_DENIED ? -EACCES : -EIO;
    }
    return 0;
}

int ef_fsync_dir_of(const char *path)
{
    (void)path; /* MoveFileEx with MOVEFILE_WRITE_THROUGH returns once the rename is on disk */
    return 0;
}

int ef_write_file_atomic(const char *path, const void *data, size_t len, mode_t mode, char *err,
                         size_t errlen)
{
    /* A private file (a mode without group and other bits: keys, state) gets its own
     * protected DACL when created, rather than trusting inheritance from its folder; other
     * files inherit their folder's. */
    SECURITY_ATTRIBUTES sa = {.nLength = sizeof(sa)}, *psa = NULL;
    SECURITY_DESCRIPTOR sd;
    PACL acl = NULL;
    if ((mode & 077) == 0) {
        DWORD arc = private_acl(0, &acl);
        if (arc != ERROR_SUCCESS ||
            !InitializeSecurityDescriptor(&sd, SECURITY_DESCRIPTOR_REVISION) ||
            !SetSecurityDescriptorDacl(&sd, TRUE, acl, FALSE) ||
            !SetSecurityDescriptorControl(&sd, SE_DACL_PROTECTED, SE_DACL_PROTECTED)) {
            LocalFree(acl);
            snprintf(err, errlen,
                     "cannot write %s: cannot make its permissions (Windows error %lu)", path,
                     (unsigned long)(arc != ERROR_SUCCESS ? arc : GetLastError()));
            return -1;
        }
        sa.lpSecurityDescriptor = &sd;
        psa = &sa;
    }
    unsigned char rnd[6];
    char tmp[1024];
    if (ef_random(rnd, sizeof(rnd)) != 0 ||
        (size_t)snprintf(tmp, sizeof(tmp), "%s.tmp.%02x%02x%02x%02x%02x%02x", path, rnd[0], rnd[1],
                         rnd[2], rnd[3], rnd[4], rnd[5]) >= sizeof(tmp)) {
        LocalFree(acl);
        snprintf(err, errlen, "cannot name a temporary file for %s", path);
        return -1;
    }
    wchar_t *w = ef_win_utf16(tmp);
    if (w == NULL) {
        LocalFree(acl);
        snprintf(err, errlen, "cannot write %s: the path is not valid UTF-8", path);
        return -1;
    }
    const char *step = "create";
    HANDLE h = CreateFileW(w, GENERIC_WRITE, 0, psa, CREATE_NEW, FILE_ATTRIBUTE_NORMAL, NULL);
    LocalFree(acl);
    acl = NULL;
    if (h == INVALID_HANDLE_VALUE)
        goto fail;
    step = "write";
    for (const char *p = data; len > 0;) {
        DWORD chunk = len > (1u << 30) ? (1u << 30) : (DWORD)len, n = 0;
        if (!WriteFile(h, p, chunk, &n, NULL) || n == 0)
            goto fail;
        p += n;
        len -= n;
    }
    step = "flush";
    if (!FlushFileBuffers(h))
        goto fail;
    step = "close";
    HANDLE closing = h;
    h = INVALID_HANDLE_VALUE;
    if (!CloseHandle(closing))
        goto fail;
    free(w);
    w = NULL;
    step = "rename";
    if (ef_rename(tmp, path) != 0) {
        int saved = errno;
        ef_unlink(tmp);
        snprintf(err, errlen, "cannot write %s (%s): %s", path, step, strerror(saved));
        errno = saved;
        return -1;
    }
    return 0;
fail:;
    DWORD code = GetLastError();
    set_errno_win();
    int saved = errno;
    if (h != INVALID_HANDLE_VALUE)
        CloseHandle(h);
    if (w != NULL) {
        DeleteFileW(w);
        free(w);
    }
    snprintf(err, errlen, "cannot write %s (%s): %s (Windows error %lu)", path, step,
             strerror(saved), (unsigned long)code);
    errno = saved;
    return -1;
}

void ef_gmtime(time_t t, struct tm *out)
{
    gmtime_s(out, &t);
}

time_t ef_timegm(struct tm *tm)
{
    return _mkgmtime(tm);
}

uint64_t ef_mono_us(void)
{
    LARGE_INTEGER f, c;
    if (!QueryPerformanceFrequency(&f) || !QueryPerformanceCounter(&c) || f.QuadPart <= 0)
        return 0;
    return (uint64_t)(c.QuadPart / f.QuadPart) * 1000000u +
           (uint64_t)(c.QuadPart % f.QuadPart) * 1000000u / (uint64_t)f.QuadPart;
}

void ef_sleep_ms(unsigned ms)
{
    Sleep(ms);
}
