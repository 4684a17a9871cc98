import unittest

import stypes


def xy(point):
    assert type(point) is stypes.Point, type(point)
    return (point.x, point.y)


class STypesTest(unittest.TestCase):
    def test_point(self):
        p = stypes.Point(1, -2)
        self.assertEqual(p.norm1(), 3.0)
        self.assertEqual((p + stypes.Point(1, 1)).norm1(), 3.0)

    def test_subclass(self):
        class P(stypes.Point):
            pass

        self.assertEqual(P(2, 2).norm1(), 4.0)

    def test_methods_of_each_calling_convention(self):
        p = stypes.Point(1, 2)
        self.assertEqual(xy(p.swapped()), (2, 1))
        self.assertEqual(xy(p.scaled(2)), (2, 4))
        self.assertEqual(xy(p.scaled(2, offset=1)), (3, 5))
        self.assertEqual(xy(p.shifted(1, 1)), (2, 3))
        self.assertEqual(xy(p.moved_to(stypes.Point(5, 6))), (5, 6))
        self.assertEqual(xy(p.midpoint(stypes.Point(3, 4))), (2, 3))
        self.assertEqual(xy(p.replace(y=7)), (1, 7))
        self.assertEqual(xy(stypes.Point.origin()), (0, 0))

    def test_methods_check_arguments_as_before(self):
        p = stypes.Point(1, 2)
        cases = [
            (lambda: p.swapped(1), r"swapped\(\) takes no arguments \(1 given\)"),
            (lambda: p.swapped(x=1), r"swapped\(\) takes no keyword arguments"),
            (lambda: p.moved_to(), r"moved_to\(\) takes exactly one argument \(0 given\)"),
            (lambda: p.moved_to(p, p), r"moved_to\(\) takes exactly one argument \(2 given\)"),
            (lambda: p.moved_to(1), r"moved_to\(\) needs a Point"),
            (lambda: p.shifted(1, 2, z=3), r"shifted\(\) takes no keyword arguments"),
            (lambda: p.shifted(1), r"2 arguments"),
            (lambda: p.scaled(2, 1), r"at most 1 positional argument"),
            (lambda: p.scaled(2, bad=1), r"bad"),
            (lambda: p.midpoint(p, offset=1), r"takes no keyword arguments"),
            (lambda: p.replace(z=1), r"unexpected keyword argument 'z'"),
        ]
        for call, message in cases:
            with self.subTest(message=message):
                with self.assertRaisesRegex(TypeError, message):
                    call()

    def test_methods_of_a_python_subclass(self):
        class P(stypes.Point):
            pass

        p = P(1, 2)
        self.assertEqual(xy(p.swapped()), (2, 1))
        self.assertEqual(xy(p.scaled(3)), (3, 6))
        self.assertEqual(xy(p.midpoint(P(3, 4))), (2, 3))
        self.assertEqual(xy(P.origin()), (0, 0))

    def test_pair(self):
        pair = stypes.make_pair(1, "a")
        self.assertEqual(pair.first, 1)
        self.assertEqual(tuple(pair), (1, "a"))


if __name__ == "__main__":
    unittest.main()
