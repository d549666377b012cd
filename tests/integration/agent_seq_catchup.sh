#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# Issue 17: a 409 is not "delivered". A state folder restored from a backup puts the agent's
# seq behind the collector's: the next run catches up (fresh seqs above the collector's
# last_seq, each report signed again) and delivers, in one run however far behind. A report
# the collector already holds (an agent that crashed before clearing its spool, or a backup
# taken with reports still spooled) leaves the spool and is not stored twice. Against a
# collector that keeps refusing, a run catches up once and stops, losing nothing.
source "$(dirname "$0")/lib.sh"
policy=$EF_SOURCE_DIR/tests/fixtures/policies/e2e.yml

start_collector
addr=${COLL_URL#https://}
tok=$(add_department "Hemtjänsten" basic)
mkdir -p "$T/agent-a"
cat >"$T/agent-a/agent.yml" <<YML
hostname: host-a
machine_id: machine-a
policies: ["$policy"]
retry_attempts: 1
YML
agent a enroll --collector "$COLL_URL" --token "$tok" --ca "$COLL_CA" 2>/dev/null || fail "enroll"
id=$(agent a status --format json | jq -r .enrollment.agent_id)
state=$T/agent-a/state
spooled() { agent a status --format json | jq .spool.reports; }
rejected() { find "$state/spool/rejected" -type f 2>/dev/null | wc -l; }
report_count() { db_query "select count(*) from reports where agent_id='$id'"; }
# Every stored body says the seq it is stored under (the re-numbered ones were signed again).
body_text=body
case "${EF_DATABASE:-}" in postgres://* | postgresql://*) body_text="convert_from(body, 'UTF8')" ;; esac
bodies_match_seqs() {
    db_query "select seq, $body_text from reports where agent_id='$id' order by id" |
        while IFS='|' read -r seq body; do
            [ "$(jq .seq <<<"$body")" = "$seq" ] || fail "report stored as $seq says seq $(jq .seq <<<"$body")"
        done
}

# 1. Two reports, a backup of the state folder, two more, the backup restored: the agent's
#    counter says 2, the collector holds 4.
agent a run 2>>"$T/runs.log" || fail "run 1"
agent a run 2>>"$T/runs.log" || fail "run 2"
cp -a "$state" "$T/backup-1"
for i in 3 4 5 6 7 8; do agent a run 2>>"$T/runs.log" || fail "run $i"; done
assert_eq "$(stored_seqs "$id")" "1,2,3,4,5,6,7,8" "eight reports stored"
rm -rf "$state"
cp -a "$T/backup-1" "$state"
assert_eq "$(agent a status --format json | jq .last_seq)" 2 "restored: the counter says 2"

# The run after the restore: its report (made as seq 3) is refused, caught up to 9, stored.
sleep 1.1 # a report of a later second: never byte-identical to a stored one (see below)
agent a run 2>"$T/restored.log" || fail "run after the restore: $(cat "$T/restored.log")"
assert_contains "$(cat "$T/restored.log")" \
    "state folder restored? seq behind the collector's (it holds 8): caught up from 3 to 9" \
    "the catch-up is logged"
assert_contains "$(cat "$T/restored.log")" "report 9 at level basic" "the run names the new seq"
assert_eq "$(stored_seqs "$id")" "1,2,3,4,5,6,7,8,9" "the new report is stored as 9, in one run"
assert_eq "$(spooled)" 0 "spool empty"
assert_eq "$(rejected)" 0 "nothing set aside"
assert_eq "$(agent a status --format json | jq .last_seq)" 9 "status shows the caught-up seq"
assert_eq "$(agent a status --format json | jq -c .last_run.caught_up)" '{"from":3,"to":9}' \
    "the last run records the catch-up"
status_text=$(agent a status)
assert_contains "$status_text" "last report seq: 9" "status text shows the seq"
assert_contains "$status_text" "seq caught up:   from 3 to 9" "status text shows the catch-up"
# The next run is an ordinary one.
agent a run 2>"$T/after.log" || fail "run after the catch-up"
case "$(cat "$T/after.log")" in *"caught up"*) fail "a second catch-up without cause" ;; esac
assert_eq "$(stored_seqs "$id")" "1,2,3,4,5,6,7,8,9,10" "the next report is 10"

# 2. A backup taken while a report waited in the spool (the collector was down): the original
#    then delivered it and one more. Restored, the spool holds a report the collector has:
#    it leaves the spool without being stored again; the new report catches up.
stop_collector
set +e
agent a run 2>>"$T/down.log"
rc=$?
set -e
assert_eq "$rc" 1 "run with the collector down keeps its report"
assert_eq "$(spooled)" 1 "report 11 spooled"
cp -a "$state" "$T/backup-2"
serve_collector "$addr"
agent a run 2>>"$T/runs.log" || fail "delivering 11 and 12"
assert_eq "$(stored_seqs "$id")" "1,2,3,4,5,6,7,8,9,10,11,12" "11 and 12 stored"
rm -rf "$state"
cp -a "$T/backup-2" "$state"
# The restored agent's next report is seq 12 again. Made in the same second as the stored 12,
# with the same results, it would be byte-identical: the collector rightly takes that for a
# retry (200), and there is nothing to catch up. A second later it differs, as in life.
sleep 1.1
agent a run 2>"$T/restored2.log" || fail "run after the second restore: $(cat "$T/restored2.log")"
assert_contains "$(cat "$T/restored2.log")" \
    "report 11 is already stored by the collector; removed from the spool" \
    "the held report leaves the spool"
