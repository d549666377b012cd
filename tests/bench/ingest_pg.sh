#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# Issue 9's benchmark: ingest with two collectors on one PostgreSQL. A throwaway cluster on
# 127.0.0.1 (durable: fsync and synchronous commit on), two release collectors on it, and
# two load generators at once, each posting the reports of half the agents to one collector.
# Prints each collector's rate and the combined reports/s (median of the runs), and where the
# CPU went, per report: the collectors, PostgreSQL's processes, the load generators, and
# how busy the machine was (the figures that explain the ratio on a machine this size).
#
#   tests/bench/ingest_pg.sh [--agents N] [--reports M] [--runs K] [--smoke]
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$src/tests/integration/pg.sh"
agents=200 reports=20 runs=3 conc=16
while [ $# -gt 0 ]; do
    case $1 in
    --agents) agents=$2; shift ;;
    --reports) reports=$2; shift ;;
    --runs) runs=$2; shift ;;
    --smoke) agents=4 reports=5 runs=1 conc=2 ;;
    *) echo "usage: $0 [--agents N] [--reports M] [--runs K] [--smoke]" >&2; exit 2 ;;
    esac
    shift
done
ensure_release
LOAD=${EFTERLEV_BENCH_LOAD:-$bench_build/tests/bench/efterlev-bench-ingest}
work=$(mktemp -d)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    pg_cluster_stop "$work/pg.env"
    rm -rf "$work"
}
trap cleanup EXIT

echo "machine: $(nproc) cores, $(. /etc/os-release; echo "$PRETTY_NAME"), kernel $(uname -r)"
rc=0
# Durable, unlike the test cluster: a benchmark of a database that promises to keep what it
# acknowledged must pay for it.
EFTERLEV_PG_DURABLE=1 pg_cluster_start "$work/pg.env" || rc=$?
[ "$rc" -eq 0 ] || { echo "ingest_pg: no PostgreSQL here" >&2; exit "$rc"; }
pg_cluster_load "$work/pg.env"
echo "database: PostgreSQL $(psql -X -qtA "$PG_URI/postgres" -c 'SHOW server_version'), fsync $(psql -X -qtA "$PG_URI/postgres" -c 'SHOW fsync')"

# start_collector N URI: collector N on the shared database; sets URL_N, CA_N, PID_N.
start_collector() {
    local n=$1 dir=$work/c$1
    rm -rf "$dir"
    # The collector counts only checks of its catalog: the load's own checks.
    "$LOAD" --policy-out "$work/bench-policy.yml"
    "$COLLECTOR" init --dir "$dir" --database "$2" --policies "$work/bench-policy.yml" \
        >/dev/null 2>&1
    # Many reports per agent: lift the per-agent ingest budget too.
    printf 'enroll_per_minute: 1000000\nagent_reports_per_hour: 1000000\n' >>"$dir/collector.yml"
    printf 'agent_bytes_per_day: 1099511627776\n' >>"$dir/collector.yml"
    rm -f "$dir/ready"
    "$COLLECTOR" serve --config "$dir/collector.yml" --listen 127.0.0.1:0 \
        --ready-file "$dir/ready" >"$dir.log" 2>&1 &
    pids+=("$!")
    eval "PID_$n=$!"
    for _ in $(seq 1 200); do [ -s "$dir/ready" ] && break; sleep 0.05; done
    [ -s "$dir/ready" ] || { cat "$dir.log" >&2; exit 1; }
    eval "URL_$n=https://$(cat "$dir/ready")"
    eval "CA_$n=$dir/tls/ca.pem"
}

# ticks PID...: the CPU clock ticks (user + system) the processes used so far.
ticks() {
    local p t=0
    for p in "$@"; do
        [ -r "/proc/$p/stat" ] || continue
        t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat")))
    done
    echo "$t"
}
# pg_pids: this cluster's postmaster and its children (backends, writers): not other clusters.
pg_pids() {
    local pm
    pm=$(head -n 1 "$PG_DIR/data/postmaster.pid" 2>/dev/null) || return 0
    echo "$pm $(pgrep -P "$pm" | tr '\n' ' ')"
}
# machine_ticks: busy and all ticks of every core so far.
machine_ticks() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8, $2 + $3 + $4 + $5 + $6 + $7 + $8}' /proc/stat; }

