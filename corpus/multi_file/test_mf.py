import unittest

import mf


class MfTest(unittest.TestCase):
    def test_add_and_get(self):
        gen = mf.add("k", 1)
        self.assertEqual(mf.get("k"), 1)
        self.assertEqual(mf.add("j", 2), gen + 1)

    def test_missing(self):
        with self.assertRaises(KeyError):
            mf.get("nope")


if __name__ == "__main__":
    unittest.main()
