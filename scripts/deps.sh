#!/usr/bin/env bash
# scripts/deps.sh: installs what building and testing Palisade needs on Debian 12.
#
# Owns: the Debian packages listed in APT_PACKAGES, the Python venv of the lab's
# API server at /opt/palisade/venv (httpbin under gunicorn, versions pinned in
# VENV_PINS), and the check that a Rust toolchain is present. It does not touch
# the Rust toolchain itself, hugepages or NIC bindings.
#
# Idempotent and fast when everything is already there: `apt-get update` runs
# only when a package is missing, and the venv is rebuilt only when it is missing,
# broken or holds other versions. Run as root.
#
# Usage: scripts/deps.sh [--quiet]
#   --quiet   print nothing but errors

set -euo pipefail

# The Hyperscan build to link: Intel's Hyperscan 5.4.0 on x86_64, where
# Debian 12's Vectorscan 5.4.9 misses matches on AVX-512 machines (the
# engine's offsets test shows it); Vectorscan, the same API, elsewhere. The
# two packages conflict: installing one removes the other.
hyperscan_package() {
    case "$(dpkg --print-architecture 2>/dev/null || uname -m)" in
        amd64 | x86_64) echo libhyperscan-dev ;;
        *) echo libvectorscan-dev ;;
    esac
}

# The other build's packages, as apt-get removal arguments: apt does not
# replace a conflicting library by itself.
other_hyperscan_removal() {
    case "$(hyperscan_package)" in
        libhyperscan-dev) echo libvectorscan-dev- libvectorscan5- ;;
        *) echo libhyperscan-dev- libhyperscan5- ;;
    esac
}

readonly VENV=/opt/palisade/venv
readonly SYSTEM_PYTHON=/usr/bin/python3

# Debian packages. prometheus is here for `promtool` only; its service is disabled.
# chromium (headless), python3-requests and openssl are real TLS clients and servers
# of the bot-mitigation tests.
# libsqlite3-dev is the control plane's database; sqlite3 reads it back in tests.
# The pattern matcher is the Hyperscan library (see hyperscan_package).
readonly APT_PACKAGES=(
    dpdk dpdk-dev libdpdk-dev "$(hyperscan_package)"
    clang libclang-dev pkg-config build-essential libpcap-dev
    tcpdump tshark iproute2 ethtool curl wrk jq ca-certificates hping3
    python3 python3-venv python3-pip
    prometheus
    chromium python3-requests openssl
    libsqlite3-dev sqlite3
)

# The lab's API server. Flask and Werkzeug are pinned too so that a new release of
# either cannot break httpbin between two installs. flasgger lets httpbin serve its
# own API description (/spec.json); schemathesis (traffic generated from that
# description) and openapi-spec-validator serve the inventory tests.
readonly VENV_PINS=(
    httpbin==0.10.4
    gunicorn==23.0.0
    Flask==3.1.3
    Werkzeug==3.1.9
    flasgger==0.9.7.1
    schemathesis==4.32.5
    openapi-spec-validator==0.9.0
)

QUIET=0
LOG=""

say() {
    if [[ $QUIET -eq 0 ]]; then
        echo "deps: $*"
    fi
}

die() {
    echo "deps: error: $*" >&2
    exit 1
}

# Runs a command with its output sent to the log; on failure shows the log's tail.
run_logged() {
    if ! "$@" >>"$LOG" 2>&1; then
        echo "deps: error: command failed: $*" >&2
        tail -n 25 "$LOG" >&2
        echo "deps: full output in $LOG" >&2
        exit 1
    fi
}

parse_args() {
    while [[ $# -gt 0 ]]; do
        case "$1" in
            --quiet | -q) QUIET=1 ;;
            -h | --help)
                sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'
                exit 0
                ;;
            *) die "unknown argument: $1 (usage: scripts/deps.sh [--quiet])" ;;
        esac
        shift
    done
}

# Prints the packages of APT_PACKAGES that are not installed, one per line.
missing_packages() {
    local installed
    installed=$(dpkg-query -W -f='${Package} ${db:Status-Status}\n' "${APT_PACKAGES[@]}" \
        2>/dev/null | awk '$2 == "installed" { print $1 }' || true)
    local pkg
    for pkg in "${APT_PACKAGES[@]}"; do
        if ! grep -qx -- "$pkg" <<<"$installed"; then
            echo "$pkg"
        fi
    done
}

