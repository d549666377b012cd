/* SPDX-License-Identifier: EUPL-1.2 */
/* A read snapshot of the store, for exports: every read between begin and end sees the
 * database as it was at begin, however long the reading takes and whatever is written
 * meanwhile (db.h: snapshot_begin). Nothing may be written through the store between the
 * two; open and end it on a connection of its own when others write. */
#ifndef EF_COLLECTOR_STORE_SNAPSHOT_H
#define EF_COLLECTOR_STORE_SNAPSHOT_H

#include "store/store.h"

/* EF_OK, or EF_ERR with s->err set (a transaction is open, the database is unreachable). */
int ef_store_snapshot_begin(struct ef_store *s);
/* End the snapshot; s->err is kept. */
void ef_store_snapshot_end(struct ef_store *s);

#endif
