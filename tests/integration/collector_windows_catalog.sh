#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# Issue 13, whole machines: the default Windows policy (checks/policies-windows) on two
# recorded Windows laptops, each its registry (tests/fixtures/windows/{good,bad}.reg) with its
# WMI and API recording (recording/{good,bad}-wmi.json and -api.json, merged here into one
# recording per machine, as `efterlev-agent record` writes one), scanned by the real agent at
# level high on 2026-11-23 (EFTERLEV_NOW; the recordings' day), then delivered to a real
# collector counting against its real catalogs (checks/policies, checks/policies-windows).
#
# The scans, every one of the 55 checks of CHECKS-WINDOWS.md:
#   good (SKOLA-ÅÄÖ-07): 54 pass; avail.backup_agent na (a laptop: servers only).
#   bad (HEMTJÄNST-ÖST-12): 52 fail; avail.backup_agent na; 2 unknown, each for a reason of
#     its own: desk.screen_lock (no user logged on: no loaded user hive to read) and
#     patch.reboot_pending (the registry says a restart is pending, not since when).
# The department (Vård- och omsorgsförvaltningen, high) with both, worked by hand:
#   pass 54, fail 52, na 2, unknown 2; compliance 54 / (54 + 52) = 50.9 %.
#   Control 8.7 (Windows catalog: mal.av_active, mal.signatures_fresh, mal.tamper_protection,
#     mal.smartscreen_on, mal.asr_rules, desk.no_automount, boot.secure_boot): good 7 pass,
#     bad 7 fail -> 7/7, 50.0 %.
#   Control 8.13 (enc.recovery_key_escrow; avail.backup_agent is na on both laptops): 1/1.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/protocol_lib.sh"
FX="$EF_SOURCE_DIR/tests/fixtures/windows"
REC="$FX/recording"
DEP="Vård- och omsorgsförvaltningen"

# ---- the scans ----
for m in good bad; do
    jq -s '.[0] * .[1]' "$REC/$m-wmi.json" "$REC/$m-api.json" >"$T/$m-recording.json"
    rc=0
    EFTERLEV_NOW=2026-11-23T00:00:00Z "$EF_AGENT" scan --registry "$FX/$m.reg" \
        --recording "$T/$m-recording.json" --level high --format json \
        --state-dir "$T/state-$m" >"$T/$m-scan.json" 2>"$T/$m-scan.log" || rc=$?
    [ "$rc" -le 1 ] || fail "scan of $m exited $rc: $(cat "$T/$m-scan.log")"
done
# Without --policy, scan --registry judges by the default Windows policy.
assert_eq "$(jq -r '"\(.policy.id) \(.host.platform)"' "$T/good-scan.json")" "efterlev-default-windows windows" \
    "scan --registry: the default Windows policy"