# prometheus is installed for promtool; the lab never needs its daemon.
disable_prometheus_service() {
    local svc
    for svc in prometheus prometheus-node-exporter; do
        if ! dpkg-query -W -f='${db:Status-Status}' "$svc" 2>/dev/null | grep -qx installed; then
            continue
        fi
        if [[ -d /run/systemd/system ]]; then
            run_logged systemctl disable --now "$svc"
        elif [[ -x /etc/init.d/$svc ]]; then
            run_logged update-rc.d "$svc" disable
            /etc/init.d/"$svc" stop >>"$LOG" 2>&1 || true
        fi
    done
}

install_packages() {
    local missing
    mapfile -t missing < <(missing_packages)
    if [[ ${#missing[@]} -eq 0 ]]; then
        return 0
    fi

    say "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    # tshark would otherwise ask whether non-root users may capture.
    echo "wireshark-common wireshark-common/install-setuid boolean false" \
        | debconf-set-selections
    run_logged apt-get update -q

    # prometheus goes alone, without recommends, so that no node exporter comes along.
    local others=() pkg
    for pkg in "${missing[@]}"; do
        [[ $pkg == prometheus ]] || others+=("$pkg")
    done
    if [[ " ${others[*]} " == *" $(hyperscan_package) "* ]]; then
        local removal
        read -ra removal <<<"$(other_hyperscan_removal)"
        others+=("${removal[@]}")
    fi
    if [[ ${#others[@]} -gt 0 ]]; then
        run_logged apt-get install -y -q "${others[@]}"
    fi
    if [[ ${#others[@]} -lt ${#missing[@]} ]]; then
        run_logged apt-get install -y -q --no-install-recommends prometheus
        disable_prometheus_service
    fi
}

# Succeeds when the venv runs and holds exactly the pinned versions.
venv_matches_pins() {
    [[ -x $VENV/bin/python ]] || return 1
    "$VENV/bin/python" - "${VENV_PINS[@]}" >/dev/null 2>&1 <<'EOF'
import sys
from importlib import metadata
for pin in sys.argv[1:]:
    name, want = pin.split("==")
    if metadata.version(name) != want:
        sys.exit(1)
import httpbin, gunicorn, flasgger, schemathesis, openapi_spec_validator  # noqa: E401,F401
EOF
}

# Serves one request through the app (no socket) and checks that gunicorn loads it.
verify_venv() {
    run_logged "$VENV/bin/python" -c '
import httpbin
client = httpbin.app.test_client()
assert client.get("/json").status_code == 200
assert client.post("/post", data={"a": "b"}).get_json()["form"] == {"a": "b"}
'
    run_logged "$VENV/bin/gunicorn" --check-config httpbin:app
}

setup_venv() {
    if venv_matches_pins; then
        return 0
    fi

    if ! "$VENV/bin/python" -c "import sys" >/dev/null 2>&1 || [[ ! -x $VENV/bin/pip ]]; then
        say "creating venv $VENV"
        rm -rf "$VENV"
        mkdir -p "$(dirname "$VENV")"
        run_logged "$SYSTEM_PYTHON" -m venv "$VENV"
    fi
    say "installing ${VENV_PINS[*]} into $VENV"
    run_logged "$VENV/bin/pip" install -q --disable-pip-version-check "${VENV_PINS[@]}"

    verify_venv
    venv_matches_pins || die "venv $VENV does not hold the pinned versions after install"
}

check_cargo() {
    if command -v cargo >/dev/null 2>&1; then
        return 0
    fi
    if [[ -x ${CARGO_HOME:-${HOME:-/root}/.cargo}/bin/cargo ]]; then
        say "note: cargo is in ${CARGO_HOME:-${HOME:-/root}/.cargo}/bin but not on PATH"
        return 0
    fi
    echo "deps: error: cargo not found. Install Rust with rustup" \
        "(https://rustup.rs: curl --proto '=https' -sSf https://sh.rustup.rs | sh)," \
        "then open a new shell or run: . \"\$HOME/.cargo/env\"" >&2
    exit 1
}

main() {
    parse_args "$@"
    [[ $EUID -eq 0 ]] || die "must run as root (it installs packages and writes $VENV)"

    LOG=$(mktemp /tmp/palisade-deps.XXXXXX.log)
    install_packages
    setup_venv
    rm -f "$LOG"

    check_cargo
    say "ok"
}

main "$@"
