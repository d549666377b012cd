#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# The ctest fixture "postgres": pg_fixture.sh start|stop ENVFILE starts or stops the one
# throwaway PostgreSQL cluster that every *.pg test of a ctest run shares (each of those
# tests makes its own database in it). See pg.sh.
set -euo pipefail
source "$(dirname "$0")/pg.sh"
case "${1:-}" in
start)
    pg_cluster_stop "$2" # a cluster left over by an interrupted run
    rc=0
    pg_cluster_start "$2" || rc=$?
    [ "$rc" -eq 0 ] && echo "pg: cluster on 127.0.0.1:$(source "$2"; echo "$PG_PORT")"
    exit "$rc"
    ;;
stop) pg_cluster_stop "$2" ;;
*)
    echo "usage: pg_fixture.sh start|stop ENVFILE" >&2
    exit 2
    ;;
esac
