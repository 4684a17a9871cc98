import unittest

import chainreg


class ChainedModuleTest(unittest.TestCase):
    def test_owner_is_this_module(self):
        self.assertIs(chainreg.owner(), chainreg)

    def test_register_sets_entry_and_attribute(self):
        marker = object()
        chainreg.register("marker", marker)
        self.assertIs(chainreg.entries["marker"], marker)
        self.assertIs(chainreg.marker, marker)

    def test_bad_arguments(self):
        with self.assertRaises(TypeError):
            chainreg.register(1, 2)


if __name__ == "__main__":
    unittest.main()
