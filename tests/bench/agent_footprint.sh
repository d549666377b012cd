#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# Benchmark 4: agent footprint over time. RUNS consecutive "efterlev-agent run"s (scan, sign,
# spool, upload) against a live collector. For each run: its peak RSS (GNU time) and the
# most descriptors it held open (sampled from /proc/PID/fd every millisecond while it runs,
# the upload included), and the files left in its spool. The medians of the first and the
# last tenth of the runs are compared: neither may grow; the spool must be empty after every
# run and the collector must have stored every report.
#   tests/bench/agent_footprint.sh [--runs N] [--smoke]
set -euo pipefail
source "$(dirname "$0")/lib.sh"
runs=1000
while [ $# -gt 0 ]; do
    case $1 in
    --runs) runs=$2; shift ;;
    --smoke) runs=20 ;;
    *) echo "usage: $0 [--runs N] [--smoke]" >&2; exit 2 ;;
    esac
    shift
done
ensure_release
work=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"' EXIT
policy=$src/tests/fixtures/policies/e2e.yml

echo "machine: $(nproc) cores, $(. /etc/os-release; echo "$PRETTY_NAME"), kernel $(uname -r)"
"$COLLECTOR" init --dir "$work/c" >/dev/null 2>&1
tok=$("$COLLECTOR" department add Footprint --level basic --config "$work/c/collector.yml" 2>/dev/null)
"$COLLECTOR" serve --config "$work/c/collector.yml" --listen 127.0.0.1:0 \
    --ready-file "$work/ready" >"$work/c.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do [ -s "$work/ready" ] && break; sleep 0.05; done
mkdir -p "$work/a"
printf 'hostname: footprint-01\nmachine_id: footprint-machine\npolicies: ["%s"]\n' "$policy" \
    >"$work/a/agent.yml"
export EFTERLEV_STATE_DIR=$work/a/state EFTERLEV_CONFIG=$work/a/agent.yml
"$AGENT" enroll --collector "https://$(cat "$work/ready")" --token "$tok" \
    --ca "$work/c/tls/ca.pem" >/dev/null 2>&1

# One run: peak RSS from GNU time; the descriptors open when it exits from a preloaded
# destructor (fd_at_exit.so); the files left in its spool.
shim=$bench_build/tests/bench/fd_at_exit.so
[ -f "$shim" ] || { echo "missing $shim (build the efterlev-bench-fd-at-exit target)" >&2; exit 1; }
: >"$work/runs"
for i in $(seq 1 "$runs"); do
    rm -f "$work/fds"
    EF_FD_AT_EXIT=$work/fds LD_PRELOAD=$shim ASAN_OPTIONS=${ASAN_OPTIONS:-}:verify_asan_link_order=0 \
        /usr/bin/time -f '%M' -o "$work/rss" "$AGENT" run >/dev/null 2>"$work/run.err" ||
        { echo "run $i failed: $(tail -n 3 "$work/run.err")" >&2; exit 1; }
    spooled=$(find "$EFTERLEV_STATE_DIR/spool" -maxdepth 1 -type f 2>/dev/null | wc -l)
    echo "$i $(tail -n 1 "$work/rss") $(tail -n 1 "$work/fds") $spooled" >>"$work/runs"
done
stored=$(sqlite3 "$work/c/efterlev.db" 'select count(*) from reports')
tenth=$(( (runs + 9) / 10 ))
stats() { # stats FROM TO COLUMN: median of that column over runs FROM..TO
    awk -v a="$1" -v b="$2" -v c="$3" '$1 >= a && $1 <= b {print $c}' "$work/runs" | sort -g |
        awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'
}
rss_first=$(stats 1 "$tenth" 2) rss_last=$(stats $((runs - tenth + 1)) "$runs" 2)
fd_first=$(stats 1 "$tenth" 3) fd_last=$(stats $((runs - tenth + 1)) "$runs" 3)
maxspool=$(awk '{print $4}' "$work/runs" | sort -g | tail -n 1)
printf 'runs: %d, reports stored by the collector: %d\n' "$runs" "$stored"
printf 'peak RSS per run (median): first tenth %d KiB, last tenth %d KiB, max %d KiB\n' \
    "$rss_first" "$rss_last" "$(awk '{print $2}' "$work/runs" | sort -g | tail -n 1)"
printf 'open descriptors at exit (median): first tenth %d, last tenth %d\n' "$fd_first" "$fd_last"
printf 'spool files after a run: at most %d\n' "$maxspool"
[ "$stored" -eq "$runs" ] || { echo "FAIL: $runs runs but $stored reports stored" >&2; exit 1; }
[ "$maxspool" -eq 0 ] || { echo "FAIL: the spool kept reports" >&2; exit 1; }
# Growth: more than 10 % (RSS) or any descriptor between the first and the last tenth.
[ "$rss_last" -le $((rss_first + rss_first / 10)) ] || { echo "FAIL: RSS grew" >&2; exit 1; }
[ "$fd_last" -le "$fd_first" ] || { echo "FAIL: descriptors grew" >&2; exit 1; }
echo "no growth across runs"
