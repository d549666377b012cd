# SPDX-License-Identifier: EUPL-1.2
# The check engine: evaluation of policies (engine.c), rule kinds (rules/), probes and the
# fact cache (probes/). Linked by efterlev-agent and by the unit tests.
# checks/windows-support.csv (end of servicing per Windows release) built in as a C string,
# so the agent needs no path to it at run time (probes/win_support.c).
set(ef_winsupport_c ${CMAKE_CURRENT_BINARY_DIR}/windows_support_csv.c)
add_custom_command(
  OUTPUT ${ef_winsupport_c}
  COMMAND ${CMAKE_COMMAND} -DIN=${CMAKE_SOURCE_DIR}/checks/windows-support.csv
          -DOUT=${ef_winsupport_c} -DNAME=ef_windows_support_csv
          -P ${CMAKE_SOURCE_DIR}/cmake/embed_text.cmake
  DEPENDS ${CMAKE_SOURCE_DIR}/checks/windows-support.csv ${CMAKE_SOURCE_DIR}/cmake/embed_text.cmake
  VERBATIM)

if(WIN32)
  # Windows: the engine, the fact and registry rule kinds, the Windows facts and the
  # registry (live and recorded). The Linux rule kinds are unknown there
  # (rules/unavailable.c); the Linux probes are not built, and no Linux system is scanned
  # (probes/facts_linux_none.c: an empty Linux table).
  add_library(efterlev_engine STATIC
    engine.c
    rules/fact.c
    rules/registry.c
    rules/wmi.c
    rules/service_win.c
    rules/running.c
    rules/unavailable.c
    platform/registry.c
    platform/registry_recorded.c
    platform/registry_win32.c
    platform/winsys.c
    platform/winsys_recorded.c
    platform/winsys_tables.c
    platform/winsys_win32.c
    platform/winsys_api_win32.c
    platform/winsys_evt_win32.c
    platform/winsys_secedit_win32.c
    platform/winsys_variant_win32.c
    platform/winsys_wmi_win32.c
    platform/winsys_wua_win32.c
    probes/facts.c
    probes/facts_linux_none.c
    probes/facts_windows.c
    probes/first_seen.c
    probes/win_accounts.c
    probes/win_audit.c
    probes/win_eventlog.c
    probes/win_os.c
    probes/win_role.c
    probes/win_system.c
    probes/win_wmi.c
    probes/win_update.c
    probes/win_users.c
    probes/win_util.c
    probes/win_support.c
    ${ef_winsupport_c}
  )
  target_include_directories(efterlev_engine
    PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}
    PRIVATE ${CMAKE_SOURCE_DIR}/lib)
  # The live winsys.h source: COM and WMI, netapi32, advapi32, the event log (wevtapi).
  target_link_libraries(efterlev_engine PUBLIC efterlev_core wbemuuid ole32 oleaut32 uuid netapi32
                        wevtapi advapi32)
  return()
endif()

add_library(efterlev_engine STATIC
  engine.c
  rules/command.c
  rules/dir.c
  rules/fact.c
  rules/file.c
  rules/package.c
  rules/service.c
  rules/sysctl.c
  probes/facts.c
  probes/facts_linux.c
  probes/facts_windows.c
  probes/journald.c
  probes/logfiles.c
  probes/os.c
  probes/probe_util.c
  probes/root_open.c
  probes/run_command.c
  probes/storage.c
  probes/systemd_units.c
  probes/updates.c
  # --- patch and accounts sources ---
  probes/accounts.c
  probes/apt.c
  probes/aptconf.c
  probes/decompress.c
  probes/first_seen.c
  probes/pam.c
  probes/pkgdb.c
  probes/reboot.c
  probes/sshd.c
  probes/sudoers.c
  # --- encryption and logging sources ---
  probes/audit.c
  probes/kmod.c
  probes/logfwd.c
  probes/logretention.c
  probes/luks.c
  probes/removable.c
  probes/timesync.c
  # --- network, malware, desktop and system sources ---
  probes/boot.c
  probes/desktop.c
  probes/firewall.c
  probes/fswalk.c
  probes/host.c
  probes/integrity.c
  probes/kernel.c
  probes/listeners.c
  probes/malware.c
  # --- Windows: the registry (recorded everywhere) and the probes that read it ---
  rules/registry.c
  rules/wmi.c
  rules/service_win.c
  rules/running.c
  platform/registry.c
  platform/registry_recorded.c
  platform/registry_none.c
  platform/winsys.c
  platform/winsys_recorded.c
  platform/winsys_tables.c
  platform/winsys_none.c
  probes/win_accounts.c
  probes/win_audit.c
  probes/win_eventlog.c
  probes/win_os.c
  probes/win_role.c
  probes/win_system.c
  probes/win_wmi.c
  probes/win_update.c
  probes/win_users.c
  probes/win_util.c
  probes/win_support.c
  ${ef_winsupport_c}
)
target_include_directories(efterlev_engine
  PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}
  PRIVATE ${CMAKE_SOURCE_DIR}/lib)
target_link_libraries(efterlev_engine PUBLIC efterlev_core PkgConfig::ZLIB PkgConfig::LZ4)
