"""The one version: project(owngil VERSION x.y.z) in CMakeLists.txt is what `owngil.__version__`
and `owngil --version` say."""
import os
import pathlib
import re
import subprocess
import unittest

import owngil

ROOT = pathlib.Path(__file__).resolve().parents[2]


def project_version():
    text = (ROOT / "CMakeLists.txt").read_text()
    return re.search(r"project\(owngil VERSION (\d+\.\d+\.\d+)", text).group(1)


class Version(unittest.TestCase):
    def test_package_version_is_the_project_version(self):
        self.assertEqual(owngil.__version__, project_version())

    @unittest.skipUnless(os.environ.get("OWNGIL"), "needs $OWNGIL (the CLI)")
    def test_cli_version_is_the_project_version(self):
        out = subprocess.run([os.environ["OWNGIL"], "--version"], capture_output=True, text=True, timeout=60)
        self.assertEqual(out.returncode, 0)
        self.assertEqual(out.stdout.strip(), f"owngil {project_version()}")


if __name__ == "__main__":
    unittest.main()
