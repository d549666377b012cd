/* SPDX-License-Identifier: EUPL-1.2 */
/* The audit log (who, what, when): every export, report, acceptance and administrative
 * change. Entries are written through the store (audit_add), in the same transaction as
 * the change where the store makes the change itself (acceptances). */
#ifndef EF_COLLECTOR_AUDIT_H
#define EF_COLLECTOR_AUDIT_H

#include <jansson.h>
#include <stddef.h>
#include <time.h>

#include "store/store.h"

/* "cli:USER" for the person running a command (the sudo caller when run with sudo). */
void ef_cli_actor(char *out, size_t outlen);

/* Append an entry; details (may be NULL) is consumed. EF_OK or EF_ERR. */
int ef_audit(struct ef_store *s, time_t at, const char *actor, const char *action, json_t *details);

#endif
