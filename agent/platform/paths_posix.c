/* SPDX-License-Identifier: EUPL-1.2 */
/* platform/paths.h on Linux: the FHS locations, the build tree's as a fallback. */
#include "paths.h"

#include "efterlev/os.h"

#include <sys/stat.h>

static int is_dir(const char *p)
{
    struct stat st;
    return ef_stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static int is_file(const char *p)
{
    struct stat st;
    return ef_stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

const char *agent_default_state_dir(void)
{
    return "/var/lib/efterlev";
}

const char *agent_default_config(void)
{
    return "/etc/efterlev/agent.yml";
}

const char *agent_default_policy_dir(void)
{
    return is_dir(EF_POLICY_INSTALL_DIR) ? EF_POLICY_INSTALL_DIR : EF_POLICY_SOURCE_DIR;
}

const char *agent_windows_policy_dir(void)
{
    return is_dir(EF_POLICY_WINDOWS_INSTALL_DIR) ? EF_POLICY_WINDOWS_INSTALL_DIR
                                                 : EF_POLICY_WINDOWS_SOURCE_DIR;
}

const char *agent_controls_file(void)
{
    return is_file(EF_CONTROLS_INSTALL_FILE) ? EF_CONTROLS_INSTALL_FILE : EF_CONTROLS_SOURCE_FILE;
}
