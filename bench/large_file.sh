#!/usr/bin/env bash
# owngil check and owngil fix (diff mode) on ONE large generated module, against clang's parse
# of the same file (`clang-16 -fsyntax-only`, same flags), at several sizes: whether the cost
# grows linearly with the file (issue 11: within 2x clang's parse at 60k lines).
# The module is bench/gen_tree.py's (globals, a static type, helper/method pairs; the port
# touches every method). CPU seconds (user + system) of each command, best of RUNS, because the
# machine is shared: wall time follows the load, CPU time much less.
#
# Usage: bench/large_file.sh [BUILD_DIR] [LINES...]   (default: build, 15000 30000 60000)
# Prints Markdown rows: lines, CPU seconds of clang, check, fix, and the ratios to clang.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
shift || true
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(15000 30000 60000)
owngil=$(realpath "$build/owngil")
clang=${CLANG:-clang-16}
runs=${RUNS:-3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
py_include=$("$owngil" check --format json --no-config --fail-on never corpus | python3 -c 'import json,sys; print(json.load(sys.stdin)["python_include"])')

cpu() {  # command... -> the least user+system seconds over $runs runs
  local best=""
  for _ in $(seq "$runs"); do
    /usr/bin/time -f "%U %S" -o "$work/t" "$@" > /dev/null 2>&1 || true
    local s; s=$(awk '{printf "%.2f", $1 + $2}' "$work/t")
    if [ -z "$best" ] || awk -v a="$s" -v b="$best" 'BEGIN {exit !(a < b)}'; then best=$s; fi
  done
  echo "$best"
}

echo "| lines | clang -fsyntax-only | owngil check | ratio | owngil fix (diff) | ratio |"
echo "| ---: | ---: | ---: | ---: | ---: | ---: |"
for n in "${sizes[@]}"; do
  dir=$work/m$n
  python3 bench/gen_tree.py "$dir" --lines "$n"
  lines=$(wc -l < "$dir/gen0.c")
  c=$(cpu "$clang" -fsyntax-only -w -isystem "$py_include" "$dir/gen0.c")
  k=$(cpu "$owngil" check -j1 --no-config --fail-on never --quiet "$dir")
  f=$(cpu "$owngil" fix -j1 --no-config "$dir")
  echo "| $lines | $c s | $k s | $(awk -v a="$k" -v b="$c" 'BEGIN {printf "%.1fx", a / b}') | $f s | $(awk -v a="$f" -v b="$c" 'BEGIN {printf "%.1fx", a / b}') |"
done
