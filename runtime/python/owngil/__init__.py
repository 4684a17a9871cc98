"""owngil: run Python in a pool of subinterpreters that each own their GIL (CPython 3.12+).

    with owngil.Pool(4) as pool:
        for result in pool.map(module.work, items):
            ...

Pool is a concurrent.futures.Executor. Each worker is a thread of this interpreter that creates
one subinterpreter; a task runs in a free one with that interpreter's GIL, so tasks run in
parallel. Callables go by reference (module-level functions; those of the main script too),
arguments and results by value (marshal for plain types, pickle for the rest). Queue and Buffer
are shared by every interpreter: a Queue carries values between them, a Buffer is memory they all
see without copying.

What does not work: extension modules that are not isolated (see `owngil check`) cannot be
imported in a worker; objects themselves are never shared, only copied; fork() after
interpreters exist is not supported.
"""
import concurrent.futures
import copyreg
import os
import sys
import threading

from . import _owngil
from ._version import __version__
from ._worker import dump as _dump, load as _load

__all__ = ["Pool", "Queue", "Buffer", "RemoteTraceback", "WorkerStartError"]


class RemoteTraceback(Exception):
    """The traceback of a task's exception in its worker interpreter (set as __cause__)."""

    def __init__(self, text):
        super().__init__(text)
        self.text = text

    def __str__(self):
        return "\n" + self.text


class WorkerStartError(ImportError):
    """A worker interpreter could not be set up (a preload module, the initializer)."""


Buffer = _owngil.Buffer


def _attach_buffer(handle):
    return _owngil.attach_buffer(handle)


copyreg.pickle(Buffer, lambda buffer: (_attach_buffer, (buffer.handle,)))


def _attach_queue(handle):
    return Queue(_raw=_owngil.attach_queue(handle))


class Queue:
    """A bounded, blocking FIFO queue usable from every interpreter (queue.Queue's interface).

    Items are copied (marshal or pickle); pass a Queue to a task as an argument to share it.
    """

    def __init__(self, maxsize=0, *, _raw=None):
        self._raw = _raw if _raw is not None else _owngil.RawQueue(maxsize)

    def put(self, item, block=True, timeout=None):
        self._raw.put(_dump(item), block, timeout)

    def get(self, block=True, timeout=None):
        return _load(self._raw.get(block, timeout))

    def put_nowait(self, item):
        self.put(item, False)

    def get_nowait(self):
        return self.get(False)

    def qsize(self):
        return self._raw.qsize()

    def empty(self):
        return self.qsize() == 0

    def full(self):
        return 0 < self._raw.maxsize <= self.qsize()

    @property
    def maxsize(self):
        return self._raw.maxsize

    def __reduce__(self):
        return (_attach_queue, (self._raw.handle,))


def _reference(fn):
    """How a worker finds `fn`: (module, qualname, script) for named functions, else fn itself."""
    module, qualname = getattr(fn, "__module__", None), getattr(fn, "__qualname__", None)
    if isinstance(module, str) and isinstance(qualname, str) and "<" not in qualname:
        main_path = getattr(sys.modules.get("__main__"), "__file__", None) if module == "__main__" else None
        return (module, qualname, main_path)
    return fn  # pickled: a functools.partial of a module-level function, a bound method, ...


def _outcome(data):
    ok, *rest = _load(data)
    if ok:
        return rest[0]
    error, remote = rest
    error.__cause__ = RemoteTraceback(remote)
    raise error


class _Task(concurrent.futures.Future):
    """A submitted task's future; it waits in the pool's TaskQueue. Whoever takes it out of the
    queue runs it: a worker, or a thread that asks for its result while it still waits. result()
    then runs it in an idle worker's interpreter from the asking thread, as Pool.call does, which
    saves the round trip two thread wake-ups (see bench/wake_latency.cpp)."""

    def __init__(self, pool, payload, keep_alive):
        super().__init__()
        self._pool = pool
        self._payload = payload
        # The arguments stay referenced until the task ran: a Buffer or Queue in them must
        # outlive its trip to the worker.
        self._keep_alive = keep_alive

    def run_in(self, interp):
        """Run the task there (the caller took it out of the queue); nothing if it was cancelled."""
        if self.set_running_or_notify_cancel():
            try:
                self.set_result(_outcome(_owngil.call(interp, self._payload)))
            except BaseException as e:
                self.set_exception(e)
        self._payload = self._keep_alive = None

    def result(self, timeout=None):
        # Only without a timeout: running the task here could outlast one. A task a worker is
        # running already needs no interpreter from this thread.
        if timeout is None and not self.done() and not self.running():
            with self._pool._interpreter(block=False) as interp:
                if interp is not None and self._pool._work.remove(self):
                    self.run_in(interp)
        return super().result(timeout)


class _Borrowed:
    """One of a pool's interpreters taken for the `with` block (a class: contextlib's generator
    costs more than the whole synchronous round trip)."""

    __slots__ = ("pool", "index")

    def __init__(self, pool, index):
        self.pool, self.index = pool, index

    def __enter__(self):
        return None if self.index is None else self.pool._workers[self.index].interp

    def __exit__(self, *exc):
        if self.index is not None:
            self.pool._slots.give(self.index)


