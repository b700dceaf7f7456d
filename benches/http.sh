#!/usr/bin/env bash
# benches/http.sh: HTTP/1.x parsing throughput per core (transactions per
# second on a realistic JSON API mix, no rules) beside httparse parsing the
# same header blocks alone, measured in the same run, pinned to CPU 1.
# Target: >= 500k transactions per second per core.
#
# Usage: benches/http.sh   Environment: HTTP_SECS (default 2).
# Output: human lines, then one markdown row on a line starting "|".
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
echo "building the http bench (cargo bench --no-run)" >&2
cargo bench --quiet --bench http --no-run >&2
taskset -c 1 cargo bench --quiet --bench http
