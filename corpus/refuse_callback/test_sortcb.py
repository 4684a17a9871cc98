import unittest

import sortcb


class SortCbTest(unittest.TestCase):
    def test_sort(self):
        self.assertEqual(sortcb.sort3(3, 1, 2), (1, 2, 3))
        self.assertEqual(sortcb.sort3(3, 1, 2, True), (3, 2, 1))


if __name__ == "__main__":
    unittest.main()
