/* SPDX-License-Identifier: EUPL-1.2 */
/* systemd unit state from the files under a system root: whether a unit is installed,
 * masked, enabled (linked from a .wants/ or .requires/ folder, as `systemctl enable` does)
 * and active. Works where systemd is not PID 1 (containers, mounted images) for everything
 * but "active", which is runtime state. */
#ifndef EFTERLEV_AGENT_SYSTEMD_UNITS_H
#define EFTERLEV_AGENT_SYSTEMD_UNITS_H

#include <stddef.h>

/* "auditd" -> "auditd.service"; a name with a unit suffix is kept. 0, or -1 if too long. */
int ef_unit_name(const char *name, char *out, size_t outlen);

/* 1 when a unit file of unit is installed (and not masked), else 0. */
int ef_unit_installed(const char *root, const char *unit);

/* 1 enabled, 0 not (not installed, masked or not linked), with evidence saying which. */
int ef_unit_enabled(const char *root, const char *unit, char *ev, size_t evlen);

/* 1 active, 0 inactive, -1 unknown (evidence says why). A service is active when its
 * cgroup (cgroup v2, under system.slice) holds processes; other units, and systems without
 * that cgroup tree, are asked with `systemctl is-active --quiet` (its exit status) on the
 * live system; on another root with no cgroup tree their state is unknown. */
int ef_unit_active(const char *root, const char *unit, char *ev, size_t evlen);

#endif
