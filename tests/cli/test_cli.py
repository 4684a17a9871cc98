"""The owngil command line as CI and people use it: exit codes, formats, suppressions, baseline,
pyproject.toml configuration, compile databases and bad input.

Needs $OWNGIL (the binary) and $OWNGIL_CORPUS (the corpus directory); ctest sets both.
"""
import json
import os
import pathlib
import shutil
import subprocess
import tempfile
import textwrap
import unittest

OWNGIL = os.environ.get("OWNGIL", "owngil")
CORPUS = pathlib.Path(os.environ.get("OWNGIL_CORPUS", pathlib.Path(__file__).resolve().parents[2] / "corpus"))


def run(*args, cwd=None):
    return subprocess.run([OWNGIL, *map(str, args)], capture_output=True, text=True, cwd=cwd, timeout=300)


class TreeCase(unittest.TestCase):
    """Each test gets a scratch copy of some corpus cases."""

    def setUp(self):
        self.tmp = pathlib.Path(tempfile.mkdtemp(prefix="owngil-cli-"))
        self.addCleanup(shutil.rmtree, self.tmp, ignore_errors=True)

    def copy_case(self, name):
        dest = self.tmp / name
        shutil.copytree(CORPUS / name, dest)
        return dest

    def write(self, rel, text):
        path = self.tmp / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
        return path


class ExitCodes(TreeCase):
    def test_clean_module_exits_0(self):
        r = run("check", "--no-config", self.copy_case("clean_multiphase"))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("module 'clean': already isolated", r.stdout)

    def test_findings_exit_1(self):
        r = run("check", "--no-config", self.copy_case("single_phase_globals"))
        self.assertEqual(r.returncode, 1)
        self.assertRegex(r.stdout, r"spglobals\.c:6:18: error: .*\[OG101\]")
        self.assertIn("module 'spglobals': can be ported automatically", r.stdout)

    def test_fail_on_threshold(self):
        case = self.copy_case("suppressed")  # one warning left
        self.assertEqual(run("check", "--no-config", case).returncode, 1)
        self.assertEqual(run("check", "--no-config", "--fail-on", "error", case).returncode, 0)
        self.assertEqual(run("check", "--no-config", "--fail-on", "never", self.copy_case("static_types")).returncode, 0)

    def test_usage_errors_exit_2(self):
        case = self.copy_case("clean_multiphase")
        for args in (["--format", "xml"], ["--select", "OG999"], ["--fail-on", "sometimes"]):
            r = run("check", "--no-config", *args, case)
            self.assertEqual(r.returncode, 2, args)
            self.assertIn("error:", r.stderr)
        self.assertEqual(run("frobnicate").returncode, 2)

    def test_nothing_analysable_exits_2(self):
        r = run("check", "--no-config", self.tmp / "missing")
        self.assertEqual(r.returncode, 2)
        self.assertIn("missing: error: no such file or directory", r.stderr)

    def test_select_and_ignore(self):
        case = self.copy_case("single_phase_globals")
        r = run("check", "--no-config", "--format", "json", "--select", "OG1", "--ignore", "OG103", case)
        rules = {f["rule"] for f in json.loads(r.stdout)["findings"]}
        self.assertEqual(rules, {"OG101", "OG102"})


