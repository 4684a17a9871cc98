import unittest

import tally


class TallyTest(unittest.TestCase):
    def test_advance(self):
        self.assertEqual(tally.advance(40), 42)
        tally.set_step(3)
        self.assertEqual(tally.advance(40), 43)
        tally.set_step(2)

    def test_sorted3(self):
        self.assertEqual(tally.sorted3(3, 1, 2), (1, 2, 3))
        self.assertEqual(tally.sorted3(3, 1, 2, True), (3, 2, 1))

    def test_label(self):
        self.assertEqual(tally.label("a"), "a")
        self.assertEqual(tally.label(None), "a")

    def test_names(self):
        self.assertIn("advance", tally.names())


if __name__ == "__main__":
    unittest.main()
