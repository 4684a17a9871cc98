import unittest

import plain


class PlainTest(unittest.TestCase):
    def test_add(self):
        self.assertEqual(plain.add(2, 3), 5)

    def test_constants(self):
        self.assertEqual(plain.VERSION, "1.0")
        self.assertEqual(plain.ANSWER, 42)


if __name__ == "__main__":
    unittest.main()
