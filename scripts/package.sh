#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# Build the efterlev-agent and efterlev-collector packages (.deb and .rpm) with CPack, and
# the Windows agent's MSI.
#
#   scripts/package.sh                       # -> build/packages/*.deb *.rpm
#                                            #    build/packages/efterlev-agent_VERSION_x64.msi
#
# An optimised tree (CMAKE_INSTALL_PREFIX=/usr, so the agent's compiled-in policy directory
# is /usr/share/efterlev/policies) is configured and built, then cpack makes one package
# per program. Environment:
#   EFTERLEV_PKG_BUILD       build tree            (default build/package)
#   EFTERLEV_PKG_OUT         where packages land   (default build/packages)
#   EFTERLEV_PKG_RELEASE     package release: Debian revision / RPM Release (default 1);
#                            raise it to upgrade installed packages of the same version
#   EFTERLEV_PKG_GENERATORS  cpack generators      (default "DEB;RPM"; RPM needs rpmbuild)
#   EFTERLEV_PKG_MSI         0: no MSI (default 1). The MSI cross-builds efterlev-agent.exe
#                            (scripts/build-windows.sh, in $EFTERLEV_PKG_BUILD-windows) and
#                            packs it with packaging/windows/build-msi.sh; it installs what
#                            that needs (scripts/deps.sh windows)
#   EFTERLEV_MSI_VERSION     the MSI's ProductVersion (default the project version): Windows
#                            upgrades only to a higher X.Y.Z, so a rebuild that must replace
#                            installed copies needs a higher one
#   EFTERLEV_SIGN_CERT, EFTERLEV_SIGN_KEY (, EFTERLEV_SIGN_PASS, EFTERLEV_SIGN_TIMESTAMP)
#                            Authenticode-sign the exe and the MSI (build-msi.sh says how)
# Installs what it needs first (`scripts/deps.sh package`: the build dependencies, dpkg-dev
# and file for dpkg-buildflags and dpkg-shlibdeps, rpm for rpmbuild), so it works on a fresh
# Debian 12 machine.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
bash "$src/scripts/deps.sh" package
build=${EFTERLEV_PKG_BUILD:-$src/build/package}
out=${EFTERLEV_PKG_OUT:-$src/build/packages}
release=${EFTERLEV_PKG_RELEASE:-1}
generators=${EFTERLEV_PKG_GENERATORS:-DEB;RPM}

# Debian's hardening flags (PIE, RELRO, BIND_NOW, fortify) when dpkg-buildflags is there.
cflags='' ldflags=''
if command -v dpkg-buildflags >/dev/null 2>&1; then
    export DEB_BUILD_MAINT_OPTIONS=hardening=+all
    cflags=$(dpkg-buildflags --get CFLAGS)
    ldflags=$(dpkg-buildflags --get LDFLAGS)
fi
# Warnings are not errors here (EFTERLEV_WERROR=OFF): a newer compiler's new warning must
# not stop a package build. The test command builds with -Werror, so the tree is clean.
# Reproducible dates (changelog) from the last commit when there is one.
if [ -z "${SOURCE_DATE_EPOCH:-}" ] && git -C "$src" rev-parse HEAD >/dev/null 2>&1; then
    SOURCE_DATE_EPOCH=$(git -C "$src" log -1 --format=%ct)
    export SOURCE_DATE_EPOCH
fi

echo "efterlev: building packages (release $release) in $build" >&2
cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_INSTALL_PREFIX=/usr \
    -DEFTERLEV_TESTS=OFF -DEFTERLEV_SANITIZE=OFF -DEFTERLEV_POSTGRES=ON -DEFTERLEV_WERROR=OFF \
    -DEFTERLEV_PACKAGE_RELEASE="$release" \
    -DCMAKE_C_FLAGS="$cflags" -DCMAKE_EXE_LINKER_FLAGS="$ldflags" >/dev/null
cmake --build "$build" -j"$(nproc)" >/dev/null
rm -rf "$build/cpack"
(cd "$build" && cpack -G "$generators" >"$build/cpack.log" 2>&1) || {
    cat "$build/cpack.log" >&2
    exit 1
}
mkdir -p "$out"
find "$build/cpack" -maxdepth 1 -type f \( -name '*.deb' -o -name '*.rpm' \) -exec cp -f {} "$out/" \;
find "$build/cpack" -maxdepth 1 -type f \( -name '*.deb' -o -name '*.rpm' \) -printf "$out/%f\n"

# The Windows agent's MSI.
if [ "${EFTERLEV_PKG_MSI:-1}" != 0 ]; then
    bash "$src/scripts/deps.sh" windows
    version=$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$build/CMakeCache.txt")
    msi_version=${EFTERLEV_MSI_VERSION:-$version}
    exe=$(bash "$src/scripts/build-windows.sh" "$build-windows")
    bash "$src/packaging/windows/build-msi.sh" --exe "$exe" --version "$msi_version" \
        --out "$out/efterlev-agent_${msi_version}_x64.msi"
fi
