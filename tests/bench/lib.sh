# SPDX-License-Identifier: EUPL-1.2
# Helpers for the benchmark scripts: repeated measurement of whole commands with GNU time,
# medians, and a release build of efterlev to measure.

src=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
bench_build=${EFTERLEV_BENCH_BUILD:-$src/build/bench}

# ensure_release: build efterlev without sanitizers (what users run) if needed.
# EFTERLEV_BENCH_NO_BUILD=1 uses the build as it is (the smoke runs in ctest do).
ensure_release() {
    [ "${EFTERLEV_BENCH_NO_BUILD:-0}" = 1 ] ||
        bash "$src/scripts/build.sh" "$bench_build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DEFTERLEV_TESTS=ON \
            -DEFTERLEV_POSTGRES=ON >&2
    AGENT=$bench_build/agent/efterlev-agent
    COLLECTOR=$bench_build/collector/efterlev-collector
}

# measure N OUT CMD...: run CMD N times; OUT gets one line per run: wall user sys maxrss_kb.
measure() {
    local n=$1 out=$2
    shift 2
    : >"$out"
    for _ in $(seq 1 "$n"); do
        /usr/bin/time -f '%e %U %S %M' -o "$out.one" "$@" >/dev/null 2>&1 || true
        tail -n 1 "$out.one" >>"$out"
    done
    rm -f "$out.one"
}

# median FILE COLUMN: the median of a column of numbers.
median() {
    awk -v c="$2" '{print $c}' "$1" | sort -g | awk '{v[NR]=$1} END {
        if (NR == 0) { print "nan"; exit }
        if (NR % 2) print v[(NR+1)/2]; else printf "%.3f\n", (v[NR/2]+v[NR/2+1])/2 }'
}

# summary NAME FILE: "NAME wall W s, CPU C s, peak RSS R MiB (median of N)".
summary() {
    local wall cpu rss n
    wall=$(median "$2" 1)
    cpu=$(awk '{print $2+$3}' "$2" | sort -g | awk '{v[NR]=$1} END {
        if (NR % 2) print v[(NR+1)/2]; else printf "%.3f\n", (v[NR/2]+v[NR/2+1])/2 }')
    rss=$(median "$2" 4)
    n=$(wc -l <"$2")
    printf '%-34s wall %8.3f s  CPU %8.3f s  peak RSS %7.1f MiB  (median of %d)\n' \
        "$1" "$wall" "$cpu" "$(awk -v k="$rss" 'BEGIN{print k/1024}')" "$n"
}