class _Worker(threading.Thread):
    def __init__(self, pool, index):
        super().__init__(name=f"owngil-worker-{index}", daemon=True)
        self.pool = pool
        self.index = index  # of this worker's interpreter in pool._slots
        self.interp = None
        self.ready = threading.Event()
        self.error = None

    def run(self):
        try:
            self.interp = _owngil.create()
        except BaseException as e:
            self.error = e
            self.pool._slots.retire(self.index)
            self.ready.set()
            return
        try:
            self.setup()
        except BaseException as e:
            self.error = e
        self.ready.set()
        try:
            if self.error is None:
                self.serve()
        finally:
            self.pool._slots.retire(self.index)  # waits for a thread still running in it
            _owngil.destroy(self.interp)

    def setup(self):
        pool = self.pool
        # (each name is a dotted module name, checked when the pool was made: it goes into source)
        _owngil.run_string(self.interp, f"import sys\nsys.path[:] = {list(sys.path)!r}")
        for name in pool._preload:
            try:
                _owngil.run_string(self.interp, f"import {name}")
            except RuntimeError as e:
                raise WorkerStartError(
                    f"module {name!r} cannot be loaded in an own-GIL subinterpreter: {e}. "
                    f"If it is a C extension, `owngil check` on its sources lists what keeps it out."
                ) from None
        if pool._initializer is not None:
            payload = _dump((_reference(pool._initializer), pool._initargs, {}))
            try:
                _outcome(_owngil.call(self.interp, payload))
            except BaseException as e:
                raise WorkerStartError(f"the pool's initializer failed in a worker: {e!r}") from e

    def serve(self):
        pool = self.pool
        while True:
            task = pool._work.get()
            if task is None:
                return
            # Any free interpreter, not only this worker's own: a thread that borrowed that one
            # (Pool.call) must not hold up a task while another is free.
            with pool._interpreter(block=True) as interp:
                task.run_in(interp)
            del task



def _module_names(names):
    """The preload names as a tuple, each a dotted module name (`a.b_c`): they are imported by
    running `import NAME` in each worker, so anything else (`os; os.system(...)`) is refused."""
    if isinstance(names, str):
        names = (names,)
    out = tuple(names)
    for name in out:
        if not isinstance(name, str) or not name or not all(part.isidentifier() for part in name.split(".")):
            raise ValueError(f"preload: {name!r} is not a module name")
    return out

class Pool(concurrent.futures.Executor):
    """A concurrent.futures.Executor whose workers each own an interpreter with its own GIL.

    max_workers: default os.cpu_count(). preload: modules every worker imports at start (a
    module that cannot load there fails the pool's start with CPython's reason). initializer,
    initargs: called once in every worker.
    """

    def __init__(self, max_workers=None, *, initializer=None, initargs=(), preload=()):
        if max_workers is None:
            max_workers = os.cpu_count() or 1
        if max_workers <= 0:
            raise ValueError("max_workers must be greater than 0")
        self._initializer, self._initargs, self._preload = initializer, tuple(initargs), _module_names(preload)
        self._work = _owngil.TaskQueue()
        self._slots = _owngil.Slots(max_workers)
        self._lock = threading.Lock()
        self._shutdown = False
        self._workers = [_Worker(self, i) for i in range(max_workers)]
        for w in self._workers:
            w.start()
        for w in self._workers:
            w.ready.wait()
        failed = next((w.error for w in self._workers if w.error is not None), None)
        if failed is not None:
            self.shutdown()
            raise failed

    @property
    def max_workers(self):
        return len(self._workers)

    def submit(self, fn, /, *args, **kwargs):
        with self._lock:
            if self._shutdown:
                raise RuntimeError("cannot schedule new futures after shutdown")
            task = _Task(self, _dump((_reference(fn), args, kwargs)), (args, kwargs))
            self._work.put(task)
            return task

    def call(self, fn, /, *args, **kwargs):
        """Run fn(*args, **kwargs) in an idle worker's interpreter from the calling thread and return
        its result (or raise its exception): the synchronous round trip, with no hand-off between
        threads (as PEP 734's Interpreter.call). When every worker is busy it waits for one, as
        submit(...).result() does."""
        if self._shutdown:
            raise RuntimeError("cannot call after shutdown")
        payload = _dump((_reference(fn), args, kwargs))
        with self._interpreter(block=False) as interp:
            if interp is not None:
                data = _owngil.call(interp, payload)
        if interp is None:
            return self.submit(fn, *args, **kwargs).result()
        return _outcome(data)

    def _interpreter(self, block):
        """`with` it: a worker interpreter no other thread runs in, or None if none is free (when
        not block) or all are gone."""
        return _Borrowed(self, self._slots.take(block))

    def shutdown(self, wait=True, *, cancel_futures=False):
        with self._lock:
            if not self._shutdown:
                self._shutdown = True
                if cancel_futures:
                    for task in self._work.take_all():
                        task.cancel()
                for _ in self._workers:
                    self._work.put(None)
        if wait:
            for w in self._workers:
                if w.is_alive() and w is not threading.current_thread():
                    w.join()
