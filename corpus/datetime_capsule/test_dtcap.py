import datetime
import unittest

import dtcap


class DtCapTest(unittest.TestCase):
    def test_make_date(self):
        self.assertEqual(dtcap.make_date(2024, 2, 29), datetime.date(2024, 2, 29))


if __name__ == "__main__":
    unittest.main()
