import unittest

import north
import south


class StaticNamesArePerFileTest(unittest.TestCase):
    def test_each_module_has_its_own_methods(self):
        self.assertEqual(north.point("x"), "north:x")
        self.assertEqual(south.heading(3), "south:3")
        self.assertFalse(hasattr(north, "heading"))
        self.assertFalse(hasattr(south, "point"))

    def test_each_module_raises_its_own_error(self):
        self.assertIsNot(north.Error, south.Error)
        with self.assertRaises(north.Error):
            north.refuse()
        with self.assertRaises(south.Error) as raised:
            south.heading("three")
        self.assertIsInstance(raised.exception, ValueError)
        self.assertNotIsInstance(raised.exception, north.Error)

    def test_docs_come_from_each_definition(self):
        self.assertEqual(north.__doc__, "The north half.")
        self.assertEqual(south.__doc__, "The south half.")


if __name__ == "__main__":
    unittest.main()
