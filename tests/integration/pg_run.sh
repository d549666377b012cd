#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# pg_run.sh ENVFILE PROGRAM ARGS...: run PROGRAM with EF_TEST_DATABASE naming a new, empty
# database in the fixture's PostgreSQL cluster (see pg_fixture.sh). Exits 77 (skipped)
# when there is no cluster.
set -euo pipefail
source "$(dirname "$0")/pg.sh"
envfile=$1
shift
pg_cluster_load "$envfile" || { echo "SKIP: no PostgreSQL cluster ($envfile)"; exit 77; }
EF_TEST_DATABASE=$(pg_new_database unit) || { echo "pg_run: cannot create a database" >&2; exit 1; }
export EF_TEST_DATABASE
exec "$@"
