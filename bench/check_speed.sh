#!/usr/bin/env bash
# owngil check vs a bare parse of the same files with the same flags, one file at a time (-j1):
#  - `owngil check --parse-only`: the same in-process Clang invocations running Clang's own
#    SyntaxOnlyAction and collecting nothing: the ratio against it is the cost of the analysis.
#  - `clang-16 -fsyntax-only` given all the files: what a build's parse costs, start-up included
#    (the clang driver starts a compiler process, loading LLVM, for each file).
#
# Usage: bench/check_speed.sh [BUILD_DIR] [N_GENERATED_FILES]
# Prints a Markdown table: files/s, lines/s and the ratio owngil / clang (lower is better).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
n=${2:-200}
owngil=$(realpath "$build/owngil")
clang=${CLANG:-clang-16}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 bench/gen_tree.py "$work/large" "$n"
py_include=$("$owngil" check --format json --no-config --fail-on never corpus | python3 -c 'import json,sys; print(json.load(sys.stdin)["python_include"])')

measure() {  # name dir
  local name=$1 dir=$2
  local files; files=$(find "$dir" -name '*.c' -o -name '*.cpp' | sort)
  local nfiles; nfiles=$(echo "$files" | wc -l)
  local lines; lines=$(cat $files | wc -l)
  local incs=""
  for d in $(find "$dir" -name '*.h' -printf '%h\n' | sort -u); do incs="$incs -I$d"; done
  # shellcheck disable=SC2086
  hyperfine -N --warmup 1 --runs "${RUNS:-5}" --export-json "$work/$name.json" \
    "$owngil check -j1 --no-config --fail-on never --quiet $dir" \
    "$owngil check -j1 --no-config --fail-on never --quiet --parse-only $dir" \
    "$clang -fsyntax-only -w -isystem $py_include $incs $files" > /dev/null
  python3 - "$work/$name.json" "$name" "$nfiles" "$lines" <<'PY'
import json, sys
res = json.load(open(sys.argv[1]))["results"]
name, nfiles, lines = sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
ours, parse, clang = (r["mean"] for r in res)
print(f"| {name} | {nfiles} | {lines} | {ours:.2f} s | {nfiles/ours:.1f} | {lines/ours:.0f} | "
      f"{parse:.2f} s | {ours/parse:.2f}x | {clang:.2f} s | {nfiles/clang:.1f} | {lines/clang:.0f} | {ours/clang:.2f}x |")
PY
}

echo "| tree | files | lines | owngil check | files/s | lines/s | --parse-only | ratio | clang -fsyntax-only | files/s | lines/s | ratio |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
measure corpus corpus
measure "generated ($n modules)" "$work/large"
