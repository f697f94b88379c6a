#!/usr/bin/env bash
# The sanitizer and fuzz job (scripts/test.sh --sanitize): one clang-16 build with ASan+UBSan and libFuzzer's coverage
# instrumentation runs every CTest test, then every libFuzzer target for FUZZ_SECONDS seconds on a temporary copy of
# its seed corpus. Any failure fails the script.
#   FUZZ_SECONDS  seconds per fuzz target (default 20)
#   JOBS          parallel build/test jobs (default 2)
# Tests labelled `sanitize_slow` (set_tests_properties(... LABELS sanitize_slow)) are skipped here only: they are
# too slow under ASan and still run in the plain build of scripts/test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
FUZZ_SECONDS=${FUZZ_SECONDS:-20}
JOBS=${JOBS:-2}
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
export ASAN_OPTIONS="detect_leaks=1:halt_on_error=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
CLANG=(-DCMAKE_C_COMPILER=clang-16 -DCMAKE_CXX_COMPILER=clang++-16 -DCMAKE_BUILD_TYPE=RelWithDebInfo)

echo "== sanitize: ASan+UBSan build (with fuzz targets) and tests (build-asan)"
# The libraries carry libFuzzer's coverage hooks too (-fsanitize=fuzzer-no-link); the ASan runtime supplies their
# defaults for ordinary test binaries, so one build serves both the tests and the fuzz targets.
cmake -S . -B build-asan -G Ninja "${CLANG[@]}" -DSOV_SANITIZE=ON -DSOV_FUZZ=ON >/dev/null
cmake --build build-asan -j "$JOBS"
ctest --test-dir build-asan --output-on-failure -j "$JOBS" -LE sanitize_slow

echo "== sanitize: fuzz targets, ${FUZZ_SECONDS}s each"
mapfile -t TARGETS < <(grep -v '^$' build-asan/fuzz_targets.txt)
if ((${#TARGETS[@]} == 0)); then
  echo "sanitize: no fuzz targets configured" >&2
  exit 1
fi

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
ARTIFACTS="$PWD/build-asan/artifacts"
mkdir -p "$ARTIFACTS"
failed=()
for t in "${TARGETS[@]}"; do
  # libFuzzer adds new inputs to its first corpus directory: give it a copy so the repository stays clean.
  mkdir -p "$WORK/$t"
  if [[ -d tests/fuzz/corpus/$t ]]; then cp -r "tests/fuzz/corpus/$t/." "$WORK/$t/"; fi
  echo "-- fuzz_$t: $(find "$WORK/$t" -type f | wc -l) seeds, ${FUZZ_SECONDS}s"
  if ! "build-asan/tests/fuzz/fuzz_$t" "$WORK/$t" -max_total_time="$FUZZ_SECONDS" -rss_limit_mb=2048 -timeout=60 \
      -artifact_prefix="$ARTIFACTS/$t-" -print_final_stats=1 >"$WORK/$t.log" 2>&1; then
    tail -n 60 "$WORK/$t.log"
    failed+=("$t")
  else
    grep -E '^(#[0-9]+.*DONE|stat::number_of_executed_units|Done [0-9]+ runs)' "$WORK/$t.log" | tail -n 2 || true
  fi
done
if ((${#failed[@]})); then
  echo "sanitize: fuzz targets failed: ${failed[*]} (inputs in $ARTIFACTS)" >&2
  exit 1
fi
echo "sanitize: all tests and ${#TARGETS[@]} fuzz targets passed"
