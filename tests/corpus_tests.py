"""Runs each corpus case's own unittest files against the modules built for one CPython.

Usage: python3.X corpus_tests.py BUILT_DIR CORPUS_DIR
BUILT_DIR holds one folder per case with the case's extension modules in it.
"""
import pathlib
import sys
import unittest


def main():
    built, corpus = map(pathlib.Path, sys.argv[1:3])
    suite = unittest.TestSuite()
    for case in sorted(p for p in corpus.iterdir() if p.is_dir()):
        tests = sorted(case.glob("test_*.py"))
        if not tests:
            continue
        sys.path[:0] = [str(built / case.name), str(case)]
        for t in tests:
            suite.addTests(unittest.defaultTestLoader.loadTestsFromName(t.stem))
    result = unittest.TextTestRunner(verbosity=1).run(suite)
    return 0 if result.wasSuccessful() and result.testsRun > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