class Formats(TreeCase):
    def test_json_schema(self):
        r = run("check", "--no-config", "--format", "json", self.copy_case("heap_type_issues"))
        doc = json.loads(r.stdout)
        self.assertEqual((doc["schema"], doc["version"]), ("owngil-check", 1))
        self.assertEqual(doc["files"], {"total": 1, "analyzed": 1})
        keys = {"rule", "name", "severity", "message", "file", "line", "column", "symbol", "module", "fixable",
                "fingerprint", "notes"}
        self.assertEqual(len(doc["findings"]), 4)
        for f in doc["findings"]:
            self.assertEqual(set(f), keys)
            self.assertEqual(f["module"], "heaptypes")
        [module] = doc["modules"]
        self.assertEqual(module["verdict"], "manual")
        self.assertEqual(module["counts"]["warning"], 4)

    def test_sarif_structure(self):
        r = run("check", "--no-config", "--format", "sarif", self.copy_case("single_phase_globals"))
        doc = json.loads(r.stdout)
        self.assertEqual(doc["version"], "2.1.0")
        [run_] = doc["runs"]
        rules = run_["tool"]["driver"]["rules"]
        ids = [rule["id"] for rule in rules]
        self.assertEqual(ids, sorted(ids))
        self.assertIn("OG101", ids)
        for rule in rules:
            self.assertTrue(rule["help"]["markdown"].startswith("# " + rule["id"]), rule["id"])
        results = run_["results"]
        self.assertEqual(len(results), 5)
        for res in results:
            self.assertEqual(rules[res["ruleIndex"]]["id"], res["ruleId"])
            loc = res["locations"][0]["physicalLocation"]
            self.assertEqual(loc["artifactLocation"]["uriBaseId"], "SRCROOT")
            self.assertFalse(loc["artifactLocation"]["uri"].startswith("/"))
            self.assertGreater(loc["region"]["startLine"], 0)
            self.assertIn("owngilFingerprint/v1", res["partialFingerprints"])
        self.assertTrue(run_["originalUriBaseIds"]["SRCROOT"]["uri"].startswith("file:///"))

    def test_text_has_source_line_and_caret(self):
        r = run("check", "--no-config", "--color", "never", self.copy_case("single_phase_globals"))
        lines = r.stdout.splitlines()
        i = next(i for i, l in enumerate(lines) if "[OG101]" in l)
        self.assertIn("static PyObject *SpError = NULL;", lines[i + 1])
        caret = lines[i + 2].split("| ", 1)[1]
        self.assertEqual(caret.index("^"), lines[i + 1].split("| ", 1)[1].index("SpError"))
        self.assertNotIn("\033[", r.stdout)

    def test_output_file(self):
        out = self.tmp / "report.json"
        run("check", "--no-config", "--format", "json", "-o", out, self.copy_case("clean_multiphase"))
        self.assertEqual(json.loads(out.read_text())["findings"], [])


class Suppressions(TreeCase):
    def test_comment_suppresses_and_removing_it_reports(self):
        case = self.copy_case("suppressed")
        doc = json.loads(run("check", "--no-config", "--format", "json", case).stdout)
        self.assertEqual(doc["suppressed"], 1)
        self.assertNotIn("OG101", {f["rule"] for f in doc["findings"]})
        source = case / "quiet.c"
        source.write_text(source.read_text().replace("/* owngil: ignore[OG101] immortal string, reviewed */", ""))
        doc = json.loads(run("check", "--no-config", "--format", "json", case).stdout)
        self.assertEqual(doc["suppressed"], 0)
        self.assertIn("OG101", {f["rule"] for f in doc["findings"]})

    def test_comment_for_another_rule_does_not_suppress(self):
        case = self.copy_case("suppressed")
        source = case / "quiet.c"
        source.write_text(source.read_text().replace("ignore[OG101] immortal", "ignore[OG102] immortal"))
        doc = json.loads(run("check", "--no-config", "--format", "json", case).stdout)
        self.assertIn("OG101", {f["rule"] for f in doc["findings"]})


class Baseline(TreeCase):
    def test_baseline_hides_old_findings_and_shows_new_ones(self):
        case = self.copy_case("single_phase_globals")
        baseline = self.tmp / "baseline.json"
        r = run("check", "--no-config", "--write-baseline", baseline, case)
        self.assertEqual(r.returncode, 0)
        self.assertEqual(len(json.loads(baseline.read_text())["findings"]), 5)
        self.assertEqual(run("check", "--no-config", "--baseline", baseline, case).returncode, 0)
        # Moving code keeps the baseline valid; a new global is a new finding.
        source = case / "spglobals.c"
        text = source.read_text().replace("static PyObject *SpError = NULL;",
                                          "\n\nstatic PyObject *SpError = NULL;\nstatic PyObject *Extra = NULL;")
        text = text.replace("calls++;", "calls++;\n    Extra = arg;")
        source.write_text(text)
        r = run("check", "--no-config", "--format", "json", "--baseline", baseline, case)
        self.assertEqual(r.returncode, 1)
        doc = json.loads(r.stdout)
        self.assertEqual([f["symbol"] for f in doc["findings"]], ["Extra"])
        self.assertEqual(doc["baselined"], 5)

    def test_broken_baseline_is_an_error(self):
        bad = self.write("bad.json", "{not json")
        r = run("check", "--no-config", "--baseline", bad, self.copy_case("clean_multiphase"))
        self.assertEqual(r.returncode, 2)
        self.assertIn("bad.json", r.stderr)


