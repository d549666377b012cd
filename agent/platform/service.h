/* SPDX-License-Identifier: EUPL-1.2 */
/* The agent as a Windows service (Windows only; on Linux the systemd timer runs the agent).
 *
 *   efterlev-agent.exe service              what the service manager starts (service
 *                                           "efterlev-agent", LocalSystem, delayed auto start)
 *   efterlev-agent.exe service --foreground the same schedule in a console, until Ctrl-C
 *   efterlev-agent.exe service configure --collector URL --token T [--ca-file F | --ca-pem P]
 *                                           what the MSI runs: keeps the enrollment values
 *                                           for the service's first run
 *
 * The schedule is that of packaging/systemd/efterlev-agent.timer; each run is a child
 * process (`efterlev-agent.exe run`) with a timeout, so a crash in a run never ends the
 * service. docs/operations.md ("Windows") describes it for administrators. */
#ifndef EFTERLEV_AGENT_PLATFORM_SERVICE_H
#define EFTERLEV_AGENT_PLATFORM_SERVICE_H

struct agent_ctx;

int cmd_service(struct agent_ctx *ctx, int argc, char **argv);

#endif
