# SPDX-License-Identifier: EUPL-1.2
# Shared by the tests that run the Windows agent under Wine (tests/windows/*.sh): the
# integration helpers (tests/integration/lib.sh: a temporary folder $T, a collector on
# 127.0.0.1, departments) plus a throwaway Wine prefix in $T/wine and the Windows build.
#
# EF_WINDOWS_BUILD names the cross-built tree (scripts/build-windows.sh; scripts/test.sh
# makes BUILD/windows). Without it, or with EFTERLEV_WINDOWS=0, the test is skipped.
# Wine shows the Linux file system as drive Z:, so a Linux path P is Z:P to the agent.
source "$EF_SOURCE_DIR/tests/integration/lib.sh"

[ "${EFTERLEV_WINDOWS:-1}" != 0 ] || skip "EFTERLEV_WINDOWS=0"
[ -n "${EF_WINDOWS_BUILD:-}" ] && [ -f "$EF_WINDOWS_BUILD/agent/efterlev-agent.exe" ] ||
    skip "no Windows build (scripts/build-windows.sh DIR, then EF_WINDOWS_BUILD=DIR; scripts/test.sh does both)"
command -v wine >/dev/null || skip "wine is not installed (scripts/deps.sh test)"
EXE=$EF_WINDOWS_BUILD/agent/efterlev-agent.exe

# The prefix, and Wine's server socket folder (under TMPDIR), inside $T; the wineserver of
# the prefix goes with the test.
mkdir -p "$T/tmp"
export WINEPREFIX=$T/wine WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml=" TMPDIR=$T/tmp
wine_cleanup() {
    local rc=$? p
    for p in "$T"/wine*; do
        [ -d "$p" ] && WINEPREFIX=$p wineserver -k 2>/dev/null || true
    done
    set +e
    (exit "$rc") # ef_cleanup keeps the logs when the test failed
    ef_cleanup
}
trap wine_cleanup EXIT

# wine_prefix: make the prefix, as Windows 10 (Wine's default prefix says Windows 7).
wine_prefix() {
    wineboot -i >"$T/wineboot.log" 2>&1 || fail "wineboot"
    wine winecfg -v win10 >>"$T/wineboot.log" 2>&1 || fail "winecfg -v win10"
}

# win PATH: the Windows form of a Linux path (Z:\...).
win() { printf 'Z:%s' "${1//\//\\}"; }

# wagent ARGS...: efterlev-agent.exe under Wine; its output with CRs removed.
wagent() {
    local rc=0
    wine "$EXE" "$@" >"$T/wagent.out" 2>"$T/wagent.err" || rc=$?
    tr -d '\r' <"$T/wagent.out"
    tr -d '\r' <"$T/wagent.err" >&2
    return $rc
}

# wine_trust_root PEM: put a CA certificate into the Windows machine's Root store (as a
# municipality's Group Policy distributes its own CA): the registry store's serialized form,
# HKLM\Software\Microsoft\SystemCertificates\Root\Certificates\SHA1\Blob = property 32
# (CERT_CERT_PROP_ID), encoding 1 (X509_ASN_ENCODING), length, DER.
wine_trust_root() {
    local th hex
    th=$(openssl x509 -in "$1" -noout -fingerprint -sha1 | sed 's/.*=//; s/://g')
    hex=$(openssl x509 -in "$1" -outform DER | python3 -c '
import struct, sys
d = sys.stdin.buffer.read()
print((struct.pack("<III", 32, 1, len(d)) + d).hex())')
    wine reg add "HKLM\\Software\\Microsoft\\SystemCertificates\\Root\\Certificates\\$th" \
        /v Blob /t REG_BINARY /d "$hex" /f >/dev/null 2>&1
}
