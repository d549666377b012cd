/* SPDX-License-Identifier: EUPL-1.2 */
/* The facts of a Windows system, read from its registry (live, or recorded with --registry):
 * each fact names the probe that computes it. The probes read through agent/platform/
 * registry.h and winsys.h (WMI classes and API tables, live or recorded) only, so they
 * build and run on every system. A fact whose source is missing (a recorded registry
 * without a recording, a table denied without elevation) is unknown with that reason, so
 * that a check using it is unknown, never passed on missing information. */
#include "fact_table.h"
#include "win_audit_subcategories.h"

#include "efterlev/util.h"

#define WIN_OS "win_os", ef_probe_win_os
#define WIN_REBOOT "win_reboot", ef_probe_win_reboot
#define WIN_NETBT "win_netbt", ef_probe_win_netbt
#define WIN_ROLE "win_role", ef_probe_win_role
#define WIN_BITLOCKER "win_bitlocker", ef_probe_win_bitlocker
#define WIN_AV "win_av", ef_probe_win_av
#define WIN_ASR "win_asr", ef_probe_win_asr
#define WIN_FIRMWARE "win_firmware", ef_probe_win_firmware
#define WIN_JOIN "win_join", ef_probe_win_join
#define WIN_MODALS "win_modals", ef_probe_win_modals
#define WIN_LOCAL_ACCOUNTS "win_local_accounts", ef_probe_win_local_accounts
#define WIN_LSA_EVENT "win_lsa_event", ef_probe_win_lsa_event
#define WIN_AUDIT "win_audit", ef_probe_win_audit
#define WIN_EVENTLOG "win_eventlog", ef_probe_win_eventlog
#define WIN_INSTALL "win_install", ef_probe_win_install
#define WIN_UPDATE "win_update", ef_probe_win_update
#define WIN_USERS "win_users", ef_probe_win_users
#define AUDIT_FACT(guid, name, suffix) {EF_WIN_AUDIT_FACT_PREFIX suffix, EF_FACT_STR, WIN_AUDIT},

const struct ef_fact_def ef_facts_windows[] = {
    {"os.id", EF_FACT_STR, WIN_OS},
    {"os.version_id", EF_FACT_STR, WIN_OS},
    {"os.pretty_name", EF_FACT_STR, WIN_OS},
    {"os.edition", EF_FACT_STR, WIN_OS},
    {"os.build", EF_FACT_STR, WIN_OS},
    {"os.build_number", EF_FACT_INT, WIN_OS},
    {"os.supported", EF_FACT_BOOL, WIN_OS},
    {"os.days_to_eol", EF_FACT_INT, WIN_OS},
    {"host.role", EF_FACT_STR, WIN_ROLE},
    {"host.product_type", EF_FACT_STR, WIN_ROLE},

    {"bitlocker.os_volume.state", EF_FACT_STR, WIN_BITLOCKER},
    {"bitlocker.os_volume.encryption_method", EF_FACT_INT, WIN_BITLOCKER},
    {"bitlocker.os_volume.tpm_protector", EF_FACT_STR, WIN_BITLOCKER},
    {"malware.other_av", EF_FACT_STR, WIN_AV},
    {"malware.asr_block_rules", EF_FACT_STR, WIN_ASR},
    {"boot.uefi", EF_FACT_BOOL, WIN_FIRMWARE},

    {"updates.reboot_required", EF_FACT_BOOL, WIN_REBOOT},
    {"updates.reboot_pending_days", EF_FACT_INT, WIN_REBOOT},

    {"net.netbios.interfaces_off", EF_FACT_BOOL, WIN_NETBT},

    {"host.domain_joined", EF_FACT_BOOL, WIN_JOIN},

    {"accounts.password_min_length", EF_FACT_INT, WIN_MODALS},
    {"accounts.password_complexity", EF_FACT_BOOL, WIN_MODALS},
    {"accounts.password_history", EF_FACT_INT, WIN_MODALS},
    {"accounts.lockout_threshold", EF_FACT_INT, WIN_MODALS},
    {"accounts.lockout_duration", EF_FACT_INT, WIN_MODALS},
    {"accounts.lockout_window", EF_FACT_INT, WIN_MODALS},

    {"accounts.guest_disabled", EF_FACT_BOOL, WIN_LOCAL_ACCOUNTS},
    {"accounts.builtin_admin_disabled", EF_FACT_BOOL, WIN_LOCAL_ACCOUNTS},
    {"accounts.local_admins_extra", EF_FACT_STR, WIN_LOCAL_ACCOUNTS},

    {"accounts.lsa_protected_event", EF_FACT_BOOL, WIN_LSA_EVENT},

    EF_WIN_AUDIT_SUBCATEGORIES(AUDIT_FACT)

        {"log.eventlog.security_max_size", EF_FACT_INT, WIN_EVENTLOG},
    {"log.eventlog.application_max_size", EF_FACT_INT, WIN_EVENTLOG},
    {"log.eventlog.system_max_size", EF_FACT_INT, WIN_EVENTLOG},
    {"log.eventlog.stops_when_full", EF_FACT_BOOL, WIN_EVENTLOG},
    {"log.retention.days", EF_FACT_INT, WIN_EVENTLOG},
    {"host.installed_days", EF_FACT_INT, WIN_INSTALL},

    {"updates.days_since_upgrade", EF_FACT_INT, WIN_UPDATE},
    {"updates.security_pending", EF_FACT_INT, WIN_UPDATE},
    {"updates.security_pending_days", EF_FACT_INT, WIN_UPDATE},
    {"updates.security_pending_undated", EF_FACT_INT, WIN_UPDATE},
    {"updates.days_since_refresh", EF_FACT_INT, WIN_UPDATE},
    {"updates.stale_metadata", EF_FACT_BOOL, WIN_UPDATE},
    {"updates.search_by_manager", EF_FACT_BOOL, WIN_UPDATE},

    {"desktop.user_screen_lock", EF_FACT_BOOL, WIN_USERS},
    {"desktop.user_screen_timeout_max", EF_FACT_INT, WIN_USERS},
    {"accounts.always_install_elevated_users", EF_FACT_INT, WIN_USERS},
};

const size_t ef_facts_windows_n = EF_ARRAY_LEN(ef_facts_windows);
