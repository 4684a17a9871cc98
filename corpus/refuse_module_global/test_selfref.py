import unittest

import selfref


class SelfRefTest(unittest.TestCase):
    def test_whoami(self):
        self.assertIs(selfref.whoami(), selfref)
        self.assertEqual(selfref.ANSWER, 42)
        self.assertEqual(selfref.name(), "selfref")


if __name__ == "__main__":
    unittest.main()
