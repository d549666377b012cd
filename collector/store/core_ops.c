/* SPDX-License-Identifier: EUPL-1.2 */
/* The store's operations (store.h), one implementation for every backend: the domain code
 * of core_*.c over the backend's driver (s->db, db.h). */
#include "store/core.h"

static void core_close(struct ef_store *s)
{
    s->db->close(s);
}

const struct ef_store_ops ef_store_core_ops = {
    .close = core_close,
    .department_add = core_department_add,
    .department_get = core_department_get,
    .department_list = core_department_list,
    .department_set_token = core_department_set_token,
    .department_rename = core_department_rename,
    .department_set_level = core_department_set_level,
    .department_events = core_department_events,
    .department_merge = core_department_merge,
    .agent_enroll = core_agent_enroll,
    .agent_get = core_agent_get,
    .agent_move = core_agent_move,
    .agent_reset = core_agent_reset,
    .agent_retire = core_agent_retire,
    .report_store = core_report_store,
    .token_add = core_token_add,
    .token_get = core_token_get,
    .token_list = core_token_list,
    .token_revoke = core_token_revoke,
    .host_rows = core_host_rows,
    .platform_counts = core_platform_counts,
    .sweep = core_sweep,
    .dept_counts = core_dept_counts,
    .check_counts = core_check_counts,
    .host_results = core_host_results,
    .acceptance_add = core_acceptance_add,
    .acceptance_list = core_acceptance_list,
    .acceptance_revoke = core_acceptance_revoke,
    .audit_add = core_audit,
    .audit_list = core_audit_list,
    .snapshots = core_snapshots,
    .agent_list = core_agent_list,
    .report_iter = core_report_iter,
    .agent_keys_certify = core_agent_keys_certify,
    .agent_keys_recertify = core_agent_keys_recertify,
    .user_add = core_user_add,
    .user_get = core_user_get,
    .user_list = core_user_list,
    .user_set_password = core_user_set_password,
    .user_delete = core_user_delete,
    .user_login_state = core_user_login_state,
    .session_add = core_session_add,
    .session_get = core_session_get,
    .session_touch = core_session_touch,
    .session_delete = core_session_delete,
    .session_purge = core_session_purge,
    .inventory_replace = core_inventory_replace,
    .inventory_get = core_inventory_get,
    .batch_begin = core_batch_begin,
    .batch_commit = core_batch_commit,
    .batch_rollback = core_batch_rollback,
};
