/* SPDX-License-Identifier: EUPL-1.2 */
/* Department names as people type them: checked and brought to Unicode NFC once, where they
 * enter (the command line, the read API's paths and query parameters, a token's role), so
 * that "Socialförvaltningen" pasted with a decomposed ö (o + U+0308, as macOS and some PDF
 * copies give it) names the same department instead of creating a second, identical-looking
 * one. The store compares bytes: it only ever sees NFC. */
#ifndef EF_COLLECTOR_NAMES_H
#define EF_COLLECTOR_NAMES_H

#include <stddef.h>

#include "store/store.h"

/* in, valid (ef_dept_name_valid) and normalised to NFC, into out (EF_DEPT_NAME_MAX + 1
 * bytes); the NFC form must itself be valid (1 to EF_DEPT_NAME_MAX bytes). 0, or -1 when
 * in is not a valid department name. */
int ef_dept_name_canon(const char *in, char out[EF_DEPT_NAME_MAX + 1]);

/* A role as given ("coordinator", "auditor", "department:NAME") with NAME in NFC, into out
 * (EF_ROLE_MAX + 1 bytes). 0, or -1 when it is "department:" and NAME is not a valid name,
 * or the role is too long; other text is copied unchanged for ef_role_parse to judge. */
int ef_role_canon(const char *in, char out[EF_ROLE_MAX + 1]);

#endif
