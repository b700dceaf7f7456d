#!/usr/bin/env bash
# scripts/demo.sh: Palisade's main job on a built-in default, no NIC needed.
#
# Sets up what is missing (scripts/deps.sh), builds, brings up the network-
# namespace lab (scripts/lab.sh: a client, the dataplane, an httpbin API
# server), starts the control plane (`palisade serve`) and pushes the default
# ruleset plus scripts/demo-rules.yaml (a rate limit), runs palisade-dataplane
# inline between client and server under the control plane, and drives real
# client traffic through it while recording it with tcpdump: ordinary API use
# (curl), a download, a handful of attacks, a rate-limit breach (wrk), and a
# scripted client enumerating object ids (python-requests). It then prints a
# summary (the API inventory learned, attacks blocked with their evidence,
# clients limited or flagged, key metrics), replays the recording through the
# same pipeline in capture mode, and leaves the lab, the control plane and
# its /metrics endpoint running for `palisade` commands.
#
# A second run stops the first one's processes and lab before starting.
# With PAL_LAB_PREFIX set, the lab's namespaces and directory take that
# prefix instead of `pal` (as in scripts/lab.sh).
#
# Usage: scripts/demo.sh          run the demo, leave it up
#        scripts/demo.sh stop     stop the control plane, dataplane and lab
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
target=${CARGO_TARGET_DIR:-$root/target}
out=$root/target/demo
bin=$target/release
server=10.77.0.2
# Another port with PALISADE_DEMO_METRICS, for demos side by side.
metrics=${PALISADE_DEMO_METRICS:-127.0.0.1:9464}
export PALISADE_SOCKET=$out/control.sock

say() { echo "demo: $*"; }
prefix=${PAL_LAB_PREFIX:-pal}
lab_dir=/run/palisade-lab
[[ $prefix == pal ]] || lab_dir=/run/palisade-lab-$prefix
in_ns() { local ns=$1; shift; ip netns exec "$prefix-$ns" "$@"; }
# spawn NAME COMMAND...: starts COMMAND in the background, its pid in
# $out/NAME.pid and its output in $out/NAME.log, with all of stdio
# redirected, so that nothing left running holds the output of this script
# open (a `scripts/demo.sh | tee` returns when it ends). COMMAND must be a
# program, not a shell function such as in_ns: a function sent to the
# background runs in a subshell, whose pid $! would hold. `ip netns exec`
# execs what it runs, so a command started through it keeps the pid.
spawn() {
    local name=$1
    shift
    "$@" </dev/null >"$out/$name.log" 2>&1 &
    echo $! >"$out/$name.pid"
}

[[ $(id -u) == 0 ]] || { echo "demo: run as root (DPDK and network namespaces need it)" >&2; exit 1; }

