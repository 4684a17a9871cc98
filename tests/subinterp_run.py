"""Runs a corpus case's tests inside N own-GIL subinterpreters at once (in this process, which the
caller starts as a child: a broken extension may crash it).

Usage: pythonX.Y subinterp_run.py MODULE_DIR CASE_DIR N
Exit 0 when every interpreter imported the modules and passed the tests.
"""
import sys
import threading

try:
    import _interpreters as interpreters  # 3.13
except ImportError:
    import _xxsubinterpreters as interpreters  # 3.12: create() makes an isolated, own-GIL interpreter

SCRIPT = """
import sys, unittest, pathlib
sys.path[:0] = [{module_dir!r}, {case_dir!r}]
suite = unittest.TestSuite()
for t in sorted(pathlib.Path({case_dir!r}).glob("test_*.py")):
    suite.addTests(unittest.defaultTestLoader.loadTestsFromName(t.stem))
result = unittest.TextTestRunner(stream=open("/dev/null", "w")).run(suite)
if not result.wasSuccessful() or result.testsRun == 0:
    raise AssertionError(f"{{len(result.failures)}} failures, {{len(result.errors)}} errors of {{result.testsRun}}")
"""


def run_one(module_dir, case_dir, results, index):
    interp = interpreters.create()
    try:
        failure = interpreters.run_string(interp, SCRIPT.format(module_dir=module_dir, case_dir=case_dir))
        results[index] = None if failure is None else f"{failure.type.__name__}: {failure.msg}"
    except Exception as e:  # 3.12 raises instead of returning the failure
        results[index] = f"{type(e).__name__}: {e}"
    finally:
        interpreters.destroy(interp)


def main():
    module_dir, case_dir, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    results = [None] * n
    threads = [threading.Thread(target=run_one, args=(module_dir, case_dir, results, i)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    failed = [r for r in results if r is not None]
    for i, r in enumerate(results):
        print(f"interpreter {i}: {'ok' if r is None else r}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
