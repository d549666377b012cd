#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# Two collectors, one PostgreSQL database (issue 9): real agents enroll and upload to both
# at once, raw agents (curl + openssl) send the same seq to both at the same moment and
# replay seqs across them, two processes sweep into a new day together. Afterwards every
# counter equals a recomputation from the stored reports, both collectors answer the same
# figures, and seq/replay rules held across collectors (409 for a replayed seq on the other
# collector, 200 for a duplicate body, each seq stored once).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/protocol_lib.sh"
case "${EF_DATABASE:-}" in postgres://* | postgresql://*) ;; *) skip "needs PostgreSQL (EF_PG_FIXTURE)" ;; esac
policy=$EF_SOURCE_DIR/tests/fixtures/policies/e2e.yml
agents=12
runs=4

# Collector A from start_collector; B is a second process with the same configuration (a
# stateless front end behind a load balancer would be exactly this), on its own port.
start_collector
URL_A=$COLL_URL
"$EF_COLLECTOR" serve --config "$COLL_CONF" --listen 127.0.0.1:0 --ready-file "$COLL_DIR/ready-b" \
    >"$T/coll-b.log" 2>&1 &
EF_PIDS+=("$!")
for _ in $(seq 1 100); do [ -s "$COLL_DIR/ready-b" ] && break; sleep 0.05; done
[ -s "$COLL_DIR/ready-b" ] || fail "collector B not ready"
URL_B="https://$(head -n1 "$COLL_DIR/ready-b")"
[ "$URL_A" != "$URL_B" ] || fail "A and B on one port"
pass "two collectors on one database: $URL_A and $URL_B"

tok1=$(add_department "Socialförvaltningen" basic)
tok2=$(add_department "Utbildningsförvaltningen" elevated)
bearer=$("$EF_COLLECTOR" token add checker --role coordinator --config "$COLL_CONF" 2>>"$T/admin.log")

# Real agents: odd ones enroll at A, even ones at B, in both departments, all at once.
pids=()
for a in $(seq 1 $agents); do
    mkdir -p "$T/agent-$a"
    printf 'hostname: h%s\nmachine_id: m%s\npolicies: ["%s"]\nretry_attempts: 8\nretry_base_ms: 100\n' \
        "$a" "$a" "$policy" >"$T/agent-$a/agent.yml"
    url=$URL_A && [ $((a % 2)) -eq 0 ] && url=$URL_B
    tok=$tok1 && [ $((a % 3)) -eq 0 ] && tok=$tok2
    agent "$a" enroll --collector "$url" --token "$tok" --ca "$COLL_CA" 2>"$T/enroll-$a.log" &
    pids+=("$!")
done
for p in "${pids[@]}"; do wait "$p" || fail "an enrollment failed"; done
pass "$agents agents enrolled at A and B concurrently"

# The load: every agent runs several times, all at once; meanwhile summaries (each sweeps)
# on both sides.
pids=()
for a in $(seq 1 $agents); do
    (for _ in $(seq 1 $runs); do agent "$a" run 2>>"$T/load-$a.log" || true; done) &
    pids+=("$!")
done
for _ in 1 2 3; do
    "$EF_COLLECTOR" summary --config "$COLL_CONF" --format json >/dev/null 2>>"$T/admin.log" ||
        fail "summary during the load"
done

