#!/usr/bin/env bash
# Builds the fuzz targets with libFuzzer + SanitizerCoverage on STABLE Rust (no cargo-fuzz
# install, no nightly: the coverage passes are plain -C options) and runs each one.
#
#   fuzz/run.sh [SECONDS] [TARGET...]     default: 20 s each for verify, verify_request, parse, batch_md5
#
# FUZZ_ASAN="batch_md5" (the default) lists the targets also built with AddressSanitizer
# (that needs -Zsanitizer, so that build sets RUSTC_BOOTSTRAP=1 on stable; it lives in
# target-asan/). FUZZ_ASAN=none turns it off, FUZZ_ASAN="verify parse batch_md5" uses it
# everywhere (about 5x fewer executions per second).
#
# The corpus lives in fuzz/corpus/<target>/ and is minimized after every run (libFuzzer
# -merge=1), so it only keeps inputs that add coverage. Crashes are written to
# fuzz/artifacts/<target>/ and make the script exit 1 with the command that reproduces them.
# FUZZ_UPDATE_CORPUS=0 (what tests/run-all.sh sets) fuzzes without rewriting the corpus.
# Inputs that once found a bug are kept apart in fuzz/regressions/<target>/ (never
# minimized away); they seed every run and are replayed by the plain corpus test.
set -euo pipefail
secs=${1:-20}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(verify verify_request parse batch_md5)
case "$secs" in '' | *[!0-9]*) echo "run.sh: SECONDS must be a number" >&2; exit 2 ;; esac

here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"
triple="$(rustc -vV | sed -n 's/^host: //p')"
# The flags cargo-fuzz uses (minus AddressSanitizer, which needs nightly's -Zsanitizer).
flags="${FUZZ_RUSTFLAGS:--Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 -Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table -Cllvm-args=-sanitizer-coverage-trace-compares --cfg fuzzing -Cdebug-assertions -Coverflow-checks}"
asan_targets=" ${FUZZ_ASAN-batch_md5} "
# --target keeps RUSTFLAGS off build scripts (they must not be instrumented).
RUSTFLAGS="$flags" cargo build --release --target "$triple" --bins
asan_bins=()
for t in "${targets[@]}"; do
  if [[ "$asan_targets" == *" $t "* ]]; then asan_bins+=(--bin "$t"); fi
done
if [ ${#asan_bins[@]} -gt 0 ]; then
  RUSTC_BOOTSTRAP=1 RUSTFLAGS="$flags -Zsanitizer=address" \
    cargo build --release --target "$triple" --target-dir "$here/target-asan" "${asan_bins[@]}"
fi

failed=0
summary=()
for t in "${targets[@]}"; do
  bin="$here/target/$triple/release/$t"
  if [[ "$asan_targets" == *" $t "* ]]; then bin="$here/target-asan/$triple/release/$t"; fi
  [ -x "$bin" ] || { echo "run.sh: no target $t" >&2; exit 2; }
  mkdir -p "corpus/$t" "artifacts/$t"
  scratch="$(mktemp -d)"
  dict=()
  if [ "$t" != batch_md5 ]; then dict=(-dict="$here/url.dict"); fi
  log="$scratch/log"
  echo "== $t: fuzzing for ${secs}s$([[ "$bin" == *target-asan* ]] && echo ' with AddressSanitizer') (corpus: $(ls "corpus/$t" | wc -l) files)"
  set +e
  "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=4096 \
    -print_final_stats=1 -artifact_prefix="$here/artifacts/$t/" "${dict[@]}" \
    "$scratch" "corpus/$t" $([ -d "regressions/$t" ] && echo "regressions/$t") >"$log" 2>&1
  rc=$?
  set -e
  runs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)"
  if [ $rc -ne 0 ]; then
    failed=1
    tail -40 "$log"
    echo "!! $t FAILED (exit $rc). Reproduce: $bin $here/artifacts/$t/<crash file>"
    summary+=("$t: FAILED after ${runs:-?} runs")
    rm -rf "$scratch"
    continue
  fi
  if [ "${FUZZ_UPDATE_CORPUS:-1}" != 1 ]; then
    # The test command leaves the committed corpus as it is (a run must not dirty the tree).
    rm -rf "$scratch"
    note=""
    if [[ "$bin" == *target-asan* ]]; then note=" (asan)"; fi
    summary+=("$t$note: ${runs:-?} runs in ${secs}s, corpus kept as committed, no crash")
    continue
  fi
  # Minimize old corpus + new finds (set cover of their coverage features) into a fresh
  # directory, then replace the corpus.
  min="$(mktemp -d)"
  "$bin" -set_cover_merge=1 -timeout=10 -rss_limit_mb=2048 "$min" "corpus/$t" "$scratch" >"$scratch/merge.log" 2>&1 || {
    tail -20 "$scratch/merge.log"
    echo "!! $t: corpus merge failed"
    failed=1
  }
  if [ -n "$(ls -A "$min")" ]; then
    find "corpus/$t" -type f -delete
    cp "$min"/* "corpus/$t/"
  fi
  rm -rf "$min" "$scratch"
  summary+=("$t$([[ "$bin" == *target-asan* ]] && echo ' (asan)'): ${runs:-?} runs in ${secs}s, corpus $(ls "corpus/$t" | wc -l) files, no crash")
done
echo "== fuzz summary"
printf '%s\n' "${summary[@]}"
nfail=$(printf '%s\n' "${summary[@]}" | grep -c FAILED || true)
echo "fuzz: $((${#targets[@]} - nfail)) passed, $nfail failed"
exit $failed
