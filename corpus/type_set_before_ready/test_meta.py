import unittest

import meta


class MetaTest(unittest.TestCase):
    def test_handle(self):
        self.assertIs(type(meta.Handle), type)
        self.assertEqual(meta.Handle().fileno(), 0)


if __name__ == "__main__":
    unittest.main()
