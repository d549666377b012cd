#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# scripts.deps: the scripts install what they run. For every program scripts/package.sh
# (and the packaging test) runs, the Debian package that ships it on this machine is in
# the matching profile of scripts/deps.sh, and package.sh installs that profile first.
# A tool added to package.sh without its package in deps.sh fails here, not on a fresh
# machine.
set -euo pipefail
: "${EF_SOURCE_DIR:?EF_SOURCE_DIR must name the source tree}"
fail() { echo "FAIL: $*" >&2; exit 1; }
command -v dpkg >/dev/null || { echo "SKIP: not a Debian system"; exit 77; }

# owner TOOL: the Debian package that ships the program TOOL runs as.
owner() {
    local path real p
    path=$(command -v "$1") || return 1
    real=$(readlink -f "$path")
    for p in "$real" "${real#/usr}" "/usr$real" "$path"; do
        dpkg-query -S "$p" 2>/dev/null | head -n1 | cut -d: -f1 && return 0
    done
    return 1
}
# check PROFILE TOOL...: each tool's package is in deps.sh's PROFILE.
check() {
    local profile=$1 t pkg list
    shift
    list=$(bash "$EF_SOURCE_DIR/scripts/deps.sh" --list "$profile")
    for t in "$@"; do
        pkg=$(owner "$t") || fail "$t is not installed here (is it in scripts/deps.sh $profile?)"
        grep -qx "$pkg" <<<"$list" || fail "$t (package $pkg) is not in scripts/deps.sh $profile"
        echo "ok: $t ($pkg) is in the $profile profile"
    done
}

# scripts/package.sh: configure, build, cpack (DEB: dpkg-shlibdeps, file; RPM: rpmbuild),
# Debian's hardening flags, the changelog's date from git. (The compiler comes with
# build-essential, dpkg-deb and gzip are essential packages.)
check package cmake cpack dpkg-buildflags dpkg-shlibdeps file rpmbuild git
# tests/integration/packaging.sh on top of that.
check test debootstrap lintian rpm
# shellcheck disable=SC2016 # the line as it stands in package.sh, $src unexpanded
grep -qE '^bash "\$src/scripts/deps.sh" package$' "$EF_SOURCE_DIR/scripts/package.sh" ||
    fail "scripts/package.sh does not install its profile (bash \"\$src/scripts/deps.sh\" package)"
echo "ok: scripts/package.sh installs the package profile first"

# scripts/windows-deps.sh installs the windows profile first; where that profile is
# installed (EFTERLEV_WINDOWS machines), the programs it and tests/windows run come from it.
# shellcheck disable=SC2016 # the line as it stands in windows-deps.sh, $src unexpanded
grep -qE '^bash "\$src/scripts/deps.sh" windows$' "$EF_SOURCE_DIR/scripts/windows-deps.sh" ||
    fail "scripts/windows-deps.sh does not install its profile (bash \"\$src/scripts/deps.sh\" windows)"
echo "ok: scripts/windows-deps.sh installs the windows profile first"
if command -v wine >/dev/null && command -v wixl >/dev/null; then
    check windows dpkg-source wine wixl wixl-heat msiextract osslsigncode
fi
