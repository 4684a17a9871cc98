import unittest

import hdrty


class HdrtyTest(unittest.TestCase):
    def test_box(self):
        self.assertTrue(hdrty.is_box(hdrty.Box()))
        self.assertFalse(hdrty.is_box(1.0))


if __name__ == "__main__":
    unittest.main()
