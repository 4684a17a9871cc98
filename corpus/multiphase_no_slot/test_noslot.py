import unittest

import noslot


class NoSlotTest(unittest.TestCase):
    def test_hits(self):
        first = noslot.hit()
        self.assertEqual(noslot.hit(), first + 1)


if __name__ == "__main__":
    unittest.main()
