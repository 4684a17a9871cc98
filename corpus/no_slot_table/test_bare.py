import unittest

import bare


class BareTest(unittest.TestCase):
    def test_double(self):
        self.assertEqual(bare.double_it(21), 42)


if __name__ == "__main__":
    unittest.main()
