import gc
import unittest
import weakref

import vecs


class VecsTest(unittest.TestCase):
    def test_values_and_methods(self):
        v = vecs.vec(3)
        self.assertEqual(v.value(), 3)
        self.assertEqual(v.plus(4).value(), 7)
        self.assertIs(v.plus(0), v)
        self.assertIs(vecs.vec(), vecs.vec(0))  # the shared empty Vec

    def test_not_instantiable(self):
        with self.assertRaises(TypeError):
            vecs.Vec()

    def test_weak_references(self):
        v = vecs.vec(5)
        ref = weakref.ref(v)
        self.assertIs(ref(), v)
        del v
        gc.collect()
        self.assertIsNone(ref())

    def test_blocks_are_recycled(self):
        before = vecs.cached_blocks()
        items = [vecs.vec(i) for i in range(1, 4)]
        del items
        gc.collect()
        self.assertGreaterEqual(vecs.cached_blocks(), min(before + 3, 8))


if __name__ == "__main__":
    unittest.main()
