import unittest

import clean


class CleanTest(unittest.TestCase):
    def test_counter_counts(self):
        c = clean.Counter()
        self.assertEqual(c.increment(), 1)
        self.assertEqual(c.increment(), 2)

    def test_module_counts_instances(self):
        before = clean.created()
        clean.Counter()
        self.assertEqual(clean.created(), before + 1)

    def test_error_is_exception(self):
        self.assertTrue(issubclass(clean.Error, Exception))


if __name__ == "__main__":
    unittest.main()
