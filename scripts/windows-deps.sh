#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# Cross-build the C libraries the Windows agent links against, statically, for
# x86_64-w64-mingw32, from Debian 12's own source packages, and print the folder (the
# "prefix", with include/ and lib/) on stdout. Everything else goes to stderr.
#
#   prefix=$(scripts/windows-deps.sh)
#   cmake -S . -B build/windows -DCMAKE_TOOLCHAIN_FILE=cmake/mingw-w64-x86_64.cmake \
#         -DEFTERLEV_WINDOWS_PREFIX="$prefix"
#
# 1. Installs the Debian packages it needs (scripts/deps.sh windows): mingw-w64, Wine,
#    msitools, zlib for mingw-w64 (libz-mingw-w64-dev), dpkg-dev (dpkg-source).
# 2. Downloads the pinned source packages below with apt-get source, through a private apt
#    configuration (its own sources.list with deb-src lines, lists and cache in the work
#    folder; the machine's apt sources and caches are not touched). apt checks every file
#    against the archive's signed index; this script checks each .dsc against the SHA-256
#    pinned here, and dpkg-source -x checks the tarballs against the .dsc and applies
#    Debian's patches (the security fixes Debian 12 ships).
# 3. Builds each library as a static library into the prefix: OpenSSL with its Configure,
#    the others with CMake and cmake/mingw-w64-x86_64.cmake.
#
# The prefix is a cache outside any build tree: $EFTERLEV_WINDOWS_CACHE/KEY, by default
# /var/cache/efterlev-windows/KEY (as root) or ~/.cache/efterlev-windows/KEY. KEY is a hash
# of the pins, the build steps (the functions below), the toolchain files and the versions
# of the mingw-w64 compiler, runtime, zlib and CMake: a change to any of them builds anew,
# a second run with nothing changed prints the prefix in seconds. The libraries are built
# into KEY itself (paths in their pkg-config and CMake files name it) a library at a time,
# so that an interrupted build resumes after the last finished one; KEY/manifest, written
# last, marks the prefix complete, and the sources and build trees (KEY.work) go then. docs/development.md
# ("Windows build") says why each library is configured the way it is.
#
# Environment: EFTERLEV_WINDOWS_CACHE (the cache root), EFTERLEV_DEBIAN_MIRROR and
# EFTERLEV_DEBIAN_SECURITY_MIRROR (where the source packages come from; deb.debian.org by
# default), EFTERLEV_JOBS (make -j; default 2).
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
toolchain=$src/cmake/mingw-w64-x86_64.cmake
triplet=x86_64-w64-mingw32
jobs=${EFTERLEV_JOBS:-2}

# The source packages: name, the exact Debian 12 version, the SHA-256 of its .dsc. Versions
# from bookworm (point releases) as deb.debian.org serves them; a newer Debian 12 version
# means a new line here (apt-cache showsrc lists them) and so a new cache key.
pins=(
    "openssl 3.0.20-1~deb12u2 a614474a2773c23b10c0d65f4eccbcf93fdac4749afb7c26d76e1b0340154d3d"
    "curl 7.88.1-10+deb12u15 2744f12e3aef161c0361743fa1b318296b122e566e47f381e4a63320fbcc23f4"
    "jansson 2.14-2 6296ddd9c0a022bd1b70074aefb171cfcdf5694a04ffd32b35fd66097621af87"
    "libyaml 0.2.5-1 1edbf86e5cd76937ff62892ba6c2537456d645d834d4cd4a82430b8be7051bf4"
    "pcre2 10.42-1 726dafe7a8d07332d4df61edf23f384ddb158b2b263846273d1103b6b9a7c176"
    "cmocka 1.1.5-2.1 9f94190b571e059dd6a359c7effd40b982c6c2796959ea201cf41e7cac0b6730"
)
# In build order: libcurl needs OpenSSL. cmocka is for the engine's unit tests built for
# Windows (run under Wine), never linked into the agent.
libraries=(openssl curl jansson libyaml pcre2 cmocka)

# pin_version NAME: the pinned Debian version of source package NAME.
pin_version() {
    local pin n v
    for pin in "${pins[@]}"; do
        read -r n v _ <<<"$pin"
        [ "$n" = "$1" ] && echo "$v" && return 0
    done
    return 1
}
log() { echo "efterlev: $*" >&2; }
die() {
    echo "$0: $*" >&2
    exit 1
}

