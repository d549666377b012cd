#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# Benchmark 3: aggregation at scale. A collector seeded (efterlev-bench-seed, through the
# store interface) with AGENTS agents x CHECKS checks in DEPTS departments, then the read
# API over HTTPS with a bearer token on one kept-alive connection: summary (hosts=none),
# one department (hosts=none, and with its host list), controls and trend. Prints the
# median and p90 server latency of each (curl's time from request sent to last byte).
# Target: median under 5 ms each.
#
#   tests/bench/aggregate.sh [--agents N] [--checks C] [--departments D] [--repeat R]
#                            [--postgres] [--smoke]
#
# --postgres: the same on a throwaway PostgreSQL cluster on 127.0.0.1 (issue 9).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
agents=100000 checks=50 depts=100 repeat=50 postgres=0
while [ $# -gt 0 ]; do
    case $1 in
    --postgres) postgres=1 ;;
    --agents) agents=$2; shift ;;
    --checks) checks=$2; shift ;;
    --departments) depts=$2; shift ;;
    --repeat) repeat=$2; shift ;;
    --smoke) agents=500 checks=20 depts=5 repeat=5 ;;
    *) echo "usage: $0 [--agents N] [--checks C] [--departments D] [--repeat R] [--postgres] [--smoke]" >&2; exit 2 ;;
    esac
    shift
done
ensure_release
SEED=$bench_build/tests/bench/efterlev-bench-seed
work=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; [ "$postgres" = 1 ] && pg_cluster_stop "$work/pg.env"; rm -rf "$work"' EXIT

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(. /etc/os-release; echo "$PRETTY_NAME"), kernel $(uname -r)"
if [ "$postgres" = 1 ]; then
    source "$src/tests/integration/pg.sh"
    EFTERLEV_PG_DURABLE=1 pg_cluster_start "$work/pg.env"
    pg_cluster_load "$work/pg.env"
    "$COLLECTOR" init --dir "$work/c" --database "$(pg_new_database bench)" >/dev/null 2>&1
    echo "database: PostgreSQL $(psql -X -qtA "$PG_URI/postgres" -c 'SHOW server_version')"
else
    "$COLLECTOR" init --dir "$work/c" >/dev/null 2>&1
fi
conf=$work/c/collector.yml
# Six days old: the first sweep writes six days of snapshots for the trend.
"$SEED" --config "$conf" --agents "$agents" --checks "$checks" --departments "$depts" --days-ago 6
[ "$postgres" = 1 ] || echo "database: $(du -m "$work/c/efterlev.db" | cut -f1) MB"
token=$("$COLLECTOR" token add bench --role auditor --config "$conf" 2>/dev/null)
"$COLLECTOR" serve --config "$conf" --listen 127.0.0.1:0 --ready-file "$work/ready" >"$work/c.log" 2>&1 &
pid=$!
for _ in $(seq 1 200); do [ -s "$work/ready" ] && break; sleep 0.05; done
url=https://$(cat "$work/ready")
dept=$(jq -rn --arg d "Förvaltning 001" '$d|@uri')

# query NAME PATH: REPEAT requests on one connection (the first warms up and is dropped).
query() {
    local args=() i
    for i in $(seq 0 "$repeat"); do args+=(-o /dev/null "$url$2"); done
    curl -sS --cacert "$work/c/tls/ca.pem" -H "Authorization: Bearer $token" -w '%{http_code} %{time_pretransfer} %{time_total} %{size_download}\n' \
        "${args[@]}" | tail -n +2 >"$work/q"
    awk '$1 != 200 { bad = 1 } END { exit bad }' "$work/q" || { echo "$1: not 200" >&2; exit 1; }
    awk '{ printf "%.3f\n", ($3 - $2) * 1000 }' "$work/q" | sort -g >"$work/ms"
    printf '%-44s median %7.2f ms  p90 %7.2f ms  (%s bytes, %d requests)\n' "$1" \
        "$(awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}' "$work/ms")" \
        "$(awk '{v[NR]=$1} END {print v[int(NR*0.9+0.5)]}' "$work/ms")" \
        "$(awk 'NR==1{print $4}' "$work/q")" "$(wc -l <"$work/ms")"
}
echo "seeded: $agents agents x $checks checks in $depts departments"
query "summary (hosts=none)" "/api/v1/summary?hosts=none"
query "department (hosts=none)" "/api/v1/departments/$dept?hosts=none"
query "department (with its $((agents / depts)) hosts)" "/api/v1/departments/$dept"
query "controls (all departments)" "/api/v1/controls"
query "controls (one department)" "/api/v1/controls?department=$dept"
query "trend (all departments)" "/api/v1/trend"
query "trend (one department, one control)" "/api/v1/trend?department=$dept&control=5.1"
# The CLI too (a process per query: opening the database and the sweep included).
start=$(date +%s%N)
for _ in $(seq 1 5); do "$COLLECTOR" summary --hosts none --format json --config "$conf" >/dev/null; done
printf '%-44s %7.2f ms per command (process start included)\n' "CLI summary --hosts none" \
    "$(awk -v ns=$(($(date +%s%N) - start)) 'BEGIN{print ns/5/1e6}')"
