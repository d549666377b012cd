#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# windows.deps_smoke: the libraries of scripts/windows-deps.sh work in a Windows program.
# Builds them (or takes them from the cache), cross-builds tests/windows/deps_smoke.c with
# cmake/mingw-w64-x86_64.cmake, and runs it under Wine in a throwaway WINEPREFIX:
#   - Ed25519 sign/verify (OpenSSL), libcurl with HTTPS by OpenSSL and no other protocol,
#     JSON (jansson), YAML (libyaml), a UTF-8 PCRE2 match with å ä ö;
#   - the agent's TLS rule against two `openssl s_server` on 127.0.0.1, made here: the one
#     whose certificate the test's CA signed is fetched with CURLOPT_CAINFO naming that CA
#     (in a folder with Swedish letters and a space), the one from another CA is refused,
#     and without CURLOPT_CAINFO both are refused;
#   - the .exe imports no DLL but Windows' own (static linking worked).
# EFTERLEV_WINDOWS_PREFIX names a prefix to test instead of the one windows-deps.sh prints.
set -euo pipefail
# Runs when the Windows build exists (scripts/test.sh makes it: EF_WINDOWS_BUILD) and
# EFTERLEV_WINDOWS is not 0; else exit 77, ctest: skipped.
if [ "${EFTERLEV_WINDOWS:-1}" = 0 ] || [ ! -f "${EF_WINDOWS_BUILD:-/nonexistent}/agent/efterlev-agent.exe" ]; then
    echo "SKIP: no Windows build (scripts/test.sh makes one; EFTERLEV_WINDOWS=0 turns it off)"
    exit 77
fi
src=${EF_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}

