import unittest

import escape


class EscapeTest(unittest.TestCase):
    def test_hits_count_up(self):
        first = escape.hit()
        self.assertEqual(escape.hit(), first + 1)


if __name__ == "__main__":
    unittest.main()