# ---- the build steps, one function a library: SRC (unpacked source) BUILD (empty folder)
# PREFIX (install there). Their text is part of the cache key.

# OpenSSL: libcrypto (Ed25519, SHA-256, random numbers, PEM) and libssl (libcurl's TLS).
# Only the static libraries and headers (build_libs, install_dev: no programs, no manuals).
# Disabled: what neither the agent nor libcurl's HTTPS client uses (legacy and national
# ciphers, engines and loadable modules (no-dso), SSLv3 and DTLS, SRP, CT, CMS, CMP, TS,
# the console UI) and the automatic loading of openssl.cnf, so that no file on the Windows
# machine changes how the agent's TLS behaves. The folders compiled into the library
# (OPENSSLDIR for openssl.cnf and the default CA file; the engines and modules folders)
# would otherwise be this machine's Unix paths, which Windows reads as C:\var\cache\...,
# a folder any user may create (CVE-2019-1552): they name a folder under C:\Windows, which
# only administrators can write, and which nothing here creates.
build_openssl() {
    local s=$1 b=$2 p=$3 winssl=C:/Windows/efterlev-openssl
    (
        cd "$s"
        ./Configure mingw64 --cross-compile-prefix="$triplet-" --prefix="$p" --libdir=lib \
            no-shared no-tests no-dso no-engine no-legacy no-autoload-config no-ui-console \
            no-ssl3 no-dtls no-srp no-ct no-cms no-cmp no-ts no-idea no-mdc2 no-rc5 \
            no-camellia no-seed no-aria no-sm2 no-sm3 no-sm4 no-whirlpool
        make -j"$jobs" build_libs OPENSSLDIR="$winssl" ENGINESDIR="$winssl/engines" \
            MODULESDIR="$winssl/modules"
        make install_dev
    )
}

# cmake_static SRC BUILD PREFIX ARGS...: configure, build and install a CMake project
# with the toolchain file, static, Release.
cmake_static() {
    local s=$1 b=$2 p=$3
    shift 3
    cmake -S "$s" -B "$b" -DCMAKE_TOOLCHAIN_FILE="$toolchain" -DEFTERLEV_WINDOWS_PREFIX="$p" \
        -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX="$p" -DCMAKE_INSTALL_LIBDIR=lib \
        -DBUILD_SHARED_LIBS=OFF "$@"
    cmake --build "$b" -j"$jobs"
    cmake --install "$b"
}

# libcurl: HTTP(S) only, TLS by OpenSSL (the agent gives it the enrollment CA with
# CURLOPT_CAINFO, as on Linux; no CA bundle, no CA path and no Windows store by default, so
# nothing else is trusted). No proxy auth schemes beyond what HTTP needs, no IDN, PSL,
# HTTP/2, brotli or zstd; zlib (from libz-mingw-w64-dev) for Content-Encoding.
build_curl() {
    local s=$1 b=$2 p=$3
    cmake_static "$s" "$b" "$p" -DBUILD_CURL_EXE=OFF -DBUILD_TESTING=OFF -DENABLE_MANUAL=OFF \
        -DCURL_USE_OPENSSL=ON -DCURL_USE_SCHANNEL=OFF -DCURL_WINDOWS_SSPI=OFF \
        -DOPENSSL_ROOT_DIR="$p" -DCURL_ZLIB=ON -DZLIB_LIBRARY="/usr/$triplet/lib/libz.a" \
        -DZLIB_INCLUDE_DIR="/usr/$triplet/include" \
        -DHTTP_ONLY=ON -DCURL_DISABLE_NTLM=ON -DCURL_DISABLE_COOKIES=ON \
        -DCURL_DISABLE_NETRC=ON -DCURL_DISABLE_ALTSVC=ON -DCURL_DISABLE_HSTS=ON \
        -DCURL_DISABLE_DOH=ON -DCURL_DISABLE_OPENSSL_AUTO_LOAD_CONFIG=ON \
        -DCURL_CA_BUNDLE=none -DCURL_CA_PATH=none -DCURL_CA_FALLBACK=OFF \
        -DUSE_NGHTTP2=OFF -DUSE_LIBIDN2=OFF -DUSE_WIN32_IDN=OFF -DCURL_USE_LIBPSL=OFF \
        -DCURL_USE_LIBSSH2=OFF -DCURL_USE_LIBSSH=OFF -DCURL_BROTLI=OFF -DCURL_ZSTD=OFF \
        -DENABLE_UNIX_SOCKETS=OFF -DCURL_ENABLE_EXPORT_TARGET=ON
    # libcurl.pc names OpenSSL and zlib by the paths of their archives, which CMake's
    # pkg_check_modules puts before libcurl.a on the link line: name them -l instead.
    sed -i -E -e "s|$p/lib/lib(ssl\|crypto)\.a|-l\1|g" -e "s|/usr/$triplet/lib/libz\.a|-lz|g" \
        "$p/lib/pkgconfig/libcurl.pc"
}

