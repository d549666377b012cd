/* SPDX-License-Identifier: EUPL-1.2 */
/* The store's domain code (core_*.c), written once over the driver calls of db.h, and the
 * few helpers it shares. Nothing here knows which database is underneath. */
#ifndef EF_COLLECTOR_STORE_CORE_H
#define EF_COLLECTOR_STORE_CORE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <jansson.h>

#include "store/db.h"
#include "store/store.h"

static inline const struct ef_db_ops *db_ops(struct ef_store *s)
{
    return s->db;
}

/* Prepare sql; NULL with s->err set. */
struct ef_db_stmt *core_prepare(struct ef_store *s, const char *sql);
/* Step st to its end and give it back: EF_OK, EF_EXISTS (a unique constraint)
 * or EF_ERR. st NULL (a failed prepare) is EF_ERR. */
int core_exec(struct ef_store *s, struct ef_db_stmt *st, const char *what);
/* The same, NOTFOUND when the statement changed no row. */
int core_exec_changed(struct ef_store *s, struct ef_db_stmt *st, const char *what);
/* The first column of the first row as an integer (dflt when no row or NULL); st given back. */
int core_int(struct ef_store *s, struct ef_db_stmt *st, int64_t dflt, int64_t *out,
             const char *what);
/* Step to the first row: EF_OK with the row ready (give st back after reading it),
 * EF_NOTFOUND or EF_ERR (st already given back in both). */
int core_row(struct ef_store *s, struct ef_db_stmt *st, const char *what);
/* Copy text column i into dst; longer than dstlen-1 is an error (every value was
 * length-checked on the way in). */
int core_col_text(struct ef_store *s, struct ef_db_stmt *st, int i, char *dst, size_t dstlen);
/* Text column i ("" for NULL), valid until the next step. */
const char *core_col_str(struct ef_store *s, struct ef_db_stmt *st, int i);
/* A blob column of exactly len bytes into dst. */
int core_col_bytes(struct ef_store *s, struct ef_db_stmt *st, int i, void *dst, size_t len);

/* Converts the current row of st into elem (zeroed); EF_OK or EF_ERR. */
typedef int (*core_row_fn)(struct ef_store *s, struct ef_db_stmt *st, void *elem);
/* Step st (bound) through its rows, converting each with row into a growing array of
 * elem_size elements: *out and *n (NULL and 0 on error). st is given back in every case.
 * On error the rows read so far, the failed one included, are released with
 * free_rows(v, count), or free() when free_rows is NULL. */
int core_collect(struct ef_store *s, struct ef_db_stmt *st, size_t elem_size, core_row_fn row,
                 void (*free_rows)(void *v, size_t n), void **out, size_t *n, const char *what);

/* A level column: out-of-range values read as basic. */
ef_level core_level_of(int64_t v);

/* ---- counters (core_counters.c); each runs inside the caller's transaction ---- */

/* Add (sign +1) or remove (sign -1) the agent's latest results to or from its department's
 * counters. */
int core_agent_apply(struct ef_store *s, const char *agent_id, int64_t department_id, int sign);
struct ef_result_diff;
/* A counted agent's report: the diff's counter deltas (deferred to the commit in a batch). */
int core_apply_deltas(struct ef_store *s, int64_t department_id, const struct ef_result_diff *d);
/* The same, written now. */
int core_write_deltas(struct ef_store *s, int64_t department_id, const struct ef_result_diff *d);
/* A change of the department's host counts (deferred to the commit in a batch). */
int core_hosts_delta(struct ef_store *s, int64_t department_id, int64_t hosts);

/* ---- counter deltas deferred to a batch's commit (core_pending.c) ---- */

int core_pending_active(const struct ef_store *s);
/* Start deferring (an open batch, after its catch-up); clear: stop, drop what is held. */
void core_pending_start(struct ef_store *s);
void core_pending_clear(struct ef_store *s);
/* DB(s)->tx for work that may defer counter deltas: what an attempt that fails (and is
 * rolled back to its savepoint) added is dropped with it. */
