"""Module-level functions the pool tests send to workers (by reference)."""
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


def started_then_wait(started, release):
    """Tells `started` it started, then keeps its interpreter until `release` gets an item."""
    started.put("started")
    release.get(timeout=60)


def started_then_spin(queue, seconds):
    """Tells `queue` it started, then keeps its interpreter busy for `seconds`."""
    queue.put("started")
    return spin(seconds)
