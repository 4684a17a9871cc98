import unittest

import gauges


class GaugeTest(unittest.TestCase):
    def test_reading(self):
        g = gauges.Gauge()
        with self.assertRaises(AttributeError) as cm:
            g.reading
        self.assertEqual(cm.exception.args, ("reading",))
        before = g.updates
        g.reading = 3.5
        g.reading = 4.5
        self.assertEqual(g.reading, 4.5)
        self.assertEqual(g.updates, before + 2)
        with self.assertRaises(AttributeError):
            del g.reading


if __name__ == "__main__":
    unittest.main()
