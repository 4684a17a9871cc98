import unittest

import sharedgil


class SharedGilTest(unittest.TestCase):
    def test_answer(self):
        self.assertEqual(sharedgil.answer(), 42)


if __name__ == "__main__":
    unittest.main()
