#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# run_fuzz.sh FUZZER SEEDS REGRESSIONS SECONDS: replay the seeds and every past crash, then
# fuzz for SECONDS. New inputs go to a temporary corpus, never into the source tree; a crash
# leaves its input in the temporary folder, named in the output, to be copied to REGRESSIONS.
set -euo pipefail
fuzzer=$1 seeds=$2 regressions=$3 seconds=$4
work=$(mktemp -d "${TMPDIR:-/tmp}/efterlev-fuzz.XXXXXX")
trap 'rm -rf "$work/corpus"' EXIT
mkdir -p "$work/corpus"
set +e
"$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
    -artifact_prefix="$work/" -print_final_stats=1 "$work/corpus" "$seeds" "$regressions" \
    >"$work/log" 2>&1
rc=$?
set -e
tail -n 12 "$work/log"
if [ "$rc" -ne 0 ]; then
    echo "FUZZ FAILURE: crashing input kept in $work (add it to $regressions)" >&2
    exit 1
fi
rm -rf "$work"
