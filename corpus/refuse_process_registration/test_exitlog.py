import unittest

import exitlog


class ExitLogTest(unittest.TestCase):
    def test_registers(self):
        self.assertIsNone(exitlog.at_exit(lambda status: None))

    def test_needs_a_callable_object(self):
        self.assertIsNone(exitlog.at_exit(print))


if __name__ == "__main__":
    unittest.main()
