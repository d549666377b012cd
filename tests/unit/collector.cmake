# SPDX-License-Identifier: EUPL-1.2
# Collector unit tests (store, request logic, config). They link efterlev_collector_core,
# the same library as the executable. Paths are relative to this file so it can be
# included from anywhere.
ef_unit_test(test_collector_store
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_collector_store.c
  LIBS efterlev_collector_core PkgConfig::SQLITE)
ef_unit_test(test_collector_config
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_collector_config.c
  LIBS efterlev_collector_core)
# Alert messages: the webhook's HMAC and JSON, the e-mail's headers, subject and body.
ef_unit_test(test_collector_alerts
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_collector_alerts.c
  LIBS efterlev_collector_core)
# The per-agent ingest budget: windows, Retry-After, the table's bound, threads; charged
# only for verified signatures.
ef_unit_test(test_collector_budget
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_collector_budget.c
  LIBS efterlev_collector_core)
# Figures, acceptances, snapshots, board report, export/verify, schema migration.
ef_unit_test(test_collector_analytics
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_collector_analytics.c
  LIBS efterlev_collector_core PkgConfig::SQLITE)
# Counter deltas at ingest against a recomputation after every step.
ef_unit_test(test_collector_counters
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_collector_counters.c
  LIBS efterlev_collector_core PkgConfig::SQLITE)
# Dashboard logins: scrypt hashes, lockout, session expiry and logout, cookie parsing.
ef_unit_test(test_collector_auth
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_collector_auth.c
  LIBS efterlev_collector_core)
# The check catalog, what of a report counts (issue 17), collector.yml `policies`.
ef_unit_test(test_collector_catalog
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_collector_catalog.c
  LIBS efterlev_collector_core)
# CSV formula neutralisation (both dialects) and terminal-safe text.
ef_unit_test(test_collector_output
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_collector_output.c
  LIBS efterlev_collector_core)
# The shared query parameters of the HTTP API; the result codes' names.
ef_unit_test(test_collector_query
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_collector_query.c
  LIBS efterlev_collector_core PkgConfig::EVENT)
# The device list: columns by header, host name matching, encodings, refused rows (issue 14).
ef_unit_test(test_collector_inventory
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_collector_inventory.c
  LIBS efterlev_collector_core)

# The same store tests against PostgreSQL: pg_run.sh makes a new database in the ctest run's
# throwaway cluster (fixture "postgres", tests/integration/collector.cmake) and passes its URI
# in EF_TEST_DATABASE (test_db.h).
if(EFTERLEV_POSTGRES)
  foreach(t test_collector_store test_collector_analytics test_collector_auth
          test_collector_counters)
    add_test(NAME unit.${t}.pg
      COMMAND bash ${CMAKE_SOURCE_DIR}/tests/integration/pg_run.sh
              ${CMAKE_BINARY_DIR}/pg-fixture.env $<TARGET_FILE:${t}>)
    set_tests_properties(unit.${t}.pg PROPERTIES LABELS "unit;postgres" TIMEOUT 120
      SKIP_RETURN_CODE 77 FIXTURES_REQUIRED postgres)
  endforeach()
endif()
