import unittest

import producer


class ProducerTest(unittest.TestCase):
    def test_publish(self):
        self.assertIsNone(producer.publish("k", 1))


if __name__ == "__main__":
    unittest.main()
