#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# What a newcomer trips over, and what the agent refuses as root: a --config that does not
# exist, "(null)" in status, run without write access to the state directory (its own exit
# code and a hint), a TLS failure without --ca (a hint naming the CA used and --ca), and
# configuration or policy files others could change (refused when root).
source "$(dirname "$0")/lib.sh"
policy=$EF_SOURCE_DIR/tests/fixtures/policies/e2e.yml

# --- a configuration named explicitly must exist; the default may be absent ---
set +e
EFTERLEV_STATE_DIR=$T/s0 "$EF_AGENT" checks --config "$T/missing.yml" >/dev/null 2>"$T/c1.log"
rc=$?
set -e
assert_eq "$rc" 2 "--config FILE that does not exist: usage/config exit code"
assert_contains "$(cat "$T/c1.log")" "configuration file $T/missing.yml does not exist (named by --config" \
    "--config: the error names the file and the option"
set +e
EFTERLEV_STATE_DIR=$T/s0 EFTERLEV_CONFIG=$T/missing.yml "$EF_AGENT" checks >/dev/null 2>"$T/c2.log"
rc=$?
set -e
assert_eq "$rc" 2 "EFTERLEV_CONFIG naming a missing file: usage/config exit code"
assert_contains "$(cat "$T/c2.log")" "named by EFTERLEV_CONFIG" "EFTERLEV_CONFIG: the error says so"
if [ ! -e /etc/efterlev/agent.yml ]; then
    EFTERLEV_STATE_DIR=$T/s0 "$EF_AGENT" checks >/dev/null ||
        fail "the default configuration missing must stay fine"
    pass "default configuration absent: fine"
fi

# --- status of an agent never enrolled nor run: no "(null)", JSON nulls ---
mkdir -p "$T/agent-a"
printf 'hostname: host-a\nmachine_id: machine-a\npolicies: ["%s"]\nretry_base_ms: 50\nretry_attempts: 1\n' \
    "$policy" >"$T/agent-a/agent.yml"
set +e
text=$(agent a status 2>&1)
rc=$?
set -e
assert_eq "$rc" 1 "status of an unenrolled agent exits 1"
case "$text" in *"(null)"*) fail "status prints (null): $text" ;; esac
assert_contains "$text" "not enrolled" "status says not enrolled"
assert_contains "$text" "last run:        never" "status says never run"
json=$(agent a status --format json || true)
assert_eq "$(jq -c '[.enrollment, .last_run, .spool.oldest_seq]' <<<"$json")" "[null,null,null]" \
    "status JSON: what is not known is null"
assert_eq "$(jq -c 'has("enrollment") and has("last_run")' <<<"$json")" "true" \
    "status JSON: the keys are always present"

# --- TLS without --ca: the hint names the CA used and how to pass the collector's ---
start_collector
tok=$(add_department "Kultur" basic)
set +e
agent a enroll --collector "$COLL_URL" --token "$tok" 2>"$T/tls1.log"
rc=$?
set -e
[ "$rc" -ne 0 ] || fail "enrollment with an unknown CA succeeded"
assert_contains "$(cat "$T/tls1.log")" "system's CA certificates" "TLS failure: names the CA used"
assert_contains "$(cat "$T/tls1.log")" "--ca FILE" "TLS failure: says how to pass the CA"
assert_contains "$(cat "$T/tls1.log")" "efterlev-collector init" "TLS failure: says where it is"
"$EF_COLLECTOR" init --dir "$T/other" >/dev/null 2>&1 || fail "second init"
set +e
agent a enroll --collector "$COLL_URL" --token "$tok" --ca "$T/other/tls/ca.pem" 2>"$T/tls2.log"
set -e
assert_contains "$(cat "$T/tls2.log")" "verified against the CA file $T/other/tls/ca.pem" \
    "TLS failure with --ca: names that file"

# --- after a run: status still has no "(null)" (delivery_error is null in the record) ---
agent a enroll --collector "$COLL_URL" --token "$tok" --ca "$COLL_CA" 2>/dev/null || fail "enroll"
agent a run 2>"$T/run.log" || fail "run: $(cat "$T/run.log")"
text=$(agent a status)
case "$text" in *"(null)"*) fail "status after a run prints (null): $text" ;; esac
assert_contains "$text" "delivered 1" "status after a run"
assert_eq "$(agent a status --format json | jq -r '.last_run.delivery_error')" "null" \
    "status JSON after a clean run: delivery_error null"

# --- run without write access to the state directory: exit 3 and a hint ---
mkdir -p "$T/locked"
if [ "$(id -u)" -eq 0 ]; then
    chmod 0700 "$T/locked"
    as_user=(setpriv --reuid=65534 --regid=65534 --clear-groups)
    command -v setpriv >/dev/null || skip "no setpriv to run as nobody"
else
    chmod 0500 "$T/locked"
    as_user=()
fi
# (no EFTERLEV_CONFIG: the user cannot reach $T; the default configuration may be absent)
set +e
env -u EFTERLEV_CONFIG "${as_user[@]}" "$EF_AGENT" run --state-dir "$T/locked/state" \
    2>"$T/priv.log" </dev/null
rc=$?
set -e
assert_eq "$rc" 3 "run that cannot write its state directory exits 3 (not 1: reports waiting)"
assert_contains "$(cat "$T/priv.log")" "run as root" "unprivileged run: the hint"
assert_contains "$(cat "$T/priv.log")" "--state-dir DIR you can write" "unprivileged run: the alternative"

# --- as root: configuration and policy files others could change are refused ---
if [ "$(id -u)" -eq 0 ]; then
    chmod 0666 "$T/agent-a/agent.yml"
    set +e
    agent a scan >/dev/null 2>"$T/ww.log"
    rc=$?
    set -e
    assert_eq "$rc" 2 "root refuses a world-writable agent.yml"
    assert_contains "$(cat "$T/ww.log")" "refusing $T/agent-a/agent.yml" "the error names the file"
    assert_contains "$(cat "$T/ww.log")" "chmod go-w $T/agent-a/agent.yml" "the error gives the fix"
    chmod 0644 "$T/agent-a/agent.yml"
    cp "$policy" "$T/site.yml"
    chmod 0664 "$T/site.yml"
    set +e
    agent a scan --policy "$T/site.yml" >/dev/null 2>"$T/gw.log"
    rc=$?
    set -e
    assert_eq "$rc" 2 "root refuses a group-writable policy"
    assert_contains "$(cat "$T/gw.log")" "refusing $T/site.yml: it is writable by its group" \
        "the error names the policy file"
    chown 65534 "$T/site.yml"
    chmod 0644 "$T/site.yml"
    set +e
    agent a scan --policy "$T/site.yml" >/dev/null 2>"$T/own.log"
    rc=$?
    set -e
    assert_eq "$rc" 2 "root refuses a policy owned by another user"
    assert_contains "$(cat "$T/own.log")" "owned by uid 65534" "the error names the owner"
    chown 0 "$T/site.yml"
    agent a scan --policy "$T/site.yml" >/dev/null 2>&1 || [ $? -eq 1 ] ||
        fail "a root-owned 0644 policy loads"
    pass "a root-owned 0644 policy loads"
fi
