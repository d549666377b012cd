#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# Benchmark 2: collector ingest. A release collector on 127.0.0.1 (SQLite), a load generator
# (efterlev-bench-ingest, libcurl multi) posting real signed reports of 50 results from many
# simulated agents: with keep-alive, and with a new TLS connection per report (full handshake,
# then with session resumption). Prints reports/s, latency p50/p99 and the collector's CPU
# time per report, each the median of several runs.
#
#   tests/bench/ingest.sh [--agents N] [--reports M] [--runs K] [--smoke]
set -euo pipefail
source "$(dirname "$0")/lib.sh"
agents=200 reports=20 runs=3 conc=32
while [ $# -gt 0 ]; do
    case $1 in
    --agents) agents=$2; shift ;;
    --reports) reports=$2; shift ;;
    --runs) runs=$2; shift ;;
    --smoke) agents=4 reports=5 runs=1 conc=4 ;;
    *) echo "usage: $0 [--agents N] [--reports M] [--runs K] [--smoke]" >&2; exit 2 ;;
    esac
    shift
done
ensure_release
LOAD=${EFTERLEV_BENCH_LOAD:-$bench_build/tests/bench/efterlev-bench-ingest}
work=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"' EXIT

echo "machine: $(nproc) cores, $(. /etc/os-release; echo "$PRETTY_NAME"), kernel $(uname -r)"
# mode NAME ARGS...: K fresh collectors, one load each; prints the median line.
mode() {
    local name=$1
    shift
    : >"$work/$name.txt"
    for r in $(seq 1 "$runs"); do
        rm -rf "$work/c"
        # The collector counts only checks of its catalog: the load's own checks.
        "$LOAD" --policy-out "$work/bench-policy.yml"
        "$COLLECTOR" init --dir "$work/c" --policies "$work/bench-policy.yml" >/dev/null 2>&1
        # Mass enrollment from one address, many reports per agent: lift the per-address
        # limit and the per-agent ingest budget for the benchmark.
        printf 'enroll_per_minute: 1000000\nagent_reports_per_hour: 1000000\n' >>"$work/c/collector.yml"
        printf 'agent_bytes_per_day: 1099511627776\n' >>"$work/c/collector.yml"
        tok=$("$COLLECTOR" department add Bench --level basic --config "$work/c/collector.yml" 2>/dev/null)
        "$COLLECTOR" serve --config "$work/c/collector.yml" --listen 127.0.0.1:0 \
            --ready-file "$work/ready" >"$work/c.log" 2>&1 &
        pid=$!
        for _ in $(seq 1 100); do [ -s "$work/ready" ] && break; sleep 0.05; done
        "$LOAD" --url "https://$(cat "$work/ready")" --ca "$work/c/tls/ca.pem" --token "$tok" \
            --agents "$agents" --reports "$reports" --concurrency "$conc" \
            --collector-pid "$pid" "$@" | tail -n 1 >>"$work/$name.txt"
        kill "$pid"
        wait "$pid" 2>/dev/null || true
        pid=
        rm -f "$work/ready"
    done
    # Lines: "ingest: S stored, F failed in W s: R reports/s; latency p50 A ms, p99 B ms; collector CPU C us/report"
    local f=$work/$name.txt
    col() { # col WORD-BEFORE-VALUE|-VALUE-BEFORE-WORD: that figure of every line, one a line
        awk -v k="$1" '{ for (i = 1; i < NF; i++) {
            if (k == "reports/s;") { if ($(i+1) == k) print $i }
            else if ($i == k) print $(i+1) } }' "$f"
    }
    med() { sort -g | awk '{v[NR]=$1} END { if (NR == 0) print "nan"; else print v[int((NR+1)/2)] }'; }
    printf '%-38s %7.0f reports/s  p50 %6.2f ms  p99 %7.2f ms  collector CPU %5.0f us/report  (median of %d)\n' \
        "$name" "$(col reports/s\; | med)" "$(col p50 | med)" "$(col p99 | med)" "$(col CPU | med)" \
        "$(wc -l <"$f")"
}
echo "load: $agents agents x $reports reports of 50 results, $conc connections"
mode "keep-alive"
mode "new connection, full TLS handshake" --new-connection
mode "new connection, TLS resumption" --new-connection --resume
