#!/usr/bin/env bash
# Layering: lower layers never include the layers built on them (no include cycles).
# Each rule below is "directory: forbidden include patterns" (extended regular expressions
# matched against the quoted name of every #include "..." in the directory's .c and .h
# files, subfolders included). Add a line to add a rule.
set -euo pipefail
cd "${EF_SOURCE_DIR:-$(dirname "$0")/..}"

rules=(
  # Probes report facts; the rule engine (agent/rules) judges them and may use probe helpers.
  'agent/probes: ^rules/ ^rules\.h$ ^engine\.h$'
  # The store is below the collector's modules (it may include store/ and efterlev/
  # headers only): enable once collector/store no longer includes them (issue #16).
  # 'collector/store: ^controls\.h$ ^now\.h$ ^[^/]+\.h$'
)

fail=0
for rule in "${rules[@]}"; do
  dir=${rule%%:*}
  read -r -a patterns <<<"${rule#*:}"
  if [[ ! -d $dir ]]; then
    echo "layering: no directory $dir" >&2
    fail=1
    continue
  fi
  while IFS= read -r -d '' file; do
    lineno=0
    while IFS= read -r line; do
      lineno=$((lineno + 1))
      [[ $line =~ ^[[:space:]]*#[[:space:]]*include[[:space:]]*\"([^\"]+)\" ]] || continue
      inc=${BASH_REMATCH[1]}
      for pat in "${patterns[@]}"; do
        if [[ $inc =~ $pat ]]; then
          echo "layering: $file:$lineno includes \"$inc\" (forbidden in $dir: $pat)" >&2
          fail=1
        fi
      done
    done <"$file"
  done < <(find "$dir" -type f \( -name '*.c' -o -name '*.h' \) -print0 | sort -z)
done
[[ $fail -eq 0 ]] && echo "layering: ok (${#rules[@]} rule(s))"
exit "$fail"
