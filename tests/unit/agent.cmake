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

# --- patch and accounts tests ---

# --- encryption and logging tests ---

# --- network, malware, desktop and system tests ---
