# SPDX-License-Identifier: EUPL-1.2
# The unit tests of what the agent shares across systems (lib/: signing, reports, policies,
# buffers, text; the agent's state, spool and seq catch-up), cross-built for Windows and run
# under Wine by ctest (the toolchain file's CMAKE_CROSSCOMPILING_EMULATOR). The same source
# files as on Linux. Wine shows the Linux file system as drive Z:, so the source tree is
# Z:/work/... for the tests' fixtures.
find_library(EF_CMOCKA_STATIC NAMES cmocka-static REQUIRED)
find_path(EF_CMOCKA_INCLUDE cmocka.h REQUIRED)

function(ef_unit_test name)
  cmake_parse_arguments(T "" "" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${T_SOURCES})
  target_include_directories(${name} PRIVATE ${EF_CMOCKA_INCLUDE})
  target_link_libraries(${name} PRIVATE ${T_LIBS} ${EF_CMOCKA_STATIC})
  target_compile_definitions(${name} PRIVATE
    EF_SOURCE_DIR="Z:${CMAKE_SOURCE_DIR}" EF_FIXTURES="Z:${CMAKE_SOURCE_DIR}/tests/fixtures")
  add_test(NAME unit.${name} COMMAND ${name})
  set_tests_properties(unit.${name} PROPERTIES LABELS "unit;windows" TIMEOUT 120
    ENVIRONMENT "WINEDEBUG=-all")
endfunction()

set(D ${CMAKE_CURRENT_LIST_DIR})
ef_unit_test(test_sign SOURCES ${D}/test_sign.c LIBS efterlev_core)
ef_unit_test(test_report SOURCES ${D}/test_report.c LIBS efterlev_core)
ef_unit_test(test_util SOURCES ${D}/test_util.c LIBS efterlev_core)
ef_unit_test(test_buf SOURCES ${D}/test_buf.c LIBS efterlev_core)
ef_unit_test(test_textlist SOURCES ${D}/test_textlist.c LIBS efterlev_core)
ef_unit_test(test_policy SOURCES ${D}/test_policy.c LIBS efterlev_core)
target_include_directories(test_policy PRIVATE ${CMAKE_SOURCE_DIR}/lib)
ef_unit_test(test_agent_state
  SOURCES ${D}/test_agent_state.c ${CMAKE_SOURCE_DIR}/agent/agent_state.c
          ${CMAKE_SOURCE_DIR}/agent/spool.c ${CMAKE_SOURCE_DIR}/agent/agent_config.c
  LIBS efterlev_core)
target_include_directories(test_agent_state PRIVATE ${CMAKE_SOURCE_DIR}/agent)
ef_unit_test(test_agent_catch_up
  SOURCES ${D}/test_agent_catch_up.c ${CMAKE_SOURCE_DIR}/agent/catch_up.c
          ${CMAKE_SOURCE_DIR}/agent/agent_state.c ${CMAKE_SOURCE_DIR}/agent/spool.c
  LIBS efterlev_core)
target_include_directories(test_agent_catch_up PRIVATE ${CMAKE_SOURCE_DIR}/agent)
# Windows only: a COM VARIANT as JSON, as the live WMI source reads every property.
ef_unit_test(test_winsys_variant SOURCES ${D}/test_winsys_variant.c LIBS efterlev_engine)
target_include_directories(test_winsys_variant PRIVATE ${CMAKE_SOURCE_DIR}/agent)
