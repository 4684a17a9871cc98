import ctypes
import unittest

import capsty


class CapstyTest(unittest.TestCase):
    def test_capsule_points_at_the_type(self):
        get = ctypes.pythonapi.PyCapsule_GetPointer
        get.restype = ctypes.POINTER(ctypes.c_void_p)
        get.argtypes = [ctypes.py_object, ctypes.c_char_p]
        api = get(capsty._C_API, b"capsty._C_API")
        self.assertEqual(api[0], id(capsty.Count))
        self.assertIsInstance(capsty.Count(), capsty.Count)


if __name__ == "__main__":
    unittest.main()
