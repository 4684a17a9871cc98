import unittest

import zones


class ZonesTest(unittest.TestCase):
    def test_offsets(self):
        self.assertEqual(zones.UTC, 0)
        self.assertEqual(zones.offset_of("CET"), 3600)
        with self.assertRaises(AttributeError):
            zones.offset_of("nowhere")


if __name__ == "__main__":
    unittest.main()
