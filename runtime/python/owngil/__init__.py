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
import atexit
import concurrent.futures
import copyreg
import operator
import os
import pickle
import sys
import itertools
import threading
import types
import weakref

from . import _owngil
from . import _worker
from ._version import __version__
from ._worker import dump as _dump, load as _load, warm_up as _warm_up_pickling

__all__ = ["Pool", "Queue", "Buffer", "RemoteTraceback", "WorkerStartError", "current_pool"]


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


def _reduce_buffer(buffer):
    _owngil.pin(buffer)  # alive while the payload travels, even if the sender drops it
    return (_attach_buffer, (buffer.handle,))


copyreg.pickle(Buffer, _reduce_buffer)


def _attach_queue(handle):
    return Queue(_raw=_owngil.attach_queue(handle))


class Queue:
    """A bounded, blocking FIFO queue usable from every interpreter (queue.Queue's interface).

    Items are copied (marshal or pickle); pass a Queue to a task as an argument to share it.
    """

    def __init__(self, maxsize=0, *, _raw=None):
        self._raw = _raw if _raw is not None else _owngil.RawQueue(maxsize)

    def put(self, item, block=True, timeout=None):
        data, pins = _owngil.pinned(_dump, item)  # the Buffers and Queues in it travel alive
        self._raw.put(data, block, timeout, pins)

    def get(self, block=True, timeout=None):
        data, pins = self._raw.get(block, timeout)
        return _load(data)  # (pins held until it attached what data names)

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
        _owngil.pin(self._raw)
        return (_attach_queue, (self._raw.handle,))


def _main_source():
    """How a worker imports this process's main module, as multiprocessing's spawn does: by module
    name after `python -m name`, else by its file; None when it has neither (-c, the REPL)."""
    main = sys.modules.get("__main__")
    spec = getattr(main, "__spec__", None)
    if spec is not None and spec.name not in ("__main__", None):
        # `python -m package` runs package.__main__: importing that again would run the program
        # again (multiprocessing does not import it either)
        return None if spec.name.endswith(".__main__") else ("module", spec.name)
    path = getattr(main, "__file__", None)
    return ("path", os.path.abspath(path)) if path else None


def _reference(fn):
    """How a worker finds `fn`: (module, qualname) for named functions, else fn itself (pickled)."""
    module, qualname = getattr(fn, "__module__", None), getattr(fn, "__qualname__", None)
    bound_to = getattr(fn, "__self__", None)  # a bound method's object: its name alone loses it
    by_name = bound_to is None or isinstance(bound_to, types.ModuleType)  # (builtins: their module)
    if by_name and isinstance(module, str) and isinstance(qualname, str):
        if "<" in qualname:
            raise TypeError(f"{fn!r} cannot be sent to a worker interpreter: a lambda or a function defined "
                            f"inside another has no name a worker can find it by; define it at module level")
        if module == "__main__" and _main_source() is None:
            raise TypeError(f"{fn!r} cannot be sent to a worker interpreter: it is defined in a __main__ "
                            f"without a file (python -c, the REPL); define it in a module")
        return (module, qualname)
    return fn  # pickled: a functools.partial of a module-level function, a bound method, ...


def _task_payload(fn, args, kwargs):
    try:
        return _dump((_reference(fn), args, kwargs))
    except (pickle.PicklingError, AttributeError) as e:  # (TypeError: clear already)
        raise TypeError(f"a task of {fn!r} cannot be sent to a worker interpreter: {e}") from e


def _outcome(data, pins=None):
    """The task's result, or its exception raised; `pins` hold what data names until loaded."""
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

    def __init__(self, core, payload, keep_alive):
        super().__init__()
        self._core = core
        self._payload = payload
        # The arguments stay referenced until the task ran: a Buffer or Queue in them must
        # outlive its trip to the worker.
        self._keep_alive = keep_alive

    def run_in(self, interp):
        """Run the task there (the caller took it out of the queue); nothing if it was cancelled."""
        if self.set_running_or_notify_cancel():
            try:
                self.set_result(_outcome(*_owngil.call(interp, self._payload)))
            except BaseException as e:
                self.set_exception(e)
        self._payload = self._keep_alive = None

    def result(self, timeout=None):
        # Only without a timeout: running the task here could outlast one. A task a worker is
        # running already needs no interpreter from this thread. Not in the main thread: a
        # signal handler runs only there, and only between its own bytecodes, so Ctrl-C would
        # wait for the whole task; waiting for a worker instead is interrupted at once.
        if timeout is None and not self.done() and not self.running() and not _signals_arrive_here():
            with self._core.interpreter(block=False) as interp:
                if interp is not None and self._core.work.remove(self):
                    self.run_in(interp)
        return super().result(timeout)


