# SPDX-License-Identifier: EUPL-1.2
# Loaded by cmake/mingw-w64-x86_64.cmake as CMAKE_USER_MAKE_RULES_OVERRIDE, that is after
# CMake's Windows-GNU platform file, which makes find_library prefer import libraries
# (libz.dll.a before libz.a). The Windows agent is one static .exe: static archives only.
set(CMAKE_FIND_LIBRARY_SUFFIXES ".a")
