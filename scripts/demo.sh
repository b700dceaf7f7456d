#!/usr/bin/env bash
# scripts/demo.sh: Palisade's main job on a built-in default, no NIC needed.
#
# Sets up what is missing (scripts/deps.sh), builds, brings up the network-
# namespace lab (scripts/lab.sh), runs palisade-dataplane inline between the
# client and the API server (httpbin), drives real client traffic through it
# (curl, a 3 MiB download, a short wrk run) while recording that traffic with
# tcpdump, then replays the recording through the same pipeline in capture
# mode, and prints a summary. Outputs stay in target/demo/.
#
# Usage: scripts/demo.sh [--keep]   (--keep leaves the lab up afterwards)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
keep=0
[[ ${1:-} == --keep ]] && keep=1
out=$root/target/demo
bin=${CARGO_TARGET_DIR:-$root/target}/release/palisade-dataplane
server=10.77.0.2

say() { echo "demo: $*"; }
in_ns() { local ns=$1; shift; ip netns exec "pal-$ns" "$@"; }

[[ $(id -u) == 0 ]] || { echo "demo: run as root (DPDK and network namespaces need it)" >&2; exit 1; }

say "installing what is missing"
scripts/deps.sh --quiet
say "building (release)"
cargo build --workspace --release --quiet
rm -rf "$out" && mkdir -p "$out"

dp_pid="" dump_pid=""
cleanup() {
    [[ -n $dump_pid ]] && kill "$dump_pid" 2>/dev/null || true
    [[ -n $dp_pid ]] && kill -INT "$dp_pid" 2>/dev/null || true
    if [[ $keep == 0 ]]; then scripts/lab.sh down >/dev/null 2>&1 || true; fi
}
trap cleanup EXIT

say "bringing up the lab (client, dataplane and server namespaces)"
scripts/lab.sh up >/dev/null

say "starting palisade-dataplane inline between c0 and s0"
# Started without a shell function in between, so $! is the dataplane itself.
ip netns exec pal-dp "$bin" run --config scripts/lab-inline.yaml --stats-json "$out/inline-stats.json" \
    2>"$out/dataplane.log" &
dp_pid=$!
# Compiling the default ruleset takes a few seconds (more on a busy machine).
running=no
for _ in $(seq 1200); do
    grep -q "dataplane running" "$out/dataplane.log" 2>/dev/null && { running=yes; break; }
    kill -0 "$dp_pid" 2>/dev/null || { cat "$out/dataplane.log" >&2; exit 1; }
    sleep 0.1
done
[[ $running == yes ]] || { echo "demo: the dataplane did not start within 120 s" >&2; cat "$out/dataplane.log" >&2; exit 1; }

say "recording the client's traffic with tcpdump"
ip netns exec pal-cli tcpdump -Z root -i eth0 -U -s 0 -w "$out/lab-traffic.pcap" 2>"$out/tcpdump.log" &
dump_pid=$!
for _ in $(seq 50); do grep -q "listening on" "$out/tcpdump.log" 2>/dev/null && break; sleep 0.1; done

