import unittest

import ftready


class FtReadyTest(unittest.TestCase):
    def test_add(self):
        self.assertEqual(ftready.add(2, 3), 5)
        self.assertEqual(ftready.add("a", "b"), "ab")

    def test_wrong_arity(self):
        with self.assertRaises(TypeError):
            ftready.add(1)


if __name__ == "__main__":
    unittest.main()
