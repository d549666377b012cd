#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# Configure and build efterlev. usage: scripts/build.sh BUILD_DIR [cmake options...]
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
dir=$1
shift
cmake -S "$src" -B "$dir" "$@" >/dev/null
cmake --build "$dir" -j"$(nproc)" >/dev/null
