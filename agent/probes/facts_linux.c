/* SPDX-License-Identifier: EUPL-1.2 */
/* The facts of a Linux system (a scan of a root: "/" or a mounted image): each fact names the
 * probe that computes it. The mechanics are in facts.c; Windows facts in facts_windows.c. */
#include "fact_table.h"

#include "efterlev/util.h"

/* Each fact names the probe that computes it; a probe runs once per scan, on the first
 * request for any of its facts. Keep each probe's facts together, one block per probe. */
#define STORAGE "storage", ef_probe_storage
#define OS "os", ef_probe_os
#define UPDATES "updates", ef_probe_updates
#define JOURNALD "journald", ef_probe_journald
#define LOGFILES "logfiles", ef_probe_logfiles
/* --- patch and accounts probes --- */
#define APT_PENDING "apt_pending", ef_probe_apt_pending
#define APT_HISTORY "apt_history", ef_probe_apt_history
#define APTCONF "aptconf", ef_probe_aptconf
#define REPOSIG "reposig", ef_probe_reposig
#define REBOOT "reboot", ef_probe_reboot
#define ACCOUNTS "accounts", ef_probe_accounts
#define SUDOERS "sudoers", ef_probe_sudoers
#define PAM "pam", ef_probe_pam
#define SSHD "sshd", ef_probe_sshd
/* --- encryption and logging probes --- */
#define LUKS "luks", ef_probe_luks
#define KMOD "kmod", ef_probe_kmod
#define USBGUARD "usbguard", ef_probe_usbguard
#define REMOVABLE "removable", ef_probe_removable
#define AUDIT "audit", ef_probe_audit
#define TIMESYNC "timesync", ef_probe_timesync
#define LOGFWD "logfwd", ef_probe_logfwd
#define LOGRETENTION "logretention", ef_probe_logretention
/* --- network, malware, desktop and system probes --- */
#define HOST "host", ef_probe_host
#define FIREWALL "firewall", ef_probe_firewall
#define LISTENERS "listeners", ef_probe_listeners
#define MALWARE "malware", ef_probe_malware
#define DESKTOP "desktop", ef_probe_desktop
#define BOOT "boot", ef_probe_boot
#define KERNEL "kernel", ef_probe_kernel
#define FSWALK "fswalk", ef_probe_fswalk
#define INTEGRITY "integrity", ef_probe_integrity