ids() { grep -h '^  - id:' "$EF_SOURCE_DIR"/checks/policies-windows/*.yml | awk '{print $3}' | sort; }
doc_ids() { grep -oE '^\| `[a-z]+\.[a-z0-9_]+`' "$EF_SOURCE_DIR/docs/checks/windows.md" | tr -d '|` ' | sort -u; }
assert_eq "$(ids | wc -l)" 55 "the default Windows policy holds 55 checks"
assert_eq "$(jq -r '.results[].check' "$T/good-scan.json" | sort | paste -sd ' ')" "$(ids | paste -sd ' ')" \
    "good: every check of the policy has a result at level high"
counts() { jq -r '[.results[].status] | group_by(.) | map("\(.[0]) \(length)") | join(", ")' "$1"; }
assert_eq "$(counts "$T/good-scan.json")" "na 1, pass 54" "good: 54 pass, 1 na"
assert_eq "$(jq -r '.results[] | select(.status != "pass") | "\(.check) \(.status)"' "$T/good-scan.json")" \
    "avail.backup_agent na" "good: only the servers' backup check is not applicable"
assert_contains "$(jq -r '.results[] | select(.check == "avail.backup_agent") | .evidence' "$T/good-scan.json")" \
    "not applicable (data on servers): host.role = laptop" "good: na names the role"
assert_eq "$(counts "$T/bad-scan.json")" "fail 52, na 1, unknown 2" "bad: 52 fail, 1 na, 2 unknown"
assert_eq "$(jq -r '[.results[] | select(.status == "unknown") | .check] | join(" ")' "$T/bad-scan.json")" \
    "patch.reboot_pending desk.screen_lock" "bad: the two unknowns"
assert_contains "$(jq -r '.results[] | select(.check == "desk.screen_lock") | .evidence' "$T/bad-scan.json")" \
    "no loaded user hive" "bad: desk.screen_lock unknown: no user logged on"
assert_contains "$(jq -r '.results[] | select(.check == "patch.reboot_pending") | .evidence' "$T/bad-scan.json")" \
    "since when is unknown" "bad: patch.reboot_pending unknown: the registry does not date a restart"
# Every result's evidence names what was read: a registry key, a WMI class or an API table
# (patch.os_supported names the build and EditionID of HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion).
assert_eq "$(jq -rs '[.[].results[] | select(.status != "na") | select(.evidence | test("HKLM|HKU|wmi |api:|WMI |EditionID ") | not) | .check] | join(" ")' \
    "$T/good-scan.json" "$T/bad-scan.json")" "" "every verdict's evidence names its registry value, WMI class or API"
# docs/checks/windows.md documents each check of the policy.
assert_eq "$(comm -3 <(ids) <(doc_ids) | paste -sd ' ')" "" "docs/checks/windows.md has a row for every check"

# ---- delivered to the collector (SQLite or $EF_DATABASE) ----
COLL_POLICIES=$EF_SOURCE_DIR/checks/policies COLL_POLICIES_WINDOWS=$EF_SOURCE_DIR/checks/policies-windows start_collector
coll() { "$EF_COLLECTOR" "$@" --config "$COLL_CONF"; }
tok=$(add_department "$DEP" high)
NOW=$(date -u +%Y-%m-%dT%H:%M:%SZ)
declare -A AID
for m in good bad; do
    host=$(jq -r .host.hostname "$T/$m-scan.json")
    pub=$(newkey "key-$m")
    raw_enroll "$tok" "$host" "m-$m" "$pub"
    assert_eq "$CODE" 201 "$host enrolls"
    AID[$m]=$(jq -r .agent_id <<<"$RESP")
    # The scan's report as `run` would sign it: this agent's id, seq 1, sent now.
    jq -c --arg a "${AID[$m]}" --arg now "$NOW" --arg mid "m-$m" \
        '.agent_id = $a | .seq = 1 | .generated_at = $now | .host.machine_id = $mid' \
        "$T/$m-scan.json" >"$T/$m-report.json"
    signed_post "key-$m" "$T/$m-report.json" "${AID[$m]}"
    assert_eq "$CODE" 202 "$host's report accepted"
done
sum=$(coll summary --format json)
assert_eq "$(jq -r --arg d "$DEP" '.departments[] | select(.name == $d) |
    "\(.hosts) \(.platforms.windows.hosts) \(.pass) \(.fail) \(.na) \(.unknown) \(.error) \(.compliance_pct)"' <<<"$sum")" \
    "2 2 54 52 2 2 0 50.9" "$DEP: 2 Windows hosts, pass 54, fail 52, na 2, unknown 2, 50.9 %"
ctl=$(coll controls --format json)
cfig() { jq -r --arg c "$1" '.controls[] | select(.control == $c) | "\(.pass)/\(.fail)/\(.compliance_pct)"' <<<"$ctl"; }
assert_eq "$(cfig 8.7)" "7/7/50" "control 8.7: 7 checks, passed on one machine, failed on the other"
assert_eq "$(cfig 8.13)" "1/1/50" "control 8.13: the recovery key escrow; backup na on laptops"
COORD=$(coll token add samordning --role coordinator 2>>"$T/admin.log")
http GET "/api/v1/hosts/${AID[bad]}" -H "Authorization: Bearer $COORD"
assert_eq "$CODE" 200 "host view"
assert_eq "$(jq -r '[.results[] | select(.check | startswith("collector.") | not)] | length' <<<"$RESP")" 55 \
    "the host view: all 55 results counted (none set aside)"
assert_contains "$(jq -r '.results[] | select(.check == "enc.os_volume_bitlocker") | "\(.status) \(.controls | join(",")) \(.evidence)"' <<<"$RESP")" \
    "fail 8.24" "host view: BitLocker's failure, with its control"
assert_contains "$(jq -r '"\(.platform) \(.os_build) \(.os_pretty)"' <<<"$RESP")" "windows 22631.4460 Windows 11 Pro 23H2" \
    "host view: the Windows release"
