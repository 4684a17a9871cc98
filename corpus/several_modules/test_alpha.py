import unittest

import alpha
import beta


class SeveralModulesTest(unittest.TestCase):
    def test_alpha(self):
        self.assertEqual(alpha.default_value(), "a")

    def test_beta(self):
        self.assertEqual(beta.twice(21), 42)
        self.assertEqual(beta.twice("ab"), "abab")


if __name__ == "__main__":
    unittest.main()
