"""Tasks for bench/stress_runtime.py (module-level, so workers find them by reference)."""


class TaskError(Exception):
    pass


def square_or_fail(i, fail):
    if fail:
        raise TaskError(i)
    return i * i