int core_unit(struct ef_store *s, enum ef_db_lock lock, ef_db_body body, void *ctx);
void core_pending_undo(struct ef_store *s, size_t mark);
int core_pending_check(struct ef_store *s, int64_t dept, const char *check, const char *controls,
                       const char *severity, const int64_t d[EF_KINDS]);
/* d may be NULL (no change of the kinds). */
int core_pending_dept(struct ef_store *s, int64_t dept, const int64_t d[EF_KINDS], int64_t hosts,
                      int64_t fresh);
/* Write the sums, sorted by (department, check, controls), as one unit of the batch, and stop
 * deferring. EF_OK, EF_RETRY (the batch lost a deadlock) or EF_ERR. */
int core_pending_flush(struct ef_store *s);
/* Take the agent out of the counters when it is in them. */
int core_agent_uncount(struct ef_store *s, const char *agent_id);
/* Recompute which of the agent's failures are accepted, its own counts, and whether it is
 * counted (fresh at now with s->stale_days), keeping the department counters right. */
int core_agent_rebuild(struct ef_store *s, const char *agent_id, time_t now);
struct ef_report;
/* acc[i]: the active acceptance covering result i of r when it is a failure of agent in
 * department, else 0 (one query for the whole report). */
int core_acceptances_match(struct ef_store *s, int64_t department_id, const char *agent_id,
                           const struct ef_report *r, int64_t *acc);
/* Snapshot catch-up and staleness/expiry sweep to now (inside a transaction holding the
 * counters lock exclusively). */
int core_catch_up(struct ef_store *s, time_t now, int stale_days);
/* *due = 1 when core_catch_up has anything to do at now. */
int core_due(struct ef_store *s, time_t now, int stale_days, int *due);
int core_audit(struct ef_store *s, time_t at, const char *actor, const char *action,
               const char *details);
/* The same with details from a jansson object (consumed; NULL: out of memory, an error). */
int core_audit_json(struct ef_store *s, time_t at, const char *actor, const char *action,
                    json_t *details);

/* ---- the operations of struct ef_store_ops, one implementation for every backend ---- */
/* core_users.c */
int core_token_add(struct ef_store *s, const char *name, const char *role, const char *token_hash,
                   time_t now, int64_t *id);
int core_token_get(struct ef_store *s, int64_t id, struct ef_api_token *out);
int core_token_list(struct ef_store *s, struct ef_api_token **out, size_t *n);
int core_token_revoke(struct ef_store *s, const char *name);
int core_department_set_token(struct ef_store *s, const char *name, const char *token_hash);
int core_department_rename(struct ef_store *s, const char *name, const char *new_name, time_t now);
int core_department_set_level(struct ef_store *s, const char *name, ef_level level, time_t now);
int core_department_events(struct ef_store *s, const char *name, struct ef_department_event **out,
                           size_t *n);
int core_agent_retire(struct ef_store *s, const char *agent_id, const char *actor, time_t now);
/* Systems and owners (core_systems.c); the store ops of the same names. */
int core_agent_levels(struct ef_store *s, const char *agent_id, char out[EF_LEVELS_JSON_MAX + 1]);
int core_system_add(struct ef_store *s, const struct ef_system *sys, int replace, const char *actor,
                    time_t now);
int core_system_remove(struct ef_store *s, const char *name, const char *actor, time_t now);
int core_system_list(struct ef_store *s, struct ef_system **out, size_t *n);
int core_system_assign(struct ef_store *s, const char *system, const char *const *hostnames,
                       const char *const *host_keys, size_t n, int remove, const char *actor,
                       time_t now);
int core_system_hosts(struct ef_store *s, const char *system, const char *host_key,
                      struct ef_system_host **out, size_t *n);

/* Deviations (core_deviations.c), in the caller's transaction: opened and closed from what
 * a report changed; moved with their agent; closed when it is retired. */
int core_deviations_track(struct ef_store *s, int64_t dept, const char *agent_id,
                          const struct ef_result_diff *d, time_t now);
