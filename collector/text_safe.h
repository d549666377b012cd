/* SPDX-License-Identifier: EUPL-1.2 */
/* Text from reports (host names, check ids, evidence, audit details) made safe for an
 * administrator's terminal: control characters (C0, DEL, C1), bidirectional overrides and
 * bytes that are not valid UTF-8 are written as \xNN, so a report cannot move the cursor,
 * change colours, set the window title or hide text; valid UTF-8 (å, ä, ö) is kept. */
#ifndef EF_COLLECTOR_TEXT_SAFE_H
#define EF_COLLECTOR_TEXT_SAFE_H

#include <stddef.h>
#include <stdio.h>

/* The safe form of in into out (always terminated, cut at a character boundary when it
 * does not fit); returns out. */
char *ef_text_safe(const char *in, char *out, size_t outlen);
/* The safe form of in, written to out whatever its length. */
void ef_text_safe_fputs(const char *in, FILE *out);

#endif