def _signals_arrive_here():
    """True in the thread whose waits Python's signal handlers interrupt (Ctrl-C)."""
    return threading.current_thread() is threading.main_thread() and _owngil.in_main_interpreter()


class _Borrowed:
    """One of a pool's interpreters taken for the `with` block (a class: contextlib's generator
    costs more than the whole synchronous round trip)."""

    __slots__ = ("core", "index")

    def __init__(self, core, index):
        self.core, self.index = core, index

    def __enter__(self):
        return None if self.index is None else self.core.workers[self.index].interp

    def __exit__(self, *exc):
        if self.index is not None:
            self.core.slots.give(self.index)


class _Core:
    """What a pool's workers and tasks share. Not the Pool itself: a Pool that nobody references
    any more is collected, and its __del__ shuts its workers down, which end when the tasks
    already submitted have run."""

    def __init__(self, max_workers, initializer, initargs, preload):
        self.initializer, self.initargs, self.preload = initializer, initargs, preload
        self.work = _owngil.TaskQueue()
        self.slots = _owngil.Slots(max_workers)
        self.lock = threading.Lock()
        self.closed = False
        self.workers = []
        self.id = next(_core_ids)
        _cores_by_id[self.id] = self
        self.subtasks = {}  # id -> _Subtask submitted from inside a task, until its result is asked
        self.subtask_ids = itertools.count(1)

    def help_until_done(self, task, interp):
        """Wait for `task` from a thread that runs a task in `interp` (a subtask's result asked from
        inside a task): run waiting tasks meanwhile, the awaited one first, there in `interp` (the
        waiting task's frames stay below, as under any call). So no worker sits idle waiting for a
        task that only the queue holds, and recursion deeper than the pool never deadlocks."""
        while not task.done():
            if self.work.remove(task):
                task.run_in(interp)
                return
            try:
                other = self.work.take_nowait()
            except IndexError:
                other = False
            if other is None:  # a worker's signal to end (shutdown): not ours to take
                self.work.put(None)
            elif other is not False:
                other.run_in(interp)
                continue
            concurrent.futures.wait([task], timeout=0.005)  # runs elsewhere: wait, look again

    def interpreter(self, block):
        """`with` it: a worker interpreter no other thread runs in, or None if none is free (when
        not block) or all are gone."""
        return _Borrowed(self, self.slots.take(block))

    def close(self, cancel_futures=False):
        """No new tasks; every worker ends after the tasks already waiting (or cancels them)."""
        with self.lock:
            if self.closed:
                return
            self.closed = True
            if cancel_futures:
                for task in self.work.take_all():
                    task.cancel()
            for _ in self.workers:
                self.work.put(None)

    def join(self):
        for w in self.workers:
            if w.ident is not None and w is not threading.current_thread():
                w.join()
        _open_cores.discard(self)


# Every pool whose workers may still run, shut down at exit (below).
_open_cores = set()
_core_ids = itertools.count(1)
_cores_by_id = weakref.WeakValueDictionary()  # for requests from inside tasks (_home_request)


class _Subtask(_Task):
    """A task submitted from inside a task: its outcome stays bytes, for the task that waits."""

    def run_in(self, interp):
        if self.set_running_or_notify_cancel():
            try:
                self.set_result(_owngil.call(interp, self._payload)[0])
            except BaseException as e:
                self.set_exception(e)
        self._payload = None


