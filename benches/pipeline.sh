#!/usr/bin/env bash
# benches/pipeline.sh: per-core throughput of the packet pipeline (decode,
# flow lookup, TCP tracking) on synthetic 64-byte TCP traffic with 1k and 1M
# established flows, beside dpdk-testpmd io forwarding measured in the same
# run (two net_null ports, one forwarding core, no hugepages unless
# BENCH_HUGEPAGES=1). The pipeline bench (benches/pipeline.rs) runs pinned
# to CPU 1, the core testpmd forwards on.
#
# testpmd's figure is both ports on one core; the pipeline's is one core, so
# the ratio compares one core with one core. Targets: >= 20 Mpps per core
# with 1k flows, >= 8 Mpps with 1M flows.
#
# Usage: benches/pipeline.sh [TESTPMD_SECONDS]   (default 10)
# Environment: PIPELINE_FLOWS, PIPELINE_SECS, PIPELINE_ROUNDS (see the bench).
# Output: human lines, then one markdown row per scenario on lines starting "|".
set -euo pipefail

secs=${1:-10}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/palisade-pipeline.XXXXXX)
trap 'rm -rf "$work"' EXIT

mem=(--no-huge --no-shconf -m 1024)
[[ ${BENCH_HUGEPAGES:-0} == 1 ]] && mem=()

# Median over the per-second samples (after two of warm-up) of the Rx-pps
# of both ports added together, in Mpps.
testpmd_io_mpps() {
    local prefix=bench-pipeline-tp-$$
    timeout -s INT "$((secs + 2))" dpdk-testpmd -l 0,1 "${mem[@]}" --file-prefix "$prefix" \
        --no-telemetry --no-pci --vdev=net_null0 --vdev=net_null1 -- \
        --forward-mode=io --nb-cores=1 --total-num-mbufs=16384 --stats-period=1 \
        >"$work/testpmd.log" 2>&1 || true
    rm -rf "/var/run/dpdk/$prefix"
    grep -a -o 'Rx-pps: *[0-9]*' "$work/testpmd.log" | awk '{print $2}' | paste - - \
        | awk '{print $1 + $2}' | tail -n +3 | sort -n \
        | awk '{s[NR] = $1} END {if (NR == 0) exit 1; printf "%.2f\n", s[int((NR + 1) / 2)] / 1e6}'
}

cd "$root"
echo "building the pipeline bench (cargo bench --no-run)" >&2
cargo bench --quiet --bench pipeline --no-run >&2

tp=$(testpmd_io_mpps) || {
    echo "pipeline: testpmd gave no figure; log follows" >&2
    cat "$work/testpmd.log" >&2
    exit 1
}
echo "testpmd io forwarding:        $tp Mpps (both ports, 1 core)"
TESTPMD_MPPS=$tp taskset -c 1 cargo bench --quiet --bench pipeline