# Raw agents, one key each, that post to either collector.
# post_to URL KEY FILE AGENT: prints the HTTP status.
post_to() {
    local sig
    sig=$(openssl pkeyutl -sign -inkey "$T/$2.pem" -rawin -in "$3" | base64 -w0)
    curl -sS --cacert "$COLL_CA" -o /dev/null -w '%{http_code}' -X POST \
        -H "Efterlev-Agent: $4" -H "Efterlev-Signature: ed25519=$sig" \
        -H 'Content-Type: application/json' --data-binary @"$3" "$1/api/v1/reports"
}
# body FILE AGENT SEQ PASS FAIL: a report with PASS passing and FAIL failing checks.
body() {
    local results="" i
    for ((i = 1; i <= $4; i++)); do
        results+="${results:+,}{\"check\":\"raw.p$i\",\"status\":\"pass\",\"evidence\":\"ok \\\"$i\\\" \\\\ tab\\there\",\"controls\":[\"8.9\",\"5.17\"],\"severity\":\"medium\",\"level\":\"basic\",\"duration_us\":1}"
    done
    for ((i = 1; i <= $5; i++)); do
        results+="${results:+,}{\"check\":\"raw.f$i\",\"status\":\"fail\",\"evidence\":\"not ok $i\",\"controls\":[\"8.8\"],\"severity\":\"high\",\"level\":\"basic\",\"duration_us\":1}"
    done
    printf '{"schema":"efterlev.report/1","agent_id":"%s","seq":%s,"generated_at":"%s","host":{"hostname":"raw-%s","machine_id":"raw-%s","os_id":"debian","os_version":"12","os_pretty":"Debian 12","kernel":"6.1","arch":"x86_64"},"agent_version":"0.1.0","policy":{"id":"raw","version":"1","sha256":"%064d"},"results":[%s],"summary":{"pass":%d,"fail":%d,"na":0,"unknown":0,"error":0}}' \
        "$2" "$3" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "${2: -6}" "${2: -6}" 0 "$results" "$4" "$5" >"$1"
}

raw_ids=()
for r in 1 2 3; do
    pub=$(newkey "raw$r")
    COLL_URL=$URL_A raw_enroll "$tok1" "raw-$r" "raw-machine-$r" "$pub"
    [ "$CODE" = 201 ] || fail "raw agent $r enroll: $CODE $RESP"
    raw_ids+=("$(jq -r .agent_id <<<"$RESP")")
done
# The same machine enrolling at A and B at the same moment: one agent, one host.
pub=$(pubof raw1)
proof=$(enroll_proof raw1 "$tok1" raw-1 raw-machine-1 "$pub")
rp=()
for u in "$URL_A" "$URL_B"; do
    (printf '{"token":"%s","hostname":"raw-1","machine_id":"raw-machine-1","public_key":"%s","proof":"%s"}' "$tok1" "$pub" "$proof" |
        curl -sS --cacert "$COLL_CA" -X POST -H 'Content-Type: application/json' --data-binary @- \
            "$u/api/v1/enroll" >"$T/reenroll-${u##*:}.json") &
    rp+=("$!")
done
wait "${rp[@]}"
id1=${raw_ids[0]}
for f in "$T"/reenroll-*.json; do
    assert_eq "$(jq -r .agent_id "$f")" "$id1" "concurrent re-enrollment keeps the agent id"
done

seq_no=0
for r in 1 2 3; do
    id=${raw_ids[$((r - 1))]}
    # Alternate collectors: seq 1 to A, 2 to B, 3 to A, ...
    for s in 1 2 3 4; do
        body "$T/raw$r-$s.json" "$id" "$s" $((2 + s % 3)) $((s % 2))
        u=$URL_A && [ $((s % 2)) -eq 0 ] && u=$URL_B
        assert_eq "$(post_to "$u" "raw$r" "$T/raw$r-$s.json" "$id")" 202 "raw $r seq $s at ${u##*:}"
    done
    # Replays across collectors: the last body again at the other one is a duplicate (200);
    # an older seq, or the same seq with another body, is refused (409) at either.
    assert_eq "$(post_to "$URL_A" "raw$r" "$T/raw$r-4.json" "$id")" 200 "raw $r: seq 4 (stored via B) replayed to A: duplicate"
    assert_eq "$(post_to "$URL_B" "raw$r" "$T/raw$r-3.json" "$id")" 409 "raw $r: seq 3 (stored via A) replayed to B"
    assert_eq "$(post_to "$URL_A" "raw$r" "$T/raw$r-1.json" "$id")" 409 "raw $r: seq 1 replayed to A"
    body "$T/raw$r-4x.json" "$id" 4 1 3
    assert_eq "$(post_to "$URL_A" "raw$r" "$T/raw$r-4x.json" "$id")" 409 "raw $r: seq 4 with another body to A"
    # Races: one seq sent to both collectors at the same moment, the same body (one 202, one
    # 200) or two different bodies (one 202, one 409).
    for s in 5 6 7 8 9 10; do
        body "$T/raw$r-$s-a.json" "$id" "$s" 3 1
        if [ $((s % 2)) -eq 0 ]; then cp "$T/raw$r-$s-a.json" "$T/raw$r-$s-b.json"; else body "$T/raw$r-$s-b.json" "$id" "$s" 1 2; fi
        post_to "$URL_A" "raw$r" "$T/raw$r-$s-a.json" "$id" >"$T/race-a" &
        pa=$!
        post_to "$URL_B" "raw$r" "$T/raw$r-$s-b.json" "$id" >"$T/race-b" &
        pb=$!
        wait "$pa" "$pb"
        got=$(sort "$T/race-a" "$T/race-b" | paste -sd' ')
        if [ $((s % 2)) -eq 0 ]; then want="200 202"; else want="202 409"; fi
        [ "$got" = "$want" ] || fail "raw $r seq $s sent to A and B at once: $got, expected $want"
    done
    pass "raw $r: six races of one seq at both collectors, each stored once"
