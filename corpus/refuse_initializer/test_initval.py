import unittest

import initval


class InitValTest(unittest.TestCase):
    def test_ids_increase_from_100(self):
        first = initval.new_id()
        self.assertGreaterEqual(first, 100)
        self.assertEqual(initval.new_id(), first + 1)


if __name__ == "__main__":
    unittest.main()
