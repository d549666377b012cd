#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# shellcheck disable=SC2016 # dpkg-query -f '${Version}' is dpkg's syntax, not the shell's
# Packaging test (issue 7): build the .deb and .rpm packages with scripts/package.sh,
# install the .debs with apt into a clean Debian 12 root made by debootstrap, and prove
# there, with chroot:
#   - apt resolves the dependencies; the agent scans with the installed policy;
#     efterlev-collector init works; the package's postinst made the collector's state;
#   - the timer is enabled, the state directory is 0700, the service's start condition
#     skips an unconfigured machine and lets a configured one through;
#   - collector URL + CA + token in agent.yml make the first `efterlev-agent run` enroll by
#     itself against the packaged collector (running in the root, on 127.0.0.1);
#   - upgrading to a rebuilt package with a higher version keeps key, enrollment, seq,
#     spool, configuration, database and TLS keys (seq continues, the spool is delivered);
#   - remove keeps the state, purge leaves nothing;
#   - rpm -qpl / -qpR / -qpc show the right files, dependencies and config files;
#   - lintian reports no errors on the .debs.
# Needs root (debootstrap, chroot, mount); exits 77 (ctest: skipped) otherwise.
# The debootstrapped root is cached outside the build tree, so that a fresh clone or a new
# build directory needs no debootstrap either: a tarball per suite and mirror,
#   $EFTERLEV_TEST_CACHE/debootstrap/SUITE-HASH.tar.gz   (HASH: first 12 hex digits of the
#                                                         SHA-256 of the mirror URL)
# with the .debs apt downloads into the root beside it (SUITE-HASH.archives/).
# EFTERLEV_TEST_CACHE defaults to /var/cache/efterlev-test; delete the tarball to make a new
# root. The Debian mirror comes from this machine's apt sources (or $EFTERLEV_DEBIAN_MIRROR).
set -euo pipefail

if [ "$(id -u)" -ne 0 ]; then
    echo "SKIP: the packaging test needs root (debootstrap, chroot, mount /proc)" >&2
    exit 77
fi

: "${EF_SOURCE_DIR:?EF_SOURCE_DIR must name the source tree}"
: "${EF_BUILD_DIR:?EF_BUILD_DIR must name the build tree}"
SUITE=bookworm
W=$EF_BUILD_DIR/packaging-test
R=$W/root
TEST_CACHE=${EFTERLEV_TEST_CACHE:-/var/cache/efterlev-test}
mkdir -p "$W"
LOG=$W/test.log
: >"$LOG"
start=$(date +%s)

COLL_PID=
unmount_root() {
    local m p
    # Anything still running inside the root (started by this test) goes first.
    for p in /proc/[0-9]*; do
        if [ "$(readlink "$p/root" 2>/dev/null)" = "$R" ]; then kill "${p#/proc/}" 2>/dev/null || true; fi
    done
    for m in "$R/sys" "$R/proc"; do
        if mountpoint -q "$m" 2>/dev/null; then
            umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
        fi
    done
}
# unmount_under DIR: whatever is mounted below DIR (debootstrap mounts /proc in the root it
# makes and leaves it when it is killed, by ctest's timeout for instance), deepest first.
unmount_under() {
    local m
    awk -v d="$1/" 'index($2, d) == 1 { print $2 }' /proc/mounts | sort -r | while read -r m; do
        umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
    done
}
# remove_root: never while something is mounted in it; never across file systems.
remove_root() {
    unmount_root
    rm -rf --one-file-system "$R"
}
cleanup() {
    local rc=$?
    if [ -n "$COLL_PID" ]; then
        kill "$COLL_PID" 2>/dev/null || true
        wait "$COLL_PID" 2>/dev/null || true
    fi
    unmount_root
    unmount_under "$W/mkroot"
    if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ]; then
        echo "--- packaging test failed (rc=$rc); last lines of $LOG:" >&2
        tail -n 60 "$LOG" >&2 || true
    fi
}
trap cleanup EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "ok: $*"; }
step() { echo "--- $* ($(($(date +%s) - start)) s)"; echo "--- $*" >>"$LOG"; }
# in_root CMD...: run a command in the Debian root, output to the log.
in_root() { chroot "$R" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 \
    DEBIAN_FRONTEND=noninteractive HOME=/root "$@"; }
