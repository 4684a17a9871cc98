import gc
import unittest

import tags


class TagsTest(unittest.TestCase):
    def test_tag_is_a_str(self):
        t = tags.Tag("HeLLo")
        self.assertIsInstance(t, str)
        self.assertEqual(t, "HeLLo")
        self.assertEqual(t.canonical, "hello")
        self.assertEqual(t.upper(), "HELLO")

    def test_or_on_either_side(self):
        self.assertEqual(tags.Tag("A") | tags.Tag("B"), "ab")
        with self.assertRaises(TypeError):
            tags.Tag("A") | 1
        with self.assertRaises(TypeError):
            1 | tags.Tag("A")

    def test_subclass_in_python(self):
        class Loud(tags.Tag):
            pass

        self.assertEqual(Loud("X").canonical, "x")
        self.assertEqual(Loud("X") | tags.Tag("Y"), "xy")

    def test_holders_share_their_functions(self):
        t = tags.Tag("K")
        for make, kind in ((tags.pin, tags.Pin), (tags.badge, tags.Badge)):
            holder = make(t)
            self.assertIs(type(holder), kind)
        cycle = []
        cycle.append(tags.pin(cycle))
        del cycle
        gc.collect()


if __name__ == "__main__":
    unittest.main()
