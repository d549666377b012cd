#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# Install the Debian packages efterlev needs (DESIGN §2). Installs only what is missing;
# needs root (or sudo) when something is.
#
#   scripts/deps.sh          what building and running efterlev needs (scripts/demo.sh)
#   scripts/deps.sh test     that, plus what the tests need (scripts/test.sh)
set -euo pipefail

build=(
    build-essential cmake pkg-config git ca-certificates curl openssl
    libssl-dev libcurl4-openssl-dev libbsd-dev libjansson-dev libyaml-dev libpcre2-dev
    libsqlite3-dev libevent-dev libpq-dev zlib1g-dev liblz4-dev
)
test=(
    clang libclang-rt-14-dev libcmocka-dev     # sanitizers, libFuzzer, unit tests
    jq sqlite3 python3 time                     # tests read what they check; benchmarks time it
    dpkg-dev file rpm lintian debootstrap       # packaging test
    postgresql                                  # the collector suite on PostgreSQL
    chromium                                    # browser test (driven by playwright-core)
)

packages=("${build[@]}")
case "${1:-build}" in
build) ;;
test)
    packages+=("${test[@]}")
    # playwright-core comes from npm. A Node.js from elsewhere (NodeSource) brings its own
    # npm and conflicts with Debian's npm package: add Debian's only when there is none.
    command -v node >/dev/null 2>&1 || packages+=(nodejs)
    command -v npm >/dev/null 2>&1 || packages+=(npm)
    ;;
*)
    echo "usage: $0 [build|test]" >&2
    exit 2
    ;;
esac

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
