import unittest

import shims


class ShimsTest(unittest.TestCase):
    def test_name(self):
        self.assertEqual(shims.name_of(), "shims")
        self.assertEqual(shims.name_of(), "shims")


if __name__ == "__main__":
    unittest.main()
