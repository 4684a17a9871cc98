import gc
import sys
import unittest

import stolen


def seen_references(obj):
    """How many references to obj the collector finds, in every object it tracks (frames too)."""
    return sum(gc.get_referents(r).count(obj) for r in gc.get_referrers(obj))


def owned_references(obj):
    return sys.getrefcount(obj) - 1  # less getrefcount's own argument, which no object holds


class StolenTest(unittest.TestCase):
    def test_error(self):
        with self.assertRaises(stolen.StolenError) as cm:
            stolen.fail(7)
        self.assertEqual(cm.exception.args, (7,))

    def test_sentinel(self):
        self.assertIs(stolen.sentinel(), stolen.SENTINEL)

    def test_every_reference_the_collector_sees_is_owned(self):
        # A module state that keeps a pointer it does not own shows in its traverse but not in the
        # reference count: the collector would then think the object unreachable too early.
        for name in ("StolenError", "SENTINEL"):
            self.assertGreaterEqual(owned_references(getattr(stolen, name)), seen_references(getattr(stolen, name)), name)


if __name__ == "__main__":
    unittest.main()
