"""`cmake --install` to a temporary prefix, then use it as a user would, from elsewhere: the
installed CLI (moved to another directory first: it finds its resources relative to itself)
checks a corpus module; `import owngil` works in each CPython's venv without PYTHONPATH; a C host
builds against the installed owngil.h with pkg-config, and another with find_package(owngil).

    install_check.py --build BUILD --corpus CORPUS --python /path/python3.12 --python ...
"""
import argparse
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import textwrap
import unittest

ARGS = None

HOST_C = r"""
#include <Python.h>
#include <owngil.h>
#include <stdio.h>
#include <stdlib.h>

int main(void) {
    PyConfig config;
    PyConfig_InitIsolatedConfig(&config);
    PyStatus status = PyConfig_SetBytesString(&config, &config.home, getenv("HOST_PYTHON_HOME"));
    if (!PyStatus_Exception(status)) status = Py_InitializeFromConfig(&config);
    PyConfig_Clear(&config);
    if (PyStatus_Exception(status)) return 2;
    char message[256] = "";
    owngil_id id;
    int rc = owngil_create(NULL, &id, message, sizeof message);
    if (rc == OWNGIL_OK) rc = owngil_run(id, "import sys; assert sum(range(10)) == 45", message, sizeof message);
    size_t alive = owngil_count();
    if (rc == OWNGIL_OK) rc = owngil_destroy(id, message, sizeof message);
    printf("status=%s alive=%zu after=%zu %s\n", owngil_status_text(rc), alive, owngil_count(), message);
    Py_Finalize();
    return rc;
}
"""


def sh(cmd, **kw):
    kw.setdefault("capture_output", True)
    kw.setdefault("text", True)
    kw.setdefault("timeout", 300)
    return subprocess.run([str(c) for c in cmd], **kw)


