import time
import unittest

import soonish


class SoonishTest(unittest.TestCase):
    def test_call_soon_runs_later(self):
        seen = []
        soonish.call_soon(lambda: seen.append(1))
        deadline = time.monotonic() + 5
        while not seen and time.monotonic() < deadline:
            time.sleep(0.001)  # the eval loop runs pending calls between bytecodes
        self.assertEqual(seen, [1])

    def test_needs_callable(self):
        with self.assertRaises(TypeError):
            soonish.call_soon(3)


if __name__ == "__main__":
    unittest.main()
