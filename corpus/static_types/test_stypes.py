import unittest

import stypes


class STypesTest(unittest.TestCase):
    def test_point(self):
        p = stypes.Point(1, -2)
        self.assertEqual(p.norm1(), 3.0)
        self.assertEqual((p + stypes.Point(1, 1)).norm1(), 3.0)

    def test_subclass(self):
        class P(stypes.Point):
            pass

        self.assertEqual(P(2, 2).norm1(), 4.0)

    def test_pair(self):
        pair = stypes.make_pair(1, "a")
        self.assertEqual(pair.first, 1)
        self.assertEqual(tuple(pair), (1, "a"))


if __name__ == "__main__":
    unittest.main()
