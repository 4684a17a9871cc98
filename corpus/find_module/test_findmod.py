import unittest

import findmod


class FindModTest(unittest.TestCase):
    def test_module_name(self):
        self.assertEqual(findmod.module_name(), "findmod")

    def test_count_call(self):
        first = findmod.count_call()
        self.assertEqual(findmod.count_call(), first + 1)

    def test_set_attribute_reaches_the_module(self):
        findmod.set_attribute([1, 2])
        self.assertEqual(findmod.last, [1, 2])


if __name__ == "__main__":
    unittest.main()
