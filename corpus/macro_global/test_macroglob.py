import unittest

import macroglob


class MacroGlobTest(unittest.TestCase):
    def test_sentinel(self):
        self.assertIs(macroglob.get_sentinel(), macroglob.SENTINEL)


if __name__ == "__main__":
    unittest.main()
