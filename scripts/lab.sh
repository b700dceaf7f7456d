#!/usr/bin/env bash
# scripts/lab.sh: the network-namespace lab that end-to-end tests run the dataplane in.
#
# Owns three namespaces, the veth pairs between them, and the servers in the server
# namespace (gunicorn serving httpbin on port 80, a static file server on port 8000):
#
#   <p>-cli  eth0 10.77.0.1/24 ---veth--- c0  <p>-dp  s0 ---veth--- eth0 10.77.0.2/24  <p>-srv
#
# <p> is $PAL_LAB_PREFIX (default "pal"). c0 and s0 carry no address: the dataplane,
# started by the tests inside <p>-dp on c0 and s0 (DPDK net_af_packet), bridges them.
# Without it the client cannot reach the server, by design. IPv6 is off everywhere
# so that no ND/RS frames cross; checksum and segmentation offloads are off on every
# veth so that af_packet sees frames with real checksums and no larger than the MTU.
#
# State lives in $LAB_DIR, default /run/palisade-lab (/run/palisade-lab-<p> for another
# prefix): PID files, httpbin-access.log, httpbin-error.log, files.log and files/ with
# 3mb.bin and its 3mb.bin.sha256. The lab's own readiness probes send the User-Agent
# palisade-lab-probe. The root namespace's interfaces are never touched.
#
# Usage: scripts/lab.sh up | down | status | exec cli|srv|dp CMD [ARG...]
#   up      tears down any earlier lab, builds it, returns once both servers answer
#           (at most $LAB_WAIT_SECS, default 20 s); on failure removes what it made
#   down    stops every process in the three namespaces (a dataplane too), deletes them
#   status  one line per namespace, interface and server; exit 0 only if all are up
#   exec    runs CMD in <p>-cli, <p>-srv or <p>-dp
# Run as root, after scripts/deps.sh.

set -euo pipefail

readonly PREFIX=${PAL_LAB_PREFIX:-pal}
if [[ $PREFIX == pal ]]; then
    LAB_DIR=${LAB_DIR:-/run/palisade-lab}
else
    LAB_DIR=${LAB_DIR:-/run/palisade-lab-$PREFIX}
fi
readonly LAB_DIR

readonly NS_CLI=$PREFIX-cli
readonly NS_SRV=$PREFIX-srv
readonly NS_DP=$PREFIX-dp
readonly ALL_NS=("$NS_CLI" "$NS_SRV" "$NS_DP")

readonly CLI_ADDR=10.77.0.1
readonly SRV_ADDR=10.77.0.2
readonly PREFIX_LEN=24
readonly HTTPBIN_PORT=80
readonly FILES_PORT=8000

readonly VENV=/opt/palisade/venv
readonly GUNICORN=$VENV/bin/gunicorn
readonly WAIT_SECS=${LAB_WAIT_SECS:-20}

# Set while `up` runs, so that the exit trap knows what failed and what to undo.
STEP=""

say() {
    echo "lab: $*"
}

die() {
    echo "lab: error: $*" >&2
    exit 1
}

usage() {
    echo "usage: scripts/lab.sh up | down | status | exec cli|srv|dp CMD [ARG...]" >&2
    exit 2
}

ns_exists() {
    [[ -e /run/netns/$1 ]]
}

in_ns() {
    local ns=$1
    shift
    ip netns exec "$ns" "$@"
}

