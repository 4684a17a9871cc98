import unittest

import hooks

try:
    import _interpreters

    def current():
        return int(_interpreters.get_current()[0])
except ImportError:
    import _xxsubinterpreters

    def current():
        return int(_xxsubinterpreters.get_current())


class HooksTest(unittest.TestCase):
    def test_hooks_run_in_the_calling_interpreter(self):
        seen = []
        hooks.run(lambda: seen.append(current()), 3)
        self.assertEqual(seen, [current()] * 3)

    def test_comparator_runs_in_the_calling_interpreter(self):
        where = set()

        def key(x):
            where.add(current())
            return -x

        self.assertEqual(hooks.sort_by([3, 1, 2, 5], key), [5, 3, 2, 1])
        self.assertEqual(where, {current()})


if __name__ == "__main__":
    unittest.main()