done

for p in "${pids[@]}"; do wait "$p"; done
# Whatever is still spooled is delivered now.
for a in $(seq 1 $agents); do
    agent "$a" run 2>>"$T/final-$a.log" || fail "final run of agent $a: $(tail -n 3 "$T/final-$a.log")"
done
for a in $(seq 1 $agents); do
    st=$(agent "$a" status --format json)
    id=$(jq -r .enrollment.agent_id <<<"$st")
    last=$(jq -r .last_seq <<<"$st")
    [ "$(stored_seqs "$id")" = "$(seq -s, 1 "$last")" ] || fail "agent $a: stored $(stored_seqs "$id"), expected 1..$last"
done
pass "every real agent: seq 1..last stored once each, in order"
assert_eq "$(db_query 'select count(*) from (select agent_id, seq from reports group by 1, 2 having count(*) > 1) d')" 0 \
    "no seq stored twice"
assert_eq "$(db_query 'select count(*) from agents')" $((agents + 3)) "one agent per machine"

# Two processes cross into tomorrow at the same moment: both sweep (catch-up with the daily
# snapshot) and neither counts anything twice.
tomorrow=$(date -u -d '+1 day' +%Y-%m-%dT00:00:30Z)
sp=()
for i in 1 2; do
    EFTERLEV_NOW=$tomorrow "$EF_COLLECTOR" summary --config "$COLL_CONF" --format json >"$T/sweep-$i.json" 2>>"$T/admin.log" &
    sp+=("$!")
done
wait "${sp[@]}" || fail "a concurrent sweep failed"
assert_eq "$(jq -S . "$T/sweep-1.json" | md5sum)" "$(jq -S . "$T/sweep-2.json" | md5sum)" "two concurrent sweeps agree"
today=$(date -u +%Y-%m-%d)
assert_eq "$(db_query "select count(*) from snapshots where day = '$today' and control = ''")" 2 \
    "one snapshot row per department for today"
assert_eq "$(db_query "select count(*) from snapshots s join dept_counts c using (department_id) where s.day = '$today' and s.control = '' and (s.pass, s.fail, s.hosts) <> (c.pass, c.fail, c.hosts)")" 0 \
    "today's snapshot holds the counters"

# Recompute every counter from the stored rows and compare.
recount() {
    db_query "$1" >"$T/diff.txt" || fail "recount query failed: $1"
    [ ! -s "$T/diff.txt" ] || fail "$2 differ: $(head -n 5 "$T/diff.txt")"
    pass "$2 equal a recomputation"
}
# The latest results are exactly those of each agent's last stored report, and the
# collector's own "missing" rows: the catalog (default, e2e and raw-uploads checks) requires
# checks no single report holds.
recount "with lr as (select a.agent_id, e->>'check' c, e->>'status' s, e->>'evidence' ev
          from agents a join reports r on r.agent_id = a.agent_id and r.seq = a.last_seq
          cross join jsonb_array_elements(convert_from(r.body, 'UTF8')::jsonb->'results') e)
   (select agent_id, c, s, ev from lr except select agent_id, check_id, status, evidence from latest_results)
   union all
   (select agent_id, check_id, status, evidence from latest_results where status <> 'missing'
    except select agent_id, c, s, ev from lr)" \
    "latest results and the last reports"
