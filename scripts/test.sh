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
# The Windows agent's static libraries (scripts/windows-deps.sh: about ten minutes the first
# time on a machine, seconds from its cache afterwards) build while the Linux trees do: much
# of their build is configure checks that keep one core busy, so the two overlap.
wdeps=
if [ "${EFTERLEV_WINDOWS:-1}" != 0 ]; then
    wlog=$(mktemp "${TMPDIR:-/tmp}/efterlev-windows-deps.XXXXXX")
    bash "$src/scripts/windows-deps.sh" >/dev/null 2>"$wlog" &
    wdeps=$!
    trap 'kill "$wdeps" 2>/dev/null || true' EXIT
fi
echo "efterlev: building (clang, sanitizers, fuzzers) in $build" >&2
# A tree configured with another compiler cannot be switched in place: start it afresh.
if [ -f "$build/CMakeCache.txt" ] && ! grep -q '^CMAKE_C_COMPILER:[A-Z]*=.*clang' "$build/CMakeCache.txt"; then
    rm -rf "$build"
fi
bash "$src/scripts/build.sh" "$build" -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Debug \
    -DEFTERLEV_SANITIZE=ON -DEFTERLEV_FUZZ=ON -DEFTERLEV_POSTGRES=ON -DEFTERLEV_WERROR=ON

# The same tree, tests included, with gcc as a packager or user builds it (Release, -O3):
# warnings such as -Wmaybe-uninitialized and -Wformat-truncation appear only with
# optimisation, and -Werror makes a new one fail here rather than warn in their build.
# (scripts/build-matrix.sh builds every build type with both compilers, before a release.)
echo "efterlev: building (gcc Release) in $src/build/gcc-release" >&2
bash "$src/scripts/build.sh" "$src/build/gcc-release" -DCMAKE_C_COMPILER=gcc \
    -DCMAKE_BUILD_TYPE=Release -DEFTERLEV_TESTS=ON -DEFTERLEV_POSTGRES=ON -DEFTERLEV_WERROR=ON

# The Windows agent (issue 12), cross-built with -Werror into $build/windows, where the
# windows.* tests find it and run it under Wine. EFTERLEV_WINDOWS=0 leaves it out (those
# tests are then skipped). The first run on a machine builds the static Windows libraries
# (scripts/windows-deps.sh, about ten minutes on two cores; cached in /var/cache/efterlev-windows).
if [ -n "$wdeps" ]; then
    if ! wait "$wdeps"; then
        cat "$wlog" >&2
        echo "efterlev: scripts/windows-deps.sh failed (its output above)" >&2
        exit 1
    fi
    trap - EXIT
    rm -f "$wlog"
    bash "$src/scripts/build-windows.sh" "$build/windows" -DEFTERLEV_WERROR=ON \
        -DEFTERLEV_TESTS=ON >/dev/null
fi

# intercept_tls_get_addr=0: LLVM 14's __tls_get_addr interceptor can take a heap block of a
# library's dynamic TLS (libcurl's, loaded by the agent) for a glibc 2.19 TLS header by
# coincidence of its address, and LeakSanitizer's tracer then crashes at exit ("Tracer
# caught signal 11") with no leak found: google/sanitizers#1322, fixed in LLVM 17.
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1:intercept_tls_get_addr=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
cd "$build"
ctest --output-on-failure -j"$(nproc)" "$@"
