import gc
import sys
import unittest

import borrow


def seen_references(obj):
    """How many references to obj the collector finds, in every object it tracks."""
    return sum(gc.get_referents(r).count(obj) for r in gc.get_referrers(obj))


class BorrowTest(unittest.TestCase):
    def test_lookup(self):
        self.assertEqual(borrow.lookup("ANSWER"), 42)
        self.assertIs(borrow.lookup("len"), len)
        with self.assertRaises(KeyError):
            borrow.lookup("no such name")

    def test_every_reference_the_collector_sees_is_owned(self):
        d = borrow.__dict__
        self.assertGreaterEqual(sys.getrefcount(d) - 1, seen_references(d))


if __name__ == "__main__":
    unittest.main()
