import unittest

import tokens


class TokenTest(unittest.TestCase):
    def test_repr_shows_the_value(self):
        self.assertEqual(repr(tokens.Token(7)), "<token 7>")
        self.assertEqual(repr(tokens.Token()), "<token 0>")

    def test_tokens_are_instances_of_their_type(self):
        self.assertIsInstance(tokens.Token(1), tokens.Token)


if __name__ == "__main__":
    unittest.main()
