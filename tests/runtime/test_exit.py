"""The process ends cleanly whatever the script did with the runtime: pools never shut down,
collected pools, interpreters of _owngil, queues and buffers alive at exit. Each case is a child
process (a crash there is an rc of -6/134, not a dead test run) with a timeout.

Run: PYTHONPATH=build/runtime/py3.12 python3.12 -m unittest -v test_exit   (from tests/runtime)
"""
import os
import subprocess
import sys
import tempfile
import textwrap
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))

POOL_NOT_SHUT_DOWN = """
import owngil
pool = owngil.Pool(2)
print("result", pool.submit(pow, 2, 5).result(timeout=30))
"""


def run_python(*args, timeout=90, cwd=None):
    """(returncode, stdout, stderr) of this Python with args, the test's PYTHONPATH inherited."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([HERE] + sys.path))
    done = subprocess.run([sys.executable, *args], capture_output=True, text=True, timeout=timeout, env=env, cwd=cwd)
    return done.returncode, done.stdout, done.stderr


def run_script(source, *args, timeout=90):
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "script.py")
        with open(path, "w") as f:
            f.write(textwrap.dedent(source))
        return run_python(path, *args, timeout=timeout, cwd=tmp)


class ExitWithoutShutdown(unittest.TestCase):
    def assertCleanExit(self, outcome, rc=0):
        code, out, err = outcome
        self.assertEqual(code, rc, f"stdout:\n{out}\nstderr:\n{err}")
        self.assertNotIn("Fatal Python error", err)

    def test_script(self):
        outcome = run_script(POOL_NOT_SHUT_DOWN)
        self.assertCleanExit(outcome)
        self.assertIn("result 32", outcome[1])

    def test_dash_c(self):
        self.assertCleanExit(run_python("-c", POOL_NOT_SHUT_DOWN))

    def test_timeit(self):
        self.assertCleanExit(run_python("-m", "timeit", "-n", "5", "-r", "2", "-s", "import owngil; pool = owngil.Pool(2)",
                                        "pool.submit(abs, -1).result(timeout=30)"))

    def test_uncaught_exception(self):
        code, out, err = run_script(POOL_NOT_SHUT_DOWN + "raise RuntimeError('at top level')\n")
        self.assertCleanExit((code, out, err), rc=1)
        self.assertIn("RuntimeError: at top level", err)

    def test_sys_exit(self):
        self.assertCleanExit(run_script(POOL_NOT_SHUT_DOWN + "import sys\nsys.exit(3)\n"), rc=3)

    def test_keyboard_interrupt(self):
        code, out, err = run_script(POOL_NOT_SHUT_DOWN + "raise KeyboardInterrupt\n")
        self.assertIn(code, (130, -2), err)  # 3.12/3.13 end by the signal's exit status
        self.assertNotIn("Fatal Python error", err)

    def test_tasks_submitted_and_not_waited_for_still_run(self):
        outcome = run_script("""
            import owngil
            pool = owngil.Pool(2)
            done = owngil.Queue()
            futures = [pool.submit(done.put, i) for i in range(20)]
            import atexit
            atexit.register(lambda: print("ran", sorted(done.get(timeout=30) for _ in range(20)) == list(range(20))))
            """)
        self.assertCleanExit(outcome)
        self.assertIn("ran True", outcome[1])

    def test_many_pools_never_shut_down(self):
        self.assertCleanExit(run_script("""
            import owngil
            pools = [owngil.Pool(1) for _ in range(4)]
            print([p.submit(abs, -i).result(timeout=30) for i, p in enumerate(pools)])
            """))

    def test_a_collected_pool_cleans_up(self):
        code, out, err = run_script("""
            import gc, time, owngil
            from owngil import _owngil
            pool = owngil.Pool(2)
            pool.submit(abs, -1).result(timeout=30)
            print("alive", _owngil.count())
            del pool
            gc.collect()
            for _ in range(3000):  # its workers end on their own, destroying their interpreters
                if _owngil.count() == 0:
                    break
                time.sleep(0.01)
            print("after", _owngil.count())
            """)
        self.assertCleanExit((code, out, err))
        self.assertIn("alive 2", out)
        self.assertIn("after 0", out)

    def test_interpreters_queues_and_buffers_alive_at_exit(self):
        self.assertCleanExit(run_script("""
            import owngil
            from owngil import _owngil
            interp = _owngil.create()
            _owngil.run_string(interp, "import owngil\\nq = owngil.Queue()\\nb = owngil.Buffer(100)")
            queue, buffer = owngil.Queue(), owngil.Buffer(1 << 20)
            queue.put(buffer)
            pool = owngil.Pool(1)
            pool.submit(queue.put, buffer).result(timeout=30)
            """))


if __name__ == "__main__":
    unittest.main()