# Succeeds when PID is alive and its command line contains PATTERN (guards against
# a recorded PID that the kernel has since handed to another process).
pid_is() {
    local pid=$1 pattern=$2 cmdline
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    cmdline=$(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline") || return 1
    [[ $cmdline == *"$pattern"* ]]
}

read_pid() {
    cat "$LAB_DIR/$1.pid" 2>/dev/null || true
}

check_prerequisites() {
    [[ $EUID -eq 0 ]] || die "must run as root"
    local tool
    for tool in ip ethtool curl setsid flock sha256sum; do
        command -v "$tool" >/dev/null || die "$tool not found; run scripts/deps.sh"
    done
    [[ -x $GUNICORN ]] || die "$GUNICORN not found; run scripts/deps.sh"
}

# Serialises `up` and `down` of one lab. Fd 9 holds the lock until this script exits;
# spawn_in_srv closes it in the servers so that they do not keep holding it.
lock_lab() {
    mkdir -p "$LAB_DIR"
    exec 9>"$LAB_DIR/.lock"
    flock -w 60 9 || die "another scripts/lab.sh is still running on $LAB_DIR (waited 60s)"
}

# --- down ------------------------------------------------------------------------

# Sends SIGNAL to every process inside the lab's namespaces and to the recorded servers.
signal_lab_processes() {
    local sig=$1 ns pid
    for ns in "${ALL_NS[@]}"; do
        ns_exists "$ns" || continue
        for pid in $(ip netns pids "$ns" 2>/dev/null); do
            kill "-$sig" "$pid" 2>/dev/null || true
        done
    done
    pid=$(read_pid gunicorn)
    if pid_is "$pid" gunicorn; then kill "-$sig" "$pid" 2>/dev/null || true; fi
    pid=$(read_pid files)
    if pid_is "$pid" http.server; then kill "-$sig" "$pid" 2>/dev/null || true; fi
}

lab_process_count() {
    local ns count=0 pid
    for ns in "${ALL_NS[@]}"; do
        ns_exists "$ns" || continue
        count=$((count + $(ip netns pids "$ns" 2>/dev/null | wc -l)))
    done
    pid=$(read_pid gunicorn)
    if pid_is "$pid" gunicorn; then count=$((count + 1)); fi
    pid=$(read_pid files)
    if pid_is "$pid" http.server; then count=$((count + 1)); fi
    echo "$count"
}

# Stops everything the lab runs: politely first, then SIGKILL after 5 seconds.
stop_lab_processes() {
    signal_lab_processes TERM
    local deadline=$((${EPOCHREALTIME/./} + 5000000))
    while [[ $(lab_process_count) -gt 0 && ${EPOCHREALTIME/./} -lt $deadline ]]; do
        sleep 0.1
    done
    if [[ $(lab_process_count) -gt 0 ]]; then
        signal_lab_processes KILL
        sleep 0.2
    fi
}

# Safe to run at any time, also when nothing or only part of the lab exists.
lab_down() {
    stop_lab_processes
    local ns
    for ns in "${ALL_NS[@]}"; do
        if ns_exists "$ns"; then
            ip netns del "$ns" || die "could not delete namespace $ns"
        fi
    done
    rm -f "$LAB_DIR"/*.pid
}

# --- up --------------------------------------------------------------------------

step() {
    STEP=$*
    say "$STEP"
}

# With IPv6 off on "default" first, the interfaces created later start without it.
create_namespace() {
    local ns=$1
    ip netns add "$ns"
    in_ns "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
    in_ns "$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
    in_ns "$ns" sysctl -qw net.ipv6.conf.lo.disable_ipv6=1
    in_ns "$ns" ip link set lo up
}

# Offloads off: af_packet would otherwise see partial checksums and 64 KiB frames.
prepare_interface() {
    local ns=$1 dev=$2
    in_ns "$ns" sysctl -qw "net.ipv6.conf.$dev.disable_ipv6=1"
    in_ns "$ns" ethtool -K "$dev" tx off tso off gso off gro off >/dev/null
    in_ns "$ns" ip link set "$dev" mtu 1500 up
}

# Each veth is created with its ends already in their namespaces, so no name is ever
# taken in the root namespace.
create_links() {
    ip link add eth0 netns "$NS_CLI" type veth peer name c0 netns "$NS_DP"
    ip link add eth0 netns "$NS_SRV" type veth peer name s0 netns "$NS_DP"

    prepare_interface "$NS_CLI" eth0
    prepare_interface "$NS_SRV" eth0
    prepare_interface "$NS_DP" c0
    prepare_interface "$NS_DP" s0
    # The dataplane sees frames addressed to the far side's MAC.
    in_ns "$NS_DP" ip link set c0 promisc on
    in_ns "$NS_DP" ip link set s0 promisc on

    in_ns "$NS_CLI" ip addr add "$CLI_ADDR/$PREFIX_LEN" dev eth0
    in_ns "$NS_SRV" ip addr add "$SRV_ADDR/$PREFIX_LEN" dev eth0
}

make_files() {
    mkdir -p "$LAB_DIR/files"
    head -c $((3 * 1024 * 1024)) /dev/urandom >"$LAB_DIR/files/3mb.bin"
    sha256sum "$LAB_DIR/files/3mb.bin" | cut -d' ' -f1 >"$LAB_DIR/files/3mb.bin.sha256"
}

# Closes every descriptor above stderr, such as the lock on fd 9 or a caller's pipe
# that a long-lived server would otherwise hold open.
close_inherited_fds() {
    local path fd
    for path in /proc/"$BASHPID"/fd/*; do
        fd=${path##*/}
        if [[ $fd -gt 2 ]]; then exec {fd}>&-; fi
    done
}

