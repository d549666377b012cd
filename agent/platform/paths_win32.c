/* SPDX-License-Identifier: EUPL-1.2 */
/* platform/paths.h on Windows: state and configuration under %ProgramData%\efterlev (the
 * known folder, not the environment variable, which a user can set), policies and the
 * control catalog beside efterlev-agent.exe (%ProgramFiles%\efterlev when installed by
 * the MSI; scripts/build-windows.sh puts them beside the exe of a build tree too). */
#include "paths.h"

#include <windows.h>

#include <knownfolders.h>
#include <shlobj.h>
#include <stdio.h>
#include <string.h>

static char state_dir[MAX_PATH * 3], config[MAX_PATH * 3 + 16];
static char policy_dir[MAX_PATH * 3 + 16], controls[MAX_PATH * 3 + 32];

static void utf8(const wchar_t *w, char *out, size_t outlen)
{
    if (WideCharToMultiByte(CP_UTF8, 0, w, -1, out, (int)outlen, NULL, NULL) <= 0)
        out[0] = '\0';
}

static const char *program_data(void)
{
    if (state_dir[0] == '\0') {
        PWSTR w = NULL;
        char base[MAX_PATH * 3];
        if (SHGetKnownFolderPath(&FOLDERID_ProgramData, 0, NULL, &w) == S_OK)
            utf8(w, base, sizeof(base));
        else
            strlcpy(base, "C:\\ProgramData", sizeof(base));
        CoTaskMemFree(w);
        snprintf(state_dir, sizeof(state_dir), "%s\\efterlev", base);
        snprintf(config, sizeof(config), "%s\\agent.yml", state_dir);
    }
    return state_dir;
}

/* The folder of efterlev-agent.exe, UTF-8, without the trailing separator. */
static void exe_dir(char *out, size_t outlen)
{
    wchar_t w[MAX_PATH * 2];
    DWORD n = GetModuleFileNameW(NULL, w, (DWORD)(sizeof(w) / sizeof(w[0])));
    out[0] = '\0';
    if (n == 0 || n >= sizeof(w) / sizeof(w[0]))
        return;
    wchar_t *sep = wcsrchr(w, L'\\');
    if (sep != NULL)
        *sep = L'\0';
    utf8(w, out, outlen);
}

const char *agent_default_state_dir(void)
{
    return program_data();
}

const char *agent_default_config(void)
{
    program_data();
    return config;
}

const char *agent_default_policy_dir(void)
{
    char dir[MAX_PATH * 3];
    exe_dir(dir, sizeof(dir));
    snprintf(policy_dir, sizeof(policy_dir), "%s\\policies", dir);
    return policy_dir;
}

const char *agent_windows_policy_dir(void)
{
    return agent_default_policy_dir();
}

const char *agent_controls_file(void)
{
    char dir[MAX_PATH * 3];
    exe_dir(dir, sizeof(dir));
    snprintf(controls, sizeof(controls), "%s\\iso27002-2022.yml", dir);
    return controls;
}
