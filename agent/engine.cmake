# SPDX-License-Identifier: EUPL-1.2
# The check engine: evaluation of policies (engine.c), rule kinds (rules/), probes and the
# fact cache (probes/). Linked by efterlev-agent and by the unit tests.
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
)
target_include_directories(efterlev_engine
  PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}
  PRIVATE ${CMAKE_SOURCE_DIR}/lib)
target_link_libraries(efterlev_engine PUBLIC efterlev_core PkgConfig::ZLIB PkgConfig::LZ4)