build_jansson() {
    local s=$1 b=$2 p=$3
    cmake_static "$s" "$b" "$p" -DJANSSON_BUILD_SHARED_LIBS=OFF -DJANSSON_BUILD_DOCS=OFF \
        -DJANSSON_EXAMPLES=OFF -DJANSSON_WITHOUT_TESTS=ON
}

# libyaml's CMake build installs no pkg-config file: write the one its autotools build
# would, with the macro a static libyaml needs on Windows.
build_libyaml() {
    local s=$1 b=$2 p=$3 version
    version=$(pin_version libyaml)
    version=${version%-*}
    cmake_static "$s" "$b" "$p" -DBUILD_TESTING=OFF
    mkdir -p "$p/lib/pkgconfig"
    cat >"$p/lib/pkgconfig/yaml-0.1.pc" <<EOF
prefix=$p
libdir=\${prefix}/lib
includedir=\${prefix}/include

Name: LibYAML
Description: Library to parse and emit YAML
Version: $version
Cflags: -I\${includedir} -DYAML_DECLARE_STATIC
Libs: -L\${libdir} -lyaml
EOF
}

# PCRE2: the 8-bit library (UTF-8 patterns and subjects) with Unicode, no JIT (the agent
# does not ask for it), no pcre2grep, no tests.
build_pcre2() {
    local s=$1 b=$2 p=$3
    cmake_static "$s" "$b" "$p" -DBUILD_STATIC_LIBS=ON -DPCRE2_BUILD_PCRE2_8=ON \
        -DPCRE2_BUILD_PCRE2_16=OFF -DPCRE2_BUILD_PCRE2_32=OFF -DPCRE2_SUPPORT_UNICODE=ON \
        -DPCRE2_SUPPORT_JIT=OFF -DPCRE2_BUILD_PCRE2GREP=OFF -DPCRE2_BUILD_TESTS=OFF \
        -DPCRE2_SHOW_REPORT=OFF
}

# cmocka: the unit-test framework, for the shared engine's unit tests cross-built and run
# under Wine. Its CMake always builds the DLL; the tests link libcmocka-static.a.
build_cmocka() {
    local s=$1 b=$2 p=$3
    cmake_static "$s" "$b" "$p" -DWITH_STATIC_LIB=ON -DWITH_EXAMPLES=OFF -DUNIT_TESTING=OFF \
        -DWITH_CMOCKERY_SUPPORT=OFF
}

# ---- the cache key

bash "$src/scripts/deps.sh" windows

# What decides the libraries' bits, besides the pins and the steps above.
toolchain_versions() {
    dpkg-query -W -f='${Package} ${Version}\n' gcc-mingw-w64-x86-64-win32 \
        mingw-w64-x86-64-dev binutils-mingw-w64-x86-64 libz-mingw-w64-dev cmake
    readlink -f "$(command -v "$triplet-gcc")"
}
key=$(
    {
        printf '%s\n' "${pins[@]}"
        declare -f build_openssl cmake_static build_curl build_jansson build_libyaml build_pcre2 \
            build_cmocka
        cat "$toolchain" "$src/cmake/mingw-w64-static.cmake"
        toolchain_versions
    } | sha256sum | cut -c1-16
)

if [ -n "${EFTERLEV_WINDOWS_CACHE:-}" ]; then
    cache=$EFTERLEV_WINDOWS_CACHE
elif [ "$(id -u)" -eq 0 ]; then
    cache=/var/cache/efterlev-windows
else
    cache=${XDG_CACHE_HOME:-$HOME/.cache}/efterlev-windows
fi
prefix=$cache/$triplet-$key
mkdir -p "$cache"

