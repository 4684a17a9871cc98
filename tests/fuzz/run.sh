#!/usr/bin/env bash
# Runs the fuzz target of a -DOWNGIL_FUZZ=ON build for a bounded time, from the seeds made from
# corpus/ and what earlier runs of the same build found (BUILD/fuzz-corpus), with the dictionary
# of C API tokens. A crash or a broken invariant stops it with a non-zero exit; the input is left
# in BUILD/fuzz-crashes/ (to fix, then keep in tests/fuzz/regressions/).
#
#   tests/fuzz/run.sh BUILD SECONDS [libFuzzer flags...]
#   (SECONDS 0: until stopped; e.g. the long run: nice -n 15 tests/fuzz/run.sh build-fuzz 0)
set -euo pipefail
build=$1 seconds=$2
shift 2
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$build/fuzz-corpus" "$build/fuzz-crashes"
# Clang keeps some of what it allocates until exit on purpose: leaks are not what is looked for.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:abort_on_error=1:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
exec "$build/tests/fuzz/owngil_fuzz" -max_total_time="$seconds" -dict="$here/owngil.dict" -max_len=16384 \
  -timeout=20 -rss_limit_mb=4096 -print_final_stats=1 -artifact_prefix="$build/fuzz-crashes/" "$@" \
  "$build/fuzz-corpus" "$build/tests/fuzz/seeds"
