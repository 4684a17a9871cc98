import gc
import sys
import unittest

import layers


class LayersTest(unittest.TestCase):
    def test_fields(self):
        t = layers.Top([1])
        t.extra = {"k": t}  # a cycle through the subtype's own field
        self.assertEqual(t.payload, [1])
        self.assertIs(t.extra["k"], t)
        self.assertIsInstance(t, layers.Layer)

    def test_type_references_stay_balanced(self):
        # Each instance holds one reference to its (heap) type: creating and destroying many must
        # leave the types' reference counts where they were, whichever dealloc ran.
        class Sub(layers.Top):
            pass

        for kind in (layers.Layer, layers.Top, Sub):
            gc.collect()
            before = sys.getrefcount(kind)
            for _ in range(1000):
                obj = kind(None)
                obj.__init__([obj])  # a cycle: freed by the collector
                del obj
            gc.collect()
            self.assertEqual(sys.getrefcount(kind), before, kind)


if __name__ == "__main__":
    unittest.main()
