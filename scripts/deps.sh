#!/usr/bin/env bash
# Install the Debian packages efterlev needs to build, run and test (DESIGN §2).
# Installs only what is missing; needs root (or sudo) when something is.
set -euo pipefail

packages=(
    build-essential cmake pkg-config git ca-certificates curl openssl
    clang libclang-rt-14-dev
    libssl-dev libcurl4-openssl-dev libbsd-dev libjansson-dev libyaml-dev libpcre2-dev
    libsqlite3-dev libevent-dev libpq-dev libcmocka-dev zlib1g-dev liblz4-dev
    jq sqlite3 python3
    dpkg-dev file rpm lintian debootstrap
    postgresql  # test-only: the throwaway clusters of tests/integration/pg.sh
    chromium
)
# The browser tests drive Chromium with playwright-core from npm. A Node.js from elsewhere
# (NodeSource) brings its own npm and conflicts with Debian's npm package: add Debian's only
# when there is no npm at all.
command -v node >/dev/null 2>&1 || packages+=(nodejs)
command -v npm >/dev/null 2>&1 || packages+=(npm)

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
