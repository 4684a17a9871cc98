import io
import unittest

import errtab


class ErrtabTest(unittest.TestCase):
    def test_error_classes(self):
        retry = errtab.error_for(11)
        self.assertTrue(issubclass(retry, Exception))
        self.assertEqual(retry.__name__, "RetryLater")
        self.assertIs(errtab.error_for(11), retry)
        self.assertIsNot(errtab.error_for(28), retry)
        self.assertIsNone(errtab.error_for(5))

    def test_read_from(self):
        self.assertEqual(errtab.read_from(io.StringIO("abc")), "abc")

    def test_hook(self):
        seen = []
        self.assertIsNone(errtab.fire(1))
        errtab.set_hook(seen.append)
        errtab.fire(2)
        self.assertEqual(seen, [2])


if __name__ == "__main__":
    unittest.main()
