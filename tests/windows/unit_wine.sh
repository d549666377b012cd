#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# windows.unit: the unit tests of what the agent shares across systems (tests/unit/windows.cmake:
# signing, reports, policies, buffers, text, the agent's state, spool and seq catch-up),
# cross-built for Windows, run by ctest under Wine in a throwaway prefix.
source "$(dirname "$0")/wine_lib.sh"
wine_prefix
[ -f "$EF_WINDOWS_BUILD/CTestTestfile.cmake" ] || skip "the Windows build has no tests (EFTERLEV_TESTS=OFF)"
ctest --test-dir "$EF_WINDOWS_BUILD" --output-on-failure >"$T/ctest.log" 2>&1 ||
    { tail -n 60 "$T/ctest.log" >&2; fail "unit tests under Wine"; }
n=$(grep -c ' Passed ' "$T/ctest.log")
[ "$n" -ge 8 ] || fail "only $n unit tests passed under Wine"
pass "$n unit tests passed under Wine"
