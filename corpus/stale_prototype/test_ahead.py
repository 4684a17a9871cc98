import unittest

import ahead


class AheadTest(unittest.TestCase):
    def test_module(self):
        self.assertEqual(ahead.version(), 3)
        self.assertEqual(ahead.NAME, "ahead")


if __name__ == "__main__":
    unittest.main()
