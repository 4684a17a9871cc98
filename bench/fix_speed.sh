#!/usr/bin/env bash
# Speed of a module's hot calls that touch state, original vs ported by `owngil fix`.
# spglobals.greet reads three former globals (a cached string, a counter, the error type) on every
# call; after the port it reaches them through get_spglobals_state(module).
#
# Usage: bench/fix_speed.sh [BUILD_DIR] [PYTHON]     (default: build, newest python3.1x found)
# Prints one Markdown row: ns per call (best of alternating runs) and instructions per call
# (callgrind), original and ported.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
py=${2:-$(ls -d "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.1[3-9]*/bin/python3.1[3-9] 2>/dev/null | tail -1)}
owngil=$(realpath "$build/owngil")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
include=$("$py" -c "import sysconfig; print(sysconfig.get_paths()['include'])")
suffix=$("$py" -c "import sysconfig; print(sysconfig.get_config_var('EXT_SUFFIX'))")
mkdir -p "$work/original" "$work/ported"
cp corpus/single_phase_globals/spglobals.c "$work/original/"
cp corpus/single_phase_globals/spglobals.c "$work/ported/"
"$owngil" fix --no-config --write "$work/ported" 2>/dev/null
for v in original ported; do
  gcc -shared -fPIC -O2 -isystem "$include" "$work/$v/spglobals.c" -o "$work/$v/spglobals$suffix"
done
# Wall time: original and ported alternate in fresh processes; the best of each is kept.
bench() {  # dir -> best ns per call: 5 runs of 1M calls
  "$py" - "$1" <<'PY'
import sys, time
sys.path.insert(0, sys.argv[1])
import spglobals
greet = spglobals.greet
best = float("inf")
for _ in range(5):
    t0 = time.perf_counter()
    for _ in range(1_000_000):
        greet("x")
    best = min(best, time.perf_counter() - t0)
print(f"{best / 1_000_000 * 1e9:.1f}")
PY
}
o=1e9; p=1e9
for _ in 1 2 3; do
  o=$("$py" -c "import sys; print(min(float(sys.argv[1]), float(sys.argv[2])))" "$o" "$(bench "$work/original")")
  p=$("$py" -c "import sys; print(min(float(sys.argv[1]), float(sys.argv[2])))" "$p" "$(bench "$work/ported")")
done
# Instructions: callgrind counts are the same on every run, whatever else the machine does.
instructions() {  # dir -> instructions for 100k calls, minus a run with 0 calls
  local n
  for n in 0 100000; do
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$py" -c "
import sys; sys.path.insert(0, '$1'); import spglobals
for _ in range($n): spglobals.greet('x')" 2>&1 | sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
  done | paste -sd' ' | awk '{print ($2 - $1) / 100000}'
}
oi=$(instructions "$work/original")
pi=$(instructions "$work/ported")
"$py" -c "
import sys
o, p, oi, pi = map(float, sys.argv[1:5])
print(f'| spglobals.greet | {o:.1f} ns | {p:.1f} ns | {100 * (p - o) / o:+.1f} % | {oi:.0f} | {pi:.0f} | {100 * (pi - oi) / oi:+.1f} % |')
" "$o" "$p" "$oi" "$pi"
