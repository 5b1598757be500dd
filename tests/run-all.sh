#!/usr/bin/env bash
# The whole test suite: installs what it needs, runs every suite, prints one summary line per
# suite, and exits non-zero if any suite failed. Usage: tests/run-all.sh
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export CARGO_TERM_COLOR=never
export CARGO_INCREMENTAL=0
FUZZ_SECONDS="${FUZZ_SECONDS:-15}"

declare -a NAMES=() RESULTS=()
overall=0

# Runs one suite: name, then the command. The suite's counts are taken from its output:
# cargo's "test result:" lines, or a final "name: N passed, N failed" line of its own.
suite() {
  local name="$1"; shift
  local log
  log="$(mktemp)"
  echo
  echo "================ $name: $* ================"
  local start=$SECONDS
  "$@" 2>&1 | tee "$log"
  local rc=${PIPESTATUS[0]}
  local secs=$((SECONDS - start))
  local passed failed
  if grep -q '^test result:' "$log"; then
    passed=$(grep '^test result:' "$log" | sed -E 's/.* ([0-9]+) passed.*/\1/' | awk '{s+=$1} END {print s+0}')
    failed=$(grep '^test result:' "$log" | sed -E 's/.* ([0-9]+) failed.*/\1/' | awk '{s+=$1} END {print s+0}')
  elif grep -qE '^[a-z0-9_-]+: [0-9]+ passed, [0-9]+ failed' "$log"; then
    local line
    line=$(grep -E '^[a-z0-9_-]+: [0-9]+ passed, [0-9]+ failed' "$log" | tail -n1)
    passed=$(echo "$line" | sed -E 's/^[^:]+: ([0-9]+) passed.*/\1/')
    failed=$(echo "$line" | sed -E 's/.* ([0-9]+) failed.*/\1/')
  else
    if [ "$rc" -eq 0 ]; then passed=1; failed=0; else passed=0; failed=1; fi
  fi
  if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
  [ "$rc" -eq 0 ] || overall=1
  NAMES+=("$name")
  RESULTS+=("$passed passed, $failed failed ($([ "$rc" -eq 0 ] && echo ok || echo "FAILED, exit $rc"), ${secs}s)")
  rm -f "$log"
}

suite setup      bash tests/setup-system.sh
suite fmt        cargo fmt --all -- --check
suite clippy     cargo clippy --workspace --all-targets --locked -- -D warnings
suite rust       cargo test --workspace --locked --exclude cdn-secure-token-conformance
suite python     bash python/test.sh
suite node       bash node/test.sh
suite c          bash capi/test.sh
suite php        bash php/test.sh
suite refresh    bash tests/refresh/test.sh
suite manifest   bash tests/manifests/test.sh
suite manifest-faces bash tests/manifests/faces.sh
suite serve      bash tests/serve/test.sh
suite fuzz       env FUZZ_UPDATE_CORPUS=0 bash fuzz/run.sh "$FUZZ_SECONDS"
suite conformance cargo test --release --locked -p cdn-secure-token-conformance -- --nocapture
# Every artifact of release/build.sh, checked inside and installed into fresh environments
# offline (target/release-artifacts), then every README block run against those packages.
suite release    python3 release/test.py
suite docs       python3 tests/docs/run.py

echo
echo "================ summary ================"
total_p=0; total_f=0
for i in "${!NAMES[@]}"; do
  printf '%s: %s\n' "${NAMES[$i]}" "${RESULTS[$i]}"
  p=$(echo "${RESULTS[$i]}" | sed -E 's/^([0-9]+) passed.*/\1/')
  f=$(echo "${RESULTS[$i]}" | sed -E 's/^[0-9]+ passed, ([0-9]+) failed.*/\1/')
  total_p=$((total_p + p)); total_f=$((total_f + f))
done
echo "total: $total_p passed, $total_f failed"
exit $overall
