#!/usr/bin/env bash
# scripts/fuzz-smoke.sh: builds every fuzz target of dataplane/fuzz with
# libFuzzer's coverage instrumentation (stable Rust, no sanitizer) and runs
# each for a few seconds. A crash fails the script and leaves the input in
# target/fuzz-smoke/. Full fuzzing runs use the same targets for longer.
#
# Usage: scripts/fuzz-smoke.sh [SECONDS_PER_TARGET]   (default 5)
set -euo pipefail

secs=${1:-5}
root=$(cd "$(dirname "$0")/.." && pwd)
fuzz=$root/dataplane/fuzz
out=$root/target/fuzz-smoke
mkdir -p "$out"

export CARGO_TARGET_DIR=$root/target/fuzz
export RUSTFLAGS="--cfg fuzzing -Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares -Cdebug-assertions -Coverflow-checks"
# An explicit --target keeps the instrumentation out of build scripts.
cargo build --release --quiet --manifest-path "$fuzz/Cargo.toml" --bins \
    --target x86_64-unknown-linux-gnu

for src in "$fuzz"/fuzz_targets/*.rs; do
    name=$(basename "$src" .rs)
    mkdir -p "$out/$name"
    echo "fuzz: $name for ${secs}s"
    "$CARGO_TARGET_DIR/x86_64-unknown-linux-gnu/release/$name" -max_total_time="$secs" -artifact_prefix="$out/$name/" \
        -print_final_stats=1 "$out/$name" 2>"$out/$name.log" || {
        tail -30 "$out/$name.log" >&2
        echo "fuzz: $name failed; the crashing input is in $out/$name/" >&2
        exit 1
    }
    grep -E "stat::number_of_executed_units" "$out/$name.log" | sed "s/^/fuzz: $name /"
done