say "driving client traffic: API calls, a download, a short load"
ok=0 total=0
for path in get json headers uuid "status/404" "bytes/2048" "anything/orders?id=7"; do
    total=$((total + 1))
    code=$(in_ns cli curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://$server/$path" || true)
    [[ $code =~ ^[24] ]] && ok=$((ok + 1))
done
total=$((total + 1))
if in_ns cli curl -s --fail --max-time 5 -H 'Content-Type: application/json' \
    -d '{"item": "book", "qty": 2}' "http://$server/post" >/dev/null; then ok=$((ok + 1)); fi
attack=$(in_ns cli curl -s -o /dev/null -w '%{http_code}' --max-time 3 \
    "http://$server/anything/products?q=1%27%20UNION%20SELECT%20password%20FROM%20users--" || true)
attack_result="NOT BLOCKED: the server answered $attack"
if ! grep -q UNION /run/palisade-lab/httpbin-access.log 2>/dev/null; then
    [[ $attack == 000 ]] && attack_result="blocked: the request never reached the server, no answer"
    [[ $attack == 403 ]] && attack_result="blocked: the dataplane answered 403, the server never saw it"
fi
want=$(cat /run/palisade-lab/files/3mb.bin.sha256)
got=$(in_ns cli curl -s --max-time 30 "http://$server:8000/3mb.bin" | sha256sum | cut -d' ' -f1)
download="sha256 mismatch"
[[ $got == "$want" ]] && download="sha256 matches"
in_ns cli wrk -t1 -c8 -d3s "http://$server/get" >"$out/wrk.txt" 2>&1 || true
wrk_requests=$(awk '/requests in/ {print $1}' "$out/wrk.txt")
wrk_errors=$(grep -c "Socket errors" "$out/wrk.txt" || true)

sleep 0.5
kill "$dump_pid" && wait "$dump_pid" 2>/dev/null || true
dump_pid=""
kill -INT "$dp_pid" && wait "$dp_pid" || true
dp_pid=""

say "replaying the recording through the pipeline in capture mode"
"$bin" capture --input "$out/lab-traffic.pcap" --output "$out/replayed.pcap" \
    --stats-json "$out/capture-stats.json" --events "$out/events.json" --rules rules/default \
    2>"$out/capture.log"

j() { jq -r "$2" "$out/$1"; }
cat <<SUMMARY

================ Palisade demo summary ================
Lab: client 10.77.0.1 -> palisade-dataplane (inline, DPDK af_packet on c0/s0)
     -> httpbin + static files on 10.77.0.2

Client traffic through the dataplane
  API calls answered:    $ok of $total (curl)
  SQL injection attempt: $attack_result
  3 MiB download:        $download
  wrk, 3 s, 8 conns:     ${wrk_requests:-0} requests, $([[ $wrk_errors == 0 ]] && echo "no socket errors" || echo "SOCKET ERRORS")

Dataplane (inline, $(j inline-stats.json '.elapsed_secs | floor') s)
  received:              $(j inline-stats.json '.totals.rx_packets') packets, $(j inline-stats.json '.totals.rx_bytes') bytes
  forwarded:             $(j inline-stats.json '.totals.tx_packets') packets
  dropped:               $(j inline-stats.json '[.totals.dropped[]] | add') packets
$(jq -r '.ports[] | "  port \(.name):\(" " * (14 - (.name | length)))rx \(.rx_packets), tx \(.tx_packets) (device missed \(.device_rx_missed))"' "$out/inline-stats.json")

Offline analysis of the recording (capture mode, same pipeline)
  recorded:              $(capinfos -M -T -r -c "$out/lab-traffic.pcap" | cut -f2) packets (tcpdump in the client namespace; $(grep -o '[0-9]* packets dropped by kernel' "$out/tcpdump.log" || echo "no drop count"))
  processed:             $(j capture-stats.json '.totals.rx_packets') packets, $(j capture-stats.json '.totals.rx_bytes') bytes
  passed to output:      $(j capture-stats.json '.totals.tx_packets') packets
  flows seen:            $(grep -c '"event_type":"flow"' "$out/events.json") ($(j capture-stats.json '.totals.pipeline.tcp_stream.established') TCP handshakes, $(j capture-stats.json '.totals.pipeline.malformed_dropped') malformed frames)
  HTTP transactions:     $(grep -c '"event_type":"http"' "$out/events.json") ($(jq -r 'select(.event_type == "http") | .http.http_method + " " + .http.normalized.path' "$out/events.json" | sort | uniq -c | sort -rn | head -4 | awk '{printf "%s%s %s %s", (NR > 1 ? ", " : ""), $1, $2, $3}'))
  alerts:                $(jq -r 'select(.event_type == "alert") | "\(.alert.signature_id) \(.alert.signature) (\(.alert.action))"' "$out/events.json" | sort | uniq -c | awk '{$1 = $1 "x"; print}' | paste -sd';' - | sed 's/;/; /g')

Files: $out/ (lab-traffic.pcap, replayed.pcap, *-stats.json, events.json, logs)
=======================================================
SUMMARY
if [[ $keep == 1 ]]; then say "lab left up (scripts/lab.sh down removes it)"; fi
