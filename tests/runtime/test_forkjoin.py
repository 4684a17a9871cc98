"""Fork-join: a task submits subtasks to its own pool (owngil.current_pool()) and waits for them;
the wait runs waiting tasks meanwhile, so nesting deeper than the pool does not deadlock. Each
case runs in a child process with a timeout (a deadlock is a failed case, not a hung run).

Run: PYTHONPATH=build/runtime/py3.12 python3.12 -m unittest -v test_forkjoin   (from tests/runtime)
"""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import owngil  # noqa: E402
from test_exit import run_script  # noqa: E402


def run_in_pool(expression, workers=2):
    code, out, err = run_script(f"""
import owngil, rt_helpers
with owngil.Pool({workers}) as pool:
    print(repr({expression}))
""", timeout=120)
    if code != 0:
        raise AssertionError(f"rc {code}\n{err}")
    return out.strip()


class ForkJoin(unittest.TestCase):
    def test_ten_nested_levels_on_two_workers(self):
        self.assertEqual(run_in_pool("pool.submit(rt_helpers.chain, 10).result(timeout=60)"), "10")

    def test_a_tree_of_tasks_ten_levels_deep(self):
        self.assertEqual(run_in_pool("pool.submit(rt_helpers.tree_sum, 10).result(timeout=60)"), str(2**11 - 1))

    def test_on_one_worker_too(self):
        self.assertEqual(run_in_pool("pool.submit(rt_helpers.tree_sum, 6).result(timeout=60)", workers=1), "127")

    def test_map_and_exceptions_inside_a_task(self):
        self.assertEqual(run_in_pool("(pool.submit(rt_helpers.nested_map, [-1, -2, 3]).result(timeout=60), "
                                     "pool.submit(rt_helpers.nested_failure).result(timeout=60))"),
                         "([1, 2, 3], 'caught deep')")

    def test_current_pool_outside_a_task_is_an_error(self):
        with self.assertRaises(RuntimeError):
            owngil.current_pool()


if __name__ == "__main__":
    unittest.main()