def _home_request(request):
    """In the pool's interpreter, for a task of that pool (_owngil.home_call): ("submit", pool,
    payload) -> subtask id; ("result", pool, id, interp) -> its outcome, once it is done."""
    kind, core_id, *rest = _load(request)
    core = _cores_by_id.get(core_id)
    if core is None:
        raise RuntimeError("the pool of this task is gone")
    if kind == "submit":
        with core.lock:
            if core.closed:
                raise RuntimeError("cannot schedule new futures after shutdown")
            task_id = next(core.subtask_ids)
            task = core.subtasks[task_id] = _Subtask(core, rest[0], None)
            core.work.put(task)
        return _dump(task_id)
    task_id, interp = rest
    task = core.subtasks[task_id]
    core.help_until_done(task, interp)
    del core.subtasks[task_id]
    try:
        return task.result()
    except BaseException as e:  # cancelled at shutdown, its interpreter gone: the waiting task raises it
        return _worker.dump_failure(e, "")


def current_pool():
    """Inside a task: its pool, to submit subtasks to (fork-join). Waiting for a subtask's result
    there runs waiting tasks meanwhile, so nesting deeper than the pool's size does not deadlock."""
    if not _worker.IN_WORKER:
        raise RuntimeError("owngil.current_pool() is for code running in a task of a pool")
    return _TaskPool()


class _TaskPool(concurrent.futures.Executor):
    """The pool of the running task, seen from inside it: submit and map (shutdown is the pool
    owner's, in the main interpreter)."""

    def submit(self, fn, /, *args, **kwargs):
        request = _dump(("submit", _worker.CORE, _task_payload(fn, args, kwargs)))
        return _SubtaskFuture(_load(_owngil.home_call(request)))

    def shutdown(self, wait=True, *, cancel_futures=False):
        pass  # not a task's to do


class _SubtaskFuture:
    """A subtask's future inside a task: result() (helping run waiting tasks until it is done)."""

    def __init__(self, task_id):
        self._id, self._outcome = task_id, None

    def result(self, timeout=None):  # (the timeout is not honoured: the wait runs other tasks)
        if self._outcome is None:
            self._outcome = _owngil.home_call(_dump(("result", _worker.CORE, self._id, _worker.INTERP)))
        return _outcome(self._outcome)

    def exception(self, timeout=None):
        try:
            self.result()
        except BaseException as e:
            return e
        return None

    def done(self):
        return self._outcome is not None

    def cancel(self):
        return False


def _shut_down_at_exit():
    """Registered with atexit: a pool not shut down (a module-level pool, `python -m timeit`, an
    uncaught exception, sys.exit, KeyboardInterrupt) is shut down before CPython finalizes,
    which aborts the process with subinterpreters still alive. Tasks already submitted run, as
    with concurrent.futures at exit."""
    for core in list(_open_cores):
        core.close()
    for core in list(_open_cores):
        core.join()


if _owngil.in_main_interpreter():
    # What workers send back from the main module (imported there as __owngil_main__, so that
    # its `if __name__ == "__main__":` block does not run again) is this process's __main__.
    sys.modules.setdefault("__owngil_main__", sys.modules["__main__"])
    _warm_up_pickling()  # CPython 3.12.1's double free at exit, see _worker.warm_up
_owngil.install_exit_hook()  # its atexit callback (interpreters not made by a pool) runs after ours
atexit.register(_shut_down_at_exit)


