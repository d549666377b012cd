/* SPDX-License-Identifier: EUPL-1.2 */
/* Where the agent keeps its state and finds its configuration, its policies and the ISO
 * control catalog, on this system (paths_posix.c, paths_win32.c). */
#ifndef EFTERLEV_AGENT_PATHS_H
#define EFTERLEV_AGENT_PATHS_H

/* Linux: /var/lib/efterlev. Windows: %ProgramData%\efterlev. */
const char *agent_default_state_dir(void);
/* Linux: /etc/efterlev/agent.yml. Windows: %ProgramData%\efterlev\agent.yml. */
const char *agent_default_config(void);
/* The default policy folder: the installed one (Linux: /usr/share/efterlev/policies;
 * Windows: the folder "policies" beside efterlev-agent.exe), else this source tree's. */
const char *agent_default_policy_dir(void);
/* The default Windows policy: on Linux the one `scan --registry` judges a recorded Windows
 * machine by (/usr/share/efterlev/policies-windows, else the source tree's); on Windows the
 * same as agent_default_policy_dir(). */
const char *agent_windows_policy_dir(void);
/* checks/iso27002-2022.yml as installed (Windows: beside the exe), else the source tree's. */
const char *agent_controls_file(void);

#endif