# Stops what an earlier run left: its processes (by their pid files) and the lab.
stop_all() {
    local pidfile
    for pidfile in "$out"/*.pid; do
        [[ -f $pidfile ]] || continue
        kill -INT "$(cat "$pidfile")" 2>/dev/null || true
    done
    sleep 1
    for pidfile in "$out"/*.pid; do
        [[ -f $pidfile ]] || continue
        kill -KILL "$(cat "$pidfile")" 2>/dev/null || true
        rm -f "$pidfile"
    done
    scripts/lab.sh down >/dev/null 2>&1 || true
}

if [[ ${1:-} == stop ]]; then
    stop_all
    say "stopped"
    exit 0
fi
[[ $# == 0 ]] || { echo "usage: scripts/demo.sh [stop]" >&2; exit 2; }

say "installing what is missing"
scripts/deps.sh --quiet
say "building (release)"
cargo build --workspace --release --quiet
say "stopping what an earlier run left"
mkdir -p "$out"
stop_all
rm -rf "$out" && mkdir -p "$out"

started=0
on_exit() {
    # On failure, leave nothing half-running; on success everything stays up.
    if [[ $started == 0 ]]; then stop_all; fi
}
trap on_exit EXIT

# Waits up to $3 seconds for file $1 to contain $2.
wait_for() {
    local i
    for ((i = 0; i < $3 * 10; i++)); do
        grep -q "$2" "$1" 2>/dev/null && return 0
        sleep 0.1
    done
    echo "demo: gave up waiting for '$2' in $1:" >&2
    tail -n 20 "$1" >&2
    return 1
}

say "bringing up the lab (client, dataplane and server namespaces)"
scripts/lab.sh up >/dev/null

say "starting the control plane (state in $out/state, metrics on http://$metrics/metrics)"
spawn serve "$bin/palisade" serve --state "$out/state" --metrics "$metrics"
wait_for "$out/serve.log" "control plane running" 30
"$bin/palisade" rules push rules/default scripts/demo-rules.yaml --comment "demo: default ruleset and a rate limit" >/dev/null

say "starting palisade-dataplane inline between c0 and s0, under the control plane"
sed -e '/^rules:/d' scripts/lab-inline.yaml >"$out/dataplane.yaml"
echo "control: {socket: '$PALISADE_SOCKET', id: lab-dataplane}" >>"$out/dataplane.yaml"
spawn dataplane ip netns exec "$prefix-dp" "$bin/palisade-dataplane" run --config "$out/dataplane.yaml" \
    --stats-json "$out/inline-stats.json" --inventory "$out/inventory.json" \
    --openapi "$out/openapi.json" --openapi-host "$server"
wait_for "$out/dataplane.log" "dataplane running" 120
# The ruleset arrives over the control link and compiles off the workers.
for _ in $(seq 600); do
    "$bin/palisade" status --output json 2>/dev/null |
        jq -e '[.. | objects | select(has("connected") and has("running")) | select(.running != null)] | length > 0' \
            >/dev/null 2>&1 && break
    sleep 0.2
done

say "recording the client's traffic with tcpdump"
spawn tcpdump ip netns exec "$prefix-cli" tcpdump -Z root -i eth0 -U -s 0 -w "$out/lab-traffic.pcap"
wait_for "$out/tcpdump.log" "listening on" 10

get() { in_ns cli curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$@" || true; }

say "ordinary API use (curl)"
ok=0 total=0
for path in get json headers uuid "status/404" "bytes/2048" "anything/orders?id=7" \
    anything/users/1001 anything/users/1002/orders anything/users/1003 \
    "anything/products?page=2&limit=20" anything/products/8f0c1b7e-3d0e-4a5b-9c43-7a1d2e6f9b10; do
    total=$((total + 1))
    [[ $(get "http://$server/$path") =~ ^[24] ]] && ok=$((ok + 1))
done
for item in book pen lamp; do
    total=$((total + 1))
    [[ $(get -H 'Content-Type: application/json' -H 'Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI0MiJ9.c2ln' \
        -d "{\"item\": \"$item\", \"qty\": 2}" "http://$server/anything/orders") =~ ^2 ]] && ok=$((ok + 1))
done
want=$(cat $lab_dir/files/3mb.bin.sha256)
got=$(in_ns cli curl -s --max-time 30 "http://$server:8000/3mb.bin" | sha256sum | cut -d' ' -f1)
download="sha256 matches"
[[ $got == "$want" ]] || download="SHA256 MISMATCH"
in_ns cli wrk -t1 -c8 -d3s "http://$server/get" >"$out/wrk-normal.txt" 2>&1 || true

say "a handful of attacks (curl)"
attacks=(
    "SQL injection|anything/products?q=1%27%20UNION%20SELECT%20password%20FROM%20users--"
    "cross-site scripting|anything/search?q=%3Cscript%3Ealert(document.cookie)%3C/script%3E"
    "path traversal|anything/files?name=../../../../etc/passwd"
    "command injection|anything/ping?host=127.0.0.1;cat%20/etc/passwd"
    "SSRF to cloud metadata|anything/fetch?url=http://169.254.169.254/latest/meta-data/"
)
attack_lines=""
for entry in "${attacks[@]}"; do
    name=${entry%%|*} path=${entry#*|}
    code=$(get "http://$server/$path")
    attack_lines+="$(printf '  %-24s answered %s' "$name:" "$code")"$'\n'
done
code=$(get -H 'Content-Type: application/json' \
    -d '{"file":"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"}' \
    "http://$server/anything/upload")
attack_lines+="$(printf '  %-24s answered %s' "EICAR upload:" "$code")"$'\n'
sleep 1.5 # the attacks' alerts reach the control plane
{ "$bin/palisade" events --type alert --limit 5000 --output json 2>/dev/null || echo '[]'; } |
    jq '[.. | objects | select(.event_type? == "alert")]' >"$out/attack-alerts.json"

say "a rate-limit breach: wrk on /anything/search (limit 20/s per client)"
in_ns cli wrk -t1 -c4 -d3s --latency "http://$server/anything/search?q=lamp" >"$out/wrk-search.txt" 2>&1 || true

say "a scripted client enumerating user ids (python-requests)"
in_ns cli python3 - "$server" >"$out/enumeration.txt" 2>&1 <<'PY' || true
import sys, requests
server = sys.argv[1]
s = requests.Session()
codes = {}
for uid in range(2001, 2061):
    r = s.get(f"http://{server}/anything/accounts/{uid}", timeout=5)
    codes[r.status_code] = codes.get(r.status_code, 0) + 1
print(" ".join(f"{k}:{v}" for k, v in sorted(codes.items())))
PY

sleep 1
kill "$(cat "$out/tcpdump.pid")" 2>/dev/null || true
rm -f "$out/tcpdump.pid"
# The last counters, events and inventory reach the control plane: the
# dataplane reports every 3 s.
sleep 4

cp="$bin/palisade"
blocked_in_log=$(grep -cE "UNION|script|passwd|169\.254|EICAR" $lab_dir/httpbin-access.log 2>/dev/null || true)
search_ok=$(grep -o 'Non-2xx or 3xx responses: [0-9]*' "$out/wrk-search.txt" | grep -o '[0-9]*$' || echo 0)
search_all=$(awk '/requests in/ {print $1}' "$out/wrk-search.txt")
{ "$cp" events --type alert --limit 5000 --output json 2>/dev/null || echo '[]'; } |
    jq '[.. | objects | select(.event_type? == "alert")]' >"$out/alerts.json"
jq -s 'add | unique_by(.flow_id, .tx_id, .alert.signature_id)' "$out/attack-alerts.json" "$out/alerts.json" \
    >"$out/all-alerts.json"
"$cp" stats --output json >"$out/stats.json" 2>/dev/null || echo '{}' >"$out/stats.json"
curl -s "http://$metrics/metrics" >"$out/metrics.txt" || true
metric() { awk -v m="$1" '$1 ~ "^"m"(\\{|$)" {s += $2} END {printf "%d", s}' "$out/metrics.txt"; }
alerts_of() { jq -r "$1" "$out/all-alerts.json" 2>/dev/null; }

cat <<SUMMARY

==================== Palisade demo summary ====================
Lab: client 10.77.0.1 -> palisade-dataplane (inline, DPDK af_packet) -> httpbin on $server
Control plane: palisade serve, ruleset v$("$cp" rules list --output json 2>/dev/null | jq -r '[.. | objects | .version? | numbers] | max // "?"') ($(grep -c '^  - id:' rules/default/*.yaml scripts/demo-rules.yaml | awk -F: '{s += $2} END {print s}') rules) running on the dataplane

Ordinary traffic
  API calls answered:       $ok of $total (curl); 3 MiB download: $download
  wrk on /get, 3 s:         $(awk '/requests in/ {print $1}' "$out/wrk-normal.txt") requests, $(grep -q "Socket errors" "$out/wrk-normal.txt" && echo "SOCKET ERRORS" || echo "no socket errors")

Attacks (the server's access log holds $blocked_in_log of them)
${attack_lines}
Attacks, by rule: blocked, or allowed where the rule only alerts (evidence masked where sensitive)
$(alerts_of '[.[] | select(.alert.category != "rate-limit" and .alert.category != "bot")] | group_by(.alert.signature_id)[] | "  \(.[0].alert.signature_id) \(.[0].alert.signature): \(length)x, \(.[0].alert.action)\(if .[0].alert.verdict then " (" + .[0].alert.verdict + ")" else "" end); evidence \(.[0].palisade.name // .[0].palisade.field // "-")=\((.[0].palisade.value // "-") | tostring | .[0:48])"' | head -12)

Clients limited or flagged
  rate limit /anything/search: ${search_all:-0} requests in 3 s, ${search_ok:-0} answered 429 or otherwise refused
$(alerts_of '[.[] | select(.alert.category == "rate-limit" or .alert.category == "bot")] | group_by(.alert.signature_id)[] | "  \(.[0].alert.category) \(.[0].alert.signature_id) \(.[0].alert.signature): \(length)x, client \(.[0].src_ip)"' | head -8)
  id enumeration script answers: $(cat "$out/enumeration.txt" | tail -n 1)

API inventory learned (palisade inventory, or $out/inventory.json at exit)
$( ("$cp" inventory list 2>/dev/null || echo "  (written to $out/inventory.json when the dataplane stops)") | head -20 | sed 's/^/  /')

Key metrics (http://$metrics/metrics)
  packets received:         $(metric palisade_rx_packets_total)
  packets dropped:          $(metric palisade_dropped_packets_total)
  HTTP transactions:        $(metric palisade_http_transactions_total)
  rule hits:                $(metric palisade_rule_hits_total)
SUMMARY

say "replaying the recording through the same pipeline in capture mode"
"$bin/palisade-dataplane" capture --input "$out/lab-traffic.pcap" --output "$out/replayed.pcap" \
    --stats-json "$out/capture-stats.json" --events "$out/capture-events.json" \
    --rules rules/default --rules scripts/demo-rules.yaml \
    --inventory "$out/capture-inventory.json" 2>"$out/capture.log"
j() { jq -r "$2" "$out/$1"; }
cat <<SUMMARY

Offline analysis of the recording (capture mode, same pipeline)
  recorded:                 $(capinfos -M -T -r -c "$out/lab-traffic.pcap" | cut -f2) packets (tcpdump in the client namespace)
  processed:                $(j capture-stats.json '.totals.rx_packets') packets, $(j capture-stats.json '.totals.rx_bytes') bytes
  HTTP transactions:        $(grep -c '"event_type":"http"' "$out/capture-events.json")
  alerts:                   $(jq -r 'select(.event_type == "alert") | .alert.signature_id' "$out/capture-events.json" | sort | uniq -c | awk '{printf "%s%sx %s", (NR > 1 ? ", " : ""), $1, $2}')

Files: $out/ (lab-traffic.pcap, events, inventories, stats, logs)
Still running: the lab, the control plane and the dataplane. Try:
  export PALISADE_SOCKET=$PALISADE_SOCKET
  $bin/palisade status
  $bin/palisade events --type alert --limit 5
  $bin/palisade inventory list
  curl -s http://$metrics/metrics | grep ^palisade_ | head
  scripts/demo.sh stop
================================================================
SUMMARY
started=1
