"""Faults found by a fault campaign on the runtime (issue 17, item 9), each one a case.

Run: PYTHONPATH=build/runtime/py3.12 python3.12 -m unittest -v test_faults   (from tests/runtime)
"""
import gc
import os
import queue
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import owngil  # noqa: E402
import rt_helpers  # noqa: E402
from owngil import _owngil  # noqa: E402
from test_exit import run_script  # noqa: E402


class Faults(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.pool = owngil.Pool(2)

    @classmethod
    def tearDownClass(cls):
        cls.pool.shutdown()

    def test_an_absurd_pool_size_is_an_error_not_an_abort(self):
        before = _owngil.count()
        # Refused before anything is allocated: under ThreadSanitizer an allocation this big
        # aborts the process instead of raising MemoryError.
        with self.assertRaisesRegex(ValueError, "at most"):
            owngil.Pool(2**40)
        with self.assertRaisesRegex(ValueError, "between 0 and"):
            _owngil.Slots(_owngil.MAX_INTERPRETERS + 1)
        with self.assertRaises(TypeError):
            owngil.Pool(2.5)
        self.assertEqual(_owngil.count(), before)

    def test_an_exception_whose_init_wants_other_arguments_comes_back_as_itself(self):
        with self.assertRaises(rt_helpers.CodedError) as caught:
            self.pool.submit(rt_helpers.fail_coded, 7, "no disk").result(timeout=30)
        self.assertEqual(caught.exception.code, 7)
        self.assertEqual(str(caught.exception), "7: no disk")
        self.assertIsInstance(caught.exception.__cause__, owngil.RemoteTraceback)

    def test_a_negative_queue_timeout_is_a_value_error(self):
        q = owngil.Queue(maxsize=1)
        with self.assertRaises(ValueError):
            q.get(timeout=-1)
        q.put(1)
        with self.assertRaises(ValueError):
            q.put(2, timeout=-1)
        self.assertRaises(queue.Full, q.put, 2, block=False, timeout=-1)  # as queue.Queue: no wait at all
        self.assertEqual(q.get(timeout=0), 1)

    def test_a_buffer_sent_through_a_queue_outlives_its_sender(self):
        q = owngil.Queue()
        buffer = owngil.Buffer(8)
        memoryview(buffer)[:] = b"\x01" * 8
        q.put(buffer)
        del buffer
        gc.collect()
        self.assertEqual(self.pool.submit(rt_helpers.sum_of_buffer_in, q).result(timeout=30), 8)

    def test_a_buffer_or_queue_returned_by_a_task_arrives(self):
        buffer = self.pool.submit(rt_helpers.new_buffer, 16, 3).result(timeout=30)
        self.assertEqual(bytes(memoryview(buffer)), b"\x03" * 16)
        q = self.pool.submit(rt_helpers.new_queue_with, "item").result(timeout=30)
        self.assertEqual(q.get(timeout=5), "item")

    def test_queues_inside_queues_arrive(self):
        outer, inner = owngil.Queue(), owngil.Queue()
        inner.put("deep")
        outer.put(inner)
        del inner
        gc.collect()
        self.assertEqual(outer.get(timeout=5).get(timeout=5), "deep")

    def test_registry_entries_end_with_their_objects(self):
        gc.collect()
        queues, buffers = _owngil.registry_sizes()
        for _ in range(1_000_000):
            owngil.Buffer(1)
        for _ in range(200_000):
            owngil.Queue()
        self.assertEqual(_owngil.registry_sizes(), (queues, buffers))

    def test_pickled_results_do_not_break_the_exit(self):
        # 3.12.1: pickling first done in a subinterpreter freed memory twice at exit.
        code, out, err = run_script("""
            import fractions, owngil
            with owngil.Pool(1) as pool:
                print(pool.submit(fractions.Fraction, 1, 3).result(timeout=30))
            """)
        self.assertEqual((code, out.strip()), (0, "1/3"), err)
        self.assertNotIn("free", err)


INTERRUPTED_WAIT = """
    import os, signal, threading, owngil, rt_helpers
    pool = owngil.Pool(2)
    started, release = owngil.Queue(), owngil.Queue()
    def interrupt_once_started():
        started.get(timeout=30)
        os.kill(os.getpid(), signal.SIGINT)
    threading.Thread(target=interrupt_once_started).start()
    try:
        {wait}
        print("not interrupted")
    except KeyboardInterrupt:
        print("interrupted")
    release.put("go")  # the task ends; the pool still works
    print("then", pool.submit(abs, -5).result(timeout=30))
"""


class Interrupts(unittest.TestCase):
    """Ctrl-C reaches a main thread waiting for a task (which holds its worker until released:
    without the interrupt, the wait would last until the task gives up after 60 s)."""

    def assertInterrupted(self, wait):
        code, out, err = run_script(INTERRUPTED_WAIT.replace("{wait}", wait), timeout=45)
        self.assertEqual(code, 0, err)
        self.assertEqual(out.split(), ["interrupted", "then", "5"], err)

    def test_pool_call(self):
        self.assertInterrupted("pool.call(rt_helpers.started_then_wait, started, release)")

    def test_result_without_timeout(self):
        self.assertInterrupted("pool.submit(rt_helpers.started_then_wait, started, release).result()")


if __name__ == "__main__":
    unittest.main()
