#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# Install the Debian packages efterlev needs (docs/development.md names the libraries and
# why). Installs only what is missing; needs root (or sudo) when something is.
#
#   scripts/deps.sh          what building and running efterlev needs (scripts/demo.sh)
#   scripts/deps.sh package  that, plus what building the .deb and .rpm needs (scripts/package.sh)
#   scripts/deps.sh test     all that, plus what the tests need (scripts/test.sh)
#   scripts/deps.sh windows  what building efterlev needs, plus what cross-building for
#                            Windows and testing under Wine need (scripts/windows-deps.sh)
#   scripts/deps.sh --list [PROFILE]   print the profile's packages, one a line; install nothing
set -euo pipefail

build=(
    build-essential cmake pkg-config git ca-certificates curl openssl
    libssl-dev libcurl4-openssl-dev libbsd-dev libjansson-dev libyaml-dev libpcre2-dev
    libsqlite3-dev libevent-dev libpq-dev zlib1g-dev liblz4-dev
    libunistring-dev   # department names in Unicode NFC (collector/names.c)
    libcsv-dev         # the device list's CSV (collector/inventory_csv.c)
)
package=(
    dpkg-dev file      # dpkg-buildflags (hardening), dpkg-shlibdeps (the .debs' Depends)
    rpm                # rpmbuild, for CPack's RPM generator
)
test=(
    clang libclang-rt-14-dev libcmocka-dev     # sanitizers, libFuzzer, unit tests
    jq sqlite3 python3 time                     # tests read what they check; benchmarks time it
    python3-aiosmtpd                            # integration.alerts: the STARTTLS SMTP sink
    lintian debootstrap                         # packaging test (with the package set)
    postgresql                                  # the collector suite on PostgreSQL
    chromium                                    # browser test (driven by playwright-core)
)
windows=(
    gcc-mingw-w64-x86-64 libz-mingw-w64-dev    # the cross-compiler, zlib for it
    dpkg-dev                                    # dpkg-source: unpacks Debian's source packages
    wine64 wine                                 # runs the Windows programs in the tests
    msitools wixl                               # the MSI package: wixl builds, msiinfo reads
    osslsigncode                                # Authenticode signatures of the exe and the MSI
)

list=0
if [ "${1:-}" = --list ]; then
    list=1
    shift
fi
packages=("${build[@]}")
case "${1:-build}" in
build) ;;
package) packages+=("${package[@]}") ;;
test)
    # the Windows agent's cross-build, Wine and the MSI tools too: scripts/test.sh runs the
    # Windows tests (scripts/windows-deps.sh would install them first anyway)
    packages+=("${package[@]}" "${test[@]}" "${windows[@]}")
    # playwright-core comes from npm. A Node.js from elsewhere (NodeSource) brings its own
    # npm and conflicts with Debian's npm package: add Debian's only when there is none.
    command -v node >/dev/null 2>&1 || packages+=(nodejs)
    command -v npm >/dev/null 2>&1 || packages+=(npm)
    ;;
windows) packages+=("${windows[@]}") ;;
*)
    echo "usage: $0 [--list] [build|package|test|windows]" >&2
    exit 2
    ;;
esac

if [ "$list" = 1 ]; then
    printf '%s\n' "${packages[@]}"
    exit 0
fi

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "efterlev: installing ${missing[*]}" >&2
SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