class _Worker(threading.Thread):
    def __init__(self, core, index):
        super().__init__(name=f"owngil-worker-{index}", daemon=True)
        self.core = core
        self.index = index  # of this worker's interpreter in core.slots
        self.interp = None
        self.ready = threading.Event()
        self.error = None

    def run(self):
        try:
            self.interp = _owngil.create()
        except BaseException as e:
            self.error = e
            self.core.slots.retire(self.index)
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
            self.core.slots.retire(self.index)  # waits for a thread still running in it
            _owngil.destroy(self.interp)

    def setup(self):
        core = self.core
        # (each name is a dotted module name, checked when the pool was made: it goes into source)
        _owngil.run_string(self.interp, f"import sys\nsys.path[:] = {list(sys.path)!r}\n"
                                        f"import owngil._worker as w\nw.MAIN, w.IN_WORKER = {_main_source()!r}, True\n"
                                        f"w.CORE, w.INTERP = {core.id}, {self.interp}")
        for name in core.preload:
            try:
                _owngil.run_string(self.interp, f"import {name}")
            except RuntimeError as e:
                raise WorkerStartError(
                    f"module {name!r} cannot be loaded in an own-GIL subinterpreter: {e}. "
                    f"If it is a C extension, `owngil check` on its sources lists what keeps it out."
                ) from None
        if core.initializer is not None:
            payload = _dump((_reference(core.initializer), core.initargs, {}))
            try:
                _outcome(*_owngil.call(self.interp, payload))
            except BaseException as e:
                raise WorkerStartError(f"the pool's initializer failed in a worker: {e!r}") from e

    def serve(self):
        core = self.core
        while True:
            task = core.work.get()
            if task is None:
                return
            # Any free interpreter, not only this worker's own: a thread that borrowed that one
            # (Pool.call) must not hold up a task while another is free.
            with core.interpreter(block=True) as interp:
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
        max_workers = operator.index(max_workers)
        if max_workers <= 0:
            raise ValueError("max_workers must be greater than 0")
        if max_workers > _owngil.MAX_INTERPRETERS:
            raise ValueError(f"max_workers must be at most {_owngil.MAX_INTERPRETERS}")
        self._core = core = _Core(max_workers, initializer, tuple(initargs), _module_names(preload))
        _open_cores.add(core)
        try:
            for i in range(max_workers):
                core.workers.append(_Worker(core, i))
                core.workers[-1].start()
            for w in core.workers:
                w.ready.wait()
        except BaseException:  # no memory or threads for so many workers, Ctrl-C: end those started
            self.shutdown()
            raise
        failed = next((w.error for w in core.workers if w.error is not None), None)
        if failed is not None:
            self.shutdown()
            raise failed

    @property
    def max_workers(self):
        return len(self._core.workers)

    @property
    def _workers(self):
        return self._core.workers

    def submit(self, fn, /, *args, **kwargs):
        core = self._core
        with core.lock:
            if core.closed:
                raise RuntimeError("cannot schedule new futures after shutdown")
            task = _Task(core, _task_payload(fn, args, kwargs), (args, kwargs))
            core.work.put(task)
            return task

    def call(self, fn, /, *args, **kwargs):
        """Run fn(*args, **kwargs) in an idle worker's interpreter from the calling thread and return
        its result (or raise its exception): the synchronous round trip, with no hand-off between
        threads (as PEP 734's Interpreter.call). When every worker is busy it waits for one, as
        submit(...).result() does. In the main thread it always goes through a worker, so that
        Ctrl-C interrupts the wait at once."""
        core = self._core
        if core.closed:
            raise RuntimeError("cannot call after shutdown")
        if _signals_arrive_here():
            return self.submit(fn, *args, **kwargs).result()
        payload = _task_payload(fn, args, kwargs)
        with core.interpreter(block=False) as interp:
            if interp is not None:
                outcome = _owngil.call(interp, payload)
        if interp is None:
            return self.submit(fn, *args, **kwargs).result()
        return _outcome(*outcome)

    def map(self, fn, *iterables, timeout=None, chunksize=1):
        """As Executor.map; chunksize > 1 sends that many calls as one task (as
        ProcessPoolExecutor does): fewer round trips for small calls. An exception in a chunk is
        raised when its first result is reached."""
        if chunksize < 1:
            raise ValueError("chunksize must be >= 1.")
        if chunksize == 1:
            return super().map(fn, *iterables, timeout=timeout)
        reference = _reference(fn)
        chunks = iter(lambda it=zip(*iterables): list(itertools.islice(it, chunksize)), [])
        results = super().map(_worker.run_chunk, itertools.repeat(reference), chunks, timeout=timeout)
        return itertools.chain.from_iterable(results)

    def shutdown(self, wait=True, *, cancel_futures=False):
        self._core.close(cancel_futures)
        if wait:
            self._core.join()

    def __del__(self):
        core = getattr(self, "_core", None)
        if core is not None:
            core.close()
