#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# Cross-build the Windows agent, efterlev-agent.exe (x86_64), and the unit tests that run on
# Windows, with Debian's mingw-w64 against the static libraries of scripts/windows-deps.sh
# (built once, then taken from their cache in seconds).
#
#   scripts/build-windows.sh [BUILD_DIR] [cmake options...]
#
# BUILD_DIR defaults to build/windows; the program lands in BUILD_DIR/agent/, with the control
# catalog and the Windows policy beside it (policies/), as the MSI installs them. Release
# by default; pass -DEFTERLEV_WERROR=ON to make warnings fatal (scripts/test.sh does).
# Prints the path of efterlev-agent.exe on stdout.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-$src/build/windows}
[ $# -gt 0 ] && shift
prefix=$(bash "$src/scripts/windows-deps.sh")
echo "efterlev: cross-building the Windows agent in $dir" >&2
cmake -S "$src" -B "$dir" -DCMAKE_TOOLCHAIN_FILE="$src/cmake/mingw-w64-x86_64.cmake" \
    -DEFTERLEV_WINDOWS_PREFIX="$prefix" -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
cmake --build "$dir" -j"$(nproc)" >/dev/null
echo "$dir/agent/efterlev-agent.exe"