const struct ef_fact_def ef_facts_linux[] = {
    {"storage.root.encrypted", EF_FACT_BOOL, STORAGE},
    {"storage.swap.encrypted", EF_FACT_BOOL, STORAGE},

    {"os.id", EF_FACT_STR, OS},
    {"os.version_id", EF_FACT_STR, OS},
    {"os.pretty_name", EF_FACT_STR, OS},
    {"os.supported", EF_FACT_BOOL, OS},
    {"os.days_to_eol", EF_FACT_INT, OS},

    {"updates.days_since_refresh", EF_FACT_INT, UPDATES},

    {"log.journald.storage", EF_FACT_STR, JOURNALD},
    {"log.journald.persistent", EF_FACT_BOOL, JOURNALD},

    {"log.files.world_writable_count", EF_FACT_INT, LOGFILES},
    {"log.files.sensitive_world_readable_count", EF_FACT_INT, LOGFILES},

    /* --- patch and accounts facts --- */
    {"updates.security_pending", EF_FACT_INT, APT_PENDING},
    {"updates.security_pending_days", EF_FACT_INT, APT_PENDING},
    {"updates.security_pending_undated", EF_FACT_INT, APT_PENDING},
    {"updates.stale_metadata", EF_FACT_BOOL, APT_PENDING},
    {"updates.days_since_upgrade", EF_FACT_INT, APT_HISTORY},
    {"updates.unattended_upgrade", EF_FACT_BOOL, APTCONF},
    {"updates.insecure_sources", EF_FACT_INT, REPOSIG},
    {"updates.reboot_required", EF_FACT_BOOL, REBOOT},
    {"updates.reboot_pending_days", EF_FACT_INT, REBOOT},
    {"accounts.password_max_days_max", EF_FACT_INT, ACCOUNTS},
    {"accounts.password_inactive_max", EF_FACT_INT, ACCOUNTS},
    {"accounts.dormant_days_max", EF_FACT_INT, ACCOUNTS},
    {"accounts.system_login_count", EF_FACT_INT, ACCOUNTS},
    {"accounts.sudo_nopasswd_count", EF_FACT_INT, SUDOERS},
    {"accounts.pam_pwquality", EF_FACT_BOOL, PAM},
    {"accounts.pwquality_minlen", EF_FACT_INT, PAM},
    {"accounts.pwquality_enforce_for_root", EF_FACT_BOOL, PAM},
    {"accounts.pam_faillock", EF_FACT_BOOL, PAM},
    {"accounts.faillock_deny", EF_FACT_INT, PAM},
    {"accounts.faillock_unlock_time", EF_FACT_INT, PAM},
    {"accounts.faillock_even_deny_root", EF_FACT_BOOL, PAM},
    {"ssh.permit_root_login", EF_FACT_STR, SSHD},
    {"ssh.password_authentication", EF_FACT_STR, SSHD},
    {"ssh.kbd_interactive_authentication", EF_FACT_STR, SSHD},
    {"ssh.permit_empty_passwords", EF_FACT_STR, SSHD},

    /* --- encryption and logging facts --- */
    {"storage.data.encrypted", EF_FACT_BOOL, STORAGE},
    {"storage.removable.encrypted", EF_FACT_BOOL, STORAGE},
    {"storage.luks.count", EF_FACT_INT, LUKS},
    {"storage.luks.strong", EF_FACT_BOOL, LUKS},
    {"kmod.usb_storage.blocked", EF_FACT_BOOL, KMOD},
    {"kmod.usb_storage.blacklisted", EF_FACT_BOOL, KMOD},
    {"kmod.usb_storage.loaded", EF_FACT_BOOL, KMOD},
    {"usbguard.enforcing", EF_FACT_BOOL, USBGUARD},
    {"removable.enforced", EF_FACT_BOOL, REMOVABLE},
    {"log.journald.max_retention_days", EF_FACT_INT, JOURNALD},
    {"log.files.sensitive_bad_owner_count", EF_FACT_INT, LOGFILES},
    {"log.files.audit_dir_mode", EF_FACT_INT, LOGFILES},
    {"log.files.audit_file_modes", EF_FACT_INT, LOGFILES},
    {"log.files.journal_bad_group_count", EF_FACT_INT, LOGFILES},
    {"log.journal.oldest_days", EF_FACT_INT, LOGRETENTION},
    {"log.logrotate.min_days", EF_FACT_INT, LOGRETENTION},
    {"log.retention.days", EF_FACT_INT, LOGRETENTION},
    {"log.remote.forwarding", EF_FACT_BOOL, LOGFWD},
    {"log.remote.target", EF_FACT_STR, LOGFWD},
    {"audit.boot_enabled", EF_FACT_BOOL, AUDIT},
    {"audit.backlog_limit", EF_FACT_INT, AUDIT},
    {"audit.enabled", EF_FACT_INT, AUDIT},
    {"audit.rules.complete", EF_FACT_BOOL, AUDIT},
    {"time.kernel_synced", EF_FACT_BOOL, TIMESYNC},
    {"time.daemons_active", EF_FACT_INT, TIMESYNC},

    /* --- network, malware, desktop and system facts --- */
    {"host.role", EF_FACT_STR, HOST},

    {"net.firewall.managers", EF_FACT_STR, FIREWALL},
    {"net.firewall.count", EF_FACT_INT, FIREWALL},
    {"net.firewall.default_deny", EF_FACT_BOOL, FIREWALL},

    {"net.listeners", EF_FACT_STR, LISTENERS},
    {"net.listeners.count", EF_FACT_INT, LISTENERS},

    {"mal.clamav.signatures_present", EF_FACT_BOOL, MALWARE},
    {"mal.clamav.signature_age_days", EF_FACT_INT, MALWARE},

    {"desktop.graphical", EF_FACT_BOOL, DESKTOP},
    {"desktop.gnome.idle_delay", EF_FACT_INT, DESKTOP},
    {"desktop.gnome.lock_enabled", EF_FACT_BOOL, DESKTOP},
    {"desktop.gnome.lock_delay", EF_FACT_INT, DESKTOP},
    {"desktop.gnome.screen_lock_locked", EF_FACT_BOOL, DESKTOP},
    {"desktop.gnome.automount", EF_FACT_BOOL, DESKTOP},
    {"desktop.gnome.automount_open", EF_FACT_BOOL, DESKTOP},
    {"desktop.gnome.automount_locked", EF_FACT_BOOL, DESKTOP},

    {"boot.uefi", EF_FACT_BOOL, BOOT},
    {"boot.secure_boot", EF_FACT_BOOL, BOOT},
    {"boot.grub.password", EF_FACT_BOOL, BOOT},
    {"boot.grub.config_protected", EF_FACT_BOOL, BOOT},

    {"sys.limits.core_hard_zero", EF_FACT_BOOL, KERNEL},
    {"sys.coredump.restricted", EF_FACT_BOOL, KERNEL},
    {"sys.mac.name", EF_FACT_STR, KERNEL},
    {"sys.mac.mode", EF_FACT_STR, KERNEL},

    {"fs.world_writable.files", EF_FACT_INT, FSWALK},
    {"fs.world_writable.dirs", EF_FACT_INT, FSWALK},
    {"fs.world_writable.truncated", EF_FACT_BOOL, FSWALK},

    {"integ.aide.installed", EF_FACT_BOOL, INTEGRITY},
    {"integ.aide.database", EF_FACT_BOOL, INTEGRITY},
    {"integ.aide.scheduled", EF_FACT_BOOL, INTEGRITY},
};

const size_t ef_facts_linux_n = EF_ARRAY_LEN(ef_facts_linux);
