"""Paths from the project root: whatever path and working directory `check` and `fix` are given,
SARIF URIs, JSON paths, baseline keys, fingerprints and diff paths are relative to the nearest
directory upwards holding pyproject.toml or .git (or --root), so that code scanning maps alerts,
a baseline written one way matches findings checked another way, and `git apply` works from it.
"""
import json
import shutil
import subprocess
import unittest

from test_cli import CORPUS, TreeCase, run


class ProjectRoot(TreeCase):
    def make_project(self, marker=".git"):
        """A project with its module in src/ and the root marked by `marker`."""
        root = self.tmp / "proj"
        shutil.copytree(CORPUS / "single_phase_globals", root / "src", ignore=shutil.ignore_patterns("expected*"))
        if marker == ".git":
            subprocess.run(["git", "init", "-q", str(root)], check=True)
        else:
            (root / marker).write_text("[project]\nname = 'proj'\n")
        return root

    def sarif_locations(self, args, cwd):
        r = run("check", "--no-config", "--format", "sarif", *args, cwd=cwd)
        self.assertEqual(r.returncode, 1, r.stderr)
        run_ = json.loads(r.stdout)["runs"][0]
        found = {(res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
                  res["partialFingerprints"]["owngilFingerprint/v1"]) for res in run_["results"]}
        return found, run_["originalUriBaseIds"]["SRCROOT"]["uri"]

    def test_sarif_uris_and_fingerprints_do_not_depend_on_the_path_given(self):
        for marker in (".git", "pyproject.toml"):
            with self.subTest(marker=marker):
                root = self.make_project(marker)
                ways = [(["src"], root), (["."], root), (["src/spglobals.c"], root), (["spglobals.c"], root / "src"),
                        ([root / "src"], self.tmp)]
                results = [self.sarif_locations(args, cwd) for args, cwd in ways]
                first, base = results[0]
                self.assertEqual(base, "file://" + str(root) + "/")
                self.assertEqual({uri for uri, _ in first}, {"src/spglobals.c"})
                self.assertEqual(len(first), 5)
                for (args, cwd), (found, other_base) in zip(ways, results):
                    self.assertEqual(found, first, f"check {args} from {cwd}")
                    self.assertEqual(other_base, base)
                shutil.rmtree(root)

    def test_json_paths_and_root(self):
        root = self.make_project()
        r = run("check", "--no-config", "--format", "json", "spglobals.c", cwd=root / "src")
        doc = json.loads(r.stdout)
        self.assertEqual(doc["root"], str(root))
        self.assertEqual({f["file"] for f in doc["findings"]}, {"src/spglobals.c"})
        self.assertEqual(doc["modules"][0]["files"], ["src/spglobals.c"])

    def test_baseline_written_one_way_matches_the_others(self):
        root = self.make_project()
        baseline = self.tmp / "baseline.json"
        w = run("check", "--no-config", "--write-baseline", baseline, "src/", cwd=root)
        self.assertEqual(w.returncode, 0, w.stderr)
        keys = {e["file"] for e in json.loads(baseline.read_text())["findings"]}
        self.assertEqual(keys, {"src/spglobals.c"})
        for args, cwd in ((["."], root), (["src/spglobals.c"], root), (["."], root / "src"), ([root], self.tmp)):
            with self.subTest(args=args, cwd=cwd):
                r = run("check", "--no-config", "--format", "json", "--baseline", baseline, *args, cwd=cwd)
                self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
                doc = json.loads(r.stdout)
                self.assertEqual((doc["findings"], doc["baselined"]), ([], 5))

    def test_fix_diff_applies_from_the_root(self):
        root = self.make_project()
        subprocess.run(["git", "-C", str(root), "add", "."], check=True)
        for args, cwd in ((["src"], root), (["."], root / "src")):
            with self.subTest(args=args, cwd=cwd):
                r = run("fix", "--no-config", *args, cwd=cwd)
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertIn("+++ b/src/spglobals.c", r.stdout)
                patch = self.tmp / "port.diff"
                patch.write_text(r.stdout)
                check = subprocess.run(["git", "apply", "--check", str(patch)], cwd=root, capture_output=True, text=True)
                self.assertEqual(check.returncode, 0, check.stderr)
        subprocess.run(["git", "apply", str(patch)], cwd=root, check=True)
        self.assertIn("get_spglobals_state", (root / "src" / "spglobals.c").read_text())

    def test_root_option(self):
        root = self.make_project()
        r = run("check", "--no-config", "--format", "json", "--root", root / "src", ".", cwd=root)
        self.assertEqual({f["file"] for f in json.loads(r.stdout)["findings"]}, {"spglobals.c"})
        bad = run("check", "--no-config", "--root", self.tmp / "missing", ".", cwd=root)
        self.assertEqual(bad.returncode, 2)
        self.assertIn("--root", bad.stderr)
        self.assertIn("not a directory", bad.stderr)

    def test_without_a_marker_paths_are_relative_to_the_inputs(self):
        case = self.copy_case("single_phase_globals")  # a scratch directory: no pyproject.toml, no .git
        r = run("check", "--no-config", "--format", "json", case)
        self.assertEqual({f["file"] for f in json.loads(r.stdout)["findings"]}, {"spglobals.c"})


class CompileDatabaseFile(TreeCase):
    def test_p_takes_the_file_or_its_directory(self):
        case = self.copy_case("single_phase_globals")
        py_include = json.loads(run("check", "--format", "json", "--no-config", case).stdout)["python_include"]
        entries = [{"directory": str(case), "file": "spglobals.c",
                    "arguments": ["cc", "-I", py_include, "-c", "spglobals.c", "-o", "spglobals.o"]}]
        (case / "compile_commands.json").write_text(json.dumps(entries))
        by_dir = run("check", "--no-config", "--format", "json", "-p", case)
        by_file = run("check", "--no-config", "--format", "json", "-p", case / "compile_commands.json")
        self.assertEqual(by_file.returncode, 1, by_file.stderr)
        self.assertEqual(json.loads(by_file.stdout)["findings"], json.loads(by_dir.stdout)["findings"])
        self.assertEqual(json.loads(by_file.stdout)["files"], {"total": 1, "analyzed": 1})
        other = run("check", "--no-config", "-p", case / "spglobals.c")
        self.assertEqual(other.returncode, 2)
        self.assertIn("expected compile_commands.json or the directory holding it", other.stderr)


if __name__ == "__main__":
    unittest.main()
