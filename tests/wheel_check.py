"""`pip install ./runtime` (runtime/pyproject.toml, the in-tree PEP 517 backend driving CMake),
offline, into a fresh venv of each CPython given; then `import owngil` there runs a Pool, without
PYTHONPATH. The source tree is left as it was.

    wheel_check.py --source REPO --python /path/python3.12 --python ...
"""
import argparse
import os
import pathlib
import subprocess
import sys
import tempfile
import textwrap
import unittest

ARGS = None


def files_under(root):
    return {p for p in root.rglob("*") if "__pycache__" not in p.parts}


class PipInstall(unittest.TestCase):
    def test_each_python(self):
        runtime = ARGS.source / "runtime"
        before = files_under(runtime)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "PIP_"))}
        env["PIP_NO_INDEX"] = "1"  # nothing from the network: the backend needs nothing
        for py in ARGS.python:
            with self.subTest(python=py), tempfile.TemporaryDirectory(prefix="owngil-wheel-test-") as tmp:
                venv = pathlib.Path(tmp) / "venv"
                subprocess.run([py, "-m", "venv", str(venv)], check=True, timeout=300)
                pip = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--no-index", str(runtime)],
                                     capture_output=True, text=True, env=env, timeout=900, cwd=tmp)
                self.assertEqual(pip.returncode, 0, pip.stdout + pip.stderr)
                code = textwrap.dedent("""
                    import threading, owngil
                    with owngil.Pool(2) as pool:
                        print(owngil.__version__, owngil.__file__, list(pool.map(abs, [-1, -2])))
                """)
                run = subprocess.run([str(venv / "bin" / "python"), "-c", code], capture_output=True, text=True,
                                     env=env, timeout=60, cwd=tmp)
                self.assertEqual(run.returncode, 0, run.stderr)
                version, where, results = run.stdout.split(" ", 2)
                self.assertTrue(where.startswith(str(venv)), where)
                self.assertEqual(results.strip(), "[1, 2]")
                cmake = (ARGS.source / "CMakeLists.txt").read_text()
                self.assertIn(f"project(owngil VERSION {version} ", cmake)
        self.assertEqual(files_under(runtime), before, "the build wrote into the source tree")


def main():
    global ARGS
    ap = argparse.ArgumentParser()
    ap.add_argument("--source", required=True, type=pathlib.Path)
    ap.add_argument("--python", action="append", default=[])
    ARGS, rest = ap.parse_known_args()
    unittest.main(argv=[sys.argv[0], "-v", *rest])


if __name__ == "__main__":
    main()
