import unittest

import cppmod


class CppModTest(unittest.TestCase):
    def test_describe(self):
        self.assertEqual(cppmod.describe(3), "object of type int")

    def test_empty(self):
        self.assertEqual(cppmod.empty(), ())


if __name__ == "__main__":
    unittest.main()
