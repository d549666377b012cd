# SPDX-License-Identifier: EUPL-1.2
# The Windows build (included by CMakeLists.txt when cross-building for Windows): lib/,
# the agent with its Windows platform files, and the unit tests that run on Windows,
# registered with ctest and run under Wine (the toolchain file's CMAKE_CROSSCOMPILING_EMULATOR).
set(PKG_CONFIG_ARGN --static) # the libraries' private dependencies too (libcurl's OpenSSL, zlib)
pkg_check_modules(CURL REQUIRED IMPORTED_TARGET libcurl)
pkg_check_modules(JANSSON REQUIRED IMPORTED_TARGET jansson)
pkg_check_modules(YAML REQUIRED IMPORTED_TARGET yaml-0.1)
pkg_check_modules(PCRE2 REQUIRED IMPORTED_TARGET libpcre2-8)

# Windows 10 / Server 2016 APIs; wide-character entry points (wmain) where a program has one.
add_compile_definitions(EFTERLEV_VERSION="${PROJECT_VERSION}" _WIN32_WINNT=0x0A00 WINVER=0x0A00
                        UNICODE _UNICODE __USE_MINGW_ANSI_STDIO=1)
add_compile_options(-Wall -Wextra -Wformat=2 -Wvla -Wstrict-prototypes -Wmissing-prototypes
                    -fstack-protector-strong -include ${CMAKE_SOURCE_DIR}/lib/compat_win32.h)
add_link_options(-fstack-protector-strong)
if(EFTERLEV_WERROR)
  add_compile_options(-Werror)
endif()

set(EF_CONTROLS_SOURCE_FILE "${CMAKE_SOURCE_DIR}/checks/iso27002-2022.yml")

add_subdirectory(lib)
add_subdirectory(agent)
if(EFTERLEV_TESTS)
  enable_testing()
  include(${CMAKE_SOURCE_DIR}/tests/unit/windows.cmake)
endif()
