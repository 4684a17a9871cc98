import unittest

import units


class UnitsTest(unittest.TestCase):
    def test_convert(self):
        before = units.count()
        self.assertAlmostEqual(units.convert(2, "km", "m"), 2000.0)
        self.assertAlmostEqual(units.convert(1, "mile", "meter"), 1609.344)
        with self.assertRaises(ValueError):
            units.convert(1, "parsec", "m")
        self.assertEqual(units.count(), before + 2)


if __name__ == "__main__":
    unittest.main()