if [ -f "$prefix/manifest" ]; then
    echo "$prefix"
    exit 0
fi

# One build a key at a time (ctest -j, two clones): the second waits, then finds it done.
exec 9>"$cache/$triplet-$key.lock"
flock 9
if [ -f "$prefix/manifest" ]; then
    echo "$prefix"
    exit 0
fi

work=$prefix.work
mkdir -p "$prefix" "$work"
started=$(date +%s)
log "building the Windows libraries in $prefix (cache key $key; logs in $work/logs)"

# ---- the source packages, through a private apt configuration

mirror=${EFTERLEV_DEBIAN_MIRROR:-http://deb.debian.org/debian}
security=${EFTERLEV_DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
apt_dir=$work/apt
mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$work/sources" "$work/logs"
cat >"$apt_dir/sources.list" <<EOF
deb-src $mirror bookworm main
deb-src $mirror bookworm-updates main
deb-src $security bookworm-security main
EOF
apt_opts=(
    -o "Dir::Etc::sourcelist=$apt_dir/sources.list" -o Dir::Etc::sourceparts=-
    -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache"
    -o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache=
)
# apt downloads as _apt when run as root: let it write there.
if [ "$(id -u)" -eq 0 ] && id _apt >/dev/null 2>&1; then
    chown -R _apt "$apt_dir/lists" "$work/sources"
fi

need_sources=0
for lib in "${libraries[@]}"; do
    [ -f "$prefix/.built-$lib" ] || need_sources=1
done
if [ "$need_sources" = 1 ]; then
    log "downloading the source packages (private apt configuration in $apt_dir)"
    apt-get "${apt_opts[@]}" -qq update >&2
    specs=()
    for pin in "${pins[@]}"; do
        read -r name version _ <<<"$pin"
        specs+=("$name=$version")
    done
    (cd "$work/sources" && apt-get "${apt_opts[@]}" -qq source --download-only "${specs[@]}") >&2 ||
        die "apt-get source failed: is every pinned version still in the archive? (apt-cache showsrc NAME with the options above lists what it has)"
fi

# unpack NAME: check the pinned .dsc, unpack with Debian's patches; prints the folder.
unpack() {
    local name=$1 pin version sum dsc dir
    for pin in "${pins[@]}"; do
        [ "${pin%% *}" = "$name" ] && break
    done
    read -r _ version sum <<<"$pin"
    dsc=$work/sources/${name}_${version#*:}.dsc
    [ -f "$dsc" ] || die "$dsc was not downloaded"
    echo "$sum  $dsc" | sha256sum -c --quiet - >&2 || die "$dsc does not have the pinned SHA-256"
    dir=$work/unpacked/$name
    rm -rf "$dir"
    mkdir -p "$work/unpacked"
    dpkg-source --no-copy -x "$dsc" "$dir" >>"$work/logs/$name.log" 2>&1 ||
        die "dpkg-source -x $dsc failed (see $work/logs/$name.log)"
    echo "$dir"
}

for lib in "${libraries[@]}"; do
    [ -f "$prefix/.built-$lib" ] && continue
    t0=$(date +%s)
    log "building $lib"
    dir=$(unpack "$lib")
    rm -rf "$work/build/$lib"
    mkdir -p "$work/build/$lib"
    if ! "build_$lib" "$dir" "$work/build/$lib" "$prefix" >>"$work/logs/$lib.log" 2>&1; then
        tail -n 40 "$work/logs/$lib.log" >&2
        die "building $lib failed (log: $work/logs/$lib.log)"
    fi
    touch "$prefix/.built-$lib"
    log "built $lib in $(($(date +%s) - t0)) s"
done

# The prefix says what it holds; complete from here on.
{
    echo "# efterlev Windows libraries (scripts/windows-deps.sh), cache key $key"
    printf 'source %s\n' "${pins[@]}"
    toolchain_versions | sed 's/^/toolchain /'
    echo "built $(date -u +%Y-%m-%dT%H:%M:%SZ) in $(($(date +%s) - started)) s"
} >"$prefix/manifest.tmp"
rm -f "$prefix"/.built-*
mv "$prefix/manifest.tmp" "$prefix/manifest"
rm -rf "$work"
log "Windows libraries ready in $(($(date +%s) - started)) s"
echo "$prefix"