class Config(TreeCase):
    def test_pyproject_select_and_fail_on(self):
        case = self.copy_case("single_phase_globals")
        self.write("single_phase_globals/pyproject.toml", """
            [tool.owngil]
            select = ["OG103"]
            fail-on = "error"
            """)
        r = run("check", "--format", "json", case)
        self.assertEqual({f["rule"] for f in json.loads(r.stdout)["findings"]}, {"OG103"})
        self.assertEqual(r.returncode, 0)  # only a warning, and fail-on is error
        r = run("check", "--format", "json", "--fail-on", "warning", case)  # flags win
        self.assertEqual(r.returncode, 1)
        r = run("check", "--no-config", "--format", "json", case)
        self.assertEqual(len(json.loads(r.stdout)["findings"]), 5)

    def test_bad_config_names_file_and_line(self):
        case = self.copy_case("clean_multiphase")
        self.write("clean_multiphase/pyproject.toml", "[tool.owngil]\nselect = [\"OG101\"]\nfial-on = \"error\"\n")
        r = run("check", case)
        self.assertEqual(r.returncode, 2)
        self.assertIn("pyproject.toml:3: unknown key 'fial-on'", r.stderr)

    def test_pyproject_without_table_is_ignored(self):
        case = self.copy_case("clean_multiphase")
        self.write("clean_multiphase/pyproject.toml", "[project]\nname = \"x\"\n")
        self.assertEqual(run("check", case).returncode, 0)


class Rules(unittest.TestCase):
    def test_list(self):
        r = run("rules")
        self.assertEqual(r.returncode, 0)
        ids = [line.split()[0] for line in r.stdout.splitlines()[1:]]
        self.assertEqual(len(ids), 15)
        self.assertIn("OG303", ids)
        self.assertIn("OG201", ids)

    def test_doc_by_id_and_name(self):
        by_id, by_name = run("rules", "OG101"), run("rules", "global-object")
        self.assertEqual(by_id.stdout, by_name.stdout)
        for heading in ("## What it finds", "## Why it blocks isolation", "## Example", "## Fix"):
            self.assertIn(heading, by_id.stdout)
        self.assertEqual(run("rules", "OG999").returncode, 2)


class BadInput(TreeCase):
    def test_unparsable_file_is_reported_and_others_analysed(self):
        case = self.copy_case("single_phase_globals")
        self.write("single_phase_globals/broken.c", "#include <Python.h>\nint f( {\n")
        r = run("check", "--no-config", "--format", "json", case)
        doc = json.loads(r.stdout)
        self.assertEqual(r.returncode, 1)
        self.assertEqual(doc["files"], {"total": 2, "analyzed": 2})
        self.assertTrue(any(e["file"] == "broken.c" and e["line"] == 2 for e in doc["errors"]), doc["errors"])
        self.assertIn("broken.c:2:", r.stderr)
        self.assertEqual(len(doc["findings"]), 5)

    def test_missing_header_is_fatal_for_that_file_only(self):
        case = self.copy_case("single_phase_globals")
        self.write("single_phase_globals/needs.c", "#include \"not_there.h\"\nint x;\n")
        r = run("check", "--no-config", "--format", "json", case)
        doc = json.loads(r.stdout)
        self.assertEqual(doc["files"], {"total": 2, "analyzed": 1})
        self.assertTrue(any("not_there.h" in e["message"] for e in doc["errors"]))
        self.assertEqual(len(doc["findings"]), 5)

    def test_non_utf8_source(self):
        case = self.copy_case("clean_multiphase")
        (case / "latin1.c").write_bytes(b"/* caf\xe9 */\n#include <Python.h>\nstatic PyObject *g\xe9 = 0;\n")
        r = run("check", "--no-config", "--format", "json", case)
        self.assertIn(r.returncode, (0, 1))
        json.loads(r.stdout)  # still valid JSON

    def test_symlink_loop(self):
        case = self.copy_case("clean_multiphase")
        os.symlink(case, case / "loop")
        os.symlink(case / "self.c", case / "self.c")
        r = run("check", "--no-config", case)
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_tree_without_module(self):
        self.write("lib/util.c", "int add(int a, int b) { return a + b; }\n")
        r = run("check", "--no-config", self.tmp / "lib")
        self.assertEqual(r.returncode, 0)
        self.assertIn("no extension module found", r.stderr)


