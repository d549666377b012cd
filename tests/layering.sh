#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# Layering: lower layers never include the layers built on them (no include cycles).
# Each rule below is "directory (or glob of files): forbidden include patterns" (extended regular expressions
# matched against the quoted name of every #include "..." in the directory's .c and .h
# files, subfolders included). Add a line to add a rule.
set -euo pipefail
cd "${EF_SOURCE_DIR:-$(dirname "$0")/..}"

rules=(
  # Probes report facts; the rule engine (agent/rules) judges them and may use probe helpers.
  'agent/probes: ^rules/ ^rules\.h$ ^engine\.h$'
  # The store is below the collector's modules: it includes store/ and efterlev/ headers
  # only (the clock and the control catalog are the caller's).
  'collector/store: ^[^/]+\.h$ ^http/'
  # Each driver is below the store core: the core never names a backend.
  'collector/store/core_*: ^store/(sqlite|postgres|driver)'
)

fail=0
for rule in "${rules[@]}"; do
  dir=${rule%%:*}
  read -r -a patterns <<<"${rule#*:}"
  # shellcheck disable=SC2086 # dir may be a glob of files (collector/store/core_*)
  if ! compgen -G "$dir" >/dev/null; then
    echo "layering: nothing matches $dir" >&2
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
  # shellcheck disable=SC2086
  done < <(find $dir -type f \( -name '*.c' -o -name '*.h' \) -print0 | sort -z)
done
# Only the store writes the store's error text (s->err); the layers above say what failed by
# their result code (EF_NOMEM, EF_SYSTEM, ...; ef_store_why).
while IFS= read -r hit; do
  echo "layering: $hit writes the store's error text outside collector/store" >&2
  fail=1
done < <(grep -rnE '(snprintf|strlcpy|memcpy|strcpy)\((s|ws|store|[a-z_]+->store)->err\b' collector \
  --include='*.c' --include='*.h' | grep -v '^collector/store/' || true)
[[ $fail -eq 0 ]] && echo "layering: ok (${#rules[@]} include rule(s), the store's error text)"
exit "$fail"
