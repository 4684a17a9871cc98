import unittest

import warmup


class WarmupTest(unittest.TestCase):
    def test_initialized_once_here(self):
        # One import per interpreter: each interpreter's module counts its own initialization.
        self.assertTrue(warmup.is_warm())
        self.assertEqual(warmup.runs(), 1)


if __name__ == "__main__":
    unittest.main()