class Verdicts(TreeCase):
    """A module is called isolated only when nothing kept check from seeing all of it."""

    def clean_with(self, extra):
        case = self.copy_case("clean_multiphase")
        source = case / "clean.c"
        source.write_text(source.read_text().replace("static struct PyModuleDef clean_module;",
                                                     extra + "\nstatic struct PyModuleDef clean_module;"))
        return case

    def verdict(self, *args):
        r = run("check", "--no-config", "--format", "json", *args)
        return r, {m["name"]: m for m in json.loads(r.stdout)["modules"]}

    def test_a_file_that_did_not_compile_is_never_isolated(self):
        case = self.clean_with("static int vanished(PyObject *o) { return PyObject_TypeCheck(o, &VanishedType); }")
        r = run("check", "--no-config", case)
        self.assertNotEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("module 'clean': could not be analysed completely", r.stdout)
        self.assertNotIn("already isolated", r.stdout)
        r, modules = self.verdict(case)
        self.assertEqual(modules["clean"]["verdict"], "incomplete")
        self.assertEqual(modules["clean"]["counts"]["input_errors"], 1)

    def test_manual_work_stays_the_verdict_with_input_errors(self):
        case = self.copy_case("gilstate_callback")
        source = case / "gilcb.c"
        source.write_text(source.read_text() + "\nstatic int vanished(void) { return VanishedCount; }\n")
        r = run("check", "--no-config", case)
        self.assertIn("module 'gilcb': needs manual work (see owngil fix for why); also 1 input error in its files",
                      r.stdout)

    def test_a_file_not_found_leaves_no_module_isolated(self):
        case = self.copy_case("clean_multiphase")
        r = run("check", "--no-config", case / "clean.c", case / "gone.c")
        self.assertNotEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("gone.c", r.stderr)
        self.assertIn("module 'clean': could not be analysed completely", r.stdout)

    def test_suppressed_findings_are_named_in_the_verdict(self):
        case = self.clean_with("static PyObject *cache; /* owngil: ignore[OG101] reviewed */\n"
                               "PyObject *peek(void) { return cache; }")
        r = run("check", "--no-config", case)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("module 'clean': isolated except for 1 suppressed finding", r.stdout)
        r, modules = self.verdict(case)
        self.assertEqual(modules["clean"]["verdict"], "isolated-except-hidden")
        self.assertEqual(modules["clean"]["counts"]["suppressed"], 1)

    def test_baselined_and_ignored_findings_are_named_in_the_verdict(self):
        case = self.clean_with("static PyObject *cache;\nPyObject *peek(void) { return cache; }")
        baseline = self.tmp / "baseline.json"
        self.assertEqual(run("check", "--no-config", "--write-baseline", baseline, case).returncode, 0)
        r = run("check", "--no-config", "--baseline", baseline, case)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("module 'clean': isolated except for 1 baselined finding", r.stdout)
        r = run("check", "--no-config", "--ignore", "OG101", case)
        self.assertIn("module 'clean': isolated except for 1 ignored finding", r.stdout)
        r, modules = self.verdict("--select", "OG2", case)
        self.assertEqual(modules["clean"]["verdict"], "isolated-except-hidden")
        self.assertEqual(modules["clean"]["counts"]["ignored"], 1)

    def test_a_unity_part_that_only_fails_alone_leaves_the_module_complete(self):
        # part.c compiles only where clean.c includes it: its errors alone say nothing is unseen.
        case = self.clean_with('#include "part.c"')
        (case / "part.c").write_text("static int part_is_set(PyObject *o) { return o != NULL; }\n")
        r, modules = self.verdict(case)
        self.assertTrue(any(e["file"] == "part.c" for e in json.loads(r.stdout)["errors"]), r.stdout)
        self.assertEqual(modules["clean"]["verdict"], "isolated")

    def test_clean_module_is_still_already_isolated(self):
        r, modules = self.verdict(self.copy_case("clean_multiphase"))
        self.assertEqual(modules["clean"]["verdict"], "isolated")


class CompileDatabase(TreeCase):
    def test_compile_commands(self):
        case = self.copy_case("multi_file")
        include = subprocess.run([OWNGIL, "check", "--format", "json", "--no-config", case],
                                 capture_output=True, text=True)
        py_include = json.loads(include.stdout)["python_include"]
        entries = [{"directory": str(case), "file": name,
                    "arguments": ["cc", "-I", py_include, "-Iinclude", "-c", name, "-o", name + ".o"]}
                   for name in ("mf_module.c", "mf_registry.c")]
        (case / "compile_commands.json").write_text(json.dumps(entries))
        r = run("check", "--no-config", "--format", "json", "-p", case)
        doc = json.loads(r.stdout)
        self.assertEqual(doc["files"], {"total": 2, "analyzed": 2}, r.stderr)
        self.assertEqual(sorted(f["rule"] for f in doc["findings"]), ["OG001", "OG101", "OG103"])

    def test_broken_compile_database(self):
        case = self.copy_case("multi_file")
        (case / "compile_commands.json").write_text("[{oops")
        r = run("check", "--no-config", "-p", case)
        self.assertEqual(r.returncode, 2)
        self.assertIn("compile_commands.json", r.stderr)


