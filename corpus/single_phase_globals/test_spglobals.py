import unittest

import spglobals


class SpGlobalsTest(unittest.TestCase):
    def test_greet(self):
        self.assertEqual(spglobals.greet("ann"), "hello, ann")

    def test_counts_calls(self):
        before = spglobals.call_count()
        spglobals.greet("bob")
        self.assertEqual(spglobals.call_count(), before + 1)

    def test_error(self):
        with self.assertRaises(spglobals.Error):
            spglobals.greet(3)


if __name__ == "__main__":
    unittest.main()