int core_deviations_agent_moved(struct ef_store *s, const char *agent_id, int64_t dept);
int core_deviations_agent_retired(struct ef_store *s, const char *agent_id, const char *actor,
                                  time_t now);
int core_deviation_list(struct ef_store *s, const char *department, int which, time_t now,
                        struct ef_deviation **out, size_t *n);
int core_deviation_patterns(struct ef_store *s, const char *department,
                            struct ef_deviation_pattern **out, size_t *n);
int core_deviation_assign_check(struct ef_store *s, const char *department, const char *check,
                                const char *owner, const char *action, int64_t due,
                                const char *actor, time_t now, int64_t *n);
int core_deviation_assign(struct ef_store *s, int64_t id, const char *owner, const char *action,
                          int64_t due, const char *actor, time_t now);
int core_deviation_close(struct ef_store *s, int64_t id, const char *reason, const char *actor,
                         time_t now);
/* Alerts (core_alerts.c). core_alert_regression queues a pass-to-fail regression of res on
 * the channels of s->alert_channels, in the caller's transaction. */
int core_alert_regression(struct ef_store *s, int64_t dept, const char *agent_id,
                          const char *hostname, const struct ef_result *res, time_t now);
int core_alert_department(struct ef_store *s, int64_t department_id, ef_alert_judge_fn judge,
                          void *arg, int threshold, unsigned chans, time_t now, int *fired);
int core_alert_overdue(struct ef_store *s, unsigned chans, time_t now, int64_t *n);
int core_alert_test(struct ef_store *s, unsigned chans, time_t now);
int core_alert_oldest_due(struct ef_store *s, const char *channel, time_t now, int64_t *oldest);
int core_alert_claim(struct ef_store *s, const char *channel, const char *claim, int64_t limit,
                     time_t now, int64_t lease_until, int64_t *n);
int core_alert_claimed(struct ef_store *s, const char *claim, int64_t limit,
                       struct ef_alert_event **out, size_t *n);
int core_alert_finish(struct ef_store *s, const char *claim, const char *error, time_t now,
                      int64_t next_at, int max_attempts, int64_t *failed);
int core_alert_list(struct ef_store *s, int which, int64_t limit, struct ef_alert_event **out,
                    size_t *n);
/* agent_move's work inside the caller's transaction (department_merge moves many). */
int core_agent_move_in(struct ef_store *s, const char *agent_id, int64_t department_id,
                       const char *actor, time_t now);
int core_department_merge(struct ef_store *s, const char *from, const char *into, const char *actor,
                          time_t now, struct ef_merge_result *out);
int core_user_add(struct ef_store *s, const char *name, const char *role, const char *password_hash,
                  time_t now, int64_t *id);
int core_user_get(struct ef_store *s, const char *name, struct ef_user *out);
int core_user_list(struct ef_store *s, struct ef_user **out, size_t *n);
int core_user_set_password(struct ef_store *s, const char *name, const char *password_hash);
int core_user_delete(struct ef_store *s, const char *name);
int core_user_login_state(struct ef_store *s, int64_t id, int64_t failed_logins,
                          int64_t locked_until);
int core_session_add(struct ef_store *s, const struct ef_session *sess);
int core_session_get(struct ef_store *s, const char *id_hash, struct ef_session *out);
int core_session_touch(struct ef_store *s, const char *id_hash, int64_t last_seen);
int core_session_delete(struct ef_store *s, const char *id_hash);
int core_session_purge(struct ef_store *s, int64_t idle_before, int64_t created_before);

/* core_write.c */
int core_department_add(struct ef_store *s, const char *name, ef_level level,
                        const char *token_hash, time_t now, int64_t *id);
/* Read the agent columns "agent_id, machine_id, department_id, public_key, last_seq,
 * last_sha256" of st's row. */
int core_agent_row(struct ef_store *s, struct ef_db_stmt *st, struct ef_agent *a);
/* The agent of sql's single parameter value (sql selects those columns, and may lock the row
 * FOR UPDATE); EF_NOTFOUND when none. */
