import unittest

import gilcb


class GilCbTest(unittest.TestCase):
    def test_callback_from_thread(self):
        seen = []
        gilcb.call_in_thread(seen.append, 7)
        self.assertEqual(seen, [7])

    def test_module_name(self):
        self.assertEqual(gilcb.module_name(), "gilcb")


if __name__ == "__main__":
    unittest.main()
