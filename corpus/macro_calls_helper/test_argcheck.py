import unittest

import argcheck


class MacroHelperTest(unittest.TestCase):
    def test_good_arguments(self):
        self.assertEqual(argcheck.negate(3), -3)
        self.assertEqual(argcheck.first_char("abc"), "a")

    def test_errors_are_this_modules(self):
        with self.assertRaises(argcheck.ArgumentError) as cm:
            argcheck.negate("x")
        self.assertEqual(str(cm.exception), "negate() expects an int")
        with self.assertRaises(argcheck.ArgumentError) as cm:
            argcheck.first_char("")
        self.assertEqual(str(cm.exception), "first_char() expects a non-empty str")
        self.assertTrue(issubclass(argcheck.ArgumentError, TypeError))


if __name__ == "__main__":
    unittest.main()
