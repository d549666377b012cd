#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# Quick start, command 2: install what is missing, build with clang, AddressSanitizer and
# UndefinedBehaviorSanitizer (and libFuzzer targets), and run every test through ctest:
# unit tests, integration tests (the real programs over HTTPS on loopback) and short
# fuzzing runs. (scripts/demo.sh builds with the system's cc, so both compilers see the code.)
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=${EFTERLEV_TEST_BUILD:-$src/build/test}

bash "$src/scripts/deps.sh" test
echo "efterlev: building (clang, sanitizers, fuzzers) in $build" >&2
# A tree configured with another compiler cannot be switched in place: start it afresh.
if [ -f "$build/CMakeCache.txt" ] && ! grep -q '^CMAKE_C_COMPILER:[A-Z]*=.*clang' "$build/CMakeCache.txt"; then
    rm -rf "$build"
fi
bash "$src/scripts/build.sh" "$build" -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Debug \
    -DEFTERLEV_SANITIZE=ON -DEFTERLEV_FUZZ=ON -DEFTERLEV_POSTGRES=ON

# The same tree with gcc at -O2 (as packaged): warnings such as -Wformat-truncation appear
# only with optimisation, and -Werror makes them fail here rather than in a package build.
echo "efterlev: building (gcc -O2) in $src/build/gcc-o2" >&2
bash "$src/scripts/build.sh" "$src/build/gcc-o2" -DCMAKE_C_COMPILER=gcc \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DEFTERLEV_TESTS=ON -DEFTERLEV_POSTGRES=ON

export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
cd "$build"
ctest --output-on-failure -j"$(nproc)" "$@"
