#!/usr/bin/env bash
# benches/run.sh: runs every benchmark of the project (each benches/*.sh
# besides this one) and writes a markdown report: each figure beside its
# baseline measured in the same run, the ratio, and the machine it ran on;
# then the default ruleset's detection table against the CRS tests.
#
# Usage: benches/run.sh [REPORT.md]   (default target/bench-report.md)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
report=${1:-$root/target/bench-report.md}
cd "$root"
cargo build --release --quiet
mkdir -p "$(dirname "$report")"

{
    echo "# Palisade benchmark report"
    echo
    echo "- date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "- commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
    echo "- cpu: $(lscpu | sed -n 's/^Model name: *//p') ($(nproc) cores)"
    echo "- memory: $(free -g | awk '/^Mem:/ {print $2}') GiB; kernel $(uname -r)"
    echo "- DPDK: $(pkg-config --modversion libdpdk)"
    echo
    echo "| benchmark | Palisade | baseline (same run) | ratio |"
    echo "|---|---|---|---|"
} >"$report"

for bench in benches/*.sh; do
    # crs.sh is a detection table, not a speed figure: it gets its own section.
    [[ $bench == benches/run.sh || $bench == benches/crs.sh ]] && continue
    echo "== $bench" >&2
    "$bench" | tee /dev/stderr | grep '^|' >>"$report"
done
echo "== benches/crs.sh" >&2
{
    echo
    echo "## Default ruleset against the OWASP CRS regression tests"
    echo
    benches/crs.sh | tee /dev/stderr | grep -E '^(\||crs:)' || true
} >>"$report"
echo >&2
echo "report written to $report" >&2
cat "$report"
