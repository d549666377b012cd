#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# The licence line (SPDX-License-Identifier: EUPL-1.2) in the header of every source,
# script and build file git tracks.
#
#   scripts/licence-headers.sh           add the line where it is missing
#   scripts/licence-headers.sh --check   list the files that lack it; exit 1 if any do
#
# Where the line goes, by kind of file (the comment syntax of each):
#   C, CSS, JS               /* SPDX-License-Identifier: EUPL-1.2 */   first line
#   JS modules (.mjs)        // SPDX-License-Identifier: EUPL-1.2      first line
#   HTML                     <!-- SPDX-License-Identifier: EUPL-1.2 --> after <!DOCTYPE>
#   man pages (.8)           .\" SPDX-License-Identifier: EUPL-1.2     first line
#   shell, CMake, YAML, systemd units, maintainer scripts
#                            # SPDX-License-Identifier: EUPL-1.2       first line, or the
#                                                                       second after a #!
# Test data (tests/fixtures, the fuzz corpora) and formats without comments (JSON, dpkg's
# conffiles) are not source files and get no line. tests/licence.sh runs --check in ctest.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
ID='SPDX-License-Identifier: EUPL-1.2'

mode=fix
case "${1:-}" in
'') ;;
--check) mode=check ;;
*)
    echo "usage: $0 [--check]" >&2
    exit 2
    ;;
esac

# classify FILE: sets style (the comment style of the file's licence line, empty: no line),
# want (the line) and n (the line number it belongs on: 2 after a #! or <!DOCTYPE>).
# No subshells: this runs for every tracked file.
classify() {
    local l1='' l2=''
    { IFS= read -r l1 || true; IFS= read -r l2 || true; } <"$1"
    first=$l1 second=$l2 style='' n=1
    case "$1" in
    tests/fixtures/* | tests/fuzz/corpus/* | tests/fuzz/regressions/*) return ;;
    *.c | *.h | *.css | *.js) style=c want="/* $ID */" ;;
    *.mjs) style=slash want="// $ID" ;;
    *.html) style=html want="<!-- $ID -->" ;;
    *.8) style=man want=".\\\" $ID" ;;
    *.sh | *.cmake | */CMakeLists.txt | CMakeLists.txt | *.yml | *.yaml | *.service | *.timer) style='hash' ;;
    *) [ "${l1#\#!}" != "$l1" ] && style='hash' ;; # any other script: .ci/run, maintainer scripts
    esac
    [ "$style" = hash ] && want="# $ID"
    if [ "$style" = hash ] && [ "${l1#\#!}" != "$l1" ]; then n=2; fi
    if [ "$style" = html ] && [ "${l1#<!DOCTYPE}" != "$l1" ]; then n=2; fi
    return 0
}

cd "$src"
git rev-parse --is-inside-work-tree >/dev/null 2>&1 || {
    echo "$0: $src is not a git work tree: no list of tracked files" >&2
    exit 77
}
missing=0
while IFS= read -r -d '' f; do
    [ -f "$f" ] || continue # deleted in the work tree, not yet in the index
    classify "$f"
    [ -n "$style" ] || continue
    if [ "$n" = 1 ]; then have=$first; else have=$second; fi
    [ "$have" = "$want" ] && continue
    if [ "$mode" = check ]; then
        echo "$f: line $n is not \"$want\""
        missing=$((missing + 1))
        continue
    fi
    tmp=$(mktemp "$f.XXXXXX")
    {
        if [ "$n" = 2 ]; then head -n1 "$f"; fi
        printf '%s\n' "$want"
        tail -n +"$n" "$f"
    } >"$tmp"
    chmod --reference="$f" "$tmp"
    mv "$tmp" "$f"
    echo "added: $f"
done < <(git ls-files -z)

if [ "$mode" = check ] && [ "$missing" -gt 0 ]; then
    echo "$missing file(s) lack the licence line: run scripts/licence-headers.sh" >&2
    exit 1
fi
exit 0
