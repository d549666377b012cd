/* SPDX-License-Identifier: EUPL-1.2 */
/* The read snapshot (snapshot.h), over the driver's own (db.h). */
#include "store/snapshot.h"
#include "store/db.h"

int ef_store_snapshot_begin(struct ef_store *s)
{
    return s->db->snapshot_begin(s);
}

void ef_store_snapshot_end(struct ef_store *s)
{
    s->db->snapshot_end(s);
}
