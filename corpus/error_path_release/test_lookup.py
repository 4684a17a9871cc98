import os
import subprocess
import sys
import unittest

import lookup


def in_subinterpreter():
    try:
        import _interpreters as interpreters
    except ImportError:
        import _xxsubinterpreters as interpreters
    return interpreters.get_current() != interpreters.get_main()


class LookupTest(unittest.TestCase):
    def test_resolve(self):
        self.assertIs(lookup.resolve("yes"), True)
        self.assertEqual(lookup.resolve("maybe"), "unknown")
        lookup.forget()
        self.assertEqual(lookup.resolve("maybe"), "forgotten")

    def test_failed_init_is_clean(self):
        if in_subinterpreter():
            self.skipTest("own-GIL subinterpreters cannot start processes")
        # The init error path runs in a child: it must raise, not crash, also under the debug allocator.
        env = dict(os.environ, LOOKUP_FAIL_INIT="1", PYTHONMALLOC="debug", PYTHONPATH=os.pathsep.join(sys.path))
        code = "import lookup"
        r = subprocess.run([sys.executable, "-X", "dev", "-c", code], env=env, capture_output=True, text=True)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("RuntimeError: forced failure", r.stderr)


if __name__ == "__main__":
    unittest.main()
