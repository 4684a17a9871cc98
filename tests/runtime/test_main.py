"""What a script defines crosses to workers and back as with multiprocessing's spawn: dataclasses,
enums, exceptions, functools.partial, bound methods; lambdas are refused clearly; a main module
that fails to import in a worker is reported with its reason and leaves the worker usable; the
`if __name__ == "__main__":` block runs once. Each script is a child process with a timeout.

Run: PYTHONPATH=build/runtime/py3.12 python3.12 -m unittest -v test_main   (from tests/runtime)
"""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from test_exit import run_script  # noqa: E402

SCRIPT = """
import dataclasses, enum, functools, owngil

@dataclasses.dataclass
class Point:
    x: int
    y: int

class Color(enum.Enum):
    RED = 1
    GREEN = 2

class AppError(Exception):
    pass

def move(p, dx):
    return Point(p.x + dx, p.y)

def other(color):
    return Color.GREEN if color is Color.RED else Color.RED

def fail(text):
    raise AppError(text)

def scale(k, v):
    return k * v

class Counter:
    def __init__(self, base):
        self.base = base

    def plus(self, n):
        return self.base + n

counter = Counter(10)

if __name__ == "__main__":
    print("main block")
    with owngil.Pool(2) as pool:
        print("point", pool.submit(move, Point(1, 2), 3).result(timeout=30) == Point(4, 2))
        print("enum", pool.submit(other, Color.RED).result(timeout=30) is Color.GREEN)
        try:
            pool.submit(fail, "bad").result(timeout=30)
        except AppError as e:
            print("error", e)
        print("partial", pool.submit(functools.partial(scale, 3), 5).result(timeout=30))
        print("bound", pool.submit(counter.plus, 5).result(timeout=30))
        print("call", pool.call(move, Point(0, 0), 1))
        try:
            pool.submit(lambda: 1)
        except TypeError as e:
            print("lambda", "define it at module level" in str(e))
"""

FAILING_IMPORT = """
import owngil

if __name__ != "__main__":
    raise RuntimeError("only as a script")

def one():
    return 1

if __name__ == "__main__":
    with owngil.Pool(1) as pool:
        for attempt in range(2):
            try:
                pool.submit(one).result(timeout=30)
            except ImportError as e:
                print("failed", type(e).__name__, "only as a script" in str(e),
                      e.__cause__.text.count("RuntimeError: only as a script"))
        print("after", pool.submit(abs, -3).result(timeout=30))
"""


class MainModule(unittest.TestCase):
    def test_objects_of_the_script_cross_both_ways(self):
        code, out, err = run_script(SCRIPT)
        self.assertEqual(code, 0, err)
        self.assertEqual(out.splitlines(), [
            "main block",  # once: the workers import the script without running this block
            "point True", "enum True", "error bad", "partial 15", "bound 15", "call Point(x=1, y=0)",
            "lambda True"], err)

    def test_a_main_module_failing_in_workers_is_reported_and_does_not_poison_them(self):
        code, out, err = run_script(FAILING_IMPORT)
        self.assertEqual(code, 0, err)
        # each task that needs the script says why it could not load, with the script's own
        # traceback once; a task that does not need it still runs
        self.assertEqual(out.splitlines(), ["failed MainModuleError True 1"] * 2 + ["after 3"], err)

    def test_dash_c_functions_are_refused_clearly(self):
        code, out, err = run_script("""
            import owngil
            exec("def f():\\n    return 1")  # as in python -c: defined in a __main__ without a file
            import __main__
            del __main__.__file__
            with owngil.Pool(1) as pool:
                try:
                    pool.submit(f)
                except TypeError as e:
                    print("refused", "without a file" in str(e))
            """)
        self.assertEqual((code, out.strip()), (0, "refused True"), err)


if __name__ == "__main__":
    unittest.main()
