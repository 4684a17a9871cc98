import unittest

import pasted


class PastedTest(unittest.TestCase):
    def test_lowered(self):
        self.assertEqual(pasted.lowered("MiXeD"), "mixed")


if __name__ == "__main__":
    unittest.main()
