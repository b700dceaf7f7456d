#!/usr/bin/env bash
# benches/rules.sh: rule matching with the default ruleset on a realistic API
# mix (3% attacks) beside parsing alone, and streaming body-scan throughput
# beside a memory copy, measured in the same run, pinned to CPU 1.
# Targets: parse + rules >= 0.5 x parse alone; body scan >= 2 GB/s per core.
#
# Usage: benches/rules.sh   Environment: RULES_SECS (default 2).
# Output: human lines, then markdown rows on lines starting "|".
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
echo "building the rules bench (cargo bench --no-run)" >&2
cargo bench --quiet --bench rules --no-run >&2
taskset -c 1 cargo bench --quiet --bench rules
