#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# Build the efterlev agent's MSI from a cross-built efterlev-agent.exe with Debian's wixl.
#
#   packaging/windows/build-msi.sh --exe EXE --version X.Y.Z --out FILE.msi [--policies DIR]
#
# --version is the MSI's ProductVersion: three numbers, the first two at most 255, the third
# at most 65535. Windows Installer compares only these three, so a build that must upgrade
# installed machines needs a higher one (the MSI's UpgradeCode never changes; an older
# package does not install over a newer one). --policies (default checks/policies-windows)
# becomes %ProgramFiles%\efterlev\policies; a missing folder installs an empty one.
#
# Authenticode: when EFTERLEV_SIGN_CERT (PEM certificate, the chain after it) and
# EFTERLEV_SIGN_KEY (its PEM private key) name files, osslsigncode signs the exe (a copy;
# the input stays as it is) and then the MSI, SHA-256. EFTERLEV_SIGN_PASS: the key's
# password; EFTERLEV_SIGN_TIMESTAMP: an RFC 3161 time-stamping URL (without one the
# signature is valid only while the certificate is). `osslsigncode verify -CAfile CA FILE`
# checks a result.
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
here=$src/packaging/windows
exe='' version='' out='' policies=$src/checks/policies-windows
while [ $# -gt 0 ]; do
    case "$1" in
    --exe) exe=$2; shift 2 ;;
    --version) version=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --policies) policies=$2; shift 2 ;;
    *) echo "usage: $0 --exe EXE --version X.Y.Z --out FILE.msi [--policies DIR]" >&2; exit 2 ;;
    esac
done
[ -n "$exe" ] && [ -n "$version" ] && [ -n "$out" ] || {
    echo "usage: $0 --exe EXE --version X.Y.Z --out FILE.msi [--policies DIR]" >&2
    exit 2
}
[ -f "$exe" ] || { echo "build-msi: no $exe" >&2; exit 1; }
if ! [[ $version =~ ^([0-9]+)\.([0-9]+)\.([0-9]+)$ ]] || [ "${BASH_REMATCH[1]}" -gt 255 ] ||
    [ "${BASH_REMATCH[2]}" -gt 255 ] || [ "${BASH_REMATCH[3]}" -gt 65535 ]; then
    echo "build-msi: --version $version is not an MSI ProductVersion (X.Y.Z, 255.255.65535 at most)" >&2
    exit 2
fi
next_version=${BASH_REMATCH[1]}.${BASH_REMATCH[2]}.$((BASH_REMATCH[3] + 1))
[ "${BASH_REMATCH[3]}" -lt 65535 ] || { echo "build-msi: the third number of --version must be below 65535" >&2; exit 2; }
for t in wixl wixl-heat; do
    command -v "$t" >/dev/null || { echo "build-msi: $t missing (scripts/deps.sh windows)" >&2; exit 1; }
done
sign=0
if [ -n "${EFTERLEV_SIGN_CERT:-}${EFTERLEV_SIGN_KEY:-}" ]; then
    [ -f "${EFTERLEV_SIGN_CERT:-}" ] && [ -f "${EFTERLEV_SIGN_KEY:-}" ] || {
        echo "build-msi: EFTERLEV_SIGN_CERT and EFTERLEV_SIGN_KEY must both name files" >&2
        exit 2
    }
    command -v osslsigncode >/dev/null || { echo "build-msi: osslsigncode missing (scripts/deps.sh windows)" >&2; exit 1; }
    sign=1
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/efterlev-msi.XXXXXX")
trap 'rm -rf "$work"' EXIT

# sign IN OUT: Authenticode signature, SHA-256.
sign() {
    local args=(sign -certs "$EFTERLEV_SIGN_CERT" -key "$EFTERLEV_SIGN_KEY" -h sha256
        -n "efterlev agent" -i "https://efterlev.example/")
    [ -n "${EFTERLEV_SIGN_PASS:-}" ] && args+=(-pass "$EFTERLEV_SIGN_PASS")
    [ -n "${EFTERLEV_SIGN_TIMESTAMP:-}" ] && args+=(-ts "$EFTERLEV_SIGN_TIMESTAMP")
    osslsigncode "${args[@]}" -in "$1" -out "$2" >"$work/sign.log" 2>&1 || {
        cat "$work/sign.log" >&2
        echo "build-msi: signing $1 failed" >&2
        exit 1
    }
}

if [ "$sign" = 1 ]; then
    sign "$exe" "$work/efterlev-agent.exe"
else
    cp "$exe" "$work/efterlev-agent.exe"
fi
# Text files with Windows line ends, for Notepad.
sed 's/$/\r/' "$src/LICENSE" >"$work/LICENSE.txt"
sed 's/$/\r/' "$here/README.txt" >"$work/README.txt"
cp "$src/checks/iso27002-2022.yml" "$work/"

# The policies, one component a file (wixl-heat), or an empty folder. wixl wants the files
# under the folder it runs in: everything goes to $work.
mkdir "$work/policies"
if [ -d "$policies" ] && [ -n "$(find "$policies" -type f -print -quit)" ]; then
    cp -r "$policies/." "$work/policies/"
    (cd "$work/policies" && find . -type f | LC_ALL=C sort |
        wixl-heat -p ./ --component-group Policies --directory-ref POLICIESDIR --var var.PolicyDir \
            --win64) >"$work/policies.wxs"
else
    echo "build-msi: no policies in $policies: the MSI installs an empty policies folder" >&2
    cat >"$work/policies.wxs" <<'XML'
<?xml version="1.0" encoding="utf-8"?>
<Wix xmlns="http://schemas.microsoft.com/wix/2006/wi">
  <Fragment>
    <DirectoryRef Id="POLICIESDIR">
      <Component Id="PoliciesFolder" Guid="075c2dd5-9b2c-4303-a492-2977e2939849" Win64="yes">
        <CreateFolder />
      </Component>
    </DirectoryRef>
    <ComponentGroup Id="Policies">
      <ComponentRef Id="PoliciesFolder" />
    </ComponentGroup>
  </Fragment>
</Wix>
XML
fi

cp "$here/efterlev-agent.wxs" "$work/"
(cd "$work" && wixl -a x64 -D Version="$version" -D NextVersion="$next_version" -D AgentExe=efterlev-agent.exe \
    -D License=LICENSE.txt -D Readme=README.txt -D Controls=iso27002-2022.yml -D PolicyDir=policies -D Win64=yes \
    -o out.msi efterlev-agent.wxs policies.wxs) 2>"$work/wixl.log" || {
    cat "$work/wixl.log" >&2
    exit 1
}
mkdir -p "$(dirname "$out")"
if [ "$sign" = 1 ]; then
    sign "$work/out.msi" "$out"
else
    cp "$work/out.msi" "$out"
fi
echo "$out"
