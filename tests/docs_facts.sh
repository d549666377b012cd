#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# docs.facts: the fact tables of docs/policy-format.md (every table headed
# "| Fact | Type | Meaning |") name exactly the facts the agent registers
# (efterlev-agent checks --facts, from agent/probes/facts_linux.c and facts_windows.c), each
# with its type.
# Names the facts that are missing from the docs, documented but not registered, or
# documented with another type.
set -euo pipefail
: "${EF_AGENT:?EF_AGENT must name the efterlev-agent binary}"
: "${EF_SOURCE_DIR:?EF_SOURCE_DIR must name the source tree}"

"$EF_AGENT" checks --facts --format json >"${TMPDIR:-/tmp}/efterlev-facts.$$.json" || {
    echo "FAIL: efterlev-agent checks --facts" >&2
    exit 1
}
trap 'rm -f "${TMPDIR:-/tmp}/efterlev-facts.$$.json"' EXIT
python3 - "${TMPDIR:-/tmp}/efterlev-facts.$$.json" "$EF_SOURCE_DIR/docs/policy-format.md" <<'PY'
import json, re, sys

registered = {f["name"]: f["type"] for f in json.load(open(sys.argv[1]))["facts"]}
documented, where = {}, {}
in_table = False
for n, line in enumerate(open(sys.argv[2], encoding="utf-8"), 1):
    cells = [c.strip() for c in line.strip().strip("|").split("|")] if line.startswith("|") else None
    if cells is None:
        in_table = False
        continue
    if cells[:2] == ["Fact", "Type"]:
        in_table = True
        continue
    if not in_table or set(cells[0]) <= set("-: "):
        continue
    names = re.findall(r"`([^`]+)`", cells[0])
    if not names:
        sys.exit(f"docs/policy-format.md:{n}: a fact row without a `name`: {line.strip()}")
    for name in names:
        if name in documented:
            print(f"docs/policy-format.md:{n}: {name} documented twice (also line {where[name]})")
        documented[name], where[name] = cells[1], n

bad = 0
for name in sorted(set(registered) - set(documented)):
    print(f"registered but not in docs/policy-format.md: {name} ({registered[name]})"); bad += 1
for name in sorted(set(documented) - set(registered)):
    print(f"docs/policy-format.md:{where[name]}: {name} is not a fact the agent registers"); bad += 1
for name in sorted(set(documented) & set(registered)):
    if documented[name] != registered[name]:
        print(f"docs/policy-format.md:{where[name]}: {name} documented as {documented[name]}, "
              f"registered as {registered[name]}"); bad += 1
if bad:
    sys.exit(f"FAIL: {bad} difference(s) between the fact tables and the registry")
print(f"ok: the {len(registered)} registered facts are the documented ones, with their types")
PY