T=$(mktemp -d "${TMPDIR:-/tmp}/efterlev-windows.XXXXXX")
PIDS=()
cleanup() {
    local rc=$? p
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
    # wineserver of the throwaway prefix: it lingers a few seconds after the last program.
    if [ -d "$T/wine" ]; then WINEPREFIX=$T/wine TMPDIR=$T/tmp wineserver -k 2>/dev/null || true; fi
    if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ]; then
        echo "--- test failed (rc=$rc); files kept in $T" >&2
        for f in "$T"/*.log; do [ -f "$f" ] && { echo "--- $f" >&2; tail -n 40 "$f" >&2; }; done
    else
        rm -rf "$T"
    fi
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "ok: $*"; }

# EFTERLEV_WINDOWS_PREFIX: a prefix built before (by this script's cache or elsewhere).
prefix=${EFTERLEV_WINDOWS_PREFIX:-}
[ -n "$prefix" ] || prefix=$(bash "$src/scripts/windows-deps.sh") || fail "scripts/windows-deps.sh"
[ -f "$prefix/manifest" ] || fail "no manifest in $prefix"
pass "libraries in $prefix"

build=$T/build
cmake -S "$src/tests/windows" -B "$build" -DCMAKE_TOOLCHAIN_FILE="$src/cmake/mingw-w64-x86_64.cmake" \
    -DEFTERLEV_WINDOWS_PREFIX="$prefix" >"$T/cmake.log" 2>&1 || fail "configure (see cmake.log)"
cmake --build "$build" -j2 >>"$T/cmake.log" 2>&1 || fail "build (see cmake.log)"
exe=$build/deps_smoke.exe
[ -f "$exe" ] || fail "no deps_smoke.exe"
pass "deps_smoke.exe built ($(($(stat -c %s "$exe") / 1024)) KiB)"

# Static: the only DLLs the .exe imports are Windows' own.
dlls=$(x86_64-w64-mingw32-objdump -p "$exe" | awk '/DLL Name:/ { print tolower($3) }' | sort -u)
for d in $dlls; do
    case "$d" in
    kernel32.dll | user32.dll | advapi32.dll | ws2_32.dll | crypt32.dll | bcrypt.dll | msvcrt.dll | \
        shell32.dll | ole32.dll | gdi32.dll | api-ms-win-*) ;;
    *) fail "deps_smoke.exe imports $d (not a Windows DLL: a library was linked dynamically)" ;;
    esac
done
pass "deps_smoke.exe imports only Windows DLLs: $(echo "$dlls" | paste -sd' ')"

# Two CAs, a server certificate from each, for 127.0.0.1. The good CA lies in a folder
# with Swedish letters and a space: the agent's CA file may, on Windows.
cadir="$T/CA för kommunen åäö"
mkdir -p "$cadir"
mkcert() { # NAME: a CA NAME-ca and a server certificate NAME-srv signed by it
    {
        openssl req -x509 -newkey ed25519 -nodes -days 1 -subj "/CN=efterlev test $1 CA" \
            -keyout "$T/$1-ca.key" -out "$T/$1-ca.pem" \
            -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign &&
            openssl req -new -newkey ed25519 -nodes -subj "/CN=127.0.0.1" \
                -keyout "$T/$1-srv.key" -out "$T/$1-srv.csr" &&
            openssl x509 -req -in "$T/$1-srv.csr" -CA "$T/$1-ca.pem" -CAkey "$T/$1-ca.key" \
                -days 1 -set_serial 1 -out "$T/$1-srv.pem" -extfile \
                <(printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n')
    } >>"$T/openssl.log" 2>&1
}
mkcert good || fail "certificates (see openssl.log)"
mkcert other || fail "certificates (see openssl.log)"
cp "$T/good-ca.pem" "$cadir/ca.pem"

# serve NAME: openssl s_server -www with NAME's certificate on a free port; sets PORT.
serve() {
    local log=$T/server-$1.log _
    # The log exists before the server starts: the background job opens it in its own
    # time, and a read before that must find an empty file, not fail the test.
    : >"$log"
    openssl s_server -www -accept 127.0.0.1:0 -cert "$T/$1-srv.pem" -key "$T/$1-srv.key" \
        >>"$log" 2>&1 &
    PIDS+=($!)
    for _ in $(seq 1 100); do
        PORT=$(sed -n 's/^ACCEPT 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$log")
        [ -n "$PORT" ] && return 0
        sleep 0.05
    done
    fail "s_server $1 did not start"
}
serve good
good_port=$PORT
serve other
other_port=$PORT

# Wine's prefix and its server's socket folder (under TMPDIR) both in $T.
mkdir -p "$T/tmp"
export WINEPREFIX=$T/wine WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml=" TMPDIR=$T/tmp
# The first Wine command (winepath) makes the Wine prefix: most of the time under Wine.
start=$(date +%s%3N)
ca_win=$(winepath -w "$cadir/ca.pem" 2>/dev/null) || fail "winepath"
made=$(date +%s%3N)
set +e
wine "$exe" "$ca_win" "https://127.0.0.1:$good_port/" "https://127.0.0.1:$other_port/" \
    >"$T/smoke.out" 2>"$T/wine.log"
rc=$?
set -e
ms=$(($(date +%s%3N) - start))
sed 's/^/    /' "$T/smoke.out"
[ "$rc" -eq 0 ] || fail "deps_smoke.exe exited $rc under Wine"
pass "deps_smoke.exe exited 0 under Wine (Wine prefix made in $((made - start)) ms, the program ran $((start + ms - made)) ms)"

out=$(tr -d '\r' <"$T/smoke.out")
expect() { grep -qxF "$1" <<<"$out" || fail "no line '$1' in the output"; pass "$1"; }
expect "ok openssl ed25519 signature verifies"
expect "ok openssl ed25519 signature of a changed message does not verify"
expect "ok curl supports https"
expect "ok curl tls backend is OpenSSL"
expect "ok curl has no protocol but http and https"
expect "ok jansson parses a JSON document"
expect "ok libyaml parses a YAML document"
expect "ok pcre2 matches a UTF-8 subject with å ä ö"
grep -q '^ok https with CAINFO fetches from the CA' <<<"$out" || fail "the good server was not fetched"
pass "https with CAINFO fetches from the CA's server"
grep -q "^ok https with CAINFO refuses another CA's server" <<<"$out" || fail "the other CA's server was not refused"
pass "https with CAINFO refuses another CA's server"
grep -q '^ok https without CAINFO trusts no server' <<<"$out" || fail "a server was trusted without CAINFO"
pass "https without CAINFO trusts no server"
expect "deps_smoke: all steps passed"
# The versions in the output are the pinned ones.
ssl_v=$(awk '$2 == "openssl" { split($3, a, "-"); print a[1] }' "$prefix/manifest")
curl_v=$(awk '$2 == "curl" { split($3, a, "-"); print a[1] }' "$prefix/manifest")
grep -q "^openssl OpenSSL $ssl_v " <<<"$out" || fail "OpenSSL is not the pinned $ssl_v"
grep -q "^curl $curl_v tls OpenSSL/$ssl_v" <<<"$out" || fail "libcurl is not the pinned $curl_v with OpenSSL $ssl_v"
pass "OpenSSL $ssl_v and libcurl $curl_v, as pinned"
