import unittest

import inactive


class InactiveTest(unittest.TestCase):
    def test_lookup_counts(self):
        before = inactive.lookup_count()
        self.assertEqual(inactive.lookup("k"), "k")
        self.assertEqual(inactive.lookup_count(), before + 1)


if __name__ == "__main__":
    unittest.main()
