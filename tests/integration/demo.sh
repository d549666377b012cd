#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# integration.demo: scripts/demo.sh, run as the quick start runs it (with this build's
# programs instead of its own build), three times in one folder:
#   - the secrets it writes (enrollment token, API token, dashboard password) are 0600,
#     and a token file an older demo left readable for all is made 0600;
#   - a second run serves on the port the first one chose (collector.port);
#   - when that port is taken, a third run picks another and remembers that one.
source "$(dirname "$0")/lib.sh"

export EFTERLEV_DEMO_DIR=$T/demo EFTERLEV_DEMO_COLLECTOR=$EF_COLLECTOR EFTERLEV_DEMO_AGENT=$EF_AGENT
D=$EFTERLEV_DEMO_DIR
# demo N: run the demo once (output in $T/demo-N.log); its collector is stopped at the end.
demo() {
    bash "$EF_SOURCE_DIR/scripts/demo.sh" >"$T/demo-$1.log" 2>&1 || fail "demo run $1 (log: $T/demo-$1.log)"
    EF_PIDS+=("$(cat "$D/collector.pid")")
    kill -0 "$(cat "$D/collector.pid")" || fail "demo run $1: its collector is not running"
}
# listening PORT: the demo's collector answers on 127.0.0.1:PORT.
listening() {
    curl -sS --cacert "$D/collector/tls/ca.pem" -o /dev/null -w '%{http_code}' \
        "https://127.0.0.1:$1/api/v1/summary" -H "Authorization: Bearer $(cat "$D/api.token")"
}

demo 1
for f in department.token api.token dashboard.password; do
    assert_eq "$(stat -c %a "$D/$f")" 600 "run 1: $f is 0600"
done
port1=$(cat "$D/collector.port")
[ "$port1" -gt 0 ] || fail "no port remembered in collector.port"
assert_eq "$(head -n1 "$D/ready")" "127.0.0.1:$port1" "run 1: collector.port is the port it serves on"
assert_eq "$(listening "$port1")" 200 "run 1: the collector answers on $port1"

chmod 644 "$D/department.token" # as the demo before this fix left it
demo 2
assert_eq "$(stat -c %a "$D/department.token")" 600 "run 2: a token file readable for all is made 0600"
assert_eq "$(cat "$D/collector.port")" "$port1" "run 2: the same port again"
assert_eq "$(listening "$port1")" 200 "run 2: the collector answers on $port1"

# Someone else takes the port while the demo's collector is down.
kill "$(cat "$D/collector.pid")"
while kill -0 "$(cat "$D/collector.pid")" 2>/dev/null; do sleep 0.1; done
# SO_REUSEADDR: the port has connections in TIME_WAIT from the runs before.
python3 -c 'import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(); open(sys.argv[2], "w").close(); time.sleep(300)' \
    "$port1" "$T/taken" >"$T/blocker.log" 2>&1 &
EF_PIDS+=("$!")
for _ in $(seq 1 50); do [ -e "$T/taken" ] && break; sleep 0.1; done
[ -e "$T/taken" ] || fail "could not take port $port1 for the test"
demo 3
port3=$(cat "$D/collector.port")
[ "$port3" != "$port1" ] || fail "run 3: port $port1 is taken, yet collector.port still says it"
assert_eq "$(head -n1 "$D/ready")" "127.0.0.1:$port3" "run 3: serves on the new port it remembered"
assert_eq "$(listening "$port3")" 200 "run 3: the collector answers on $port3"
assert_contains "$(cat "$T/demo-3.log")" "port $port1 is taken" "run 3: says why the port changed"
