"""A task the owngil pool runs in its workers for test_thread_home (sent by reference): a plain C
thread of threadhome (built against owngil_compat.h only) enters the worker's interpreter."""
import os
import sys


def current():
    try:
        import _interpreters
        return int(_interpreters.get_current()[0])
    except ImportError:
        import _xxsubinterpreters
        return int(_xxsubinterpreters.get_current())


def enter_from_foreign(count):
    sys.path.insert(0, os.environ["THREADHOME_DIR"])
    import threadhome
    seen = []
    for v in range(count):
        threadhome.enter_from_foreign(lambda x: seen.append((x, current())), v)
    return current(), seen