rate() { awk '{ for (i = 1; i < NF; i++) if ($(i+1) == "reports/s;") print $i }' "$1" | tail -n 1; }
# load URL_A CA_A PID_A URL_B CA_B PID_B TOKEN: two load generators at once, half the agents
# each; prints the two rates.
load() {
    local half=$((agents / 2)) l1 l2
    /usr/bin/time -f '%U %S' -o "$work/t1" "$LOAD" --url "$1" --ca "$2" --token "$7" --agents "$half" --reports "$reports" \
        --concurrency "$conc" --collector-pid "$3" --name-prefix a >"$work/l1" &
    l1=$!
    /usr/bin/time -f '%U %S' -o "$work/t2" "$LOAD" --url "$4" --ca "$5" --token "$7" --agents "$half" --reports "$reports" \
        --concurrency "$conc" --collector-pid "$6" --name-prefix b >"$work/l2" &
    l2=$!
    wait "$l1" && wait "$l2" ||
        { cat "$work/l1" "$work/l2" >&2; tail -n 5 "$work"/c*.log >&2; exit 1; }
    echo "$(rate "$work/l1") $(rate "$work/l2")"
}
# cpu_begin COLLECTOR_PID...; cpu_end LABEL N COLLECTOR_PID...: appends "LABEL collectors_us
# postgres_us load_us busy_pct" per report (N reports) to $work/cpu.
cpu_begin() {
    c0=$(ticks "$@")
    p0=$(ticks $(pg_pids))
    read -r mb0 ma0 < <(machine_ticks)
}
cpu_end() {
    local label=$1 n=$2 hz c1 p1 mb1 ma1 lt
    shift 2
    hz=$(getconf CLK_TCK)
    c1=$(ticks "$@")
    p1=$(ticks $(pg_pids))
    read -r mb1 ma1 < <(machine_ticks)
    lt=$(cat "$work/t1" "$work/t2" | awk '{s += $1 + $2} END {print s}')
    awk -v l="$label" -v c=$((c1 - c0)) -v p=$((p1 - p0)) -v lt="$lt" -v n="$n" -v hz="$hz" \
        -v mb=$((mb1 - mb0)) -v ma=$((ma1 - ma0)) \
        'BEGIN { printf "%s %.0f %.0f %.0f %.0f\n", l, c / hz / n * 1e6, p / hz / n * 1e6,
                 lt / n * 1e6, (ma > 0 ? 100 * mb / ma : 0) }' >>"$work/cpu"
}
stop_collectors() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
    pids=()
}
median() { sort -g | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }

: >"$work/rates"
: >"$work/sqlite"
: >"$work/cpu"
half=$((agents / 2))
for r in $(seq 1 "$runs"); do
    # The reference in the same run: one collector on SQLite under the same two loads.
    start_collector 0 "sqlite:$work/c0.db"
    tok=$("$COLLECTOR" department add Bench --level basic --config "$work/c0/collector.yml" 2>/dev/null)
    cpu_begin "$PID_0"
    read -r s1 s2 < <(load "$URL_0" "$CA_0" "$PID_0" "$URL_0" "$CA_0" "$PID_0" "$tok")
    cpu_end sqlite $((half * 2 * reports)) "$PID_0"
    echo "run $r: one collector on SQLite $((s1 + s2)) reports/s" >&2
    echo "$((s1 + s2))" >>"$work/sqlite"
    stop_collectors
    rm -f "$work"/c0.db*

    db=$(pg_new_database bench)
    start_collector 1 "$db"
    start_collector 2 "$db"
    tok=$("$COLLECTOR" department add Bench --level basic --config "$work/c1/collector.yml" 2>/dev/null)
    cpu_begin "$PID_1" "$PID_2"
    read -r r1 r2 < <(load "$URL_1" "$CA_1" "$PID_1" "$URL_2" "$CA_2" "$PID_2" "$tok")
    cpu_end postgresql $((half * 2 * reports)) "$PID_1" "$PID_2"
    echo "run $r: collector 1 $r1 reports/s, collector 2 $r2 reports/s" >&2
    echo "$r1 $r2 $((r1 + r2))" >>"$work/rates"
    stored=$(psql -X -qtA "$db" -c 'SELECT count(*) FROM reports')
    [ "$stored" -eq $((half * 2 * reports)) ] ||
        { echo "ingest_pg: $stored reports stored, expected $((half * 2 * reports))" >&2; exit 1; }
    stop_collectors
done
pg_med=$(awk '{print $3}' "$work/rates" | median)
sq_med=$(median <"$work/sqlite")
printf 'one collector, SQLite, keep-alive: %s reports/s (median of %d runs, same load)\n' "$sq_med" "$runs"
printf 'two collectors, one PostgreSQL, keep-alive: %s reports/s combined (%s + %s; median of %d runs of %d agents x %d reports)\n' \
    "$pg_med" "$(awk '{print $1}' "$work/rates" | median)" "$(awk '{print $2}' "$work/rates" | median)" \
    "$runs" "$agents" "$reports"
awk -v p="$pg_med" -v q="$sq_med" 'BEGIN { if (q > 0) printf "ratio: two collectors on PostgreSQL / one on SQLite = %.2f\n", p / q }'
# Where the CPU went (medians of the runs), per stored report.
for cfg in sqlite postgresql; do
    col() { awk -v c="$cfg" -v k="$1" '$1 == c {print $k}' "$work/cpu" | median; }
    printf 'CPU per report, %s: collector(s) %s us, PostgreSQL %s us, load generators %s us; machine %s%% busy\n' \
        "$cfg" "$(col 2)" "$(col 3)" "$(col 4)" "$(col 5)"
done
