import types
import unittest

import lazyattrs


class ModuleSubclassTest(unittest.TestCase):
    def test_the_module_is_an_instance_of_its_subclass(self):
        self.assertIsInstance(lazyattrs, types.ModuleType)
        self.assertIs(type(lazyattrs), lazyattrs.kind())
        self.assertIsNot(type(lazyattrs), types.ModuleType)
        self.assertEqual(type(lazyattrs).__name__, "LazyModule")

    def test_missing_attributes_are_computed(self):
        self.assertEqual(lazyattrs.stored, 1)
        self.assertEqual(lazyattrs.answer, 42)
        with self.assertRaises(AttributeError):
            lazyattrs.nothing_here

    def test_module_dict_still_works(self):
        lazyattrs.added = "x"
        self.assertEqual(lazyattrs.__dict__["added"], "x")
        del lazyattrs.added


if __name__ == "__main__":
    unittest.main()
