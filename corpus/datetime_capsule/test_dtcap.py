import datetime
import os
import subprocess
import sys
import textwrap
import unittest

import dtcap

# Imports dtcap in N own-GIL subinterpreters, one after another, in a child process (a bad
# extension must not crash the test run), and prints what each made of make_date.
CHILD = textwrap.dedent("""
    import sys
    N = int(sys.argv[1])
    try:
        import _interpreters as interpreters
        run = interpreters.exec
    except ImportError:
        import _xxsubinterpreters as interpreters
        run = interpreters.run_string
    for _ in range(N):
        interp = interpreters.create()
        try:
            failure = run(interp, "import dtcap; assert str(dtcap.make_date(2024, 2, 29)) == '2024-02-29'")
            failure = None if failure is None else failure.msg
        except Exception as e:  # 3.12 raises RunFailedError
            failure = str(e)
        interpreters.destroy(interp)
        print("ok" if failure is None else failure)
""")


class DtCapTest(unittest.TestCase):
    def test_make_date(self):
        self.assertEqual(dtcap.make_date(2024, 2, 29), datetime.date(2024, 2, 29))

    def run_child(self, interpreters):
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
        out = subprocess.run([sys.executable, "-c", CHILD, str(interpreters)], capture_output=True, text=True,
                             env=env, timeout=120)
        self.assertEqual(out.returncode, 0, out.stderr)
        return out.stdout.split("\n")[:interpreters]

    @unittest.skipIf(sys.version_info < (3, 13), "3.12's _datetime does not load in own-GIL interpreters")
    def test_in_own_gil_subinterpreters(self):
        # The datetime C API is one process-wide table: PyDateTimeAPI serves every interpreter.
        self.assertEqual(self.run_child(4), ["ok"] * 4)

    @unittest.skipIf(sys.version_info >= (3, 13), "3.13's _datetime loads in own-GIL interpreters")
    def test_import_fails_cleanly_on_3_12(self):
        # 3.12's _datetime is single-phase: such an interpreter falls back to _pydatetime, which has
        # no C API, so PyDateTime_IMPORT fails and so does the import. Only once per process: a second
        # interpreter's attempt corrupts memory inside CPython 3.12 (gh-110415, gh-113576).
        [line] = self.run_child(1)
        self.assertIn("has no attribute 'datetime_CAPI'", line)


if __name__ == "__main__":
    unittest.main()
