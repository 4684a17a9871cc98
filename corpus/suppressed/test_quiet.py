import unittest

import quiet


class QuietTest(unittest.TestCase):
    def test_version(self):
        self.assertEqual(quiet.version(), "1.0")


if __name__ == "__main__":
    unittest.main()
