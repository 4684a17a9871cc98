#!/usr/bin/env bash
# owngil.Pool against ThreadPoolExecutor, ProcessPoolExecutor and 3.13's _interpreters, in one run.
# Builds corpus/static_types_gc ported by `owngil fix` (the "ported C module" of the speed-up), then
# runs bench/runtime_bench.py with that Python. Plots need gnuplot (apt-get install gnuplot-nox).
#
# Usage: bench/runtime_bench.sh [BUILD_DIR] [PYTHON] [-- runtime_bench.py options]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
py=${2:-$(ls -d "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.1[3-9]*/bin/python3.1[3-9] 2>/dev/null | tail -1)}
shift $(( $# > 2 ? 3 : $# ))
version=$("$py" -c "import sys; print('%d.%d' % sys.version_info[:2])")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp corpus/static_types_gc/gctypes.c "$work/"
"$build/owngil" fix --no-config --write "$work" 2>/dev/null
include=$("$py" -c "import sysconfig; print(sysconfig.get_paths()['include'])")
suffix=$("$py" -c "import sysconfig; print(sysconfig.get_config_var('EXT_SUFFIX'))")
gcc -shared -fPIC -O2 -isystem "$include" -I "$work" "$work/gctypes.c" -o "$work/gctypes$suffix"
PYTHONPATH="$build/runtime/py$version:$work" "$py" bench/runtime_bench.py "$@"
