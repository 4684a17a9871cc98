import unittest

import counter


class CounterTest(unittest.TestCase):
    def test_counts(self):
        c = counter.Counter()
        self.assertEqual([c.increment() for _ in range(3)], [1, 2, 3])
        d = c.copy()
        self.assertEqual(d.increment(), 4)
        self.assertEqual(c.increment(), 4)
        self.assertTrue(counter.is_counter(d))
        self.assertFalse(counter.is_counter(3))
        self.assertEqual(counter.Counter.__doc__, "Counts.")

    def test_subclass_in_python(self):
        class Fast(counter.Counter):
            pass

        f = Fast()
        self.assertEqual(f.increment(), 1)
        self.assertTrue(counter.is_counter(f))
        self.assertIs(type(f.copy()), counter.Counter)


if __name__ == "__main__":
    unittest.main()
