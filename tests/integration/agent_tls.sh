#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# The agent trusts only the configured CA, refuses plain http:// off loopback, and keeps
# every report it could not deliver until the collector takes it.
source "$(dirname "$0")/lib.sh"
policy=$EF_SOURCE_DIR/tests/fixtures/policies/e2e.yml

start_collector
tok=$(add_department "Äldreomsorgen" basic)
mkdir -p "$T/agent-a"
printf 'hostname: host-a\nmachine_id: machine-a\npolicies: ["%s"]\nretry_base_ms: 50\n' "$policy" >"$T/agent-a/agent.yml"

# Another collector's CA: a certificate the agent must not accept.
"$EF_COLLECTOR" init --dir "$T/other" >/dev/null 2>&1 || fail "second init"
set +e
agent a enroll --collector "$COLL_URL" --token "$tok" --ca "$T/other/tls/ca.pem" 2>"$T/e.log"
rc=$?
set -e
[ "$rc" -ne 0 ] || fail "enrollment through a wrong CA succeeded"
assert_contains "$(cat "$T/e.log")" "certificate" "wrong CA: the error names the certificate"
[ ! -f "$T/agent-a/state/enrollment.json" ] || fail "enrollment saved despite wrong CA"

set +e
agent a enroll --collector "http://192.0.2.1:8443" --token "$tok" 2>"$T/h.log"
rc=$?
set -e
[ "$rc" -ne 0 ] || fail "plain http to a non-loopback address was accepted"
assert_contains "$(cat "$T/h.log")" "refusing plain http://" "plain http refused"

cp "$COLL_CA" "$T/trusted-ca.pem"
agent a enroll --collector "$COLL_URL" --token "$tok" --ca "$T/trusted-ca.pem" 2>/dev/null ||
    fail "enroll with the right CA"

# The CA file the agent trusts is replaced by the wrong one: upload refused, report kept.
cp "$T/other/tls/ca.pem" "$T/trusted-ca.pem"
set +e
agent a run 2>"$T/run1.log"
rc=$?
set -e
assert_eq "$rc" 1 "run exits 1 when the report stays spooled"
assert_eq "$(agent a status --format json | jq .spool.reports)" 1 "report kept in the spool"

# The collector goes down: the next report waits too.
port=${COLL_URL##*:}
stop_collector
set +e
agent a run 2>"$T/run2.log"
rc=$?
set -e
assert_eq "$rc" 1 "run with the collector down exits 1"
assert_contains "$(cat "$T/run2.log")" "kept in the spool" "run says the report is kept"
assert_eq "$(agent a status --format json | jq .spool.reports)" 2 "two reports spooled"

# Collector back on the same port, right CA back: both arrive, in order, once.
serve_collector "127.0.0.1:$port"
cp "$COLL_CA" "$T/trusted-ca.pem"
agent a run 2>"$T/run3.log" || fail "delivery after recovery: $(cat "$T/run3.log")"
assert_eq "$(agent a status --format json | jq .spool.reports)" 0 "spool empty after recovery"
assert_eq "$(stored_seqs "$(agent a status --format json | jq -r .enrollment.agent_id)")" \
    "1,2,3" "all three reports stored once, in seq order"

# make_cert NAME SAN START END: a server certificate from the collector's own CA (so only the
# property under test is wrong), with validity START..END (YYYYMMDDHHMMSSZ).
make_cert() {
    local d=$T/certs-$1
    mkdir -p "$d/new"
    : >"$d/index.txt"
    printf '[ca]\ndefault_ca=t\n[t]\ndatabase=%s/index.txt\nnew_certs_dir=%s/new\n' "$d" "$d" >"$d/ca.cnf"
    printf 'serial=%s/serial\ndefault_md=sha256\npolicy=p\ncopy_extensions=copy\n[p]\ncommonName=supplied\n' "$d" >>"$d/ca.cnf"
    echo 1000 >"$d/serial"
    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$d/key.pem" \
        -subj "/CN=$1" -addext "subjectAltName=$2" -out "$d/req.csr" 2>/dev/null
    openssl ca -batch -config "$d/ca.cnf" -cert "$COLL_DIR/tls/ca.pem" \
        -keyfile "$COLL_DIR/tls/ca-key.pem" -startdate "$3" -enddate "$4" -in "$d/req.csr" \
        -out "$d/cert.pem" -notext 2>/dev/null || fail "cannot make certificate $1"
}

# serve_with_cert NAME: restart the collector on its port with certificate NAME.
serve_with_cert() {
    stop_collector
    cp "$T/certs-$1/cert.pem" "$COLL_DIR/tls/cert.pem"
    cp "$T/certs-$1/key.pem" "$COLL_DIR/tls/key.pem"
    serve_collector "127.0.0.1:$port"
}

cp -p "$COLL_DIR/tls/cert.pem" "$T/good-cert.pem"
cp -p "$COLL_DIR/tls/key.pem" "$T/good-key.pem"
stored_before=$(stored_seqs "$(agent a status --format json | jq -r .enrollment.agent_id)")

# An expired certificate from the right CA, for the right address: refused, report kept.
make_cert expired "IP:127.0.0.1,DNS:localhost" 20200101000000Z 20200201000000Z
serve_with_cert expired
set +e
agent a run 2>"$T/expired.log"
rc=$?
set -e
assert_eq "$rc" 1 "expired certificate: run exits 1"
assert_contains "$(cat "$T/expired.log")" "expired" "expired certificate: the error says so"
assert_eq "$(agent a status --format json | jq .spool.reports)" 1 "expired certificate: report kept"

# A valid certificate from the right CA for another host name: refused, reports kept.
make_cert otherhost "DNS:other.example" "$(date -u -d '-1 day' +%Y%m%d%H%M%SZ)" \
    "$(date -u -d '+30 days' +%Y%m%d%H%M%SZ)"
serve_with_cert otherhost
set +e
agent a run 2>"$T/otherhost.log"
rc=$?
set -e
assert_eq "$rc" 1 "wrong host name: run exits 1"
assert_contains "$(cat "$T/otherhost.log")" "127.0.0.1" "wrong host name: the error names the host"
assert_eq "$(agent a status --format json | jq .spool.reports)" 2 "wrong host name: reports kept"
assert_eq "$(stored_seqs "$(agent a status --format json | jq -r .enrollment.agent_id)")" \
    "$stored_before" "nothing reached the collector through a bad certificate"

# The right certificate again: everything arrives.
cp "$T/good-cert.pem" "$T/certs-otherhost/cert.pem"
cp "$T/good-key.pem" "$T/certs-otherhost/key.pem"
serve_with_cert otherhost
agent a run 2>"$T/good.log" || fail "delivery with the right certificate: $(cat "$T/good.log")"
assert_eq "$(agent a status --format json | jq .spool.reports)" 0 "spool empty again"
echo "agent_tls: all assertions passed"
