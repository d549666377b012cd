#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# Quick start, command 1: install what is missing, build, start a local collector (SQLite,
# self-signed certificate, 127.0.0.1), add a department, enroll this machine's agent, run
# it once (scan, sign, upload) and print the collector's summary.
#
# Everything lives in one working folder (default ./demo, or $EFTERLEV_DEMO_DIR). Running it
# again reuses the folder: the same collector database, the same agent key and seq.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=${EFTERLEV_DEMO_BUILD:-$src/build/release}
work=${EFTERLEV_DEMO_DIR:-$src/demo}
department=${EFTERLEV_DEMO_DEPARTMENT:-Kommunledningsförvaltningen}
level=${EFTERLEV_DEMO_LEVEL:-basic}

say() { printf 'efterlev demo: %s\n' "$*" >&2; }

bash "$src/scripts/deps.sh"
say "building in $build"
bash "$src/scripts/build.sh" "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DEFTERLEV_TESTS=OFF
collector=$build/collector/efterlev-collector
agent=$build/agent/efterlev-agent

mkdir -p "$work"
conf=$work/collector/collector.yml
if [ ! -f "$conf" ]; then
    say "creating a collector in $work/collector"
    "$collector" init --dir "$work/collector" >&2
fi

# One demo collector at a time: stop the one a previous run left.
pidfile=$work/collector.pid
if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    kill "$(cat "$pidfile")"
    while kill -0 "$(cat "$pidfile")" 2>/dev/null; do sleep 0.1; done
fi
rm -f "$work/ready"
nohup "$collector" serve --config "$conf" --listen 127.0.0.1:0 --ready-file "$work/ready" \
    >"$work/collector.log" 2>&1 &
echo $! >"$pidfile"
for _ in $(seq 1 100); do [ -s "$work/ready" ] && break; sleep 0.1; done
[ -s "$work/ready" ] || { say "the collector did not start; see $work/collector.log"; exit 1; }
url="https://$(head -n1 "$work/ready")"
ca=$work/collector/tls/ca.pem
say "collector listening on $url (log: $work/collector.log)"

tokenfile=$work/department.token
if [ ! -s "$tokenfile" ]; then
    "$collector" department add "$department" --level "$level" --config "$conf" >"$tokenfile"
    say "added department \"$department\" at protection level $level"
fi

export EFTERLEV_STATE_DIR=$work/agent
export EFTERLEV_CONFIG=$work/agent.yml
# The collector's port changes from run to run: enroll again (same key, same agent id).
"$agent" enroll --collector "$url" --token "$(cat "$tokenfile")" --ca "$ca"
say "running the agent: scan, sign, upload"
"$agent" run || say "the agent kept its report in the spool (see above)"

echo
"$collector" summary --config "$conf" --format text

apitoken=$work/api.token
(umask 077 && [ -s "$apitoken" ] ||
    "$collector" token add demo --role coordinator --config "$conf" >"$apitoken")
password=$work/dashboard.password
if [ ! -s "$password" ]; then
    (umask 077 && openssl rand -base64 18 >"$password")
    "$collector" user add samordnare --role coordinator --password-file "$password" \
        --config "$conf" >/dev/null
fi
cat <<MSG

The collector keeps running (pid $(cat "$pidfile")); stop it with: kill \$(cat $pidfile)
Its API, with the coordinator token in $apitoken:
  curl --cacert $ca -H "Authorization: Bearer \$(cat $apitoken)" $url/api/v1/summary
The dashboard: $url/ (user samordnare, password in $password;
  the certificate is signed by the demo's own CA, $ca)
This machine's agent: EFTERLEV_STATE_DIR=$work/agent $agent status
MSG
