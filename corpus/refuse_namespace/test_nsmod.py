import unittest

import nsmod


class NsmodTest(unittest.TestCase):
    def test_answer(self):
        self.assertEqual(nsmod.answer(), 42)


if __name__ == "__main__":
    unittest.main()
