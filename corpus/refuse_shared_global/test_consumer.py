import unittest

import consumer


class ConsumerTest(unittest.TestCase):
    def test_add_then_size(self):
        before = consumer.size()
        consumer.add(object(), 1)
        self.assertEqual(consumer.size(), before + 1)


if __name__ == "__main__":
    unittest.main()
