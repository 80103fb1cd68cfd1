#!/bin/sh
# fuzz-suite.sh EXE SRCDIR TARGET WORKDIR SECONDS
# One short libFuzzer run for the `fuzz` meson suite: the seed corpus is
# copied into WORKDIR (fresh each time) and fuzzed there for SECONDS; crash,
# leak, timeout and OOM inputs land in WORKDIR/artifacts/. Exit status is
# libFuzzer's: non-zero on any finding.
set -eu
exe=$1 src=$2 target=$3 work=$4 secs=$5
rm -rf "$work"
mkdir -p "$work/corpus" "$work/artifacts"
if [ -d "$src/corpus/$target" ]; then
  cp "$src/corpus/$target"/* "$work/corpus/" 2>/dev/null || true
fi
if [ -d "$src/regressions/$target" ]; then
  for f in "$src/regressions/$target"/*; do
    [ -f "$f" ] && cp "$f" "$work/corpus/"
  done
fi
# UBSan findings stop the run (the default only prints and goes on), so
# they count as crashes; fontconfig's process-lifetime caches are no leak.
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1}:halt_on_error=1"
export LSAN_OPTIONS="${LSAN_OPTIONS:-suppressions=$src/../test-render-lsan.supp}"
dict=
[ -f "$src/$target.dict" ] && dict="-dict=$src/$target.dict"
# -max_len bounds per-input work; rss/malloc limits make unbounded growth a
# finding (OOM) instead of a slow machine.
# Any finding fails the test: libFuzzer's own exit codes (77 for some)
# would read as "skipped" to meson.
rc=0
"$exe" $dict -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
  -malloc_limit_mb=512 -max_len=16384 -print_final_stats=1 \
  -artifact_prefix="$work/artifacts/" "$work/corpus" || rc=$?
if [ "$rc" -ne 0 ]; then
  echo "fuzz-$target: finding (libFuzzer exit $rc); inputs in $work/artifacts/" >&2
  ls -l "$work/artifacts/" >&2
  exit 1
fi
