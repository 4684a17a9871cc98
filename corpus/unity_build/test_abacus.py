import unittest

import abacus


class AbacusTest(unittest.TestCase):
    def test_new_bead_is_a_bead(self):
        bead = abacus.new_bead()
        self.assertIsInstance(bead, abacus.Bead)
        self.assertTrue(abacus.is_bead(bead))

    def test_other_objects_are_not_beads(self):
        self.assertFalse(abacus.is_bead(object()))
        self.assertFalse(abacus.is_bead(3))


if __name__ == "__main__":
    unittest.main()
