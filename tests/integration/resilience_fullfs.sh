#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# A full file system under the spool: a clear error, the reports already spooled intact,
# and all of them delivered once there is room again. Needs root (mounts a small tmpfs).
source "$(dirname "$0")/lib.sh"
[ "$(id -u)" -eq 0 ] || skip "needs root to mount a small tmpfs"
policy=$EF_SOURCE_DIR/tests/fixtures/policies/e2e.yml

mnt=$T/smallfs
mkdir -p "$mnt"
mount -t tmpfs -o size=256k,mode=0700 efterlev-test "$mnt" || skip "cannot mount tmpfs here"
trap 'rc=$?; umount "$mnt" 2>/dev/null; (exit $rc); ef_cleanup' EXIT

start_collector
addr=${COLL_URL#https://}
tok=$(add_department "Socialförvaltningen" basic)
cat >"$T/agent.yml" <<YML
hostname: host-full
machine_id: machine-full
policies: ["$policy"]
retry_attempts: 1
YML
run_agent() { EFTERLEV_STATE_DIR=$mnt/state EFTERLEV_CONFIG=$T/agent.yml "$EF_AGENT" "$@"; }
run_agent enroll --collector "$COLL_URL" --token "$tok" --ca "$COLL_CA" 2>/dev/null || fail "enroll"
id=$(run_agent status --format json | jq -r .enrollment.agent_id)

stop_collector
for i in 1 2 3; do run_agent run 2>>"$T/spool.log" || true; done
assert_eq "$(run_agent status --format json | jq .spool.reports)" 3 "three reports spooled"
sums_before=$(cd "$mnt/state/spool" && sha256sum ./*.report)

# Fill the file system to the last block.
dd if=/dev/zero of="$mnt/filler" bs=4k 2>/dev/null || true
set +e
run_agent run 2>"$T/full.log"
rc=$?
set -e
[ "$rc" -ne 0 ] || fail "a run on a full file system reported success"
assert_contains "$(cat "$T/full.log")" "No space left on device" "the error says the disk is full"
sums_after=$(cd "$mnt/state/spool" && sha256sum ./*.report)
assert_eq "$sums_after" "$sums_before" "spooled reports intact, no partial file added"
[ -z "$(find "$mnt/state" -name '*.tmp.*')" ] || fail "temporary files left behind"

rm -f "$mnt/filler"
serve_collector "$addr"
run_agent run 2>"$T/recover.log" || fail "delivery after the disk was freed: $(cat "$T/recover.log")"
seqs=$(stored_seqs "$id")
case "$seqs" in
1,2,3,4 | 1,2,3,5) pass "all spooled reports delivered in order ($seqs)" ;;
*) fail "stored seqs: $seqs" ;;
esac
echo "resilience_fullfs: all assertions passed"
