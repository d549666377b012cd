/* SPDX-License-Identifier: EUPL-1.2 */
/* When something was first seen, remembered across scans in the agent's state directory:
 * how long a security update has been pending, say, when the package lists only tell that
 * it is pending now. A JSON object {"key": unix time} per name, written atomically. */
#ifndef EFTERLEV_AGENT_FIRST_SEEN_H
#define EFTERLEV_AGENT_FIRST_SEEN_H

#include "facts.h"

#include <time.h>

struct ef_first_seen;

/* Load STATE/name (an empty record when there is no state or no file yet). NULL only when
 * out of memory. */
struct ef_first_seen *ef_first_seen_load(struct ef_facts *f, const char *name);
/* When key was first seen: the remembered time, or now for a new key. Either way the key is
 * kept by the next save; keys not asked for in this scan are forgotten (resolved). */
time_t ef_first_seen_get(struct ef_first_seen *fs, const char *key, time_t now);
/* When this record began watching: the first scan that wrote it (kept as the key "@since";
 * a record written before "@since" existed began at its earliest sighting), or now for a
 * new record. Asking for it keeps it in the record by the next save. A key first seen later
 * than this appeared between two watched scans: its first sighting dates it. A key first
 * seen at this time (or on this scan, for a new record) was already there when watching
 * began: its age is unknown. */
time_t ef_first_seen_since(struct ef_first_seen *fs, time_t now);
/* Write the record back, when the scan may update state. */
void ef_first_seen_save(struct ef_first_seen *fs, struct ef_facts *f);
void ef_first_seen_free(struct ef_first_seen *fs);

#endif
