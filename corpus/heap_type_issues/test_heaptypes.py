import unittest

import heaptypes


class HeapTypesTest(unittest.TestCase):
    def test_types_exist(self):
        self.assertIsInstance(heaptypes.Box, type)
        self.assertIsInstance(heaptypes.Cell, type)

    def test_peek(self):
        self.assertEqual(heaptypes.Cell().peek(), "empty")


if __name__ == "__main__":
    unittest.main()
