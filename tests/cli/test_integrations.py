"""The pre-commit hooks (.pre-commit-hooks.yaml, through Debian's `pre-commit try-repo`, which
uses this tree as it is) and the GitHub Action's steps (action.yml, run as the runner would) on a
scratch git repository. Needs $OWNGIL, $OWNGIL_SOURCE (this repository) and pre-commit on PATH."""
import json
import os
import pathlib
import shutil
import subprocess
import tempfile
import unittest

import yaml

from test_cli import CORPUS, OWNGIL

SOURCE = pathlib.Path(os.environ.get("OWNGIL_SOURCE", pathlib.Path(__file__).resolve().parents[2]))


class ScratchRepository(unittest.TestCase):
    def setUp(self):
        self.tmp = pathlib.Path(tempfile.mkdtemp(prefix="owngil-hooks-"))
        self.addCleanup(shutil.rmtree, self.tmp, ignore_errors=True)
        self.repo = self.tmp / "repo"
        self.repo.mkdir()
        # The owngil under test first on PATH; pre-commit's cache in the scratch directory.
        self.env = dict(os.environ, PATH=str(pathlib.Path(OWNGIL).resolve().parent) + os.pathsep + os.environ["PATH"],
                        PRE_COMMIT_HOME=str(self.tmp / "cache"), GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@t",
                        GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@t")
        self.git("init", "-q")

    def git(self, *args):
        return subprocess.run(["git", *args], cwd=self.repo, env=self.env, check=True, capture_output=True, text=True)

    def add_case(self, case):
        shutil.copytree(CORPUS / case, self.repo / "src", ignore=shutil.ignore_patterns("expected*", "fix-args.txt"),
                        dirs_exist_ok=True)
        self.git("add", "-A")


@unittest.skipUnless(shutil.which("pre-commit"), "needs pre-commit (Debian package pre-commit)")
class PreCommitHooks(ScratchRepository):
    def hook(self, hook_id):
        return subprocess.run(["pre-commit", "try-repo", str(SOURCE), hook_id, "--all-files", "--verbose"],
                              cwd=self.repo, env=self.env, capture_output=True, text=True, timeout=600)

    def test_check_passes_on_an_isolated_module(self):
        self.add_case("clean_multiphase")
        r = self.hook("owngil-check")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertRegex(r.stdout, r"owngil check\.+Passed")
        self.assertIn("module 'clean': already isolated", r.stdout)

    def test_check_fails_with_root_relative_findings(self):
        self.add_case("single_phase_globals")
        r = self.hook("owngil-check")
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertRegex(r.stdout, r"owngil check\.+Failed")
        self.assertIn("src/spglobals.c:6:18: error: static global 'SpError'", r.stdout)

    def test_fix_ports_then_check_passes(self):
        self.add_case("single_phase_globals")
        r = self.hook("owngil-fix")
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)  # it changed files: pre-commit fails it
        self.assertIn("files were modified by this hook", r.stdout)
        self.assertIn("get_spglobals_state", (self.repo / "src" / "spglobals.c").read_text())
        self.git("add", "-A")
        again = self.hook("owngil-fix")
        self.assertEqual(again.returncode, 0, again.stdout + again.stderr)
        check = self.hook("owngil-check")
        self.assertEqual(check.returncode, 0, check.stdout + check.stderr)

    def test_hooks_skip_commits_without_c_files(self):
        (self.repo / "README.md").write_text("hello\n")
        self.git("add", "-A")
        r = self.hook("owngil-check")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertRegex(r.stdout, r"owngil check\.+\(no files to check\)Skipped")


class GithubAction(ScratchRepository):
    """action.yml's shell steps, run as the runner runs them (inputs in env, $GITHUB_OUTPUT)."""

    def steps(self):
        action = yaml.safe_load((SOURCE / "action.yml").read_text())
        self.assertEqual(action["runs"]["using"], "composite")
        return action, {s.get("id", s.get("name")): s for s in action["runs"]["steps"]}

    def run_step(self, step, inputs):
        env = dict(self.env, GITHUB_ACTION_PATH=str(SOURCE), RUNNER_TEMP=str(self.tmp),
                   GITHUB_OUTPUT=str(self.tmp / "output"), GITHUB_PATH=str(self.tmp / "path"))
        for name, value in step.get("env", {}).items():  # ${{ inputs.x }} as the runner expands it
            for key, given in inputs.items():
                value = value.replace("${{ inputs.%s }}" % key, given)
            env[name] = value
        return subprocess.run(["bash", "-e", "-c", step["run"]], cwd=self.repo, env=env, capture_output=True,
                              text=True, timeout=600)

    def test_check_step_annotates_and_writes_sarif(self):
        self.add_case("single_phase_globals")
        action, steps = self.steps()
        inputs = {k: v.get("default", "") for k, v in action["inputs"].items()}
        install = self.run_step(steps["Install owngil"], inputs)  # owngil is on PATH: nothing to build
        self.assertEqual((install.returncode, install.stdout), (0, ""), install.stderr)
        r = self.run_step(steps["check"], inputs)
        self.assertEqual(r.returncode, 0, r.stderr)  # the step records the code; "Result" fails the job
        self.assertIn("::error file=src/spglobals.c,line=6,col=18,title=OG101::", r.stdout)
        self.assertIn("exit-code=1", (self.tmp / "output").read_text())
        sarif = json.loads((self.repo / inputs["sarif-file"]).read_text())
        uris = {res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for res in sarif["runs"][0]["results"]}
        self.assertEqual(uris, {"src/spglobals.c"})
        self.assertIn("exit ${{ steps.check.outputs.exit-code }}", steps["Result"]["run"])

    def test_inputs_reach_owngil(self):
        self.add_case("single_phase_globals")
        action, steps = self.steps()
        inputs = {k: v.get("default", "") for k, v in action["inputs"].items()}
        inputs.update({"paths": "src", "args": "--select OG003", "fail-on": "never", "upload-sarif": "false"})
        r = self.run_step(steps["check"], inputs)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual([l for l in r.stdout.splitlines() if l.startswith("::")],
                         [l for l in r.stdout.splitlines() if "title=OG003::" in l])
        self.assertIn("exit-code=0", (self.tmp / "output").read_text())
        self.assertFalse((self.repo / inputs["sarif-file"]).exists())


if __name__ == "__main__":
    unittest.main()
