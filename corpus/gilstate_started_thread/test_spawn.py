import threading
import unittest

import spawn

try:
    import _interpreters

    def current():
        return int(_interpreters.get_current()[0])
except ImportError:
    import _xxsubinterpreters

    def current():
        return int(_xxsubinterpreters.get_current())


class SpawnTest(unittest.TestCase):
    # The callbacks run on threads that never ran Python: in the interpreter that started them.
    def test_pthread_callback_runs_in_the_calling_interpreter(self):
        seen = []
        for v in range(20):
            spawn.call_in_thread(lambda x: seen.append((x, current())), v)
        self.assertEqual(seen, [(v, current()) for v in range(20)])

    def test_pythread_callback_runs_in_the_calling_interpreter(self):
        seen = []
        for v in range(20):
            done = threading.Event()
            spawn.notify_from_thread(lambda x: (seen.append((x, current())), done.set()), v)
            self.assertTrue(done.wait(30))
        self.assertEqual(seen, [(v, current()) for v in range(20)])


if __name__ == "__main__":
    unittest.main()
