#!/usr/bin/env python3
"""Writes the fuzz target's seed inputs: one file per source of corpus/, each a whole translation
unit on its own (the case's own headers, `#include "..."`, pasted in where they are included, once
each, as their guards would), C++ sources marked with a first line `//c++` (tests/fuzz/pipeline.h).
`#include <...>` stays: the fuzz target serves those from its stand-in headers.

    make_seeds.py CORPUS_DIR OUT_DIR
"""
import pathlib
import re
import sys

SOURCES = {".c", ".cc", ".cpp", ".cxx"}
QUOTED = re.compile(r'^\s*#\s*include\s+"([^"]+)"\s*$')
MODULE = re.compile(r'^owngil_corpus_module\((\S+)\s+\S+\s+([^)]*)\)', re.M)


def built_units(corpus):
    """The sources corpus/CMakeLists.txt compiles, by case: a seed is a translation unit the corpus
    builds (not a part a unity build includes, not a case that fails to compile on purpose)."""
    units = {}
    for case, files in MODULE.findall((corpus / "CMakeLists.txt").read_text(encoding="utf-8")):
        units.setdefault(case, set()).update(files.split())
    return units


def header_dirs(case):
    return sorted({h.parent for h in case.rglob("*.h")})


def inline(path, search, seen):
    out = []
    for line in path.read_text(encoding="utf-8", errors="surrogateescape").splitlines(keepends=True):
        m = QUOTED.match(line)
        header = None
        if m:
            for d in [path.parent, *search]:
                if (d / m.group(1)).is_file():
                    header = (d / m.group(1)).resolve()
                    break
        if header is None:
            out.append(line)
        elif header not in seen:
            seen.add(header)
            out.append(inline(header, search, seen))
    return "".join(out)


def main(corpus, out):
    out.mkdir(parents=True, exist_ok=True)
    for old in out.iterdir():
        old.unlink()
    count = 0
    units = built_units(corpus)
    for case in sorted(p for p in corpus.iterdir() if p.is_dir() and p.name in units):
        for src in sorted(p for p in case.rglob("*") if p.suffix in SOURCES and p.relative_to(case).as_posix() in units[case.name]):
            text = inline(src, header_dirs(case), set())
            if src.suffix != ".c":
                text = "//c++\n" + text
            name = f"{case.name}-{src.relative_to(case).as_posix().replace('/', '-')}"
            (out / name).write_text(text, encoding="utf-8", errors="surrogateescape")
            count += 1
    print(f"make_seeds: {count} seed(s) in {out}")
    return 0 if count else 1


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    sys.exit(main(pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])))
