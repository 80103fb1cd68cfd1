#!/bin/sh
# run-fuzz.sh [SECONDS] [TARGET...]: the long fuzzing run, by hand, before
# resolving. Runs every target (or the ones named) for SECONDS each (default
# 300), one after the other, each in a fresh temporary work corpus seeded
# from tests/fuzz/corpus/<target> and regressions/<target>; prints a table
# of executions, exec/s, coverage (libFuzzer's final cov: and ft:), corpus
# size and findings. Findings (crash-*, leak-*, timeout-*, oom-*) are kept
# in the work directory printed at the end; the source tree is never written.
#
# Needs the fuzz build: CC=clang meson setup build-fuzz -Dfuzz=enabled \
#   -Db_sanitize=address,undefined -Db_lundef=false -Dgtk=disabled
# (ACTORSCOPE_FUZZ_BUILD_DIR overrides the build directory.)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${ACTORSCOPE_FUZZ_BUILD_DIR:-$root/build-fuzz}
secs=${1:-300}
[ $# -gt 0 ] && shift
targets=${*:-native mswitch chrome chrome-gzip xstate web-control mswitch-http}
work=$(mktemp -d "${TMPDIR:-/tmp}/actorscope-fuzz.XXXXXX")

ninja -C "$build" $(for t in $targets; do printf 'tests/fuzz/fuzz-%s ' "$t"; done) >/dev/null

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1}:halt_on_error=1"
export LSAN_OPTIONS="${LSAN_OPTIONS:-suppressions=$root/tests/test-render-lsan.supp}"

printf '%-14s %12s %8s %7s %8s %7s %9s\n' target executions exec/s cov ft corpus findings > "$work/table"
for t in $targets; do
  mkdir -p "$work/$t/corpus" "$work/$t/artifacts"
  cp "$here/corpus/$t"/* "$work/$t/corpus/" 2>/dev/null || true
  for f in "$here/regressions/$t"/*; do [ -f "$f" ] && cp "$f" "$work/$t/corpus/"; done
  dict=
  [ -f "$here/$t.dict" ] && dict="-dict=$here/$t.dict"
  echo "== fuzz-$t for ${secs}s" >&2
  # -fork would keep going after a finding; one process keeps the figures
  # simple: a finding ends that target's run (and is listed).
  "$build/tests/fuzz/fuzz-$t" $dict -max_total_time="$secs" -timeout=10 \
    -rss_limit_mb=2048 -malloc_limit_mb=512 -max_len=16384 -print_final_stats=1 \
    -artifact_prefix="$work/$t/artifacts/" "$work/$t/corpus" > "$work/$t/log" 2>&1 || true
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$t/log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$work/$t/log" | tail -1)
  last=$(grep -E '^#[0-9]+' "$work/$t/log" | grep ' cov: ' | tail -1)
  cov=$(printf '%s' "$last" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
  ft=$(printf '%s' "$last" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
  corp=$(ls "$work/$t/corpus" | wc -l)
  found=$(ls "$work/$t/artifacts" | wc -l)
  printf '%-14s %12s %8s %7s %8s %7s %9s\n' "$t" "${execs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" \
    "$corp" "$found" >> "$work/table"
done
cat "$work/table"
echo "logs, corpora and findings: $work"