if __name__ == "__main__":
    unittest.main()


class Fix(TreeCase):
    def test_diff_then_write(self):
        case = self.copy_case("single_phase_plain")
        before = (case / "plain.c").read_text()
        r = run("fix", "--no-config", case)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(r.stdout.startswith("--- a/plain.c\n+++ b/plain.c\n"))
        self.assertIn("module 'plain': ported (OG001, OG002, OG003)", r.stderr)
        self.assertEqual((case / "plain.c").read_text(), before)  # a diff only: nothing written
        r = run("fix", "--no-config", "--write", case)
        self.assertEqual(r.returncode, 0)
        self.assertIn("static int plain_exec(PyObject *module)", (case / "plain.c").read_text())
        self.assertEqual(list(case.glob("*.owngil-tmp")), [])
        self.assertEqual(run("fix", "--no-config", case).stdout, "")  # idempotent
        self.assertEqual(run("check", "--no-config", case).returncode, 0)

    def test_write_ports_one_module_and_leaves_the_refused_one(self):
        plain, heap = self.copy_case("single_phase_plain"), self.copy_case("heap_type_issues")
        before = (heap / "heaptypes.c").read_text()
        r = run("fix", "--no-config", "--write", self.tmp)
        self.assertEqual(r.returncode, 1)
        self.assertIn("module 'heaptypes': not touched", r.stderr)
        self.assertIn("heap_type_issues/heaptypes.c:33:14: OG202", r.stderr)
        self.assertIn("module 'plain': ported", r.stderr)
        self.assertEqual((heap / "heaptypes.c").read_text(), before)
        self.assertIn("plain_exec", (plain / "plain.c").read_text())

    def test_type_port_adds_the_compat_header_once(self):
        case = self.copy_case("static_types")
        r = run("fix", "--no-config", case)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(r.stdout.startswith("--- /dev/null\n+++ b/owngil_compat.h\n@@ -0,0 +1,"))
        self.assertFalse((case / "owngil_compat.h").exists())
        r = run("fix", "--no-config", "--write", case)
        self.assertIn("wrote 2 file(s)", r.stderr)
        self.assertIn("OWNGIL_COMPAT_VERSION", (case / "owngil_compat.h").read_text())
        self.assertEqual((case / "stypes.c").read_text().count('#include "owngil_compat.h"'), 1)
        self.assertEqual(run("fix", "--no-config", case).stdout, "")
        self.assertEqual(run("check", "--no-config", case).returncode, 0)

    def test_method_state_option_and_config(self):
        case = self.copy_case("static_types")
        fastest = run("fix", "--no-config", case)
        self.assertEqual(fastest.returncode, 0, fastest.stderr)
        self.assertIn("point_shifted_method", fastest.stdout)  # METH_VARARGS: defining class
        self.assertNotIn("point_moved_to_method", fastest.stdout)  # METH_O: through its type
        every = run("fix", "--no-config", "--method-state", "defining-class", case)
        self.assertIn("point_moved_to_method", every.stdout)
        self.write("static_types/pyproject.toml", '[tool.owngil]\nmethod-state = "defining-class"\n')
        self.assertEqual(run("fix", case).stdout, every.stdout)
        self.assertEqual(run("fix", "--method-state", "fastest", case).stdout, fastest.stdout)  # flags win
        self.write("static_types/pyproject.toml", '[tool.owngil]\nmethod-state = "fast"\n')
        r = run("fix", case)
        self.assertEqual(r.returncode, 2)
        self.assertIn("method-state must be fastest or defining-class, not 'fast'", r.stderr)
        self.assertIn("pyproject.toml", r.stderr)

    def test_rules_option_limits_repairs(self):
        case = self.copy_case("single_phase_plain")
        r = run("fix", "--no-config", "--rules", "OG002", case)
        self.assertEqual(r.returncode, 1)  # OG001 is needed too: refused, not half done
        self.assertIn("left by --rules", r.stderr)
        self.assertEqual(r.stdout, "")

    def test_check_verdict_agrees_with_fix(self):
        case = self.copy_case("refuse_callback")  # every finding is fixable, but fix must refuse
        r = run("check", "--no-config", "--format", "json", case)
        self.assertEqual(json.loads(r.stdout)["modules"][0]["verdict"], "manual")
        self.assertEqual(run("fix", "--no-config", case).returncode, 1)
