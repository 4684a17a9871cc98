"""What the static types show today, which a heap-type port would change (OG204): fix must not
port them silently."""
import unittest

import wrappers


def target():
    """The target's doc."""


class StaticTypeAttributesTest(unittest.TestCase):
    def test_class_module_is_the_module_name(self):
        self.assertEqual(wrappers.Wrapper.__module__, "wrappers")

    def test_instances_forward_module_doc_and_qualname(self):
        w = wrappers.Wrapper(target)
        self.assertEqual(w.__module__, __name__)
        self.assertEqual(w.__doc__, "The target's doc.")
        self.assertEqual(w.__qualname__, "target")

    def test_class_doc_and_qualname(self):
        self.assertEqual(wrappers.Wrapper.__doc__, "Wraps an object and reads its names.")
        self.assertEqual(wrappers.Wrapper.__qualname__, "Wrapper")

    def test_type_without_module_part_is_a_builtin_by_name(self):
        self.assertEqual(wrappers.Token.__module__, "builtins")
        self.assertEqual(repr(wrappers.Token), "<class 'Token'>")


if __name__ == "__main__":
    unittest.main()
