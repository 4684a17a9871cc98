"""Module-level functions the pool tests send to workers (by reference)."""
import sys
import time

state = {"initialized": 0}


class Point:
    def __init__(self, x, y):
        self.x, self.y = x, y

    def __eq__(self, other):
        return isinstance(other, Point) and (self.x, self.y) == (other.x, other.y)


def echo(value):
    return value


def add(a, b=0):
    return a + b


def fail(kind, message):
    raise {"value": ValueError, "key": KeyError, "custom": CustomError}[kind](message)


class CustomError(Exception):
    pass


def init(value):
    state["initialized"] = value


def initialized():
    return state["initialized"]


def boom():
    raise RuntimeError("initializer failed on purpose")


def fill(queue, count):
    for i in range(count):
        queue.put(("item", i))
    return count


def drain(queue, count):
    return [queue.get(timeout=10) for _ in range(count)]


def buffer_sum(buffer):
    return sum(memoryview(buffer))


def buffer_write(buffer, value):
    view = memoryview(buffer)
    for i in range(len(view)):
        view[i] = value
    return len(view)


def where():
    """Which interpreter runs this (an object id of this interpreter's sys module) and the thread."""
    import sys
    import threading
    return id(sys.modules), threading.get_ident()


def spin(seconds):
    end = time.perf_counter() + seconds
    n = 0
    while time.perf_counter() < end:
        n += 1
    return n


def handshake_holding_the_gil(buffer, me, other, deadline_seconds):
    """Sets byte `me` of `buffer`, then spins until byte `other` is set, never giving up its GIL:
    the switch interval is raised so far that a thread sharing this GIL would wait for it for
    hours. Two of these complete only if they run at the same time under different GILs."""
    view = memoryview(buffer)
    old_interval = sys.getswitchinterval()
    sys.setswitchinterval(10_000.0)
    try:
        view[me] = 1
        end = time.monotonic() + deadline_seconds
        while not view[other]:
            if time.monotonic() > end:
                return False
        return True
    finally:
        sys.setswitchinterval(old_interval)
        view.release()


def started_then_wait(started, release):
    """Tells `started` it started, then keeps its interpreter until `release` gets an item."""
    started.put("started")
    release.get(timeout=60)


def started_then_spin(queue, seconds):
    """Tells `queue` it started, then keeps its interpreter busy for `seconds`."""
    queue.put("started")
    return spin(seconds)


class CodedError(Exception):
    """An exception whose __init__ wants other arguments than the args it gives its base."""

    def __init__(self, code, text):
        super().__init__(f"{code}: {text}")
        self.code = code


def fail_coded(code, text):
    raise CodedError(code, text)


def sum_of_buffer_in(queue):
    """The sum of the bytes of the Buffer waiting in `queue`."""
    return sum(memoryview(queue.get(timeout=30)))


def new_buffer(size, value):
    """A Buffer made here and returned: nothing but the result refers to it any more."""
    import owngil
    buffer = owngil.Buffer(size)
    memoryview(buffer)[:] = bytes([value]) * size
    return buffer


def new_queue_with(item):
    import owngil
    queue = owngil.Queue()
    queue.put(item)
    return queue


def tree_sum(depth):
    """Nodes of a full binary tree of this depth, each node a task of the pool (fork-join)."""
    if depth == 0:
        return 1
    import owngil
    pool = owngil.current_pool()
    left, right = pool.submit(tree_sum, depth - 1), pool.submit(tree_sum, depth - 1)
    return left.result() + right.result() + 1


def chain(n):
    """n nested tasks, each waiting for the next: deeper than any pool of fewer than n workers."""
    if n == 0:
        return 0
    import owngil
    return 1 + owngil.current_pool().submit(chain, n - 1).result()


def nested_map(values):
    import owngil
    return list(owngil.current_pool().map(abs, values))


def nested_failure():
    import owngil
    try:
        owngil.current_pool().submit(fail, "value", "deep").result()
    except ValueError as e:
        return f"caught {e}"


def caller_name(_):
    """The name of the function that called this one in the worker (run_chunk for a chunk)."""
    import sys
    return sys._getframe(1).f_code.co_name
