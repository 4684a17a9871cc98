"""owngil_compat.h's thread hand-off, through tests/runtime/threadhome.c (built against the compat
header only, not linking owngil's runtime): a C thread the module starts calls back into the
interpreter that started it, in 4 own-GIL interpreters at once; a plain C thread enters the
interpreter it was handed; a callback whose interpreter was destroyed first is skipped with a
message, not run in the main interpreter, and nothing crashes.

Each scenario runs in a child process with a timeout. THREADHOME_DIR names the built module.
"""
import importlib.util
import os
import subprocess
import sys
import textwrap
import unittest

MODULE_DIR = os.environ.get("THREADHOME_DIR", "")

# Run in the child: create(), run(interp, code), and SETUP, the code every interpreter runs first
# (the module's path; now(), the id of the interpreter running the caller).
PRELUDE = """
import sys, threading, time
sys.path.insert(0, {module_dir!r})
SETUP = "import sys; sys.path.insert(0, {module_dir!r})\\n"
try:
    import _interpreters as interpreters
    def create():
        return interpreters.create('isolated')
    def run(i, code):
        failure = interpreters.exec(i, SETUP + code)
        if failure is not None:
            raise RuntimeError(getattr(failure, 'formatted', None) or failure.msg)
    SETUP += "import _interpreters\\nnow = lambda: int(_interpreters.get_current()[0])\\n"
except ImportError:
    import _xxsubinterpreters as interpreters
    def create():
        return interpreters.create(isolated=True)
    def run(i, code):
        interpreters.run_string(i, SETUP + code)
    SETUP += "import _xxsubinterpreters\\nnow = lambda: int(_xxsubinterpreters.get_current())\\n"
"""

IN_4_AT_ONCE = """
code = '''
import threadhome
me = now()
seen = []
for v in range(200):
    threadhome.CALL(lambda x: seen.append((x, now())), v)
assert me != 0 and seen == [(v, me) for v in range(200)], (me, seen[:3])
'''
interps = [create() for _ in range(4)]
for i in interps:
    run(i, "import threading")  # 3.12 hangs in destroy when it is first imported off the main thread
errors = []
def one(i):
    try:
        run(i, code)
    except Exception as e:
        errors.append(repr(e))
threads = [threading.Thread(target=one, args=(i,)) for i in interps]
for t in threads: t.start()
for t in threads: t.join()
for i in interps: interpreters.destroy(i)
assert not errors, errors
print("ok", len(interps))
"""


def run_child(body, timeout=120):
    code = PRELUDE.format(module_dir=MODULE_DIR) + textwrap.dedent(body)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout)


@unittest.skipUnless(MODULE_DIR, "THREADHOME_DIR is not set")
class ThreadHomeTest(unittest.TestCase):
    def check(self, proc):
        self.assertEqual(proc.returncode, 0, f"stdout:\n{proc.stdout}\nstderr:\n{proc.stderr}")
        return proc

    def test_plain_gilstate_thread_lands_in_the_main_interpreter(self):
        # What the hand-off repairs, measured: PyGILState_Ensure on a thread that never ran Python.
        self.check(run_child("""
            i = create()
            run(i, "import threading")
            run(i, "import threadhome; assert now() != 0; assert threadhome.interp_of_gilstate_thread() == 0")
            interpreters.destroy(i)
        """))

    def test_started_thread_calls_back_in_the_starting_interpreter_in_4_at_once(self):
        self.assertIn("ok 4", self.check(run_child(IN_4_AT_ONCE.replace("CALL", "call_in_thread"))).stdout)

    def test_foreign_thread_enters_the_interpreter_it_was_handed_in_4_at_once(self):
        self.assertIn("ok 4", self.check(run_child(IN_4_AT_ONCE.replace("CALL", "enter_from_foreign"))).stdout)

    @unittest.skipUnless(importlib.util.find_spec("owngil"), "the owngil package is not on PYTHONPATH")
    def test_pool_workers_are_entered_from_foreign_threads(self):
        # An extension that does not link the runtime, in the pool's interpreters while it runs.
        proc = self.check(run_child("""
            import owngil, thread_home_tasks
            with owngil.Pool(4) as pool:
                results = list(pool.map(thread_home_tasks.enter_from_foreign, [50] * 8))
            for me, seen in results:
                assert me != 0 and seen == [(v, me) for v in range(50)], (me, seen[:3])
            print("interpreters", len({me for me, _ in results}))
        """))
        self.assertIn("interpreters", proc.stdout)

    def test_callback_of_a_destroyed_interpreter_fails_clearly(self):
        proc = self.check(run_child("""
            import threadhome
            i = create()
            run(i, "import threading")
            run(i, "import threadhome; threadhome.call_later(print, 1, 300)")
            interpreters.destroy(i)
            for _ in range(100):
                if threadhome.skipped() == 1:
                    break
                time.sleep(0.05)
            assert threadhome.skipped() == 1, threadhome.skipped()
            print("skipped")
        """))
        self.assertIn("skipped", proc.stdout)
        self.assertIn("owngil: call_back not run: the interpreter that started this thread is gone", proc.stderr)

    def test_destroy_waits_for_a_callback_inside(self):
        # The thread enters before destroy and is still inside when destroy begins: destroy waits
        # for it (3.12's destroy may instead refuse while the thread runs: then it is retried).
        proc = self.check(run_child("""
            i = create()
            run(i, "import threading")
            run(i, "import threadhome, time; threadhome.call_later(lambda v: time.sleep(0.5), 1, 10)")
            time.sleep(0.2)
            started = time.monotonic()
            for _ in range(100):
                try:
                    interpreters.destroy(i)
                    break
                except RuntimeError:
                    time.sleep(0.05)
            print("waited", time.monotonic() - started > 0.1)
        """))
        self.assertIn("waited True", proc.stdout)


if __name__ == "__main__":
    unittest.main()
