#!/usr/bin/env bash
# benches/crs.sh: the default ruleset against the OWASP CRS regression tests
# in ../shared/corpus/crs (go-ftw YAML), per CRS rule file: the stages CRS
# expects to fire and how many the default rules flag, and the stages CRS
# expects to stay quiet that they flag. Skips when the corpus is absent.
#
# Usage: benches/crs.sh   Environment: PALISADE_CORPUS (default
# ../shared/corpus), CRS_VERBOSE=1 lists every hit with the rules that held,
# and every miss and possible false positive with its request.
# Output: a summary line, then a markdown table (lines starting "|").
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
corpus=${PALISADE_CORPUS:-$root/../shared/corpus}
if [[ ! -d $corpus/crs/tests/regression/tests ]]; then
    echo "crs: $corpus/crs/tests/regression/tests not found, skipped"
    exit 0
fi
echo "building the crs bench (cargo bench --no-run)" >&2
cargo bench --quiet --bench crs --no-run >&2
cargo bench --quiet --bench crs
