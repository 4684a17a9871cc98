import unittest

import gilcb

try:
    import _interpreters

    def current():
        return int(_interpreters.get_current()[0])
except ImportError:
    import _xxsubinterpreters

    def current():
        return int(_xxsubinterpreters.get_current())


class GilCbTest(unittest.TestCase):
    def test_callback_from_thread(self):
        seen = []
        gilcb.call_in_thread(seen.append, 7)
        self.assertEqual(seen, [7])

    def test_callback_runs_in_the_calling_interpreter(self):
        # The C thread never ran Python: it must enter this interpreter, not the main one.
        seen = []
        for v in range(20):
            gilcb.call_in_thread(lambda x: seen.append((x, current())), v)
        self.assertEqual(seen, [(v, current()) for v in range(20)])

    def test_module_name(self):
        self.assertEqual(gilcb.module_name(), "gilcb")


if __name__ == "__main__":
    unittest.main()
