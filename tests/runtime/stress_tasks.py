"""Tasks for bench/stress_runtime.py (module-level, so workers find them by reference)."""


class TaskError(Exception):
    pass


def square_or_fail(i, fail, runs=None):
    if runs is not None:  # an owngil.Buffer shared by every interpreter: one byte per task
        memoryview(runs)[i] += 1
    if fail:
        raise TaskError(i)
    return i * i
