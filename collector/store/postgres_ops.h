/* The PostgreSQL store's operations that live outside postgres.c (counters and
 * acceptances; the read side is core_read.c). */
#ifndef EF_COLLECTOR_POSTGRES_OPS_H
#define EF_COLLECTOR_POSTGRES_OPS_H

#include "store/store.h"

int pg_sweep(struct ef_store *s, time_t now, int stale_days);
int pg_acceptance_add(struct ef_store *s, struct ef_acceptance *a, time_t now);
int pg_acceptance_revoke(struct ef_store *s, int64_t id, const char *by, time_t now);

#endif