# Starts a server detached from this shell (own session, only stdio inherited). The
# subshell, setsid and `ip netns exec` all exec, so $! is the server's own PID.
spawn_in_srv() {
    local name=$1 log=$2
    shift 2
    (
        close_inherited_fds
        exec setsid ip netns exec "$NS_SRV" "$@" </dev/null >>"$log" 2>&1
    ) &
    echo "$!" >"$LAB_DIR/$name.pid"
}

start_servers() {
    rm -f "$LAB_DIR"/httpbin-access.log "$LAB_DIR"/httpbin-error.log "$LAB_DIR"/files.log
    spawn_in_srv gunicorn "$LAB_DIR/httpbin-error.log" \
        "$GUNICORN" --bind "$SRV_ADDR:$HTTPBIN_PORT" \
        --workers 2 --threads 4 --worker-class gthread \
        --access-logfile "$LAB_DIR/httpbin-access.log" \
        --error-logfile "$LAB_DIR/httpbin-error.log" \
        --chdir "$LAB_DIR" httpbin:app
    spawn_in_srv files "$LAB_DIR/files.log" \
        "$VENV/bin/python3" -m http.server "$FILES_PORT" \
        --bind "$SRV_ADDR" --directory "$LAB_DIR/files"
}

# Asks from inside the server namespace, so no bridge is needed.
server_answers() {
    local url=$1
    in_ns "$NS_SRV" curl -sf -o /dev/null --max-time 2 -A palisade-lab-probe "$url" 2>/dev/null
}

wait_for_servers() {
    local deadline=$((SECONDS + WAIT_SECS))
    while true; do
        pid_is "$(read_pid gunicorn)" gunicorn \
            || die "gunicorn exited; see $LAB_DIR/httpbin-error.log"
        pid_is "$(read_pid files)" http.server \
            || die "the file server exited; see $LAB_DIR/files.log"
        if server_answers "http://$SRV_ADDR:$HTTPBIN_PORT/get" \
            && server_answers "http://$SRV_ADDR:$FILES_PORT/3mb.bin.sha256"; then
            return 0
        fi
        [[ $SECONDS -lt $deadline ]] \
            || die "servers not answering after ${WAIT_SECS}s; see logs in $LAB_DIR"
        sleep 0.2
    done
}

# On any failure while `up` runs: say what failed and remove everything made so far.
on_up_exit() {
    local rc=$?
    trap - EXIT
    if [[ $rc -ne 0 && -n $STEP ]]; then
        echo "lab: up failed while: $STEP; tearing the lab down" >&2
        lab_down >/dev/null 2>&1 || true
    fi
    exit "$rc"
}

