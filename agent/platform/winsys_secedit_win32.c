/* SPDX-License-Identifier: EUPL-1.2 */
/* api:SecurityPolicy: the two keys of the local security policy no API exposes
 * (PasswordComplexity, ClearTextPassword), from `secedit /export /areas SECURITYPOLICY`
 * into a private temporary file, read as the UTF-16LE INF it is, then deleted. The INF's
 * section and key names are not localized; secedit's own output is never read. */
#include "winsys_win32.h"

#include "efterlev/os.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#define SECEDIT_TIMEOUT_MS 30000
#define INF_MAX (1u << 20)

/* Run secedit to export into path; 0, or -1 with why. */
static int run_secedit(const wchar_t *path, char *why, size_t whylen)
{
    wchar_t sys[MAX_PATH], exe[MAX_PATH + 32], cmd[2 * MAX_PATH + 128];
    UINT n = GetSystemDirectoryW(sys, MAX_PATH);
    if (n == 0 || n >= MAX_PATH) {
        snprintf(why, whylen, "GetSystemDirectoryW: error %lu", (unsigned long)GetLastError());
        return -1;
    }
    snwprintf(exe, sizeof(exe) / sizeof(exe[0]), L"%ls\\secedit.exe", sys);
    snwprintf(cmd, sizeof(cmd) / sizeof(cmd[0]),
              L"\"%ls\" /export /areas SECURITYPOLICY /cfg \"%ls\" /quiet", exe, path);
    STARTUPINFOW si = {0};
    PROCESS_INFORMATION pi = {0};
    si.cb = sizeof(si);
    if (!CreateProcessW(exe, cmd, NULL, NULL, FALSE, CREATE_NO_WINDOW, NULL, NULL, &si, &pi)) {
        snprintf(why, whylen, "cannot start secedit.exe (error %lu)",
                 (unsigned long)GetLastError());
        return -1;
    }
    DWORD code = 1;
    DWORD w = WaitForSingleObject(pi.hProcess, SECEDIT_TIMEOUT_MS);
    if (w != WAIT_OBJECT_0) {
        TerminateProcess(pi.hProcess, 1);
        WaitForSingleObject(pi.hProcess, 5000);
        snprintf(why, whylen, "secedit /export did not finish in %d s", SECEDIT_TIMEOUT_MS / 1000);
    } else if (!GetExitCodeProcess(pi.hProcess, &code) || code != 0) {
        snprintf(why, whylen, "secedit /export exited %lu", (unsigned long)code);
    }
    CloseHandle(pi.hThread);
    CloseHandle(pi.hProcess);
    return w == WAIT_OBJECT_0 && code == 0 ? 0 : -1;
}

/* The INF's text (UTF-16LE, with or without its BOM) as a new NUL-terminated wide string. */
static wchar_t *read_inf(const wchar_t *path, char *why, size_t whylen)
{
    HANDLE h = CreateFileW(path, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING,
                           FILE_ATTRIBUTE_NORMAL, NULL);
    if (h == INVALID_HANDLE_VALUE) {
        snprintf(why, whylen, "cannot open secedit's export (error %lu)",
                 (unsigned long)GetLastError());
        return NULL;
    }
    LARGE_INTEGER size;
    wchar_t *text = NULL;
    DWORD got = 0;
    if (!GetFileSizeEx(h, &size) || size.QuadPart > INF_MAX) {
        snprintf(why, whylen, "secedit's export is larger than %u bytes or unreadable", INF_MAX);
    } else if ((text = calloc((size_t)size.QuadPart / 2 + 1, sizeof(wchar_t))) == NULL ||
               !ReadFile(h, text, (DWORD)size.QuadPart, &got, NULL)) {
        snprintf(why, whylen, "cannot read secedit's export");
        free(text);
        text = NULL;
    }
    CloseHandle(h);
    return text;
}

/* [System Access] KEY = N: 0 and *out, or -1. */
static int inf_value(const wchar_t *text, const wchar_t *key, long long *out)
{
    int in_section = 0;
    const wchar_t *line = text;
    if (*line == 0xFEFF)
        line++;
    while (*line) {
        const wchar_t *end = wcschr(line, L'\n');
        size_t len = end ? (size_t)(end - line) : wcslen(line);
        while (len > 0 && (line[len - 1] == L'\r' || line[len - 1] == L' '))
            len--;
        if (len > 0 && line[0] == L'[') {
            in_section = len == 15 && _wcsnicmp(line, L"[System Access]", 15) == 0;
        } else if (in_section) {
            size_t kl = wcslen(key);
            const wchar_t *p = line;
            if (len > kl && _wcsnicmp(p, key, kl) == 0) {
                p += kl;
                while (*p == L' ')
                    p++;
                if (*p == L'=') {
                    p++;
                    while (*p == L' ')
                        p++;
                    wchar_t *e;
                    long long v = wcstoll(p, &e, 10);
                    if (e != p && (size_t)(e - line) == len) {
                        *out = v;
                        return 0;
                    }
                }
            }
        }
        if (end == NULL)
            break;
        line = end + 1;
    }
    return -1;
}

ef_win_status live_secpol(struct live *lv, json_t *rows, char *why, size_t whylen)
{
    wchar_t dir[MAX_PATH], path[MAX_PATH];
    (void)lv;
    if (!ef_os_is_admin()) {
        snprintf(why, whylen, "secedit /export: access denied: needs Administrator");
        return EF_WIN_DENIED;
    }
    /* GetTempFileNameW creates the file (unique, in the caller's own temp folder: the
     * service's is under C:\Windows\...\Temp, readable by its owner and administrators). */
    DWORD n = GetTempPathW(MAX_PATH, dir);
    if (n == 0 || n >= MAX_PATH || GetTempFileNameW(dir, L"efs", 0, path) == 0)
        return live_err(GetLastError(), "GetTempFileNameW", why, whylen);
    ef_win_status st = EF_WIN_ERROR;
    wchar_t *text = NULL;
    if (run_secedit(path, why, whylen) == 0 && (text = read_inf(path, why, whylen)) != NULL) {
        long long cx, ct;
        int hc = inf_value(text, L"PasswordComplexity", &cx);
        int ht = inf_value(text, L"ClearTextPassword", &ct);
        if (hc != 0 && ht != 0) {
            snprintf(why, whylen,
                     "secedit /export wrote neither PasswordComplexity nor ClearTextPassword in "
                     "[System Access]");
            free(text);
            DeleteFileW(path);
            return EF_WIN_ERROR;
        }
        json_t *row = json_object();
        if (row != NULL) {
            json_object_set_new(row, "password_complexity",
                                hc == 0 ? json_integer(cx) : json_null());
            json_object_set_new(row, "clear_text_password",
                                ht == 0 ? json_integer(ct) : json_null());
            if (hc != 0 || ht != 0)
                json_object_set_new(row, EF_WIN_ROW_WHY,
                                    json_string("a key is not in secedit's [System Access]"));
        }
        st = live_append(rows, row, why, whylen) == 0 ? EF_WIN_OK : EF_WIN_ERROR;
    }
    free(text);
    DeleteFileW(path);
    return st;
}