int core_agent_select(struct ef_store *s, const char *sql, const char *value, struct ef_agent *out);
int core_agent_enroll(struct ef_store *s, const struct ef_enrollment *e, struct ef_agent *out);
int core_agent_move(struct ef_store *s, const char *agent_id, int64_t department_id,
                    const char *actor, time_t now);
int core_agent_reset(struct ef_store *s, const char *agent_id, const char *actor, time_t now);
int core_report_store(struct ef_store *s, const struct ef_report_record *rec);
int core_agent_keys_recertify(struct ef_store *s, ef_recertify_fn recertify, void *arg,
                              const char *actor, const char *details, time_t now, int64_t *done,
                              int64_t *kept);
int core_agent_keys_certify(struct ef_store *s, ef_certify_fn certify, void *arg, time_t now,
                            int64_t *certified);
int core_batch_begin(struct ef_store *s, time_t now);
int core_batch_commit(struct ef_store *s);
void core_batch_rollback(struct ef_store *s);
/* core_counters.c */
int core_sweep(struct ef_store *s, time_t now, int stale_days);
int core_acceptance_add(struct ef_store *s, struct ef_acceptance *a, time_t now);
int core_acceptance_revoke(struct ef_store *s, int64_t id, const char *by, time_t now);
/* core_read.c */
int core_department_get(struct ef_store *s, int64_t id, struct ef_department *out);
int core_department_list(struct ef_store *s, struct ef_department **out, size_t *n);
int core_agent_get(struct ef_store *s, const char *agent_id, struct ef_agent *out);
int core_agent_list(struct ef_store *s, const char *department, struct ef_agent_row **out,
                    size_t *n);
int core_host_rows(struct ef_store *s, const char *department, const char *only_agent,
                   struct ef_host_row **out, size_t *n);
int core_platform_counts(struct ef_store *s, const char *department, struct ef_platform_count **out,
                         size_t *n);
int core_dept_counts(struct ef_store *s, const char *department, struct ef_dept_counts **out,
                     size_t *n);
int core_check_counts(struct ef_store *s, int64_t department_id, struct ef_check_counts **out,
                      size_t *n);
int core_host_results(struct ef_store *s, const char *agent_id, struct ef_result_row **out,
                      size_t *n);
int core_acceptance_list(struct ef_store *s, int include_ended, struct ef_acceptance **out,
                         size_t *n);
int core_audit_list(struct ef_store *s, time_t since, struct ef_audit_row **out, size_t *n);
int core_snapshots(struct ef_store *s, const char *department, const char *control,
                   const char *since_day, const char *until_day, struct ef_snapshot_row **out,
                   size_t *n);
int core_report_iter(struct ef_store *s, const struct ef_report_filter *f, ef_report_cb cb,
                     void *arg);
/* core_inventory.c */
int core_inventory_replace(struct ef_store *s, struct ef_inventory_info *info,
                           const struct ef_device *v, size_t n, const char *details, time_t now);
int core_inventory_get(struct ef_store *s, struct ef_inventory_info *info, struct ef_device **v,
                       size_t *n);

/* core_policy.c */
int core_policy_add(struct ef_store *s, struct ef_site_policy *p, int replace, time_t now);
int core_policy_list(struct ef_store *s, struct ef_site_policy **out, size_t *n);
int core_policy_assign(struct ef_store *s, const char *name, const char *dept, int remove,
                       const char *actor, time_t now);
int core_policy_override(struct ef_store *s, const char *dept, const struct ef_policy_override *o,
                         int remove, time_t now);
int core_policy_dept_get(struct ef_store *s, const char *dept, const char *platform,
                         struct ef_dept_policy *out);
int core_policy_served_set(struct ef_store *s, int64_t department_id, const char *platform,
                           int64_t version, const char *sha256, time_t now);
int core_policy_served_get(struct ef_store *s, int64_t department_id, const char *platform,
                           char sha256[65]);

extern const struct ef_store_ops ef_store_core_ops;

#endif
