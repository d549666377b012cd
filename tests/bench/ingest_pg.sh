#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# Issue 9's benchmark: ingest with two collectors on one PostgreSQL. A throwaway cluster on
# 127.0.0.1 (durable: fsync and synchronous commit on), two release collectors on it, and
# two load generators at once, each posting the reports of half the agents to one collector.
# Prints each collector's rate and the combined reports/s (median of the runs), then the
# aggregation queries of benchmark 3 against the same database.
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
    "$COLLECTOR" init --dir "$dir" --database "$2" >/dev/null 2>&1
    printf 'enroll_per_minute: 1000000\n' >>"$dir/collector.yml"
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

: >"$work/rates"
for r in $(seq 1 "$runs"); do
    db=$(pg_new_database bench)
    start_collector 1 "$db"
    start_collector 2 "$db"
    tok=$("$COLLECTOR" department add Bench --level basic --config "$work/c1/collector.yml" 2>/dev/null)
    half=$((agents / 2))
    "$LOAD" --url "$URL_1" --ca "$CA_1" --token "$tok" --agents "$half" --reports "$reports" \
        --concurrency "$conc" --collector-pid "$PID_1" --name-prefix a >"$work/l1" &
    l1=$!
    "$LOAD" --url "$URL_2" --ca "$CA_2" --token "$tok" --agents "$half" --reports "$reports" \
        --concurrency "$conc" --collector-pid "$PID_2" --name-prefix b >"$work/l2" &
    l2=$!
    wait "$l1" && wait "$l2" || { cat "$work/l1" "$work/l2" >&2; exit 1; }
    rate() { awk '{ for (i = 1; i < NF; i++) if ($(i+1) == "reports/s;") print $i }' "$1" | tail -n 1; }
    r1=$(rate "$work/l1") r2=$(rate "$work/l2")
    echo "run $r: collector 1 $r1 reports/s, collector 2 $r2 reports/s" >&2
    echo "$r1 $r2 $((r1 + r2))" >>"$work/rates"
    stored=$(psql -X -qtA "$db" -c 'SELECT count(*) FROM reports')
    [ "$stored" -eq $((half * 2 * reports)) ] ||
        { echo "ingest_pg: $stored reports stored, expected $((half * 2 * reports))" >&2; exit 1; }
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
    pids=()
done
printf 'two collectors, one PostgreSQL, keep-alive: %s reports/s combined (%s + %s; median of %d runs of %d agents x %d reports)\n' \
    "$(awk '{print $3}' "$work/rates" | sort -g | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}')" \
    "$(awk '{print $1}' "$work/rates" | sort -g | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}')" \
    "$(awk '{print $2}' "$work/rates" | sort -g | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}')" \
    "$runs" "$agents" "$reports"
