/* The SQLite store's operations that live outside sqlite.c (counters, read queries,
 * acceptances, audit log, exports). */
#ifndef EF_COLLECTOR_SQLITE_OPS_H
#define EF_COLLECTOR_SQLITE_OPS_H

#include "store/store.h"

int sq_sweep(struct ef_store *s, time_t now, int stale_days);
int sq_dept_counts(struct ef_store *s, const char *department, struct ef_dept_counts **out,
                   size_t *n);
int sq_check_counts(struct ef_store *s, int64_t department_id, struct ef_check_counts **out,
                    size_t *n);
int sq_host_results(struct ef_store *s, const char *agent_id, struct ef_result_row **out,
                    size_t *n);
int sq_acceptance_add(struct ef_store *s, struct ef_acceptance *a, time_t now);
int sq_acceptance_list(struct ef_store *s, int include_ended, struct ef_acceptance **out,
                       size_t *n);
int sq_acceptance_revoke(struct ef_store *s, int64_t id, const char *by, time_t now);
int sq_audit_add(struct ef_store *s, time_t at, const char *actor, const char *action,
                 const char *details);
int sq_audit_list(struct ef_store *s, time_t since, struct ef_audit_row **out, size_t *n);
int sq_snapshots(struct ef_store *s, const char *department, const char *control,
                 const char *since_day, const char *until_day, struct ef_snapshot_row **out,
                 size_t *n);
int sq_agent_list(struct ef_store *s, const char *department, struct ef_agent_row **out, size_t *n);
int sq_report_iter(struct ef_store *s, const struct ef_report_filter *f, ef_report_cb cb,
                   void *arg);

#endif
