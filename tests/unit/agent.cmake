# SPDX-License-Identifier: EUPL-1.2
# Agent unit tests (policy loader, engine, probes) are added here.
# The fixture roots in tests/fixtures are copied to a temporary directory by
# test_engine_fixture.c, which sets the modes and mtimes git cannot hold.
ef_unit_test(test_policy SOURCES test_policy.c LIBS efterlev_core)
target_include_directories(test_policy PRIVATE ${CMAKE_SOURCE_DIR}/lib)

ef_unit_test(test_probe SOURCES test_probe.c test_engine_fixture.c LIBS efterlev_engine)

ef_unit_test(test_engine SOURCES test_engine.c test_engine_fixture.c LIBS efterlev_engine)
target_include_directories(test_engine PRIVATE ${CMAKE_SOURCE_DIR}/lib)

ef_unit_test(test_rules_system SOURCES test_rules_system.c test_engine_fixture.c
             LIBS efterlev_engine)
target_include_directories(test_rules_system PRIVATE ${CMAKE_SOURCE_DIR}/lib)

# --- patch and accounts tests ---
ef_unit_test(test_checks_patch_acct SOURCES test_checks_patch_acct.c test_engine_fixture.c
             LIBS efterlev_engine)
ef_unit_test(test_rules_dir_pkg SOURCES test_rules_dir_pkg.c test_engine_fixture.c
             LIBS efterlev_engine)

# --- encryption and logging tests ---
ef_unit_test(test_checks_enc_log SOURCES test_checks_enc_log.c test_engine_fixture.c
             LIBS efterlev_engine)
target_include_directories(test_checks_enc_log PRIVATE ${CMAKE_SOURCE_DIR}/lib)

# --- network, malware, desktop and system tests ---
ef_unit_test(test_checks_sys_net SOURCES test_checks_sys_net.c test_engine_fixture.c
             LIBS efterlev_engine)
target_include_directories(test_checks_sys_net PRIVATE ${CMAKE_SOURCE_DIR}/lib)

# Compressed apt lists and first sightings of pending updates (agent state).
ef_unit_test(test_apt_state SOURCES test_apt_state.c test_engine_fixture.c LIBS efterlev_engine)

# Files under a scan root: links resolved inside it, FIFOs never read (issue #17).
ef_unit_test(test_root_open SOURCES test_root_open.c LIBS efterlev_engine)

# Issue 12: the recorded registry (.reg reader) and registry: rules.
ef_unit_test(test_registry SOURCES test_registry.c LIBS efterlev_engine)
target_include_directories(test_registry PRIVATE ${CMAKE_SOURCE_DIR}/lib)

# Issue 13: a recorded Windows machine's WMI classes and API tables (agent/platform/winsys*).
ef_unit_test(test_winsys SOURCES test_winsys.c LIBS efterlev_engine)

# Issue 13: wmi: rules and the probes that read WMI, on recordings the test writes.
ef_unit_test(test_wmi SOURCES test_wmi.c LIBS efterlev_engine)
target_include_directories(test_wmi PRIVATE ${CMAKE_SOURCE_DIR}/lib)
# Issue 13: the Windows API probes' judging helpers (audit subcategory table, Windows Update
# rows, dates) and their facts from a recording.
ef_unit_test(test_win_api SOURCES test_win_api.c LIBS efterlev_engine)
target_include_directories(test_win_api PRIVATE ${CMAKE_SOURCE_DIR}/agent/probes)

# Issue 13: end of servicing per Windows release (checks/windows-support.csv, built in).
ef_unit_test(test_win_support SOURCES test_win_support.c LIBS efterlev_engine)
target_include_directories(test_win_support PRIVATE ${CMAKE_SOURCE_DIR}/lib)

# Issue 13: avail.backup_agent and the running: rule kind, Linux and a recorded Windows server.
ef_unit_test(test_backup_agent SOURCES test_backup_agent.c test_engine_fixture.c
             LIBS efterlev_engine)
target_include_directories(test_backup_agent PRIVATE ${CMAKE_SOURCE_DIR}/lib)
