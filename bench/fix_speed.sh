#!/usr/bin/env bash
# Speed of hot calls that touch module state, original vs ported by `owngil fix`, on corpus modules:
# - spglobals.greet reads three former globals through get_spglobals_state(module);
# - gctypes and stypes (static types turned heap types): methods that receive the state through
#   their defining class (METH_METHOD entry points, one per old calling convention), slots that
#   fetch it through their type (PyType_GetModuleByDef), creation of GC-tracked instances, and a
#   slot that does not need the state (len), as a control.
#
# Usage: bench/fix_speed.sh [BUILD_DIR] [PYTHON]     (default: build, newest python3.1x found)
# Prints Markdown rows: ns per call (best of alternating runs) and instructions per call
# (callgrind, which gives the same count on every run), original and ported.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
py=${2:-$(ls -d "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.1[3-9]*/bin/python3.1[3-9] 2>/dev/null | tail -1)}
owngil=$(realpath "$build/owngil")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
include=$("$py" -c "import sysconfig; print(sysconfig.get_paths()['include'])")
suffix=$("$py" -c "import sysconfig; print(sysconfig.get_config_var('EXT_SUFFIX'))")

build_pair() {  # corpus case, module, [fix options]: original and ported builds in $work/<v>/<module>
  local case=$1 module=$2
  shift 2
  for v in original ported; do
    mkdir -p "$work/$v/$module"
    cp "corpus/$case/$module.c" "$work/$v/$module/"
  done
  "$owngil" fix --no-config "$@" --write "$work/ported/$module" 2>/dev/null
  for v in original ported; do
    gcc -shared -fPIC -O2 -isystem "$include" -I "$work/$v/$module" "$work/$v/$module/$module.c" -o "$work/$v/$module/$module$suffix"
  done
}

timing() {  # dir, module, setup, statement, calls -> best ns per call of 5 runs
  "$py" - "$@" <<'PY'
import sys, time
where, module, setup, stmt, n = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
sys.path.insert(0, where)
ns = {}
exec(f"import {module}\n{setup}", ns)
loop = compile(f"for _ in range({n}):\n    {stmt}", "bench", "exec")
best = float("inf")
for _ in range(5):
    t0 = time.perf_counter()
    exec(loop, ns)
    best = min(best, time.perf_counter() - t0)
print(f"{best / n * 1e9:.1f}")
PY
}

instructions() {  # dir, module, setup, statement -> instructions per call (100k calls minus 0 calls)
  local n
  for n in 0 100000; do
    PYTHONHASHSEED=0 valgrind --tool=callgrind --callgrind-out-file=/dev/null "$py" -c "
import sys; sys.path.insert(0, '$1'); import $2
$3
for _ in range($n): $4" 2>&1 | sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
  done | paste -sd' ' | awk '{print ($2 - $1) / 100000}'
}

row() {  # label, module, setup, statement
  local o=1e9 p=1e9 oi pi
  for _ in 1 2 3; do  # original and ported alternate, in fresh processes
    o=$("$py" -c "import sys; print(min(map(float, sys.argv[1:])))" "$o" "$(timing "$work/original/$2" "$2" "$3" "$4" 500000)")
    p=$("$py" -c "import sys; print(min(map(float, sys.argv[1:])))" "$p" "$(timing "$work/ported/$2" "$2" "$3" "$4" 500000)")
  done
  oi=$(instructions "$work/original/$2" "$2" "$3" "$4")
  pi=$(instructions "$work/ported/$2" "$2" "$3" "$4")
  "$py" -c "
import sys
label, o, p, oi, pi = sys.argv[1], *map(float, sys.argv[2:6])
print(f'| {label} | {o:.1f} ns | {p:.1f} ns | {100 * (p - o) / o:+.1f} % | {oi:.0f} | {pi:.0f} | {100 * (pi - oi) / oi:+.1f} % |')
" "$1" "$o" "$p" "$oi" "$pi"
}

build_pair single_phase_globals spglobals
build_pair static_types_gc gctypes
build_pair static_types stypes
echo "Default port (--method-state fastest):"
echo
echo "| call | original | ported | time | instructions, original | ported | instructions |"
echo "| --- | --- | --- | --- | --- | --- | --- |"
row 'spglobals.greet("x")' spglobals 'f = spglobals.greet' 'f("x")'
row 'Bag.add(1) (METH_O: state via type)' gctypes 'b = gctypes.Bag(); add = b.add' 'add(1); b.items.clear() if len(b) > 1000 else None'
row 'Bag.add_all(1, 2) (METH_VARARGS: defining class)' gctypes 'b = gctypes.Bag(); f = b.add_all' 'f(1, 2); b.items.clear() if len(b) > 1000 else None'
row 'Bag == Bag (richcompare, state via type)' gctypes 'a, c = gctypes.Bag([1]), gctypes.Bag([1])' 'a == c'
row 'Bag() (tp_new with state, GC instance)' gctypes 'B = gctypes.Bag' 'B()'
row 'iter(Bag) (tp_iter with state, GC iterator)' gctypes 'b = gctypes.Bag([1])' 'iter(b)'
row 'len(Bag) (slot without state: control)' gctypes 'b = gctypes.Bag([1])' 'len(b)'
point_rows() {
  row 'Point.swapped() (METH_NOARGS)' stypes 'f = stypes.Point(1, 2).swapped' 'f()'
  row 'Point.moved_to(q) (METH_O)' stypes 'q = stypes.Point(3, 4); f = stypes.Point(1, 2).moved_to' 'f(q)'
  row 'Point.midpoint(q) (METH_FASTCALL)' stypes 'q = stypes.Point(3, 4); f = stypes.Point(1, 2).midpoint' 'f(q)'
  row 'Point.shifted(1, 1) (METH_VARARGS)' stypes 'f = stypes.Point(1, 2).shifted' 'f(1.0, 1.0)'
  row 'Point.scaled(2, offset=1) (VARARGS+KEYWORDS)' stypes 'f = stypes.Point(1, 2).scaled' 'f(2.0, offset=1.0)'
}
point_rows
echo
echo "Every method through its defining class (--method-state defining-class), same calls:"
echo
echo "| call | original | ported | time | instructions, original | ported | instructions |"
echo "| --- | --- | --- | --- | --- | --- | --- |"
build_pair static_types stypes --method-state defining-class
point_rows
