import copy
import gc
import pickle
import unittest

import gctypes


class BagTest(unittest.TestCase):
    def test_sequence_and_methods(self):
        bag = gctypes.Bag([1, 2])
        bag.add(3)
        self.assertEqual(len(bag), 3)
        self.assertEqual(bag[2], 3)
        self.assertEqual(list(bag), [1, 2, 3])
        self.assertEqual(bag.items, [1, 2, 3])
        self.assertEqual(bag.merge(gctypes.make_bag("ab")).items, [1, 2, 3, "a", "b"])
        with self.assertRaises(TypeError):
            bag.merge([4])

    def test_label_default_and_setter(self):
        bag = gctypes.Bag()
        self.assertEqual(bag.label, "unlabelled")
        bag.label = "fruit"
        self.assertEqual(bag.label, "fruit")
        with self.assertRaises(TypeError):
            bag.label = 5

    def test_comparison(self):
        self.assertEqual(gctypes.Bag([1]), gctypes.Bag([1]))
        self.assertNotEqual(gctypes.Bag([1]), gctypes.Bag([2]))
        self.assertNotEqual(gctypes.Bag([1]), [1])

    def test_add_all_with_keywords(self):
        bag = gctypes.Bag()
        bag.add_all(1, 2)
        bag.add_all("x", times=2)
        bag.add_all()
        self.assertEqual(bag.items, [1, 2, "x", "x"])
        counted = gctypes.CountedBag()
        counted.add_all(1, 2, times=2)
        self.assertEqual(counted.adds(), 4)
        with self.assertRaisesRegex(TypeError, "only the keyword argument 'times'"):
            bag.add_all(1, count=2)

    def test_counted_subclass_in_c(self):
        counted = gctypes.CountedBag()
        counted.add("x")
        counted.add("y")
        self.assertEqual(counted.adds(), 2)
        self.assertIsInstance(counted, gctypes.Bag)
        self.assertEqual(list(counted), ["x", "y"])

    def test_subclass_in_python(self):
        class Tagged(gctypes.Bag):
            def __init__(self, items, tag):
                super().__init__(items)
                self.tag = tag

        bag = Tagged([1], "t")
        bag.add(2)
        self.assertEqual((bag.tag, list(bag), bag.label), ("t", [1, 2], "unlabelled"))
        self.assertEqual(bag.merge(gctypes.Bag([3])).items, [1, 2, 3])
        self.assertEqual(bag, gctypes.Bag([1, 2]))

    def test_pickle_and_copy(self):
        bag = gctypes.Bag([1, "a"])
        self.assertEqual(pickle.loads(pickle.dumps(bag)), bag)
        self.assertEqual(copy.copy(bag).items, [1, "a"])
        counted = pickle.loads(pickle.dumps(gctypes.CountedBag([5])))
        self.assertIs(type(counted), gctypes.CountedBag)
        self.assertEqual(counted.items, [5])

    def test_iterator_type_cannot_be_instantiated(self):
        iterator_type = type(iter(gctypes.Bag()))
        with self.assertRaises(TypeError):
            iterator_type()

    def test_types_are_immutable(self):
        with self.assertRaises(TypeError):
            gctypes.Bag.extra = 1

    def test_cycles_are_collected(self):
        freed = []

        class Marker:
            def __del__(self):
                freed.append(True)

        bag = gctypes.Bag()
        bag.add(bag)
        bag.add(Marker())
        del bag
        gc.collect()
        self.assertEqual(freed, [True])


if __name__ == "__main__":
    unittest.main()
