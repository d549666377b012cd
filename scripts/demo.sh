#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# Quick start, command 1: install what is missing, build, start a local collector (SQLite,
# self-signed certificate, 127.0.0.1), add a department, enroll this machine's agent, run
# it once (scan, sign, upload) and print the collector's summary.
#
# Everything lives in one working folder (default ./demo, or $EFTERLEV_DEMO_DIR). Running it
# again reuses the folder: the same collector database, the same agent key and seq, and the
# same port (remembered in collector.port; a new one only when that one is taken).
# Secrets (the enrollment token, the API token, the dashboard password) are files only their
# owner can read.
#
# EFTERLEV_DEMO_COLLECTOR and EFTERLEV_DEMO_AGENT, both set, name programs already built:
# then nothing is installed or built (the test integration.demo runs the demo that way).
set -euo pipefail
umask 077
src=$(cd "$(dirname "$0")/.." && pwd)
build=${EFTERLEV_DEMO_BUILD:-$src/build/release}
work=${EFTERLEV_DEMO_DIR:-$src/demo}
department=${EFTERLEV_DEMO_DEPARTMENT:-Kommunledningsförvaltningen}
level=${EFTERLEV_DEMO_LEVEL:-basic}

say() { printf 'efterlev demo: %s\n' "$*" >&2; }

if [ -n "${EFTERLEV_DEMO_COLLECTOR:-}" ] && [ -n "${EFTERLEV_DEMO_AGENT:-}" ]; then
    collector=$EFTERLEV_DEMO_COLLECTOR
    agent=$EFTERLEV_DEMO_AGENT
else
    bash "$src/scripts/deps.sh"
    say "building in $build"
    # The build tree's files are for everyone to read, as usual, not only the demo's secrets.
    (umask 022 && bash "$src/scripts/build.sh" "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DEFTERLEV_TESTS=OFF -DEFTERLEV_WERROR=OFF)
    collector=$build/collector/efterlev-collector
    agent=$build/agent/efterlev-agent
fi

mkdir -p "$work"
conf=$work/collector/collector.yml
if [ ! -f "$conf" ]; then
    say "creating a collector in $work/collector"
    # The checks the agent runs (this tree's) are the ones the collector counts.
    "$collector" init --dir "$work/collector" --policies "$src/checks/policies" >&2
fi

# One demo collector at a time: stop the one a previous run left.
pidfile=$work/collector.pid
if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    kill "$(cat "$pidfile")"
    while kill -0 "$(cat "$pidfile")" 2>/dev/null; do sleep 0.1; done
fi
# serve PORT: start the collector on 127.0.0.1:PORT (0: the kernel picks one); fails when
# it exits before it listens (the port is taken).
serve() {
    rm -f "$work/ready"
    nohup "$collector" serve --config "$conf" --listen "127.0.0.1:$1" --ready-file "$work/ready" \
        >>"$work/collector.log" 2>&1 &
    echo $! >"$pidfile"
    for _ in $(seq 1 100); do
        [ -s "$work/ready" ] && return 0
        kill -0 "$(cat "$pidfile")" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}
# The port of the first run, so that bookmarks, the agent's enrollment and curl commands
# keep working; a free one when it is taken.
portfile=$work/collector.port
port=$(cat "$portfile" 2>/dev/null || true)
case "$port" in '' | *[!0-9]*) port=0 ;; esac
: >"$work/collector.log"
if [ "$port" != 0 ] && ! serve "$port"; then
    say "port $port is taken: choosing another one"
    port=0
fi
if [ "$port" = 0 ] && ! serve 0; then
    say "the collector did not start; see $work/collector.log"
    exit 1
fi
addr=$(head -n1 "$work/ready")
echo "${addr##*:}" >"$portfile"
url="https://$addr"
ca=$work/collector/tls/ca.pem
say "collector listening on $url (log: $work/collector.log)"

tokenfile=$work/department.token
[ ! -e "$tokenfile" ] || chmod 600 "$tokenfile" # made readable for all by an older demo
if [ ! -s "$tokenfile" ]; then
    "$collector" department add "$department" --level "$level" --config "$conf" >"$tokenfile"
    say "added department \"$department\" at protection level $level"
fi

export EFTERLEV_STATE_DIR=$work/agent
export EFTERLEV_CONFIG=$work/agent.yml
: >>"$EFTERLEV_CONFIG" # named explicitly, so it must exist (empty: the defaults)
# Enroll on every run (same key, same agent id): the port may have had to change.
"$agent" enroll --collector "$url" --token "$(cat "$tokenfile")" --ca "$ca"
say "running the agent: scan, sign, upload"
"$agent" run || say "the agent kept its report in the spool (see above)"

echo
"$collector" summary --config "$conf" --format text

apitoken=$work/api.token
[ -s "$apitoken" ] || "$collector" token add demo --role coordinator --config "$conf" >"$apitoken"
password=$work/dashboard.password
if [ ! -s "$password" ]; then
    openssl rand -base64 18 >"$password"
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
