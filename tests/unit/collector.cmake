# Collector unit tests (store, request logic, config). They link efterlev_collector_core,
# the same library as the executable. Paths are relative to this file so it can be
# included from anywhere.
ef_unit_test(test_collector_store
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_collector_store.c
  LIBS efterlev_collector_core PkgConfig::SQLITE)
ef_unit_test(test_collector_config
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_collector_config.c
  LIBS efterlev_collector_core)
# Figures, acceptances, snapshots, board report, export/verify, schema migration.
ef_unit_test(test_collector_analytics
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_collector_analytics.c
  LIBS efterlev_collector_core PkgConfig::SQLITE)
