/* SPDX-License-Identifier: EUPL-1.2 */
/* The advanced audit policy's subcategories: GUID (lower case, as api:AuditPolicy gives it)
 * -> English name -> fact suffix (audit.policy.<suffix>). The ONE table of them: the fact
 * table (facts_windows.c) and the audit probe (win_audit.c) both expand it. GUIDs as
 * ntsecapi.h and `auditpol /list /subcategory:* /v` give them (the names are the English
 * ones; auditpol prints them in the machine's language). Category order, as auditpol lists
 * them: System, Logon/Logoff, Object Access, Privilege Use, Detailed Tracking, Policy
 * Change, Account Management, DS Access, Account Logon. */
#ifndef EFTERLEV_AGENT_PROBES_WIN_AUDIT_SUBCATEGORIES_H
#define EFTERLEV_AGENT_PROBES_WIN_AUDIT_SUBCATEGORIES_H

#define EF_WIN_AUDIT_FACT_PREFIX "audit.policy."

/* X(guid, english_name, fact_suffix) */
#define EF_WIN_AUDIT_SUBCATEGORIES(X)                                                              \
    X("0cce9210-69ae-11d9-bed3-505054503030", "Security State Change", "security_state_change")    \
    X("0cce9211-69ae-11d9-bed3-505054503030", "Security System Extension",                         \
      "security_system_extension")                                                                 \
    X("0cce9212-69ae-11d9-bed3-505054503030", "System Integrity", "system_integrity")              \
    X("0cce9213-69ae-11d9-bed3-505054503030", "IPsec Driver", "ipsec_driver")                      \
    X("0cce9214-69ae-11d9-bed3-505054503030", "Other System Events", "other_system_events")        \
    X("0cce9215-69ae-11d9-bed3-505054503030", "Logon", "logon")                                    \
    X("0cce9216-69ae-11d9-bed3-505054503030", "Logoff", "logoff")                                  \
    X("0cce9217-69ae-11d9-bed3-505054503030", "Account Lockout", "account_lockout")                \
    X("0cce9218-69ae-11d9-bed3-505054503030", "IPsec Main Mode", "ipsec_main_mode")                \
    X("0cce9219-69ae-11d9-bed3-505054503030", "IPsec Quick Mode", "ipsec_quick_mode")              \
    X("0cce921a-69ae-11d9-bed3-505054503030", "IPsec Extended Mode", "ipsec_extended_mode")        \
    X("0cce921b-69ae-11d9-bed3-505054503030", "Special Logon", "special_logon")                    \
    X("0cce921c-69ae-11d9-bed3-505054503030", "Other Logon/Logoff Events",                         \
      "other_logon_logoff_events")                                                                 \
    X("0cce9243-69ae-11d9-bed3-505054503030", "Network Policy Server", "network_policy_server")    \
    X("0cce9247-69ae-11d9-bed3-505054503030", "User / Device Claims", "user_device_claims")        \
    X("0cce9249-69ae-11d9-bed3-505054503030", "Group Membership", "group_membership")              \
    X("0cce924b-69ae-11d9-bed3-505054503030", "Access Rights", "access_rights")                    \
    X("0cce921d-69ae-11d9-bed3-505054503030", "File System", "file_system")                        \
    X("0cce921e-69ae-11d9-bed3-505054503030", "Registry", "registry")                              \
    X("0cce921f-69ae-11d9-bed3-505054503030", "Kernel Object", "kernel_object")                    \
    X("0cce9220-69ae-11d9-bed3-505054503030", "SAM", "sam")                                        \
    X("0cce9221-69ae-11d9-bed3-505054503030", "Certification Services", "certification_services")  \
    X("0cce9222-69ae-11d9-bed3-505054503030", "Application Generated", "application_generated")    \
    X("0cce9223-69ae-11d9-bed3-505054503030", "Handle Manipulation", "handle_manipulation")        \
    X("0cce9224-69ae-11d9-bed3-505054503030", "File Share", "file_share")                          \
    X("0cce9225-69ae-11d9-bed3-505054503030", "Filtering Platform Packet Drop",                    \
      "filtering_platform_packet_drop")                                                            \
    X("0cce9226-69ae-11d9-bed3-505054503030", "Filtering Platform Connection",                     \
      "filtering_platform_connection")                                                             \
    X("0cce9227-69ae-11d9-bed3-505054503030", "Other Object Access Events",                        \
      "other_object_access_events")                                                                \
    X("0cce9244-69ae-11d9-bed3-505054503030", "Detailed File Share", "detailed_file_share")        \
    X("0cce9245-69ae-11d9-bed3-505054503030", "Removable Storage", "removable_storage")            \
    X("0cce9246-69ae-11d9-bed3-505054503030", "Central Policy Staging", "central_policy_staging")  \
    X("0cce9228-69ae-11d9-bed3-505054503030", "Sensitive Privilege Use",                           \
      "sensitive_privilege_use")                                                                   \
    X("0cce9229-69ae-11d9-bed3-505054503030", "Non Sensitive Privilege Use",                       \
      "non_sensitive_privilege_use")                                                               \
    X("0cce922a-69ae-11d9-bed3-505054503030", "Other Privilege Use Events",                        \
      "other_privilege_use_events")                                                                \
    X("0cce922b-69ae-11d9-bed3-505054503030", "Process Creation", "process_creation")              \
    X("0cce922c-69ae-11d9-bed3-505054503030", "Process Termination", "process_termination")        \
    X("0cce922d-69ae-11d9-bed3-505054503030", "DPAPI Activity", "dpapi_activity")                  \
    X("0cce922e-69ae-11d9-bed3-505054503030", "RPC Events", "rpc_events")                          \
    X("0cce9248-69ae-11d9-bed3-505054503030", "Plug and Play Events", "plug_and_play_events")      \
    X("0cce924a-69ae-11d9-bed3-505054503030", "Token Right Adjusted Events",                       \
      "token_right_adjusted_events")                                                               \
    X("0cce922f-69ae-11d9-bed3-505054503030", "Audit Policy Change", "audit_policy_change")        \
    X("0cce9230-69ae-11d9-bed3-505054503030", "Authentication Policy Change",                      \
      "authentication_policy_change")                                                              \
    X("0cce9231-69ae-11d9-bed3-505054503030", "Authorization Policy Change",                       \
      "authorization_policy_change")                                                               \
    X("0cce9232-69ae-11d9-bed3-505054503030", "MPSSVC Rule-Level Policy Change",                   \
      "mpssvc_rule_level_policy_change")                                                           \
    X("0cce9233-69ae-11d9-bed3-505054503030", "Filtering Platform Policy Change",                  \
      "filtering_platform_policy_change")                                                          \
    X("0cce9234-69ae-11d9-bed3-505054503030", "Other Policy Change Events",                        \
      "other_policy_change_events")                                                                \
    X("0cce9235-69ae-11d9-bed3-505054503030", "User Account Management",                           \
      "user_account_management")                                                                   \
    X("0cce9236-69ae-11d9-bed3-505054503030", "Computer Account Management",                       \
      "computer_account_management")                                                               \
    X("0cce9237-69ae-11d9-bed3-505054503030", "Security Group Management",                         \
      "security_group_management")                                                                 \
    X("0cce9238-69ae-11d9-bed3-505054503030", "Distribution Group Management",                     \
      "distribution_group_management")                                                             \
    X("0cce9239-69ae-11d9-bed3-505054503030", "Application Group Management",                      \
      "application_group_management")                                                              \
    X("0cce923a-69ae-11d9-bed3-505054503030", "Other Account Management Events",                   \
      "other_account_management_events")                                                           \
    X("0cce923b-69ae-11d9-bed3-505054503030", "Directory Service Access",                          \
      "directory_service_access")                                                                  \
    X("0cce923c-69ae-11d9-bed3-505054503030", "Directory Service Changes",                         \
      "directory_service_changes")                                                                 \
    X("0cce923d-69ae-11d9-bed3-505054503030", "Directory Service Replication",                     \
      "directory_service_replication")                                                             \
    X("0cce923e-69ae-11d9-bed3-505054503030", "Detailed Directory Service Replication",            \
      "detailed_directory_service_replication")                                                    \
    X("0cce923f-69ae-11d9-bed3-505054503030", "Credential Validation", "credential_validation")    \
    X("0cce9240-69ae-11d9-bed3-505054503030", "Kerberos Service Ticket Operations",                \
      "kerberos_service_ticket_operations")                                                        \
    X("0cce9241-69ae-11d9-bed3-505054503030", "Other Account Logon Events",                        \
      "other_account_logon_events")                                                                \
    X("0cce9242-69ae-11d9-bed3-505054503030", "Kerberos Authentication Service",                   \
      "kerberos_authentication_service")

#endif
