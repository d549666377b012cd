#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# Before a release: build every build type a user or packager may pick (Release,
# RelWithDebInfo, Debug) with both compilers (gcc, clang), warnings as errors, tests
# included so they compile too, PostgreSQL store on, no sanitizers. Prints each build's
# time; exits 1 if any build failed (its warnings and errors are on stderr above).
# Not part of scripts/test.sh, which builds clang Debug (sanitizers) and gcc Release only.
#
#   scripts/build-matrix.sh            incremental builds in build/matrix/<cc>-<type>
#   scripts/build-matrix.sh --clean    each tree afresh (what the timings in docs mean)
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
root=${EFTERLEV_MATRIX_BUILD:-$src/build/matrix}
clean=0
case "${1:-}" in
"") ;;
--clean) clean=1 ;;
*)
    echo "usage: $0 [--clean]" >&2
    exit 2
    ;;
esac

bash "$src/scripts/deps.sh" test
failed=0
summary=()
for cc in gcc clang; do
    for type in Release RelWithDebInfo Debug; do
        dir=$root/$cc-$type
        [ "$clean" = 1 ] && rm -rf "$dir"
        echo "efterlev: building $cc $type in $dir" >&2
        start=$(date +%s)
        if bash "$src/scripts/build.sh" "$dir" -DCMAKE_C_COMPILER="$cc" -DCMAKE_BUILD_TYPE="$type" \
            -DEFTERLEV_WERROR=ON -DEFTERLEV_TESTS=ON -DEFTERLEV_SANITIZE=OFF -DEFTERLEV_FUZZ=OFF \
            -DEFTERLEV_POSTGRES=ON; then
            result=ok
        else
            result=FAILED
            failed=1
        fi
        summary+=("$(printf '%-6s %-15s %-7s %4ds' "$cc" "$type" "$result" $(($(date +%s) - start)))")
    done
done
printf '%s\n' "${summary[@]}"
exit "$failed"
