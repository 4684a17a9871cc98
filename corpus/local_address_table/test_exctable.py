import unittest

import exctable


class ExceptionTableTest(unittest.TestCase):
    def test_classes(self):
        self.assertEqual(exctable.ParseError.__module__, "exctable")
        self.assertTrue(issubclass(exctable.LimitError, ValueError))
        self.assertFalse(issubclass(exctable.ParseError, ValueError))

    def test_parse(self):
        self.assertEqual(exctable.parse("12"), 12)
        with self.assertRaises(exctable.ParseError):
            exctable.parse(12)
        with self.assertRaises(exctable.LimitError) as cm:
            exctable.parse("5000")
        self.assertEqual(str(cm.exception), "5000 is over the limit")


if __name__ == "__main__":
    unittest.main()