lab_up() {
    check_prerequisites
    lock_lab
    trap on_up_exit EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM

    step "removing any earlier lab"
    lab_down

    step "creating namespaces ${ALL_NS[*]}"
    local ns
    for ns in "${ALL_NS[@]}"; do create_namespace "$ns"; done

    step "creating veth pairs $NS_CLI/eth0-$NS_DP/c0 and $NS_SRV/eth0-$NS_DP/s0"
    create_links

    step "starting httpbin on $SRV_ADDR:$HTTPBIN_PORT and files on $SRV_ADDR:$FILES_PORT"
    make_files
    start_servers
    wait_for_servers

    STEP=""
    say "up (client $CLI_ADDR in $NS_CLI, server $SRV_ADDR in $NS_SRV, c0/s0 in $NS_DP)"
}

# --- status ----------------------------------------------------------------------

# Prints one line per item; fails when any item is missing.
lab_status() {
    local ok=0 ns

    for ns in "${ALL_NS[@]}"; do
        if ns_exists "$ns"; then echo "namespace $ns: present"; else
            echo "namespace $ns: missing"
            ok=1
        fi
    done

    status_link "$NS_CLI" eth0 "$CLI_ADDR" || ok=1
    status_link "$NS_SRV" eth0 "$SRV_ADDR" || ok=1
    status_link "$NS_DP" c0 "" || ok=1
    status_link "$NS_DP" s0 "" || ok=1

    status_server httpbin gunicorn gunicorn "$HTTPBIN_PORT" /get || ok=1
    status_server files files http.server "$FILES_PORT" /3mb.bin.sha256 || ok=1

    if ns_exists "$NS_DP"; then
        echo "processes in $NS_DP: $(ip netns pids "$NS_DP" | wc -l)"
    fi
    return "$ok"
}

status_link() {
    local ns=$1 dev=$2 addr=$3 link addrs
    if ! ns_exists "$ns" || ! link=$(in_ns "$ns" ip -o link show dev "$dev" 2>/dev/null); then
        echo "interface $ns/$dev: missing"
        return 1
    fi
    if [[ $link != *"state UP"* ]]; then
        echo "interface $ns/$dev: down"
        return 1
    fi
    addrs=$(in_ns "$ns" ip -o -4 addr show dev "$dev")
    if [[ -n $addr && $addrs != *"inet $addr/"* ]]; then
        echo "interface $ns/$dev: up, without $addr"
        return 1
    fi
    echo "interface $ns/$dev: up${addr:+ $addr}"
}

status_server() {
    local name=$1 pid_file=$2 pattern=$3 port=$4 path=$5 pid
    pid=$(read_pid "$pid_file")
    if ! pid_is "$pid" "$pattern"; then
        echo "server $name: not running"
        return 1
    fi
    if ! ns_exists "$NS_SRV" || ! server_answers "http://$SRV_ADDR:$port$path"; then
        echo "server $name: running (pid $pid) but not answering on $SRV_ADDR:$port"
        return 1
    fi
    echo "server $name: answering on $SRV_ADDR:$port (pid $pid)"
}

# --- exec ------------------------------------------------------------------------

lab_exec() {
    [[ $# -ge 2 ]] || usage
    local short=$1
    shift
    case "$short" in
        cli | srv | dp) ;;
        *) die "unknown namespace '$short' (expected cli, srv or dp)" ;;
    esac
    ns_exists "$PREFIX-$short" \
        || die "namespace $PREFIX-$short does not exist; run: scripts/lab.sh up"
    exec ip netns exec "$PREFIX-$short" "$@"
}

main() {
    [[ $# -ge 1 ]] || usage
    local cmd=$1
    shift
    case "$cmd" in
        up) [[ $# -eq 0 ]] || usage; lab_up ;;
        down)
            [[ $# -eq 0 ]] || usage
            [[ $EUID -eq 0 ]] || die "must run as root"
            lock_lab
            lab_down
            say "down"
            ;;
        status) [[ $# -eq 0 ]] || usage; lab_status ;;
        exec) lab_exec "$@" ;;
        -h | --help) sed -n '2,26p' "$0" | sed 's/^# \{0,1\}//' ;;
        *) usage ;;
    esac
}

main "$@"