apt_root() { in_root apt-get -y -q -o Dpkg::Use-Pty=0 "$@" </dev/null >>"$LOG" 2>&1; }
# as_efterlev CMD...: in the root, as the collector's user (as the service runs).
as_efterlev() { in_root setpriv --reuid=efterlev --regid=efterlev --clear-groups "$@"; }

# The Debian archive this machine's apt uses: the first "deb" source of a plain suite
# (not -security/-updates/-backports), from deb822 .sources or one-line .list files.
debian_mirror() {
    if [ -n "${EFTERLEV_DEBIAN_MIRROR:-}" ]; then
        echo "$EFTERLEV_DEBIAN_MIRROR"
        return
    fi
    local f
    for f in /etc/apt/sources.list.d/*.sources; do
        [ -f "$f" ] || continue
        awk '
            function flush() {
                if (types ~ /(^| )deb( |$)/ && enabled != "no" && uri != "" && plain) { print uri; found = 1; exit }
                types = ""; uri = ""; plain = 0; enabled = ""
            }
            /^[[:space:]]*$/ { flush(); next }
            /^#/ { next }
            tolower($1) == "types:" { types = ""; for (i = 2; i <= NF; i++) types = types " " $i; types = types " " }
            tolower($1) == "uris:" { uri = $2 }
            tolower($1) == "enabled:" { enabled = tolower($2) }
            tolower($1) == "suites:" { for (i = 2; i <= NF; i++) if ($i !~ /-/) plain = 1 }
            END { if (!found) flush() }
        ' "$f"
    done | head -n1 | grep . && return
    cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
        awk '$1 == "deb" {
                i = 2
                if ($2 ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
                if ($(i + 1) !~ /-/) { print $i; exit }
             }' | grep .
}

# ---------------------------------------------------------------------------------------
step "tools"
bash "$EF_SOURCE_DIR/scripts/deps.sh" test >>"$LOG" 2>&1
for t in debootstrap rpm rpmbuild lintian dpkg-deb dpkg-shlibdeps file chroot mountpoint; do
    command -v "$t" >/dev/null || fail "$t is missing (scripts/deps.sh installs it)"
done

step "build the packages (release 1, then release 2 for the upgrade)"
export EFTERLEV_PKG_BUILD=$W/build
EFTERLEV_PKG_RELEASE=1 EFTERLEV_PKG_OUT=$W/pkg1 bash "$EF_SOURCE_DIR/scripts/package.sh" >>"$LOG" 2>&1 ||
    fail "scripts/package.sh (release 1)"
# (release 2 without the MSI: the MSI's own upgrade is windows.service_msi's)
EFTERLEV_PKG_MSI=0 EFTERLEV_PKG_RELEASE=2 EFTERLEV_PKG_OUT=$W/pkg2 bash "$EF_SOURCE_DIR/scripts/package.sh" >>"$LOG" 2>&1 ||
    fail "scripts/package.sh (release 2)"
V=$(grep -m1 -oE 'project\(efterlev VERSION [0-9.]+' "$EF_SOURCE_DIR/CMakeLists.txt" | awk '{print $3}')
arch=$(dpkg --print-architecture)
A1=$W/pkg1/efterlev-agent_${V}-1_${arch}.deb
C1=$W/pkg1/efterlev-collector_${V}-1_${arch}.deb
A2=$W/pkg2/efterlev-agent_${V}-2_${arch}.deb
C2=$W/pkg2/efterlev-collector_${V}-2_${arch}.deb
M1=$W/pkg1/efterlev-agent_${V}_x64.msi
for f in "$A1" "$C1" "$A2" "$C2" "$M1"; do [ -f "$f" ] || fail "no package $f"; done
pass "built $(basename "$A1") $(basename "$C1") $(basename "$M1") and release 2"
# The MSI holds the agent, the Windows policy and the control catalog.
msiinfo export "$M1" File >"$W/msi-files.txt" 2>>"$LOG" || fail "msiinfo export File"
for f in efterlev-agent.exe iso27002-2022.yml 10-encryption-patch.yml; do
    grep -q "$f" "$W/msi-files.txt" || fail "the MSI has no $f"
done
pass "the MSI holds efterlev-agent.exe, the Windows policy and the control catalog"

# ---------------------------------------------------------------------------------------
step "lintian"
lintian --tag-display-limit 0 --show-overrides "$A1" "$C1" 2>&1 |
    grep -v 'running with root privileges' >"$W/lintian.txt" || true
sed 's/^/  /' "$W/lintian.txt"
if grep -q '^E:' "$W/lintian.txt"; then fail "lintian errors (above)"; fi
pass "lintian: no errors"

step "rpm"
RA=$(ls "$W"/pkg1/efterlev-agent-"$V"-1.*.rpm) || fail "no agent .rpm"
RC=$(ls "$W"/pkg1/efterlev-collector-"$V"-1.*.rpm) || fail "no collector .rpm"
ra_files=$(rpm -qpl "$RA" 2>/dev/null)
for f in /usr/bin/efterlev-agent /etc/efterlev/agent.yml /usr/lib/systemd/system/efterlev-agent.service \
    /usr/lib/systemd/system/efterlev-agent.timer /usr/share/efterlev/policies \
    /usr/share/efterlev/policies-windows /usr/share/man/man8/efterlev-agent.8.gz; do
    grep -qx "$f" <<<"$ra_files" || fail "agent rpm lacks $f"
done
rc_files=$(rpm -qpl "$RC" 2>/dev/null)
for f in /usr/bin/efterlev-collector /etc/efterlev/collector.yml \
    /usr/lib/systemd/system/efterlev-collector.service /usr/share/man/man8/efterlev-collector.8.gz \
    /usr/share/efterlev-collector/policies/10-encryption.yml; do
    grep -qx "$f" <<<"$rc_files" || fail "collector rpm lacks $f"
done
ra_req=$(rpm -qpR "$RA" 2>/dev/null)
for r in 'libcurl.so.4()(64bit)' 'libcrypto.so.3()(64bit)' 'libjansson.so.4()(64bit)' \
    'libyaml-0.so.2()(64bit)' 'libpcre2-8.so.0()(64bit)' 'libbsd.so.0()(64bit)' systemd; do
    grep -qxF "$r" <<<"$ra_req" || fail "agent rpm does not require $r"
done
rc_req=$(rpm -qpR "$RC" 2>/dev/null)
for r in 'libsqlite3.so.0()(64bit)' 'libevent-2.1.so.7()(64bit)' 'libevent_openssl-2.1.so.7()(64bit)' \
    'libssl.so.3()(64bit)' shadow-utils; do
    grep -qxF "$r" <<<"$rc_req" || fail "collector rpm does not require $r"
done
[ "$(rpm -qpc "$RA" 2>/dev/null)" = /etc/efterlev/agent.yml ] || fail "agent rpm: agent.yml not %config"
[ "$(rpm -qpc "$RC" 2>/dev/null)" = /etc/efterlev/collector.yml ] || fail "collector rpm: collector.yml not %config"
rpm -qp --scripts "$RC" 2>/dev/null | grep -q 'useradd -r' || fail "collector rpm: no system user"
for p in "$RA" "$RC"; do
    [ "$(rpm -qp --qf '%{LICENSE}' "$p" 2>/dev/null)" = EUPL-1.2 ] || fail "$(basename "$p"): License is not EUPL-1.2"
done
pass "rpm: files, dependencies, config files, scriptlets, licence"

step "systemd units"
if command -v systemd-analyze >/dev/null; then
    # The packaged units with ExecStart= pointing at the freshly built programs.
    rm -rf "$W/units" && mkdir -p "$W/units"
    dpkg-deb -x "$A1" "$W/units/a" && dpkg-deb -x "$C1" "$W/units/c"
    for u in "$W"/units/[ac]/usr/lib/systemd/system/*; do
        sed -e "s|/usr/bin/efterlev-agent|$W/build/agent/efterlev-agent|g" \
            -e "s|/usr/bin/efterlev-collector|$W/build/collector/efterlev-collector|g" "$u" \
            >"$W/units/$(basename "$u")"
    done
    (cd "$W/units" && systemd-analyze verify --man=no ./efterlev-agent.service ./efterlev-agent.timer \
        ./efterlev-collector.service) >"$W/units/verify.txt" 2>&1 || true
    if [ -s "$W/units/verify.txt" ]; then
        sed 's/^/  /' "$W/units/verify.txt"
        fail "systemd-analyze verify complains about the units"
    fi
    for u in efterlev-agent.service efterlev-collector.service; do
        e=$(cd "$W/units" && systemd-analyze security --offline=true "./$u" 2>/dev/null | sed -n 's/.*Overall exposure level for [^:]*: //p')
        pass "systemd-analyze: $u verifies; exposure $e"
    done
else
    echo "  (no systemd-analyze here: units not verified)"
fi

# ---------------------------------------------------------------------------------------
step "Debian 12 root"
MIRROR=$(debian_mirror) || fail "no Debian mirror in /etc/apt/sources.list(.d); set EFTERLEV_DEBIAN_MIRROR"
KEY=$SUITE-$(printf '%s' "$MIRROR" | sha256sum | cut -c1-12)
TARBALL=$TEST_CACHE/debootstrap/$KEY.tar.gz
CACHE=$TEST_CACHE/debootstrap/$KEY.archives
mkdir -p "$TEST_CACHE/debootstrap" "$CACHE"
if [ ! -s "$TARBALL" ]; then
    echo "debootstrap $SUITE from $MIRROR" >>"$LOG"
    unmount_under "$W/mkroot"
    rm -rf --one-file-system "$W/mkroot"
    debootstrap --variant=minbase "$SUITE" "$W/mkroot" "$MIRROR" >>"$LOG" 2>&1 || fail "debootstrap"
    chroot "$W/mkroot" apt-get clean >>"$LOG" 2>&1
    # Written under a name of its own, then renamed: another build's test may read it.
    unmount_under "$W/mkroot"
    tar -C "$W/mkroot" -czf "$TARBALL.$$.tmp" . || { rm -f "$TARBALL.$$.tmp"; fail "cannot write $TARBALL"; }
    mv "$TARBALL.$$.tmp" "$TARBALL"
    rm -rf --one-file-system "$W/mkroot"
    pass "debootstrap $SUITE from $MIRROR: new root cached in $TARBALL"
else
    pass "Debian root from the cache $TARBALL ($SUITE, $MIRROR)"
fi
remove_root
mkdir -p "$R"
if ! tar -C "$R" -xzf "$TARBALL"; then
    rm -f "$TARBALL"
    fail "the cached root $TARBALL is damaged: removed, the next run makes a new one"
fi
cp /etc/resolv.conf "$R/etc/resolv.conf" 2>/dev/null || true
# A real installation has a machine id (systemd's first boot makes it).
od -An -N16 -tx1 /dev/urandom | tr -d ' \n' >"$R/etc/machine-id"
echo >>"$R/etc/machine-id"
mount -t proc proc "$R/proc"
mount -t sysfs -o ro sysfs "$R/sys"
apt_root update || fail "apt-get update in the root"
cp "$CACHE"/*.deb "$R/var/cache/apt/archives/" 2>/dev/null || true

# ---------------------------------------------------------------------------------------
step "install efterlev-agent with apt"
cp "$A1" "$C1" "$A2" "$C2" "$R/tmp/"
apt_root install "/tmp/$(basename "$A1")" || fail "apt-get install efterlev-agent"
cp "$R"/var/cache/apt/archives/*.deb "$CACHE/" 2>/dev/null || true
[ "$(in_root dpkg-query -W -f '${Status} ${Version}' efterlev-agent)" = "install ok installed ${V}-1" ] ||
    fail "efterlev-agent not installed"
for d in libssl3 libcurl4 libjansson4 libyaml-0-2 libpcre2-8-0 libbsd0; do
    in_root dpkg-query -W -f '${Status}' "$d" 2>/dev/null | grep -q "ok installed" ||
        fail "dependency $d not installed"
done
pass "apt installed efterlev-agent and its dependencies"
[ "$(stat -c %a "$R/var/lib/efterlev")" = 700 ] || fail "/var/lib/efterlev is not 0700"
[ "$(stat -c %a "$R/etc/efterlev/agent.yml")" = 640 ] || fail "agent.yml is not 0640"
grep -qx /etc/efterlev/agent.yml "$R/var/lib/dpkg/info/efterlev-agent.conffiles" || fail "agent.yml not a conffile"
[ -L "$R/etc/systemd/system/timers.target.wants/efterlev-agent.timer" ] || fail "timer not enabled"
[ -f "$R/usr/share/man/man8/efterlev-agent.8.gz" ] || fail "no man page"
grep -qx 'License: EUPL-1.2' "$R/usr/share/doc/efterlev-agent/copyright" || fail "copyright does not say EUPL-1.2"
[ -d "$R/usr/share/efterlev/policies" ] || fail "no policies"
pass "state dir 0700, conffile, timer enabled, man page, policies, EUPL-1.2 copyright"

step "efterlev-agent scan in the root"
rc=0
in_root efterlev-agent scan --format json >"$W/scan.json" 2>>"$LOG" || rc=$?
[ "$rc" -le 1 ] || fail "scan exited $rc"
jq -e '.schema == "efterlev.report/1" and (.results | length) > 0 and .host.os_id == "debian"' \
    "$W/scan.json" >/dev/null || fail "scan: not a report of this Debian root with results"
pass "scan: $(jq '.results | length' "$W/scan.json") results from the installed policy (exit $rc)"
nchecks=$(in_root efterlev-agent checks --format json 2>>"$LOG" | jq '.checks | length')
[ "$nchecks" -gt 0 ] || fail "checks: none listed"
pass "checks: $nchecks checks in /usr/share/efterlev/policies"
# A recorded Windows machine is judged by the installed Windows policy without --policy.
cp "$EF_SOURCE_DIR/tests/fixtures/windows/good.reg" "$R/tmp/pc.reg"
rc=0
in_root efterlev-agent scan --registry /tmp/pc.reg --format json >"$W/scan-win.json" 2>>"$LOG" || rc=$?
[ "$rc" -le 1 ] || fail "scan --registry exited $rc"
[ "$(jq -r '"\(.host.platform) \(.policy.id)"' "$W/scan-win.json")" = "windows efterlev-default-windows" ] ||
    fail "scan --registry did not use the installed Windows policy: $(jq -c '[.host.platform, .policy]' "$W/scan-win.json")"
pass "scan --registry: the installed Windows policy (/usr/share/efterlev/policies-windows) by default"

# The unit's start condition, run as systemd would: an unconfigured machine is skipped.
cond=$(sed -n 's/^ExecCondition=//p' "$R/usr/lib/systemd/system/efterlev-agent.service")
[ -n "$cond" ] || fail "no ExecCondition in efterlev-agent.service"
if in_root sh -c "$cond"; then fail "ExecCondition lets an unconfigured agent run"; fi
pass "unconfigured: efterlev-agent.service would be skipped, not failed"

# ---------------------------------------------------------------------------------------
step "install efterlev-collector with apt"
apt_root install "/tmp/$(basename "$C1")" || fail "apt-get install efterlev-collector"
cp "$R"/var/cache/apt/archives/*.deb "$CACHE/" 2>/dev/null || true
in_root getent passwd efterlev >/dev/null || fail "no system user efterlev"
CS=/var/lib/efterlev-collector
for f in collector.yml efterlev.db tls/ca.pem tls/cert.pem tls/key.pem tls/ca-key.pem; do
    [ -e "$R$CS/$f" ] || fail "postinst did not init: no $CS/$f"
done
[ "$(in_root stat -c %U:%a "$CS/efterlev.db")" = efterlev:640 ] || fail "efterlev.db not efterlev's, 0640"
[ "$(in_root stat -c %U:%a "$CS/tls/key.pem")" = efterlev:600 ] || fail "key.pem not efterlev's, 0600"
[ "$(in_root stat -c %U:%a "$CS/tls/ca-key.pem")" = root:600 ] || fail "ca-key.pem not root's, 0600"
[ -L "$R/etc/systemd/system/multi-user.target.wants/efterlev-collector.service" ] ||
    fail "collector service not enabled"
[ "$(in_root stat -c %U:%a /etc/efterlev/policy-key.pem)" = efterlev:600 ] ||
    fail "postinst made no policy-key.pem (efterlev's, 0600)"
pass "collector: user, state initialised by postinst, service enabled"
in_root efterlev-collector init --dir /srv/efterlev-init >>"$LOG" 2>&1 || fail "efterlev-collector init"
if [ ! -s "$R/srv/efterlev-init/collector.yml" ] || [ ! -s "$R/srv/efterlev-init/tls/ca.pem" ]; then
    fail "init wrote nothing"
fi
if in_root efterlev-collector init --dir /srv/efterlev-init >>"$LOG" 2>&1; then
    fail "init overwrote an existing collector"
fi
pass "efterlev-collector init in the root (and it refuses to run twice)"

# run_collector: the packaged configuration, as the service runs it (user efterlev), on a
# free loopback port instead of 0.0.0.0:8443 (run_collector ADDR:PORT: on that one again).
run_collector() {
    local listen=${1:-127.0.0.1:0}
    rm -f "$R$CS/ready"
    # chroot, env and setpriv exec one another: $! is the collector itself.
    chroot "$R" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 \
        setpriv --reuid=efterlev --regid=efterlev --clear-groups \
        efterlev-collector serve --config /etc/efterlev/collector.yml --listen "$listen" \
        --ready-file "$CS/ready" >>"$LOG" 2>&1 &
    COLL_PID=$!
    for _ in $(seq 1 100); do
        [ -s "$R$CS/ready" ] && break
        kill -0 "$COLL_PID" 2>/dev/null || fail "collector exited at start"
        sleep 0.1
    done
    [ -s "$R$CS/ready" ] || fail "collector not ready"
    COLL_ADDR=$(head -n1 "$R$CS/ready")
}
stop_collector() {
    kill "$COLL_PID" 2>/dev/null || true
    wait "$COLL_PID" 2>/dev/null || true
    COLL_PID=
}
run_collector
TOKEN=$(as_efterlev efterlev-collector department add Paketförvaltningen --level basic 2>>"$LOG")
[ -n "$TOKEN" ] || fail "department add printed no token"
pass "collector serves /etc/efterlev/collector.yml on $COLL_ADDR"

# ---------------------------------------------------------------------------------------
step "mass deployment: agent.yml with collector, CA and token; the first run enrolls"
cp "$R$CS/tls/ca.pem" "$R/etc/efterlev/ca.pem"
cat >"$R/etc/efterlev/agent.yml" <<EOF
# written by configuration management
collector: https://$COLL_ADDR
ca: /etc/efterlev/ca.pem
token: $TOKEN
EOF
in_root sh -c "$cond" || fail "ExecCondition skips a configured agent"
in_root efterlev-agent run >>"$LOG" 2>&1 || fail "first efterlev-agent run (enroll + upload)"
in_root efterlev-agent status >>"$LOG" 2>&1 || fail "not enrolled after the first run"
[ -s "$R/var/lib/efterlev/policy.json" ] || fail "the first run kept no served policy"
in_root efterlev-agent status | grep -q "policy:          the collector's" ||
    fail "the first run did not use the collector's policy"
in_root sh -c "$cond" || fail "ExecCondition skips an enrolled agent"
in_root efterlev-agent run >>"$LOG" 2>&1 || fail "second run"
seq_before=$(cat "$R/var/lib/efterlev/seq")
key_before=$(sha256sum <"$R/var/lib/efterlev/key.pem")
enr_before=$(sha256sum <"$R/var/lib/efterlev/enrollment.json")
[ "$(stat -c %a "$R/var/lib/efterlev/key.pem")" = 600 ] || fail "key.pem not 0600"
pass "enrolled by itself; seq $seq_before"

# A report the collector has not got yet: it must survive the upgrade in the spool.
stop_collector
rc=0
in_root efterlev-agent run >>"$LOG" 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "run with the collector down exited $rc, not 1"
nspool=$(find "$R/var/lib/efterlev/spool" -maxdepth 1 -name '*.report' | wc -l)
[ "$nspool" = 1 ] || fail "expected 1 spooled report, found $nspool"
seq_spooled=$(cat "$R/var/lib/efterlev/seq")
db_before=$(as_efterlev efterlev-collector department list --format json 2>>"$LOG")
tls_before=$(cd "$R$CS/tls" && sha256sum ca.pem ca-key.pem cert.pem key.pem)
pass "collector down: run exits 1, one report spooled (seq $seq_spooled)"

# ---------------------------------------------------------------------------------------
step "upgrade to release 2"
apt_root install "/tmp/$(basename "$A2")" "/tmp/$(basename "$C2")" || fail "apt-get install (upgrade)"
[ "$(in_root dpkg-query -W -f '${Version}' efterlev-agent)" = "${V}-2" ] || fail "agent not upgraded"
[ "$(in_root dpkg-query -W -f '${Version}' efterlev-collector)" = "${V}-2" ] || fail "collector not upgraded"
[ "$(sha256sum <"$R/var/lib/efterlev/key.pem")" = "$key_before" ] || fail "upgrade changed the key"
[ "$(sha256sum <"$R/var/lib/efterlev/enrollment.json")" = "$enr_before" ] || fail "upgrade changed the enrollment"
[ "$(cat "$R/var/lib/efterlev/seq")" = "$seq_spooled" ] || fail "upgrade changed seq"
[ "$(find "$R/var/lib/efterlev/spool" -maxdepth 1 -name '*.report' | wc -l)" = 1 ] || fail "upgrade lost the spool"
grep -q "^token: $TOKEN" "$R/etc/efterlev/agent.yml" || fail "upgrade replaced agent.yml"
[ "$(cd "$R$CS/tls" && sha256sum ca.pem ca-key.pem cert.pem key.pem)" = "$tls_before" ] ||
    fail "upgrade changed the collector's TLS files"
[ "$(as_efterlev efterlev-collector department list --format json 2>>"$LOG")" = "$db_before" ] ||
    fail "upgrade changed the collector's database"
[ "$(stat -c %a "$R/var/lib/efterlev")" = 700 ] || fail "/var/lib/efterlev not 0700 after upgrade"
pass "upgrade kept key, enrollment, seq, spool, agent.yml, database and TLS keys"

run_collector "$COLL_ADDR"
in_root efterlev-agent run >>"$LOG" 2>&1 || fail "run after the upgrade"
[ "$(cat "$R/var/lib/efterlev/seq")" = $((seq_spooled + 1)) ] || fail "seq did not continue after the upgrade"
[ "$(find "$R/var/lib/efterlev/spool" -maxdepth 1 -name '*.report' | wc -l)" = 0 ] ||
    fail "spooled report not delivered after the upgrade"
as_efterlev efterlev-collector summary --format json >"$W/summary.json" 2>>"$LOG" || fail "summary"
# The collector package brings its own copy of the ISO/IEC 27002 catalog (coverage, titles).
[ "$(as_efterlev efterlev-collector controls --format json 2>>"$LOG" | jq .catalog_controls)" = 93 ] ||
    fail "the installed collector does not find the control catalog"
stop_collector
pass "after the upgrade: seq continues ($((seq_spooled + 1))), the spooled report was delivered"

# ---------------------------------------------------------------------------------------
step "remove keeps the state, purge removes it"
apt_root remove efterlev-agent efterlev-collector || fail "apt-get remove"
[ -f "$R/var/lib/efterlev/key.pem" ] || fail "remove deleted the agent's key"
[ -f "$R/etc/efterlev/agent.yml" ] || fail "remove deleted agent.yml"
[ -f "$R$CS/efterlev.db" ] || fail "remove deleted the database"
[ ! -e "$R/usr/bin/efterlev-agent" ] || fail "remove left the program"
pass "remove: programs gone, key, configuration and database kept"
apt_root purge efterlev-agent efterlev-collector || fail "apt-get purge"
for p in /var/lib/efterlev /var/lib/efterlev-collector /etc/efterlev \
    /etc/systemd/system/timers.target.wants/efterlev-agent.timer \
    /etc/systemd/system/multi-user.target.wants/efterlev-collector.service \
    /usr/share/efterlev /usr/share/doc/efterlev-agent /usr/share/doc/efterlev-collector; do
    if [ -e "$R$p" ] || [ -L "$R$p" ]; then fail "purge left $p"; fi
done
left=$(in_root dpkg-query -W -f '${Package} ${Status}\n' 'efterlev-*' 2>/dev/null | grep -v 'not-installed' || true)
[ -z "$left" ] || fail "dpkg still knows: $left"
left=$(find "$R" -xdev \( -path "$R/proc" -o -path "$R/sys" -o -path "$R/srv" -o -path "$R/tmp" \
    -o -path "$R/var/cache" -o -path "$R/var/log" -o -path "$R/var/lib/apt" \) -prune \
    -o -name '*efterlev*' -print)
[ -z "$left" ] || fail "purge left: $left"
pass "purge: nothing left"

remove_root
step "done"
echo "packaging test passed in $(($(date +%s) - start)) s"
