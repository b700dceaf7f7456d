#!/usr/bin/env bash
# benches/synflood.sh: per-core drop rate of a SYN flood (64-byte SYNs from
# random sources) with mitigation on, beside dpdk-testpmd io forwarding from
# the same run, one worker core each, no hugepages unless BENCH_HUGEPAGES=1.
#
# Two figures:
# - the pipeline with the L3/L4 guards (benches/synflood.rs), in process on
#   pre-built frames, pinned to CPU 1, beside testpmd io on two net_null
#   ports (the baseline of benches/pipeline.sh);
# - the whole dataplane (inline, guards on) receiving the flood from DPDK's
#   pcap device replaying a capture of 16 384 SYNs in a loop
#   (`infinite_rx=1`) and sending to net_null, beside testpmd io forwarding
#   between the same two devices. The pcap device copies every packet, so
#   both figures here include that copy.
# Target: >= 10 Mpps per core dropped.
#
# Usage: benches/synflood.sh [SECONDS]   (default 10 per DPDK run)
# Output: human lines, then one markdown row per figure on lines starting "|".
set -euo pipefail

secs=${1:-10}
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${CARGO_TARGET_DIR:-$root/target}/release/palisade-dataplane
work=$(mktemp -d /tmp/palisade-synflood.XXXXXX)
trap 'rm -rf "$work"' EXIT

[[ -x $bin ]] || { echo "synflood: build first: cargo build --release" >&2; exit 1; }
mem=(--no-huge --no-shconf -m 1024)
hugepages=false
[[ ${BENCH_HUGEPAGES:-0} == 1 ]] && mem=() && hugepages=true

# The flood as a classic pcap: SYNs from random sources to 10.128.0.1:80,
# valid checksums, 60 bytes each (64 on the wire with the FCS).
python3 - "$work/syn.pcap" <<'PY'
import random, struct, sys

def csum(b):
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff

rnd = random.Random(7)
dst = bytes([10, 128, 0, 1])
with open(sys.argv[1], 'wb') as out:
    out.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
    for i in range(16384):
        src = bytes([rnd.randrange(1, 224)] + [rnd.randrange(256) for _ in range(3)])
        tcp = struct.pack('!HHIIBBHHH', rnd.randrange(1024, 65536), 80, rnd.getrandbits(32),
                          0, 0x50, 0x02, 64240, 0, 0)
        c = csum(src + dst + struct.pack('!BBH', 0, 6, len(tcp)) + tcp)
        tcp = tcp[:16] + struct.pack('!H', c) + tcp[18:]
        ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 40, i & 0xffff, 0, 64, 6, 0, src, dst)
        ip = ip[:10] + struct.pack('!H', csum(ip)) + ip[12:]
        frame = bytes([2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 8, 0]) + ip + tcp + bytes(6)
        out.write(struct.pack('<IIII', 0, i, len(frame), len(frame)) + frame)
PY
flood_dev="net_pcap0,rx_pcap=$work/syn.pcap,infinite_rx=1"
sink_dev="net_null1,no-rx=1"

# Median over the per-second samples (after two of warm-up) of the Rx-pps of
# both ports added together, in Mpps. Arguments: the two vdevs.
testpmd_io_mpps() {
    local prefix=bench-synflood-tp-$$
    timeout -s INT "$((secs + 2))" dpdk-testpmd -l 0,1 "${mem[@]}" --file-prefix "$prefix" \
        --no-telemetry --no-pci --vdev="$1" --vdev="$2" -- \
        --forward-mode=io --nb-cores=1 --total-num-mbufs=65535 --stats-period=1 \
        >"$work/testpmd.log" 2>&1 || true
    rm -rf "/var/run/dpdk/$prefix"
    grep -a -o 'Rx-pps: *[0-9]*' "$work/testpmd.log" | awk '{print $2}' | paste - - \
        | awk '{print $1 + $2}' | tail -n +3 | sort -n \
        | awk '{s[NR] = $1} END {if (NR == 0) exit 1; printf "%.2f\n", s[int((NR + 1) / 2)] / 1e6}'
}

# The dataplane inline between the flood and the sink, guards on; prints the
# received rate in Mpps and checks that the guards dropped nearly all of it.
palisade_mpps() {
    cat >"$work/flood.yaml" <<YAML
mode: inline
cores: {main: 0, workers: [1]}
memory: {hugepages: $hugepages, size_mb: 1024}
pool: {mbufs: 65535}
ports:
  - {name: flood, device: '$flood_dev'}
  - {name: sink, device: '$sink_dev'}
guard:
  syn: {global_per_sec: 100000, cookies: true, challenges_per_sec: 100000}
YAML
    PALISADE_LOG=warn "$bin" run --config "$work/flood.yaml" --duration "$secs" \
        --stats-json "$work/palisade.json" >"$work/palisade.log" 2>&1
    python3 - "$work/palisade.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
t = r["totals"]
dropped = t["dropped"]["guarded"]
if t["rx_packets"] == 0 or dropped < 0.95 * t["rx_packets"]:
    sys.exit("synflood: the guards dropped %d of %d packets" % (dropped, t["rx_packets"]))
print("%.2f" % (t["rx_packets"] / r["elapsed_secs"] / 1e6))
PY
}

cd "$root"
echo "building the synflood bench (cargo bench --no-run)" >&2
cargo bench --quiet --bench synflood --no-run >&2

tp_null=$(testpmd_io_mpps net_null0 net_null1) || {
    echo "synflood: testpmd gave no figure; log follows" >&2
    cat "$work/testpmd.log" >&2
    exit 1
}
tp_flood=$(testpmd_io_mpps "$flood_dev" "$sink_dev") || {
    echo "synflood: testpmd gave no figure on the pcap flood; log follows" >&2
    cat "$work/testpmd.log" >&2
    exit 1
}
pal=$(palisade_mpps) || { cat "$work/palisade.log" >&2; exit 1; }
ratio=$(awk -v a="$pal" -v b="$tp_flood" 'BEGIN {printf "%.2f", a / b}')
met=$(awk -v a="$pal" 'BEGIN {print (a >= 10) ? "met" : "MISSED"}')
echo "testpmd io forwarding, net_null pair:       $tp_null Mpps (both ports, 1 core)"
echo "testpmd io forwarding, pcap flood -> null:  $tp_flood Mpps (1 core)"
echo "palisade-dataplane, guards on, same devices: $pal Mpps dropped (1 core); target >= 10 $met"
TESTPMD_MPPS=$tp_null SYNFLOOD_SECS=${SYNFLOOD_SECS:-2} taskset -c 1 cargo bench --quiet --bench synflood
echo "| SYN flood, guards on, dataplane on net_pcap (loop) -> net_null, 64 B, 1 core | $pal Mpps | testpmd io same devices $tp_flood Mpps | $ratio |"
