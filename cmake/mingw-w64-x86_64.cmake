# SPDX-License-Identifier: EUPL-1.2
# CMake toolchain file: cross-build for 64-bit Windows (x86_64-w64-mingw32) with Debian's
# mingw-w64, linking statically against the libraries scripts/windows-deps.sh builds.
#
#   prefix=$(scripts/windows-deps.sh)
#   cmake -S . -B build/windows -DCMAKE_TOOLCHAIN_FILE=cmake/mingw-w64-x86_64.cmake \
#         -DEFTERLEV_WINDOWS_PREFIX="$prefix"
#
# EFTERLEV_WINDOWS_PREFIX (a cache variable, or the environment variable of that name) is the
# folder with include/ and lib/ that scripts/windows-deps.sh prints. find_package, find_library
# and pkg-config look there and in mingw-w64's own tree (zlib from libz-mingw-w64-dev), never
# in the build machine's /usr. scripts/windows-deps.sh uses this file too, for the libraries
# it builds with CMake, so that they and the programs linked against them see one toolchain.
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)
set(EF_MINGW_TRIPLET x86_64-w64-mingw32)
set(EF_MINGW_SYSROOT /usr/${EF_MINGW_TRIPLET})

set(CMAKE_C_COMPILER ${EF_MINGW_TRIPLET}-gcc)
set(CMAKE_RC_COMPILER ${EF_MINGW_TRIPLET}-windres)
set(CMAKE_AR ${EF_MINGW_TRIPLET}-gcc-ar CACHE FILEPATH "archiver")
set(CMAKE_RANLIB ${EF_MINGW_TRIPLET}-gcc-ranlib CACHE FILEPATH "ranlib")

# The prefix, from the cache or the environment; handed on to try_compile's projects.
if(NOT EFTERLEV_WINDOWS_PREFIX AND DEFINED ENV{EFTERLEV_WINDOWS_PREFIX})
  set(EFTERLEV_WINDOWS_PREFIX "$ENV{EFTERLEV_WINDOWS_PREFIX}")
endif()
set(EFTERLEV_WINDOWS_PREFIX "${EFTERLEV_WINDOWS_PREFIX}" CACHE PATH
    "Folder with the static Windows libraries (the output of scripts/windows-deps.sh)")
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES EFTERLEV_WINDOWS_PREFIX)

# Libraries, headers and CMake packages only from the prefix and mingw-w64's tree; programs
# (pkg-config, perl, wine) from the build machine.
set(CMAKE_FIND_ROOT_PATH ${EFTERLEV_WINDOWS_PREFIX} ${EF_MINGW_SYSROOT})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
# pkg-config likewise: only the .pc files of the prefix and of mingw-w64 (zlib.pc).
if(EFTERLEV_WINDOWS_PREFIX)
  set(ENV{PKG_CONFIG_LIBDIR} "${EFTERLEV_WINDOWS_PREFIX}/lib/pkgconfig:${EF_MINGW_SYSROOT}/lib/pkgconfig")
else()
  set(ENV{PKG_CONFIG_LIBDIR} "${EF_MINGW_SYSROOT}/lib/pkgconfig")
endif()
set(ENV{PKG_CONFIG_PATH} "")

# Static: FindOpenSSL and FindZLIB pick the .a over the import library (libz.dll.a), so
# does every find_library (mingw-w64-static.cmake), and
# -static keeps libgcc and winpthread out of DLLs too, so the .exe needs no DLL beside it.
set(OPENSSL_USE_STATIC_LIBS TRUE)
set(ZLIB_USE_STATIC_LIBS TRUE)
set(CMAKE_USER_MAKE_RULES_OVERRIDE ${CMAKE_CURRENT_LIST_DIR}/mingw-w64-static.cmake)
set(CMAKE_EXE_LINKER_FLAGS_INIT "-static")
# The headers of static libcurl, PCRE2 and libyaml must not declare their functions
# __declspec(dllimport): each has a macro for that.
set(CMAKE_C_FLAGS_INIT "-DCURL_STATICLIB -DPCRE2_STATIC -DYAML_DECLARE_STATIC")
# What the static libraries need from Windows, at the end of every link line: Winsock
# (libcurl, OpenSSL's BIO), the certificate store API and CryptoAPI (OpenSSL's capi and
# Windows random seeding, jansson's hash seed), BCrypt (OpenSSL's random numbers), the
# user and shell32 functions OpenSSL calls, then CMake's usual Windows set.
set(CMAKE_C_STANDARD_LIBRARIES
    "-lws2_32 -lcrypt32 -lbcrypt -ladvapi32 -luser32 -lkernel32 -lshell32 -lole32 -luuid"
    CACHE STRING "Windows libraries linked into every program")

# Tests of cross-built programs (add_test with a target) and try_run run under Wine.
find_program(EF_WINE NAMES wine wine64)
if(EF_WINE)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${EF_WINE})
endif()
