"""owngil.Pool, Queue and Buffer, on the CPython running this file (3.12+).

Run: PYTHONPATH=build/runtime/py3.12 python3.12 -m unittest -v test_pool   (from tests/runtime)
Environment: OWNGIL (the CLI) and OWNGIL_CORPUS (corpus/) for the ported-module test.
"""
import asyncio
import concurrent.futures
import os
import pathlib
import pickle
import queue
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import owngil  # noqa: E402
import rt_helpers  # noqa: E402
from owngil import _owngil  # noqa: E402


def in_a_thread(fn):
    """fn() run in a new thread (not the main one): its result, or its exception raised here."""
    outcome = []

    def run():
        try:
            outcome.append((True, fn()))
        except BaseException as e:
            outcome.append((False, e))

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=120)
    ok, value = outcome[0]
    if not ok:
        raise value
    return value


class PoolBasics(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.pool = owngil.Pool(2)

    @classmethod
    def tearDownClass(cls):
        cls.pool.shutdown()

    def test_submit_returns_the_result(self):
        self.assertEqual(self.pool.submit(rt_helpers.add, 2, b=3).result(timeout=30), 5)

    def test_map_keeps_order(self):
        self.assertEqual(list(self.pool.map(rt_helpers.add, range(50), range(50))), [2 * i for i in range(50)])

    def test_tasks_run_in_other_interpreters(self):
        main_modules = id(sys.modules)
        places = {self.pool.submit(rt_helpers.where).result(timeout=30)[0] for _ in range(20)}
        self.assertNotIn(main_modules, places)

    def test_map_sends_chunks_as_one_task_each(self):
        self.assertEqual(list(self.pool.map(rt_helpers.add, range(10), range(10), chunksize=3)),
                         [2 * i for i in range(10)])
        self.assertEqual(set(self.pool.map(rt_helpers.caller_name, range(7), chunksize=4)), {"run_chunk"})
        self.assertNotIn("run_chunk", set(self.pool.map(rt_helpers.caller_name, range(3))))
        with self.assertRaises(KeyError):
            list(self.pool.map(rt_helpers.fail, ["key"] * 4, ["k"] * 4, chunksize=2))
        with self.assertRaises(ValueError):
            self.pool.map(abs, [1], chunksize=0)

    def test_plain_values_round_trip(self):
        values = [None, True, False, 0, -7, 2**100, 1.5, "é", b"\x00\xff", (1, ("a", None)), [1, 2], {"k": [1]}]
        for value in values:
            self.assertEqual(self.pool.submit(rt_helpers.echo, value).result(timeout=30), value)

    def test_other_values_go_by_pickle(self):
        point = rt_helpers.Point(1, 2)
        self.assertEqual(self.pool.submit(rt_helpers.echo, point).result(timeout=30), point)

    def test_builtin_callables_by_reference(self):
        self.assertEqual(self.pool.submit(pow, 3, 4).result(timeout=30), 81)

    def test_unpicklable_callable_fails_at_submit(self):
        with self.assertRaises(Exception):
            self.pool.submit(lambda: 1)

    def test_exception_keeps_its_type_and_remote_traceback(self):
        future = self.pool.submit(rt_helpers.fail, "value", "bad value")
        with self.assertRaises(ValueError) as caught:
            future.result(timeout=30)
        self.assertEqual(str(caught.exception), "bad value")
        cause = caught.exception.__cause__
        self.assertIsInstance(cause, owngil.RemoteTraceback)
        self.assertIn("in fail", cause.text)
        with self.assertRaises(rt_helpers.CustomError):
            self.pool.submit(rt_helpers.fail, "custom", "x").result(timeout=30)

    def test_worker_survives_exceptions(self):
        for _ in range(10):
            self.assertRaises(KeyError, self.pool.submit(rt_helpers.fail, "key", "k").result, 30)
        self.assertEqual(self.pool.submit(rt_helpers.add, 1, 1).result(timeout=30), 2)

    def test_call_runs_in_a_worker_interpreter_from_this_thread(self):
        # From a thread other than the main one: the main thread hands the task to a worker, so
        # that Ctrl-C interrupts its wait (test_faults.Interrupts).
        def check():
            self.assertEqual(self.pool.call(rt_helpers.add, 2, b=3), 5)
            modules, thread = self.pool.call(rt_helpers.where)
            self.assertNotEqual(modules, id(sys.modules))
            self.assertEqual(thread, threading.get_ident())  # no hand-off to a worker thread
            return modules

        modules = in_a_thread(check)
        worker_places = {self.pool.submit(rt_helpers.where).result(timeout=30)[0] for _ in range(20)}
        self.assertIn(modules, worker_places)

    def test_the_main_thread_hands_calls_to_a_worker(self):
        self.assertNotEqual(self.pool.call(rt_helpers.where)[1], threading.get_ident())
        self.assertNotEqual(self.pool.submit(rt_helpers.where).result()[1], threading.get_ident())

    def test_call_raises_the_remote_exception(self):
        with self.assertRaises(ValueError) as caught:
            self.pool.call(rt_helpers.fail, "value", "bad value")
        self.assertIsInstance(caught.exception.__cause__, owngil.RemoteTraceback)
        self.assertEqual(self.pool.call(rt_helpers.echo, (1, "a")), (1, "a"))

    def test_call_waits_for_a_worker_when_all_are_busy(self):
        started = owngil.Queue()
        busy = [self.pool.submit(rt_helpers.started_then_spin, started, 0.5) for _ in range(2)]
        for _ in busy:
            started.get(timeout=30)  # both workers are inside their task now
        modules, thread = self.pool.call(rt_helpers.where)
        self.assertNotEqual(thread, threading.get_ident())  # it went through a worker
        for f in busy:
            f.result(timeout=30)

    def test_calls_from_many_threads(self):
        results = {}

        def caller(k):
            results[k] = [self.pool.call(rt_helpers.add, k, i) for i in range(50)]

        threads = [threading.Thread(target=caller, args=(k,)) for k in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(results, {k: [k + i for i in range(50)] for k in range(6)})

    def test_result_runs_a_task_no_worker_has_started_in_this_thread(self):
        # A worker needs a thread wake-up (several µs) to take a task; result() right after
        # submit() nearly always finds it still waiting and runs it itself, in a worker's
        # interpreter. Tried until it happens once, so a slow wake-up is not needed to pass.
        # (Not in the main thread, which leaves tasks to workers: see the test above.)
        def check():
            for _ in range(1000):
                modules, thread = self.pool.submit(rt_helpers.where).result()
                self.assertNotEqual(modules, id(sys.modules))
                if thread == threading.get_ident():
                    return True
            return False

        self.assertTrue(in_a_thread(check), "result() never ran a waiting task in the calling thread")

    def test_result_with_a_timeout_leaves_the_task_to_a_worker(self):
        threads = {self.pool.submit(rt_helpers.where).result(timeout=30)[1] for _ in range(50)}
        self.assertNotIn(threading.get_ident(), threads)

    def test_a_borrowed_interpreter_does_not_hold_up_workers(self):
        # While this thread runs a task in one interpreter (Pool.call), a worker whose own
        # interpreter that is runs the next task in the other one.
        started, release = owngil.Queue(), owngil.Queue()

        def borrow():
            self.pool.call(rt_helpers.started_then_wait, started, release)

        borrower = threading.Thread(target=borrow)
        borrower.start()
        started.get(timeout=30)
        try:
            results = [self.pool.submit(rt_helpers.add, i, 1) for i in range(4)]
            self.assertEqual([f.result(timeout=30) for f in results], [1, 2, 3, 4])
        finally:
            release.put(None)
            borrower.join(timeout=30)

    def test_asyncio_run_in_executor(self):
        async def main():
            loop = asyncio.get_running_loop()
            return await asyncio.gather(*(loop.run_in_executor(self.pool, rt_helpers.add, i, 1) for i in range(5)))

        self.assertEqual(asyncio.run(main()), [1, 2, 3, 4, 5])

    def test_futures_work_with_wait_and_as_completed(self):
        futures = [self.pool.submit(rt_helpers.add, i, 1) for i in range(20)]
        done, not_done = concurrent.futures.wait(futures, timeout=30)
        self.assertEqual((len(done), len(not_done)), (20, 0))
        more = [self.pool.submit(rt_helpers.add, i, 1) for i in range(20)]
        self.assertEqual(sorted(f.result() for f in concurrent.futures.as_completed(more, timeout=30)),
                         list(range(1, 21)))

    def test_it_is_an_executor(self):
        self.assertIsInstance(self.pool, concurrent.futures.Executor)
        self.assertEqual(self.pool.max_workers, 2)


class PoolLifecycle(unittest.TestCase):
    def test_initializer_runs_in_every_worker(self):
        with owngil.Pool(2, initializer=rt_helpers.init, initargs=(42,)) as pool:
            self.assertEqual(set(pool.map(lambda_free_initialized, range(8))), {42})

    def test_failing_initializer_fails_pool_start(self):
        with self.assertRaises(owngil.WorkerStartError) as caught:
            owngil.Pool(1, initializer=rt_helpers.boom)
        self.assertIn("initializer failed on purpose", str(caught.exception))

    def test_preload_takes_only_module_names(self):
        for bad in ["os; import sys", "os\nimport sys", "", "a..b", "1st", "os.path ", 42]:
            with self.assertRaises(ValueError, msg=repr(bad)):
                owngil.Pool(1, preload=[bad])
        with owngil.Pool(1, preload=["os.path", "json"]) as pool:
            self.assertEqual(pool.submit(len, "ab").result(), 2)

    def test_preload_of_a_missing_module_names_it(self):
        with self.assertRaises(owngil.WorkerStartError) as caught:
            owngil.Pool(1, preload=["no_such_module_here"])
        self.assertIn("'no_such_module_here'", str(caught.exception))
        self.assertIn("owngil check", str(caught.exception))

    def test_preload_of_a_single_phase_module_gives_cpythons_reason(self):
        corpus_build = os.environ.get("OWNGIL_CORPUS_BUILD")
        plain_dir = os.path.join(corpus_build or "", "single_phase_plain")
        if not corpus_build or not os.path.isdir(plain_dir):
            self.skipTest("needs OWNGIL_CORPUS_BUILD with the corpus built")
        sys.path.insert(0, plain_dir)
        try:
            with self.assertRaises(owngil.WorkerStartError) as caught:
                owngil.Pool(1, preload=["plain"])
        finally:
            sys.path.remove(plain_dir)
        message = str(caught.exception)
        self.assertIn("'plain'", message)
        self.assertIn("does not support loading in subinterpreters", message)  # CPython's words
        self.assertIn("owngil check", message)
        self.assertEqual(_owngil.count(), 0)  # the workers that did start were shut down

    def test_shutdown_refuses_new_work_and_frees_interpreters(self):
        before = _owngil.count()
        pool = owngil.Pool(2)
        self.assertEqual(_owngil.count(), before + 2)
        pool.submit(rt_helpers.add, 1).result(timeout=30)
        pool.shutdown()
        self.assertEqual(_owngil.count(), before)
        with self.assertRaises(RuntimeError):
            pool.submit(rt_helpers.add, 1)
        with self.assertRaises(RuntimeError):
            pool.call(rt_helpers.add, 1)

    def test_shutdown_can_cancel_waiting_work(self):
        pool = owngil.Pool(1)
        first = pool.submit(rt_helpers.spin, 0.3)
        while not first.running():  # the worker has taken it
            time.sleep(0.01)
        waiting = [pool.submit(rt_helpers.add, i) for i in range(20)]
        pool.shutdown(cancel_futures=True)
        self.assertGreater(first.result(), 0)
        self.assertTrue(any(f.cancelled() for f in waiting))

    def test_tasks_run_in_parallel(self):
        # Each task holds its GIL while it waits for the other: under one shared GIL (or one
        # worker running both in turn) the first never lets the second start and gives up after
        # its deadline; under two GILs both see each other's byte. No timing is measured: the
        # deadline only keeps a broken pool from hanging the suite.
        with owngil.Pool(2) as pool:
            flags = owngil.Buffer(2)
            first = pool.submit(rt_helpers.handshake_holding_the_gil, flags, 0, 1, 60)
            second = pool.submit(rt_helpers.handshake_holding_the_gil, flags, 1, 0, 60)
            self.assertEqual((first.result(timeout=120), second.result(timeout=120)), (True, True))


def lambda_free_initialized(_):
    return rt_helpers.initialized()


class PoolParts(unittest.TestCase):
    """The native pieces Pool is built on: who takes a task, who gets an interpreter."""

    def test_a_task_goes_to_exactly_one_taker(self):
        work = _owngil.TaskQueue()
        a, b, c = object(), object(), object()
        for item in (a, b, c):
            work.put(item)
        self.assertTrue(work.remove(b))
        self.assertFalse(work.remove(b))  # taken already: a waiting result() must not run it again
        self.assertIs(work.get(), a)
        self.assertFalse(work.remove(a))
        self.assertEqual(work.take_all(), [c])
        self.assertEqual(work.take_all(), [])

    def test_get_waits_for_a_put_from_another_thread(self):
        work = _owngil.TaskQueue()
        got = []
        taker = threading.Thread(target=lambda: got.append(work.get()))
        taker.start()
        time.sleep(0.05)
        work.put("task")
        taker.join(timeout=30)
        self.assertEqual(got, ["task"])

    def test_slots_are_taken_once_given_back_and_retired(self):
        slots = _owngil.Slots(2)
        first, second = slots.take(False), slots.take(False)
        self.assertEqual({first, second}, {0, 1})
        self.assertIsNone(slots.take(False))
        slots.give(first)
        self.assertEqual(slots.take(False), first)
        slots.give(first)
        with self.assertRaises(RuntimeError):
            slots.give(first)  # given back twice
        with self.assertRaises(IndexError):
            slots.give(2)
        slots.retire(first)
        self.assertIsNone(slots.take(False))
        retiring = threading.Thread(target=slots.retire, args=(second,))
        retiring.start()  # waits: `second` is still taken
        time.sleep(0.05)
        self.assertTrue(retiring.is_alive())
        slots.give(second)
        retiring.join(timeout=30)
        self.assertFalse(retiring.is_alive())
        self.assertIsNone(slots.take(True))  # every slot retired: no wait for ever

    def test_a_blocked_take_gets_the_slot_given_back(self):
        slots = _owngil.Slots(1)
        self.assertEqual(slots.take(False), 0)
        got = []
        taker = threading.Thread(target=lambda: got.append(slots.take(True)))
        taker.start()
        time.sleep(0.05)
        self.assertEqual(got, [])
        slots.give(0)
        taker.join(timeout=30)
        self.assertEqual(got, [0])


class QueueTests(unittest.TestCase):
    def test_values_cross_from_workers(self):
        q = owngil.Queue()
        with owngil.Pool(2) as pool:
            counts = list(pool.map(rt_helpers.fill, [q, q], [50, 50]))
        self.assertEqual(counts, [50, 50])
        items = sorted(q.get(timeout=5) for _ in range(100))
        self.assertEqual(items, sorted([("item", i) for i in range(50)] * 2))
        self.assertTrue(q.empty())

    def test_values_cross_to_workers(self):
        q = owngil.Queue()
        with owngil.Pool(1) as pool:
            future = pool.submit(rt_helpers.drain, q, 3)
            for value in (1, "two", rt_helpers.Point(3, 3)):
                q.put(value)
            self.assertEqual(future.result(timeout=30), [1, "two", rt_helpers.Point(3, 3)])

    def test_timeouts_and_bounds(self):
        q = owngil.Queue(maxsize=1)
        self.assertRaises(queue.Empty, q.get, timeout=0.05)
        self.assertRaises(queue.Empty, q.get_nowait)
        q.put(1)
        self.assertTrue(q.full())
        started = time.perf_counter()
        self.assertRaises(queue.Full, q.put, 2, timeout=0.1)
        self.assertGreaterEqual(time.perf_counter() - started, 0.09)
        self.assertEqual(q.get(), 1)

    def test_blocking_get_wakes_on_put_from_a_thread(self):
        q = owngil.Queue()
        threading.Timer(0.1, q.put, args=("late",)).start()
        self.assertEqual(q.get(timeout=5), "late")


class BufferTests(unittest.TestCase):
    def test_workers_see_and_change_the_same_memory(self):
        buffer = owngil.Buffer(1000)
        memoryview(buffer)[:10] = bytes(range(1, 11))
        with owngil.Pool(1) as pool:
            self.assertEqual(pool.submit(rt_helpers.buffer_sum, buffer).result(timeout=30), 55)
            self.assertEqual(pool.submit(rt_helpers.buffer_write, buffer, 7).result(timeout=30), 1000)
        self.assertEqual(bytes(memoryview(buffer)[:3]), b"\x07\x07\x07")

    def test_handing_over_does_not_copy(self):
        small, big = owngil.Buffer(1024), owngil.Buffer(64 * 1024 * 1024)
        self.assertEqual(len(pickle.dumps(small)), len(pickle.dumps(big)))

    def test_memory_lives_while_a_view_exists(self):
        buffer = owngil.Buffer(16)
        view = memoryview(buffer)
        handle = buffer.handle
        del buffer
        view[0] = 5
        self.assertEqual(memoryview(_owngil.attach_buffer(handle))[0], 5)
        view.release()
        del view
        with self.assertRaises(LookupError):
            _owngil.attach_buffer(handle)


class PortedModuleInThePool(unittest.TestCase):
    """A corpus module ported by `owngil fix` gives the same results in the pool as here."""

    def test_ported_spglobals(self):
        owngil_cli, corpus = os.environ.get("OWNGIL"), os.environ.get("OWNGIL_CORPUS")
        if not owngil_cli or not corpus or not shutil.which("gcc"):
            self.skipTest("needs OWNGIL, OWNGIL_CORPUS and gcc")
        with tempfile.TemporaryDirectory() as tmp:
            work = pathlib.Path(tmp)
            shutil.copy(pathlib.Path(corpus) / "single_phase_globals" / "spglobals.c", work)
            subprocess.run([owngil_cli, "fix", "--no-config", "--write", str(work)], check=True, capture_output=True)
            include = sysconfig.get_paths()["include"]
            suffix = sysconfig.get_config_var("EXT_SUFFIX")
            subprocess.run(["gcc", "-shared", "-fPIC", "-O2", "-isystem", include, str(work / "spglobals.c"),
                            "-o", str(work / f"spglobals{suffix}")], check=True)
            sys.path.insert(0, tmp)
            try:
                import spglobals
                here = [spglobals.greet(name) for name in ("ann", "bob")]
                with owngil.Pool(2, preload=["spglobals"]) as pool:
                    there = list(pool.map(spglobals.greet, ["ann", "bob"]))
                    with self.assertRaises(spglobals.Error):  # the module's own exception type
                        pool.submit(spglobals.greet, 3).result(timeout=30)
                self.assertEqual(there, here)
                self.assertEqual(there, ["hello, ann", "hello, bob"])
            finally:
                sys.path.remove(tmp)
                sys.modules.pop("spglobals", None)


if __name__ == "__main__":
    unittest.main()
