#!/usr/bin/env bash
# What `owngil fix` (diff mode) costs on one large generated module in which the port changes a
# line in three: every function reads a global that moves into the module state, so each use and
# each function's state lookup is an edit. The diff is the part whose memory grew with the edits
# (every Myers frontier kept: 10 GB at 12k lines); the rest is the analysis of one file.
#
# Usage: bench/diff_cost.sh [BUILD_DIR] [LINES...]   (default: build, 3000 12000 24000 60000)
#        BASELINE=/path/to/older/owngil bench/diff_cost.sh ...   also runs that binary, under a
#        4 GB address-space limit (it may need far more), for comparison.
# Prints Markdown rows: lines, edits in the diff, seconds and peak RSS of the whole `owngil fix`.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
shift || true
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(3000 12000 24000 60000)
owngil=$(realpath "$build/owngil")
work=$(mktemp -d)

trap 'rm -rf "$work"' EXIT

generate() {  # lines, dir: a module of about that many lines
  python3 - "$1" "$2" <<'PY'
import pathlib, sys
lines, out = int(sys.argv[1]), pathlib.Path(sys.argv[2])
funcs = max(1, (lines - 20) // 9)
parts = ["#include <Python.h>\n\nstatic long counter = 0;\nstatic long total = 0;\n"]
for i in range(funcs):
    parts.append(f"""
static PyObject *f_{i}(PyObject *module, PyObject *arg) {{
    long x = PyLong_AsLong(arg);
    if (x == -1 && PyErr_Occurred()) return NULL;
    counter += x + {i};
    total += counter;
    return PyLong_FromLong(total);
}}
""")
parts.append("\nstatic PyMethodDef methods[] = {\n")
parts += [f'    {{"f_{i}", f_{i}, METH_O, NULL}},\n' for i in range(funcs)]
parts.append("""    {NULL, NULL, 0, NULL}
};

static struct PyModuleDef big_module = {PyModuleDef_HEAD_INIT, "big", NULL, -1, methods};

PyMODINIT_FUNC PyInit_big(void) { return PyModule_Create(&big_module); }
""")
out.mkdir(parents=True, exist_ok=True)
(out / "big.c").write_text("".join(parts))
PY
}

measure() {  # binary, dir -> "seconds peak_MB edits" (edits: -/+ lines of the diff)
  local bin=$1 dir=$2 log=$work/time.log
  /usr/bin/time -v "$bin" fix --no-config -j 1 "$dir" 2> "$log" > "$work/out.diff" || true
  local secs rss edits
  secs=$(awk -F': ' '/Elapsed/ {n = split($2, t, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + t[i]; print s}' "$log")
  rss=$(awk -F': ' '/Maximum resident/ {printf "%.0f", $2 / 1024}' "$log")
  edits=$(grep -c '^[-+][^-+]' "$work/out.diff" || true)
  [ "$edits" -gt 0 ] || edits="failed"
  echo "$secs $rss $edits"
}

echo "| lines | edits | owngil fix | peak RSS |${BASELINE:+ baseline | baseline RSS |}"
echo "| ---: | ---: | ---: | ---: |${BASELINE:+ ---: | ---: |}"
for n in "${sizes[@]}"; do
  generate "$n" "$work/t$n"
  actual=$(wc -l < "$work/t$n/big.c")
  read -r secs rss edits < <(measure "$owngil" "$work/t$n")
  row="| $actual | $edits | $secs s | $rss MB |"
  if [ -n "${BASELINE:-}" ]; then
    read -r bsecs brss bedits < <(ulimit -v 4194304; measure "$(realpath "$BASELINE")" "$work/t$n")
    if [ "$bedits" = "$edits" ]; then bcell="$bsecs s"; else bcell="$bsecs s ($bedits)"; fi
    row="$row $bcell | $brss MB |"
  fi
  echo "$row"
done