assert_contains "$(cat "$T/restored2.log")" "caught up from 12 to 13" "the new one catches up"
assert_eq "$(stored_seqs "$id")" "1,2,3,4,5,6,7,8,9,10,11,12,13" "11 not stored twice; 13 stored"
assert_eq "$(spooled)" 0 "spool empty"
assert_eq "$(rejected)" 0 "nothing set aside"

# 3. The crash case: the agent sent a report and died before removing it from the spool, and
#    a later report went out too. The left-over file is dropped, not stored again.
stop_collector
agent a run 2>>"$T/down.log" || true
cp "$state"/spool/*.report "$T/left-over.report"
serve_collector "$addr"
agent a run 2>>"$T/runs.log" || fail "delivering 14 and 15"
cp "$T/left-over.report" "$state/spool/00000000000000000014.report"
agent a run 2>"$T/crash.log" || fail "run with a left-over report: $(cat "$T/crash.log")"
assert_contains "$(cat "$T/crash.log")" "report 14 is already stored" "the left-over is recognised"
case "$(cat "$T/crash.log")" in *"caught up"*) fail "a left-over caused a catch-up" ;; esac
assert_eq "$(stored_seqs "$id")" "1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16" "14 once; 16 stored"
assert_eq "$(spooled)" 0 "spool empty"
assert_eq "$(report_count)" 16 "the collector holds 16 reports, each once"
bodies_match_seqs
pass "every stored body carries the seq it is stored under"

# 4. The original machine dropped the oldest report of a full spool and delivered the next;
#    the backup still holds both. The dropped one is not held and catches up; the next one is
#    asked about before anything is re-numbered, so it is not stored twice.
echo "spool_max_reports: 2" >>"$T/agent-a/agent.yml"
stop_collector
agent a run 2>>"$T/down.log" || true # 17 spooled
agent a run 2>>"$T/down.log" || true # 18 spooled
cp -a "$state" "$T/backup-3"
agent a run 2>"$T/drop.log" || true # 19 made, 17 dropped
assert_contains "$(cat "$T/drop.log")" "dropped undelivered report seq 17" "the original drops 17"
serve_collector "$addr"
agent a run 2>>"$T/runs.log" || fail "delivering 18, 19, 20"
rm -rf "$state"
cp -a "$T/backup-3" "$state"
sleep 1.1 # a report of a later second: never byte-identical to a stored one (see above)
agent a run 2>"$T/restored3.log" || fail "run after the third restore: $(cat "$T/restored3.log")"
assert_contains "$(cat "$T/restored3.log")" "report 18 is already stored" "18 is recognised"
assert_contains "$(cat "$T/restored3.log")" "caught up from 17 to 21, 2 spooled report(s)" \
    "17 and the new report catch up"
assert_eq "$(stored_seqs "$id" | cut -d, -f17-)" "18,19,20,21,22" "18 once; 17 and the new one as 21, 22"
assert_eq "$(report_count)" 21 "the collector holds 21 reports"
assert_eq "$(spooled)" 0 "spool empty"
bodies_match_seqs
pass "every stored body still carries its seq"
sed -i '/^spool_max_reports: 2$/d' "$T/agent-a/agent.yml"

# 5. A collector that keeps refusing (here a stand-in on the collector's address and
#    certificate answering every report with 409): one catch-up, then the run stops with
#    the reports kept, and ends.
stop_collector
agent a run 2>>"$T/down.log" || true # report 23 spooled
python3 - "$addr" "$COLL_DIR/tls/cert.pem" "$COLL_DIR/tls/key.pem" "$T/refuser.count" \
    >"$T/refuser.log" 2>&1 <<'PY' &
import http.server, json, ssl, sys
host, port = sys.argv[1].rsplit(":", 1)
count = sys.argv[4]
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with open(count, "a") as f:
            f.write("x\n")
        body = json.dumps({"error": "seq not greater than last stored 1000000",
                           "last_seq": 1000000, "stored": False}).encode()
        self.send_response(409)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
srv = http.server.HTTPServer((host, int(port)), H)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(sys.argv[2], sys.argv[3])
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
print("ready", flush=True)
srv.serve_forever()
PY
refuser=$!
EF_PIDS+=("$refuser")
for _ in $(seq 1 100); do grep -q ready "$T/refuser.log" && break; sleep 0.05; done
set +e
EFTERLEV_STATE_DIR=$state EFTERLEV_CONFIG=$T/agent-a/agent.yml timeout 120 "$EF_AGENT" run \
    2>"$T/refused.log"
rc=$?
set -e
assert_eq "$rc" 1 "the run ends, reports kept"
assert_eq "$(wc -l <"$T/refuser.count")" 3 \
    "three requests: the refused report, the question about the later one, the refused report again"
assert_eq "$(grep -c "caught up" "$T/refused.log")" 1 "one catch-up in the run"
assert_contains "$(cat "$T/refused.log")" "caught up from 23 to 1000001" "caught up past last_seq"
assert_contains "$(cat "$T/refused.log")" "even after catching up" "the run says why it stopped"
assert_eq "$(spooled)" 2 "both reports still spooled"
assert_eq "$(agent a status --format json | jq .spool.oldest_seq)" 1000001 "re-numbered in order"
assert_eq "$(rejected)" 0 "nothing set aside"
echo "agent_seq_catchup: all assertions passed"
