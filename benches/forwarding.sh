#!/usr/bin/env bash
# benches/forwarding.sh: plain forwarding throughput of palisade-dataplane
# against dpdk-testpmd io forwarding, in one run, on the same two net_null
# ports with one worker core each (64-byte packets, no hugepages unless
# BENCH_HUGEPAGES=1). Prints both figures in Mpps and their ratio.
#
# Usage: benches/forwarding.sh [SECONDS]   (default 10 per run)
# Output: human lines, then a markdown table row on the line starting "|".
set -euo pipefail

secs=${1:-10}
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${CARGO_TARGET_DIR:-$root/target}/release/palisade-dataplane
work=$(mktemp -d /tmp/palisade-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT

[[ -x $bin ]] || { echo "forwarding: build first: cargo build --release" >&2; exit 1; }
mem=(--no-huge --no-shconf -m 1024)
[[ ${BENCH_HUGEPAGES:-0} == 1 ]] && mem=()

# testpmd prints per-port Rx-pps every second; sum the two ports of each
# sample and take the median of the samples after the first two (warm-up).
testpmd_mpps() {
    timeout -s INT "$((secs + 2))" dpdk-testpmd -l 0,1 "${mem[@]}" --file-prefix "bench-tp-$$" \
        --no-telemetry --no-pci --vdev=net_null0 --vdev=net_null1 -- \
        --forward-mode=io --nb-cores=1 --total-num-mbufs=16384 --stats-period=1 \
        >"$work/testpmd.log" 2>&1 || true
    rm -rf "/var/run/dpdk/bench-tp-$$"
    grep -a -o 'Rx-pps: *[0-9]*' "$work/testpmd.log" | awk '{print $2}' \
        | paste - - | awk '{print $1 + $2}' | tail -n +3 | sort -n \
        | awk '{v[NR]=$1} END {if (NR == 0) exit 1; printf "%.2f\n", v[int((NR + 1) / 2)] / 1e6}'
}

palisade_mpps() {
    cat >"$work/null.yaml" <<YAML
mode: inline
cores: {main: 0, workers: [1]}
inspection: {enabled: false}
memory: {hugepages: ${BENCH_HUGEPAGES_BOOL:-false}, size_mb: 1024}
ports:
  - {name: a, device: net_null0}
  - {name: b, device: net_null1}
YAML
    PALISADE_LOG=warn "$bin" run --config "$work/null.yaml" --duration "$secs" \
        --stats-json "$work/palisade.json" >/dev/null 2>&1
    python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); t=r["totals"]; print("%.2f" % (t["tx_packets"] / r["elapsed_secs"] / 1e6))' \
        "$work/palisade.json"
}

[[ ${BENCH_HUGEPAGES:-0} == 1 ]] && export BENCH_HUGEPAGES_BOOL=true
tp=$(testpmd_mpps)
pal=$(palisade_mpps)
ratio=$(awk -v a="$pal" -v b="$tp" 'BEGIN {printf "%.2f", a / b}')
echo "testpmd io forwarding:        $tp Mpps (both ports, 1 core)"
echo "palisade-dataplane inline:    $pal Mpps (both ports, 1 core)"
echo "ratio palisade/testpmd:       $ratio (target >= 0.80)"
echo "| plain forwarding, net_null, 64 B, 1 core | $pal Mpps | testpmd io $tp Mpps | $ratio |"
