#!/usr/bin/env bash
# scripts/test.sh: sets up what is missing and runs every test of Palisade.
#
# Installs the dependencies (scripts/deps.sh), checks formatting and lints,
# builds the release binaries the end-to-end tests run, then runs the unit
# tests of every crate and the end-to-end tests in tests/ (capture files from
# ../shared/corpus, the network-namespace lab with real clients and servers).
# Needs root (DPDK, network namespaces). .ci/run calls exactly this.
#
# Usage: scripts/test.sh [extra cargo test arguments]
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

step() { echo "== test: $*"; }

[[ $(id -u) == 0 ]] || { echo "test: run as root (DPDK and network namespaces need it)" >&2; exit 1; }
[[ -d ../shared/corpus || -n ${PALISADE_CORPUS:-} ]] || {
    echo "test: the test corpus is missing: expected ../shared/corpus beside the checkout" >&2
    exit 1
}

step "dependencies"
scripts/deps.sh

step "format and lints"
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --quiet -- -D warnings

step "build (release)"
cargo build --workspace --release --quiet

step "fuzz smoke (every fuzz target, a few seconds each)"
scripts/fuzz-smoke.sh 5

step "unit and end-to-end tests"
# Leftovers of an interrupted earlier run would make the lab tests fail.
scripts/lab.sh down >/dev/null 2>&1 || true
cargo test --workspace --release --no-fail-fast "$@"
