/* SPDX-License-Identifier: EUPL-1.2 */
/* The audit policy's subcategories (win_audit_subcategories.h) as a table, for the audit
 * probe and its tests. Private to agent/probes. */
#ifndef EFTERLEV_AGENT_PROBES_WIN_AUDIT_H
#define EFTERLEV_AGENT_PROBES_WIN_AUDIT_H

#include <stddef.h>

struct ef_win_audit_sub {
    const char *guid; /* lower case, no braces */
    const char *name; /* English */
    const char *fact; /* audit.policy.<suffix> */
};

extern const struct ef_win_audit_sub ef_win_audit_subs[];
extern const size_t ef_win_audit_subs_n;

/* The subcategory of guid (any case, with or without braces), or NULL. */
const struct ef_win_audit_sub *ef_win_audit_find(const char *guid);
/* The fact value of a setting: "S+F", "S", "F" or "none". */
const char *ef_win_audit_value(int success, int failure);

#endif