def clean_env(**extra):
    """The environment of a user who installed owngil: no variable of this build."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OWNGIL", "PYTHON"))}
    env.update(extra)
    return env


class Installed(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = pathlib.Path(tempfile.mkdtemp(prefix="owngil-install-"))
        r = sh(["cmake", "--install", ARGS.build, "--prefix", cls.tmp / "staged"])
        if r.returncode:
            raise RuntimeError("cmake --install failed:\n" + r.stdout + r.stderr)
        # Moved after installing: nothing may point back to where it was installed.
        cls.prefix = cls.tmp / "moved" / "prefix"
        cls.prefix.parent.mkdir()
        shutil.move(cls.tmp / "staged", cls.prefix)
        cls.elsewhere = cls.tmp / "elsewhere"
        cls.elsewhere.mkdir()

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_layout(self):
        for rel in ("bin/owngil", "include/owngil.h", "include/owngil.hpp", "include/owngil_compat.h",
                    "lib/pkgconfig/owngil.pc", "lib/cmake/owngil/owngilConfig.cmake", "share/man/man1/owngil.1",
                    "share/doc/owngil/rules/OG101.md", "share/doc/owngil/LICENSE", "lib/owngil/clang/16/include/stddef.h"):
            self.assertTrue((self.prefix / rel).is_file(), rel)
        for py in ARGS.python:
            v = self.version_of(py)
            self.assertTrue((self.prefix / f"lib/libowngil-py{v}.a").is_file())
            self.assertTrue((self.prefix / f"lib/python{v}/site-packages/owngil/__init__.py").is_file())
        man = (self.prefix / "share/man/man1/owngil.1").read_text()
        self.assertIn('.TH OWNGIL 1 "" "owngil ', man)
        self.assertNotIn("@", man.split("\n", 1)[0])

    def test_cli_from_another_directory(self):
        owngil = self.prefix / "bin" / "owngil"
        case = self.elsewhere / "single_phase_globals"
        shutil.copytree(ARGS.corpus / "single_phase_globals", case, dirs_exist_ok=True)
        r = sh([owngil, "check", "--format", "json", "single_phase_globals"], cwd=self.elsewhere, env=clean_env())
        self.assertEqual(r.returncode, 1, r.stderr)
        doc = json.loads(r.stdout)
        self.assertEqual(doc["errors"], [])
        self.assertIn(("spglobals.c", 6, "OG101"), {(f["file"], f["line"], f["rule"]) for f in doc["findings"]})
        # Clang's builtin headers from beside the executable, not from the build machine's LLVM.
        self.assertEqual(doc["clang_resource_dir"], str(self.prefix / "lib/owngil/clang/16"))
        doc_page = sh([owngil, "rules", "OG101"], cwd=self.elsewhere, env=clean_env())
        self.assertEqual(doc_page.stdout, (self.prefix / "share/doc/owngil/rules/OG101.md").read_text())
        version = sh([owngil, "--version"], env=clean_env())
        self.assertRegex(version.stdout, r"^owngil \d+\.\d+\.\d+$")

    @staticmethod
    def version_of(py):
        return sh([py, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"]).stdout.strip()

    def test_import_in_a_venv_of_each_python(self):
        for py in ARGS.python:
            v = self.version_of(py)
            with self.subTest(python=v):
                venv = self.tmp / f"venv{v}"
                self.assertEqual(sh([py, "-m", "venv", "--without-pip", venv]).returncode, 0)
                r = sh(["cmake", "--install", ARGS.build, "--prefix", venv, "--component", f"python{v}"])
                self.assertEqual(r.returncode, 0, r.stderr)
                code = textwrap.dedent("""
                    import threading, owngil
                    with owngil.Pool(2) as pool:
                        results = list(pool.map(abs, [-1, -2, -3]))
                    print(owngil.__version__, owngil.__file__, results)
                """)
                run = sh([venv / "bin" / "python", "-c", code], cwd=self.elsewhere, env=clean_env(), timeout=60)
                self.assertEqual(run.returncode, 0, run.stderr)
                version, where, results = run.stdout.split(" ", 2)
                self.assertTrue(where.startswith(str(venv / "lib" / f"python{v}" / "site-packages")), where)
                self.assertEqual(results.strip(), "[1, 2, 3]")

    def build_and_run_host(self, exe, py):
        home = sh([py, "-c", "import sys; print(sys.base_prefix)"]).stdout.strip()
        run = sh([exe], env=clean_env(HOST_PYTHON_HOME=home), timeout=60)
        self.assertEqual(run.returncode, 0, run.stdout + run.stderr)
        self.assertEqual(run.stdout.split()[:3], ["status=ok", "alive=1", "after=0"])

    def test_c_host_with_pkg_config(self):
        for py in ARGS.python:
            v = self.version_of(py)
            with self.subTest(python=v):
                host = self.elsewhere / f"host{v}.c"
                host.write_text(HOST_C)
                env = clean_env(PKG_CONFIG_PATH=str(self.prefix / "lib" / "pkgconfig"))
                flags = sh(["pkg-config", "--cflags", "--libs", f"owngil-py{v}"], env=env)
                self.assertEqual(flags.returncode, 0, flags.stderr)
                exe = self.elsewhere / f"host{v}"
                cc = sh(["cc", "-Wall", "-Werror", host, "-o", exe, *flags.stdout.split()], env=env)
                self.assertEqual(cc.returncode, 0, cc.stderr)
                self.build_and_run_host(exe, py)
        newest = sh(["pkg-config", "--modversion", "owngil"], env=env)
        self.assertEqual(newest.returncode, 0, newest.stderr)

    def test_c_host_with_find_package(self):
        py = ARGS.python[-1]
        v = self.version_of(py)
        project = self.elsewhere / "cmake-host"
        project.mkdir()
        (project / "host.c").write_text(HOST_C)
        (project / "CMakeLists.txt").write_text(textwrap.dedent(f"""
            cmake_minimum_required(VERSION 3.20)
            project(host C CXX)
            find_package(owngil CONFIG REQUIRED)
            add_executable(host host.c)
            target_link_libraries(host PRIVATE owngil::runtime-py{v})
        """))
        build = project / "build"
        cfg = sh(["cmake", "-S", project, "-B", build, "-G", "Ninja", f"-DCMAKE_PREFIX_PATH={self.prefix}"],
                 env=clean_env())
        self.assertEqual(cfg.returncode, 0, cfg.stdout + cfg.stderr)
        b = sh(["cmake", "--build", build], env=clean_env())
        self.assertEqual(b.returncode, 0, b.stdout + b.stderr)
        self.build_and_run_host(build / "host", py)


def main():
    global ARGS
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", required=True, type=pathlib.Path)
    ap.add_argument("--corpus", required=True, type=pathlib.Path)
    ap.add_argument("--python", action="append", default=[])
    ARGS, rest = ap.parse_known_args()
    unittest.main(argv=[sys.argv[0], "-v", *rest])


if __name__ == "__main__":
    main()