recount "select a.agent_id from agents a left join (select agent_id,
     count(*) filter (where status = 'pass') p, count(*) filter (where status = 'fail' and accepted_by is null) f,
     count(*) filter (where status = 'na') n, count(*) filter (where status = 'unknown') u,
     count(*) filter (where status = 'error') e, count(*) filter (where accepted_by is not null) x,
     count(*) filter (where status = 'missing') m
     from latest_results group by agent_id) l using (agent_id)
   where (a.n_pass, a.n_fail, a.n_na, a.n_unknown, a.n_error, a.n_accepted, a.n_missing)
      <> (coalesce(l.p, 0), coalesce(l.f, 0), coalesce(l.n, 0), coalesce(l.u, 0), coalesce(l.e, 0), coalesce(l.x, 0),
          coalesce(l.m, 0))" \
    "per-agent counts"
recount "select c.department_id from dept_counts c left join (select department_id, count(*) h,
     count(*) filter (where counted = 1) fh, sum(n_pass) filter (where counted = 1) p,
     sum(n_fail) filter (where counted = 1) f, sum(n_na) filter (where counted = 1) n,
     sum(n_unknown) filter (where counted = 1) u, sum(n_error) filter (where counted = 1) e,
     sum(n_accepted) filter (where counted = 1) x, sum(n_missing) filter (where counted = 1) m
     from agents group by department_id) a using (department_id)
   where (c.hosts, c.fresh_hosts, c.pass, c.fail, c.na, c.unknown, c.error, c.accepted, c.missing)
      <> (coalesce(a.h, 0), coalesce(a.fh, 0), coalesce(a.p, 0), coalesce(a.f, 0), coalesce(a.n, 0),
          coalesce(a.u, 0), coalesce(a.e, 0), coalesce(a.x, 0), coalesce(a.m, 0))" \
    "department counters"
recount "with want as (select a.department_id, l.check_id, l.controls,
       count(*) filter (where l.status = 'pass') p, count(*) filter (where l.status = 'fail' and l.accepted_by is null) f,
       count(*) filter (where l.status = 'na') n, count(*) filter (where l.status = 'unknown') u,
       count(*) filter (where l.status = 'error') e, count(*) filter (where l.accepted_by is not null) x,
       count(*) filter (where l.status = 'missing') m
     from latest_results l join agents a using (agent_id) where a.counted = 1 group by 1, 2, 3),
   have as (select department_id, check_id, controls, pass p, fail f, na n, unknown u, error e, accepted x,
       missing m
     from dept_check_counts where (pass, fail, na, unknown, error, accepted, missing) <> (0, 0, 0, 0, 0, 0, 0))
   (select * from want except select * from have) union all (select * from have except select * from want)" \
    "check counters"
assert_eq "$(db_query 'select count(*) from agents where counted = 0')" 0 "every agent fresh and counted"

# Both collectors answer the same figures, and they are the recomputed ones.
for u in "$URL_A" "$URL_B"; do
    for p in summary controls; do
        curl -sS --cacert "$COLL_CA" -H "Authorization: Bearer $bearer" "$u/api/v1/$p" |
            jq -S 'del(.generated_at)' >"$T/$p-${u##*:}.json"
    done
done
for p in summary controls; do
    cmp -s "$T/$p-${URL_A##*:}.json" "$T/$p-${URL_B##*:}.json" || fail "/api/v1/$p differs between A and B"
    pass "/api/v1/$p: A and B answer the same"
done
sum_api=$(jq -r '[.departments[] | .pass, .fail] | map(tostring) | join(" ")' "$T/summary-${URL_A##*:}.json")
sum_sql=$(db_query "select d.name, coalesce(sum((l.status = 'pass')::int), 0), coalesce(sum((l.status = 'fail' and l.accepted_by is null)::int), 0)
      from departments d left join agents a on a.department_id = d.id and a.counted = 1
      left join latest_results l on l.agent_id = a.agent_id group by d.name order by d.name collate \"C\"" |
    awk -F'|' '{print $2, $3}' | paste -sd' ' -)
assert_eq "$sum_api" "$sum_sql" "summary pass/fail per department = the recomputation"
grep -q "ERROR\|internal error" "$T/coll.log" "$T/coll-b.log" && fail "a collector logged an error: $(grep -h 'ERROR\|internal error' "$T/coll.log" "$T/coll-b.log" | head -3)"
echo "collectors_shared: all assertions passed"
