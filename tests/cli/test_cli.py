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


def run(*args, cwd=None, timeout=300):
    return subprocess.run([OWNGIL, *map(str, args)], capture_output=True, text=True, cwd=cwd, timeout=timeout)


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
        self.assertEqual(len(ids), 17)
        self.assertIn("OG303", ids)
        self.assertIn("OG304", ids)
        self.assertIn("OG204", ids)
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

    def test_missing_header_is_reported_and_the_rest_of_the_file_analysed(self):
        case = self.copy_case("single_phase_globals")
        self.write("single_phase_globals/needs.c", "#include <Python.h>\n#include \"not_there.h\"\n"
                   "static PyObject *after_it;\nPyObject *peek(void) { return after_it; }\n")
        r = run("check", "--no-config", "--format", "json", case)
        doc = json.loads(r.stdout)
        self.assertEqual(r.returncode, 1)
        self.assertEqual(doc["files"], {"total": 2, "analyzed": 2})
        missing = [e for e in doc["errors"] if "not_there.h" in e["message"]]
        self.assertEqual([(e["file"], e["line"]) for e in missing], [("needs.c", 2)], doc["errors"])
        self.assertIn("after_it", [f["symbol"] for f in doc["findings"]])
        self.assertEqual(len(doc["findings"]), 6)

    def test_more_than_20_errors_still_analysed_and_counted(self):
        calls = "".join(f"    n += gone_{i}(n);\n" for i in range(30))
        self.write("many/many.c", "#include <Python.h>\nstatic PyObject *kept;\n"
                   "long f(long n) {\n" + calls + "    return n;\n}\n"
                   "PyObject *peek(void) { return kept; }\n")
        r = run("check", "--no-config", "--format", "json", self.tmp / "many")
        doc = json.loads(r.stdout)
        self.assertEqual(doc["files"], {"total": 1, "analyzed": 1}, r.stderr)
        self.assertIn("kept", [f["symbol"] for f in doc["findings"]])
        self.assertEqual(len([e for e in doc["errors"] if e["line"]]), 20)
        self.assertIn("and 10 more errors (not shown)", [e["message"] for e in doc["errors"]])
        self.assertNotIn("too many errors", r.stderr)

    def test_clang_error_counts_are_never_printed(self):
        self.write("bad/bad.c", "#include <Python.h>\nint f(void) { return undeclared_a + undeclared_b; }\n")
        for fmt in ("text", "json"):
            r = run("check", "--no-config", "-j", "1", "--format", fmt, self.tmp / "bad")
            self.assertIn("undeclared_a", r.stderr + r.stdout)
            self.assertNotIn("generated.", r.stderr + r.stdout)

    def test_cpython_identifier_macros_are_recognised(self):
        self.write("ids/ids.c", """\
            #include <Python.h>
            _Py_IDENTIFIER(append);
            static PyObject *name_of(PyObject *m, PyObject *a) {
                _Py_IDENTIFIER(flush);
                (void)m; (void)a; (void)&PyId_flush;
                return Py_NewRef(_PyUnicode_FromId(&PyId_append));
            }
            static PyMethodDef methods[] = {{"name_of", name_of, METH_NOARGS, NULL}, {NULL, NULL, 0, NULL}};
            static PyModuleDef_Slot slots[] = {
                {Py_mod_multiple_interpreters, Py_MOD_PER_INTERPRETER_GIL_SUPPORTED}, {0, NULL}};
            static struct PyModuleDef def = {PyModuleDef_HEAD_INIT, "ids", NULL, 0, methods, slots};
            PyMODINIT_FUNC PyInit_ids(void) { return PyModuleDef_Init(&def); }
            """)
        # Py_BUILD_CORE_MODULE hides _Py_IDENTIFIER from the headers (CPython's own modules set it).
        for extra in ([], ["--extra-arg=-DPy_BUILD_CORE_MODULE"]):
            r = run("check", "--no-config", "--format", "json", *extra, self.tmp / "ids")
            doc = json.loads(r.stdout)
            self.assertEqual(doc["errors"], [], extra)
            # Per interpreter by CPython's design (3.10+): no race to report.
            self.assertEqual(doc["findings"], [], extra)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def test_header_given_as_input_is_analysed(self):
        case = self.copy_case("unity_headers")
        r = run("check", "--no-config", "--format", "json", case / "lib" / "defs.h")
        doc = json.loads(r.stdout)
        self.assertEqual(doc["files"], {"total": 1, "analyzed": 1}, r.stderr)
        # Alone it compiles after Python.h, as where it is used; it holds no module, which is said.
        self.assertEqual([e["message"] for e in doc["errors"]], ["no extension module found (no PyInit_* function defined)"])
        self.assertTrue(doc["findings"], r.stdout)
        # Named with the unit that includes it, it is analysed there, once.
        r = run("check", "--no-config", "--format", "json", case / "lib" / "defs.h", case / "tags.c")
        doc = json.loads(r.stdout)
        self.assertEqual(doc["files"], {"total": 2, "analyzed": 2}, r.stderr)
        self.assertEqual(doc["errors"], [])
        whole = json.loads(run("check", "--no-config", "--format", "json", case).stdout)
        self.assertEqual(sorted(map(str, doc["findings"])), sorted(map(str, whole["findings"])))

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


class Configurations(TreeCase):
    """Code that depends on NDEBUG is analysed with and without it, whatever the flags say."""

    def test_a_use_inside_assert_is_found_with_ndebug_and_named_in_every_format(self):
        case = self.copy_case("ndebug_assert_type")
        r = run("check", "--no-config", "--format", "json", "--extra-arg=-DNDEBUG", case)
        doc = json.loads(r.stdout)
        (token,) = [f for f in doc["findings"] if f["symbol"] == "Token_Type"]
        only = [n for n in token["notes"] if n["message"] == "only without NDEBUG"]
        self.assertEqual([(n["file"], n["line"]) for n in only], [("tokens.c", 18)], token["notes"])
        text = run("check", "--no-config", "--extra-arg=-DNDEBUG", case).stdout
        self.assertIn("tokens.c:18:12: note: only without NDEBUG", text)
        sarif = json.loads(run("check", "--no-config", "--format", "sarif", "--extra-arg=-DNDEBUG", case).stdout)
        self.assertIn("only without NDEBUG", json.dumps(sarif))
        # Without NDEBUG the use is in the configuration given; the other one lacks it.
        r = run("check", "--no-config", "--format", "json", case)
        (token,) = [f for f in json.loads(r.stdout)["findings"] if f["symbol"] == "Token_Type"]
        self.assertIn("only without NDEBUG", [n["message"] for n in token["notes"]])

    def test_the_port_is_the_same_whatever_ndebug_the_flags_give(self):
        case = self.copy_case("ndebug_assert_type")
        plain = run("fix", "--no-config", case)
        release = run("fix", "--no-config", "--extra-arg=-DNDEBUG", case)
        self.assertEqual(release.stdout, plain.stdout)
        self.assertIn("st->Token_Type", release.stdout)

    def test_a_global_only_an_old_python_branch_has_is_found_with_its_uses(self):
        if not list(pathlib.Path(os.path.expanduser("~/.pyenv/versions")).glob("3.9*/include/python3.9/Python.h")):
            self.skipTest("no CPython 3.9 headers")
        case = self.copy_case("version_branch_global")
        doc = json.loads(run("check", "--no-config", "--format", "json", case).stdout)
        (name,) = [f for f in doc["findings"] if f["symbol"] == "shims_name"]
        only = [n["line"] for n in name["notes"] if n["message"] == "only with Python 3.9"]
        self.assertEqual(only, [14, 15, 16, 18, 19], name["notes"])
        # fix cannot rewrite a branch the analysed build skips: it refuses, naming it.
        r = run("fix", "--no-config", case)
        self.assertIn("shims.c:8:1: 'shims_name' is used in an inactive #if branch", r.stderr)

    def test_code_that_does_not_depend_on_ndebug_is_parsed_once(self):
        # No assert, no #if NDEBUG: nothing to merge, no configuration named anywhere.
        r = run("check", "--no-config", "--format", "json", "--extra-arg=-DNDEBUG", self.copy_case("single_phase_globals"))
        self.assertNotIn("NDEBUG", r.stdout)


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
        case = self.copy_case("refuse_process_registration")
        source = case / "exitlog.c"
        source.write_text(source.read_text() + "\nstatic int vanished(void) { return VanishedCount; }\n")
        r = run("check", "--no-config", case)
        self.assertIn("module 'exitlog': needs manual work (see owngil fix for why); also 1 input error in its files",
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

    def test_a_unity_part_is_analysed_only_inside_its_includer(self):
        # part.c compiles only where clean.c includes it: it is never parsed alone.
        case = self.clean_with('#include "part.c"')
        (case / "part.c").write_text("static int part_is_set(PyObject *o) { return o != NULL; }\n")
        r, modules = self.verdict(case)
        doc = json.loads(r.stdout)
        self.assertEqual(doc["errors"], [])
        self.assertEqual(doc["files"], {"total": 2, "analyzed": 2})
        self.assertEqual(modules["clean"]["verdict"], "isolated")
        self.assertIn("part.c", modules["clean"]["files"])

    def test_a_part_whose_include_is_not_compiled_is_analysed_alone(self):
        # The scan finds the include, but the preprocessor skips it: part.c is still looked at.
        case = self.clean_with('#if 0\n#include "part.c"\n#endif')
        (case / "part.c").write_text("#include <Python.h>\nstatic PyObject *lonely;\n"
                                     "PyObject *peek(void) { return lonely; }\n")
        r, _ = self.verdict(case)
        doc = json.loads(r.stdout)
        self.assertEqual(doc["files"], {"total": 2, "analyzed": 2})
        self.assertIn("lonely", [f["symbol"] for f in doc["findings"]])

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


def crashed(r):
    """A negative return code is a signal (SIGSEGV on a stack overflow or a null record)."""
    return r.returncode < 0


class InvalidInput(TreeCase):
    """Code Clang rejects, or that is absurdly deep, is reported with its place; the rest is analysed."""

    INVALID_TABLES = """\
        #include <Python.h>
        static PyObject *f(int)(PyObject *a, PyObject *b) { return a; }
        static PyNumberMethods nm = { .nb_add = f };
        static PyTypeObject T = { PyVarObject_HEAD_INIT(NULL, 0) .tp_name = "x", .tp_repr = f };
        static PyModuleDef d = { PyModuleDef_HEAD_INIT, .m_name = "x", .m_traverse = f };
        """

    def test_invalid_table_initializers_are_reported_and_others_analysed(self):
        case = self.copy_case("clean_multiphase")
        self.write("clean_multiphase/broken.c", self.INVALID_TABLES)
        r = run("check", "--no-config", "--format", "json", case)
        self.assertFalse(crashed(r), r.stderr)
        self.assertEqual(r.returncode, 1, r.stderr)
        doc = json.loads(r.stdout)
        self.assertEqual(doc["files"], {"total": 2, "analyzed": 2})
        self.assertRegex(r.stderr, r"broken\.c:2:\d+: error: ")
        # What is valid around the errors is still seen: the static type, on its line.
        self.assertEqual([(f["file"], f["line"], f["rule"]) for f in doc["findings"]], [("broken.c", 4, "OG201")])

    def test_file_that_does_not_compile_fails_the_run(self):
        case = self.copy_case("clean_multiphase")
        self.write("clean_multiphase/broken.c", "int f( {\n")
        r = run("check", "--no-config", "--fail-on", "never", case)
        self.assertEqual(r.returncode, 1, r.stderr)  # no finding, but a file was not checked
        self.assertIn("broken.c:1:", r.stderr)

    def test_expression_of_20000_operands(self):
        case = self.copy_case("single_phase_globals")
        self.write("single_phase_globals/deep.c",
                   "static long x;\nvoid deep(void) {\n    x = " + "+".join(["1"] * 20000) + ";\n}\n")
        r = run("check", "--no-config", "--format", "json", case)
        self.assertFalse(crashed(r), r.stderr)
        self.assertEqual(r.returncode, 1)
        doc = json.loads(r.stdout)
        self.assertEqual(doc["files"], {"total": 2, "analyzed": 1})
        self.assertRegex(r.stderr, r"deep\.c:3:\d+: error: code nested more than \d+ levels deep")
        self.assertEqual(len(doc["findings"]), 5)  # spglobals.c, analysed as before

    def test_bare_cr_module_through_fix_and_check(self):
        case = self.copy_case("static_types")
        source = case / "stypes.c"
        source.write_bytes(source.read_bytes().replace(b"\n", b"\r"))
        run("fix", "--no-config", "--write", case)
        r = run("check", "--no-config", case)
        self.assertFalse(crashed(r), r.stderr)
        self.assertIn(r.returncode, (0, 1, 2), r.stderr)


class HostileTree(TreeCase):
    """A tree's configuration and compile commands run nothing and write nothing."""

    def test_config_python_is_not_run_through_a_shell(self):
        case = self.copy_case("clean_multiphase")
        # An executable whose name passes the python* rule but quotes its way out of a shell command.
        name = "python'; touch pwned; '"
        (case / name).write_text("")
        os.chmod(case / name, 0o755)
        self.write("clean_multiphase/pyproject.toml", f"[tool.owngil]\npython = \"{name}\"\n")
        r = run("check", ".", cwd=case)
        self.assertFalse((case / "pwned").exists(), "the configured python ran through a shell")
        self.assertEqual(r.returncode, 2)
        self.assertIn("could not find its Python.h", r.stderr)

    def test_config_python_must_be_an_interpreter_or_a_directory(self):
        case = self.copy_case("clean_multiphase")
        name = "x'; touch pwned; '"
        (case / name).write_text("")
        self.write("clean_multiphase/pyproject.toml", f"[tool.owngil]\npython = \"{name}\"\n")
        r = run("check", ".", cwd=case)
        self.assertFalse((case / "pwned").exists(), "the configured python ran through a shell")
        self.assertEqual(r.returncode, 2)
        self.assertRegex(r.stderr, r"pyproject\.toml:2: \[tool.owngil\] python must be an include directory")

    def test_config_python_include_directory_is_taken(self):
        case = self.copy_case("clean_multiphase")
        include = json.loads(run("check", "--no-config", "--format", "json", case).stdout)["python_include"]
        self.write("clean_multiphase/pyproject.toml", f"[tool.owngil]\npython = \"{include}\"\n")
        self.assertEqual(run("check", case).returncode, 0)

    def test_dependency_flags_write_nothing(self):
        case = self.copy_case("clean_multiphase")
        deps = self.tmp / "deps.d"
        for flags in (["-MD", "-MF", deps], [f"-Wp,-MD,{deps}"], ["-Xclang", "-dependency-file", "-Xclang", deps,
                                                                 "-Xclang", "-MT", "-Xclang", "x.o"]):
            r = run("check", "--no-config", *[f"--extra-arg={f}" for f in flags], case)
            self.assertFalse(deps.exists(), flags)
            self.assertEqual(r.returncode, 0, (flags, r.stderr))
            self.assertIn(f"owngil: warning: compile flag '{flags[0].split(',')[0]}", r.stderr)

    def test_response_file_is_not_read(self):
        case = self.copy_case("clean_multiphase")
        secret = self.tmp / "secret.txt"
        secret.write_text("SECRET_owngil_17\n")  # Clang would name it: no such file
        for fmt in ("text", "json", "sarif"):
            r = run("check", "--no-config", "--format", fmt, f"--extra-arg=@{secret}", case)
            self.assertNotIn("SECRET_owngil_17", r.stdout + r.stderr)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(r.stderr.count("owngil: warning: compile flag '@"), 1)

    def test_list_files_are_not_read(self):
        # Clang quotes a malformed sanitizer or profile list, then aborts the whole process.
        case = self.copy_case("clean_multiphase")
        secret = self.tmp / "secret.txt"
        secret.write_text("SECRET_owngil_17 line\n")
        for flags in (["-fsanitize=address", f"-fsanitize-ignorelist={secret}"], [f"-fprofile-list={secret}"],
                      ["-Xclang", f"-fsanitize-ignorelist={secret}"]):
            r = run("check", "--no-config", *[f"--extra-arg={f}" for f in flags], case)
            self.assertFalse(crashed(r), (flags, r.stderr))
            self.assertNotIn("SECRET_owngil_17", r.stdout + r.stderr)
            self.assertEqual(r.returncode, 0, (flags, r.stderr))

    def test_compile_database_flags_are_filtered_once(self):
        case = self.copy_case("multi_file")
        include = json.loads(run("check", "--no-config", "--format", "json", case).stdout)["python_include"]
        secret = self.tmp / "secret.rsp"
        secret.write_text("SECRET_owngil_17\n")  # Clang would name it: no such file
        entries = [{"directory": str(case), "file": name,
                    "arguments": ["cc", "-I", include, "-Iinclude", "-MD", "-MF", str(self.tmp / (name + ".d")),
                                  f"@{secret}", "-c", name, "-o", name + ".o"]}
                   for name in ("mf_module.c", "mf_registry.c")]
        (case / "compile_commands.json").write_text(json.dumps(entries))
        r = run("check", "--no-config", "--format", "json", "-p", case)
        self.assertEqual(json.loads(r.stdout)["files"], {"total": 2, "analyzed": 2}, r.stderr)
        self.assertEqual(list(self.tmp.glob("*.d")), [])
        self.assertNotIn("SECRET_owngil_17", r.stdout + r.stderr)
        for flag in ("-MD", "-MF", "@"):  # one warning per flag, not one per file
            self.assertEqual(r.stderr.count(f"compile flag '{flag}"), 1, r.stderr)


class OddInputs(TreeCase):
    """Nothing analysed exits 2 and says why; special files are never opened; odd names work."""

    def assert_nothing_analysed(self, r, message):
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        self.assertIn(message, r.stderr)
        self.assertIn("nothing could be analysed", r.stderr)

    def test_fifo_is_skipped_not_opened(self):
        fifo = self.tmp / "pipe.c"
        os.mkfifo(fifo)
        r = run("check", "--no-config", fifo, timeout=60)  # would block forever on open()
        self.assert_nothing_analysed(r, "pipe.c: error: skipped: a FIFO")

    def test_fifo_in_a_tree_is_reported(self):
        case = self.copy_case("clean_multiphase")
        os.mkfifo(case / "pipe.c")
        r = run("check", "--no-config", case)
        self.assertEqual(r.returncode, 1, r.stderr)  # clean.c analysed, pipe.c not
        self.assertIn("pipe.c: error: skipped: a FIFO", r.stderr)
        # (a source file that could not be read may belong to the module: no claim of isolation)
        self.assertIn("module 'clean': could not be analysed completely", r.stdout)

    def test_device_is_skipped(self):
        os.symlink("/dev/zero", self.tmp / "zero.c")
        self.assert_nothing_analysed(run("check", "--no-config", self.tmp / "zero.c"), "skipped: a character device")
        self.assert_nothing_analysed(run("check", "--no-config", "/dev/zero"), "/dev/zero: error: skipped")

    def test_unreadable_file(self):
        # As root every file is readable: run as nobody, on a tree nobody may enter but not read.
        if os.geteuid() == 0 and not shutil.which("setpriv"):
            self.skipTest("root without setpriv")
        case = self.copy_case("clean_multiphase")
        include = json.loads(run("check", "--no-config", "--format", "json", case).stdout)["python_include"]
        (case / "clean.c").chmod(0)
        argv = [OWNGIL, "check", "--no-config", "--python", include, str(case / "clean.c")]
        if os.geteuid() == 0:
            headers = self.tmp / "include"
            shutil.copytree(include, headers)  # root's own Python may be out of nobody's reach
            argv[4] = str(headers)
            for d in (self.tmp, case):
                d.chmod(0o755)
            argv = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *argv]
        r = subprocess.run(argv, capture_output=True, text=True, timeout=300)
        self.assert_nothing_analysed(r, "clean.c")

    def test_compile_database_with_missing_files(self):
        db = self.tmp / "db"
        db.mkdir()
        (db / "compile_commands.json").write_text(json.dumps(
            [{"directory": str(db), "file": "gone.c", "arguments": ["cc", "-c", "gone.c"]}]))
        self.assert_nothing_analysed(run("check", "--no-config", "-p", db), "gone.c: error: listed in")

    def test_dots_inside_a_file_name(self):
        case = self.copy_case("single_phase_plain")
        (case / "plain.c").rename(case / "a..b.c")
        r = run("check", "--no-config", case)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertNotIn("internal error", r.stderr)
        self.assertIn("module 'plain': can be ported automatically", r.stdout)
        r = run("fix", "--no-config", case)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(r.stdout.startswith("--- a/a..b.c\n+++ b/a..b.c\n"), r.stdout[:200])

    def test_upper_case_extensions_are_cpp(self):
        case = self.copy_case("cpp_module")
        for source in case.glob("*.cpp"):
            source.rename(source.with_suffix(".CPP"))
        r = run("check", "--no-config", "--format", "json", case)
        doc = json.loads(r.stdout)
        self.assertEqual(doc["files"]["analyzed"], doc["files"]["total"], r.stderr)
        self.assertGreater(doc["files"]["total"], 0)
        self.assertEqual(doc["errors"], [])  # C++ parsed as C++: no error
        self.assertTrue(doc["modules"], r.stderr)

    def test_sarif_uris_are_percent_encoded(self):
        case = self.copy_case("single_phase_plain")
        odd = self.tmp / "odd dir#1"
        case.rename(odd)
        (odd / "plain.c").rename(odd / "pl%ain é.c")
        r = run("check", "--no-config", "--format", "sarif", odd)
        sarif = json.loads(r.stdout)["runs"][0]
        uris = {loc["physicalLocation"]["artifactLocation"]["uri"]
                for res in sarif["results"] for loc in res["locations"]}
        self.assertEqual(uris, {"pl%25ain%20%C3%A9.c"})
        self.assertTrue(sarif["originalUriBaseIds"]["SRCROOT"]["uri"].endswith("/odd%20dir%231/"))


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

    def test_every_refusal_reason_at_once_in_source_order(self):
        r = run("fix", "--no-config", self.copy_case("refuse_several_reasons"))
        self.assertEqual(r.returncode, 1)
        self.assertEqual(r.stdout, "")
        reasons = [line.split(": ", 1)[0].strip() for line in r.stderr.splitlines() if line.startswith("  ")]
        self.assertEqual(reasons, ["tally.c:9:13", "tally.c:15:12", "tally.c:22:19", "tally.c:47:24"])

    def test_explain_prints_the_plan_and_writes_nothing(self):
        case = self.copy_case("static_types")
        before = (case / "stypes.c").read_text()
        r = run("fix", "--no-config", "--explain", case)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(r.stdout.startswith("module 'stypes': ported\n"), r.stdout)
        self.assertIn("'PointType' -> st->PointType", r.stdout)
        self.assertIn("point_shifted: from its defining class, through entry point 'point_shifted_method'", r.stdout)
        self.assertIn("point_moved_to: from the type of 'self'", r.stdout)
        self.assertIn("stypes_module.m_size = sizeof(stypes_state)", r.stdout)
        self.assertNotIn("+++", r.stdout)
        self.assertEqual((case / "stypes.c").read_text(), before)
        self.assertFalse((case / "owngil_compat.h").exists())

    def test_explain_json(self):
        self.copy_case("static_types")
        self.copy_case("refuse_several_reasons")
        r = run("fix", "--no-config", "--explain", "--format", "json", self.tmp)
        self.assertEqual(r.returncode, 1)  # one module refused
        modules = {m["module"]: m for m in json.loads(r.stdout)["modules"]}
        stypes, tally = modules["stypes"], modules["tally"]
        self.assertEqual(stypes["outcome"], "ported")
        self.assertTrue(stypes["declares_interpreter_support"])
        access = {f["name"]: f["access"] for f in stypes["functions"]}
        self.assertEqual(access["point_shifted"], "defining-class")
        self.assertEqual(access["point_moved_to"], "type")
        self.assertEqual(access["make_pair"], "module-argument")
        self.assertEqual([t["type"] for t in stypes["types"]], ["PointType", "PairType"])
        self.assertEqual(stypes["state"]["members"][0]["member"], "PointType")
        self.assertEqual(tally["outcome"], "refused")
        self.assertEqual([(x["line"], x["column"]) for x in tally["refusals"]], [(9, 13), (15, 12), (22, 19), (47, 24)])
        self.assertIn("non-zero initializer", tally["refusals"][0]["reason"])

    def test_explain_shows_the_thread_hand_off(self):
        case = self.copy_case("gilstate_started_thread")
        r = run("fix", "--no-config", "--explain", case)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("thread: spawn.c:16:12: pthread_create -> owngil_pthread_create (records the interpreter)", r.stdout)
        self.assertIn("thread: spawn.c:27:28: PyGILState_Ensure in 'worker' -> owngil_thread_ensure, 'return NULL;'",
                      r.stdout)
        r = run("fix", "--no-config", "--explain", "--format", "json", case)
        threads = json.loads(r.stdout)["modules"][0]["threads"]
        self.assertEqual(sorted(s["call"] for s in threads["starts"]), ["PyThread_start_new_thread", "pthread_create"])
        self.assertEqual({e["function"]: e["on_failure"] for e in threads["entries"]},
                         {"worker": "return NULL;", "notify": "return;"})

    def test_write_keeps_the_mode_and_gives_new_files_the_default(self):
        case = self.copy_case("static_types")
        (case / "stypes.c").chmod(0o640)
        old = os.umask(0o027)
        try:
            r = subprocess.run([OWNGIL, "fix", "--no-config", "--write", str(case)], capture_output=True, text=True)
        finally:
            os.umask(old)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual((case / "stypes.c").stat().st_mode & 0o7777, 0o640)
        self.assertEqual((case / "owngil_compat.h").stat().st_mode & 0o7777, 0o640)  # 0666 less the umask
        self.assertEqual([p.name for p in case.iterdir() if "owngil-" in p.name], [])

    def test_write_never_goes_through_a_link(self):
        case = self.copy_case("single_phase_plain")
        outside = self.tmp / "outside.c"
        (case / "plain.c").rename(outside)
        (case / "plain.c").symlink_to(outside)
        before = outside.read_text()
        run("fix", "--no-config", "--write", case)
        self.assertEqual(outside.read_text(), before)
        self.assertTrue((case / "plain.c").is_symlink())

    def test_disk_full_leaves_every_file_as_it_was(self):
        if os.geteuid() != 0 or shutil.which("mount") is None:
            self.skipTest("needs root to mount a small tmpfs")
        disk = self.tmp / "disk"
        disk.mkdir()
        if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(disk)]).returncode:
            self.skipTest("cannot mount a tmpfs here")
        self.addCleanup(subprocess.run, ["umount", "-l", str(disk)])
        case = disk / "multi_file"
        shutil.copytree(CORPUS / "multi_file", case)
        before = {p: p.read_bytes() for p in case.rglob("*") if p.is_file()}
        fd = os.open(disk / "filler", os.O_WRONLY | os.O_CREAT)  # leaves less room than the port needs
        try:
            while os.write(fd, b"x" * 1024):
                pass
        except OSError:
            pass
        os.close(fd)
        os.truncate(disk / "filler", os.path.getsize(disk / "filler") - 2048)
        r = run("fix", "--no-config", "--write", case)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("No space left on device", r.stderr)
        self.assertIn("every file left as it was", r.stderr)
        self.assertEqual({p: p.read_bytes() for p in case.rglob("*") if p.is_file()}, before)
        self.assertEqual([p.name for p in disk.iterdir() if p.name.startswith(".owngil")], [])
        (disk / "filler").unlink()
        self.assertEqual(run("fix", "--no-config", "--write", case).returncode, 0)

    def test_killed_write_leaves_each_module_wholly_old_or_wholly_new(self):
        """SIGKILL at random moments of `fix --write` on a module of three files (a pause before
        each step of the write widens the window): after each kill every file is wholly old or new,
        the module is wholly old unless the write had committed, and the next `fix --write`
        finishes it."""
        import random
        import signal
        import time
        kills = int(os.environ.get("OWNGIL_KILLS", "100"))
        rng = random.Random(1234)
        template = self.copy_case("multi_file")
        ported = self.tmp / "ported"
        shutil.copytree(template, ported)
        self.assertEqual(run("fix", "--no-config", "--write", ported).returncode, 0)
        files = ["mf_module.c", "mf_registry.c", "include/mf_shared.h"]
        old = {f: (template / f).read_bytes() for f in files}
        new = {f: (ported / f).read_bytes() for f in files}
        env = dict(os.environ, OWNGIL_TEST_WRITE_DELAY_US="20000")
        def timed_run(environment):
            timed = self.tmp / "timed"
            shutil.copytree(template, timed)
            start = time.monotonic()
            subprocess.run([OWNGIL, "fix", "--no-config", "--write", str(timed)], env=environment, capture_output=True)
            shutil.rmtree(timed)
            return time.monotonic() - start
        analysis = timed_run(os.environ) * 0.9  # the write itself takes well under 10 %
        whole_run = timed_run(env)  # analysis, then a pause before each of the write's steps
        counts = {"old": 0, "pending": 0, "committed": 0, "new": 0}
        for i in range(kills):
            tree = self.tmp / f"kill{i}"
            shutil.copytree(template, tree)
            proc = subprocess.Popen([OWNGIL, "fix", "--no-config", "--write", str(tree)], env=env,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(rng.uniform(analysis, whole_run))
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            now = {f: (tree / f).read_bytes() for f in files}
            for f in files:
                self.assertIn(now[f], (old[f], new[f]), f"kill {i}: {f} is neither old nor new")
            committed = any(p.name.startswith(".owngil-commit-") for p in tree.iterdir())
            pending = any(p.name.startswith(".owngil-pending-") for p in tree.iterdir())
            if pending:
                self.assertEqual(now, old, f"kill {i}: files changed before the commit")
                counts["pending"] += 1
            elif committed:
                counts["committed"] += 1
            elif now == old:
                counts["old"] += 1
            else:
                self.assertEqual(now, new, f"kill {i}: the module is half written without a commit")
                counts["new"] += 1
            r = run("fix", "--no-config", "--write", tree)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual({f: (tree / f).read_bytes() for f in files}, new, f"kill {i}: not finished")
            self.assertEqual([p.name for p in tree.rglob("*") if ".owngil-" in p.name], [])
            shutil.rmtree(tree)
        print(f"\n{kills} kills: {counts}", flush=True)
        self.assertGreater(counts["new"] + counts["committed"], 0, "no kill landed after the commit")
        self.assertGreater(counts["pending"], 0, "no kill landed before the commit")

    def test_crlf_file_keeps_its_line_endings(self):
        case = self.copy_case("static_types")
        source = case / "stypes.c"
        source.write_bytes(source.read_bytes().replace(b"\n", b"\r\n"))
        r = run("fix", "--no-config", "--write", case)
        self.assertEqual(r.returncode, 0, r.stderr)
        ported = source.read_bytes()
        self.assertIn(b"static int stypes_exec(PyObject *module)", ported)
        self.assertEqual(ported.count(b"\n"), ported.count(b"\r\n"))  # no bare LF
        self.assertNotIn(b"\r\r", ported)
        self.assertEqual(run("fix", "--no-config", case).stdout, "")

    def test_bare_cr_file_is_refused_untouched(self):
        case = self.copy_case("single_phase_plain")
        source = case / "plain.c"
        source.write_bytes(source.read_bytes().replace(b"\n", b"\r"))
        before = source.read_bytes()
        r = run("fix", "--no-config", "--write", case)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("bare CR", r.stderr)
        self.assertEqual(source.read_bytes(), before)

    def test_module_that_does_not_compile_is_refused(self):
        case = self.copy_case("single_phase_globals")
        source = case / "spglobals.c"
        text = source.read_text()
        source.write_text(text.replace("return m;", "(void)undeclared_name;\n    return m;", 1))
        r = run("fix", "--no-config", case)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("does not compile (use of undeclared identifier 'undeclared_name')", r.stderr)
        self.assertEqual(r.stdout, "")

    def test_rules_the_config_ignores_do_not_block_fix_and_check_agrees(self):
        case = self.copy_case("single_phase_globals")
        source = case / "spglobals.c"  # OG303 is manual: fix refuses on it
        source.write_text(source.read_text() + "\nstatic int later(void *arg) { (void)arg; return 0; }\n"
                          "int schedule(void) { return Py_AddPendingCall(later, NULL); }\n")
        self.assertEqual(run("fix", "--no-config", case).returncode, 1)
        self.write("single_phase_globals/pyproject.toml", '[tool.owngil]\nignore = ["OG303"]\n')
        r = run("check", "--format", "json", case)
        self.assertEqual(json.loads(r.stdout)["modules"][0]["verdict"], "automatic", r.stdout)
        r = run("fix", case)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("module 'spglobals': ported", r.stderr)
        changed = [line for line in r.stdout.splitlines() if line[:1] in "+-" and "Py_AddPendingCall" in line]
        self.assertEqual(changed, [])  # left as it is: the project accepts it

    def test_check_verdict_agrees_with_fix(self):
        case = self.copy_case("refuse_callback")  # every finding is fixable, but fix must refuse
        r = run("check", "--no-config", "--format", "json", case)
        self.assertEqual(json.loads(r.stdout)["modules"][0]["verdict"], "manual")
        self.assertEqual(run("fix", "--no-config", case).returncode, 1)

    # A module of two files that share its state through a header: `static` names of one spelling
    # in both files are two objects (python-lz4 writes every file as if it were alone).
    SHARED_HEADER = """\
        #include <Python.h>
        extern PyObject *shared;
        PyObject *from_other(void);
        """
    MAIN = """\
        #include <Python.h>
        #include "pair.h"
        PyObject *shared = NULL;
        static PyObject *cache = NULL;
        static PyObject *helper(void) {
            if (cache == NULL) cache = PyUnicode_FromString("main");
            return Py_XNewRef(cache);
        }
        static PyObject *here(PyObject *Py_UNUSED(module), PyObject *Py_UNUSED(ignored)) { return helper(); }
        static PyObject *there(PyObject *Py_UNUSED(module), PyObject *Py_UNUSED(ignored)) { return from_other(); }
        static PyMethodDef methods[] = {
            {"here", here, METH_NOARGS, NULL}, {"there", there, METH_NOARGS, NULL}, {NULL, NULL, 0, NULL}};
        static struct PyModuleDef moduledef = {PyModuleDef_HEAD_INIT, "pair", NULL, -1, methods, NULL, NULL, NULL, NULL};
        PyMODINIT_FUNC PyInit_pair(void) {
            PyObject *m = PyModule_Create(&moduledef);
            if (m == NULL) return NULL;
            shared = PyUnicode_FromString("shared");
            if (shared == NULL) { Py_DECREF(m); return NULL; }
            return m;
        }
        """

    def write_pair(self, other):
        self.write("pair/include/pair.h", self.SHARED_HEADER)
        self.write("pair/main.c", self.MAIN)
        self.write("pair/other.c", other)
        return self.tmp / "pair"

    def test_same_static_global_in_two_files_of_a_module_is_two_members(self):
        case = self.write_pair("""\
            #include <Python.h>
            #include "pair.h"
            static PyObject *cache = NULL;
            PyObject *from_other(void) {
                if (cache == NULL) cache = PyUnicode_FromString("other");
                return Py_XNewRef(cache);
            }
            """)
        r = run("fix", "--no-config", case)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("    PyObject *cache;\n+    PyObject *cache_2;\n", r.stdout)
        main, other = r.stdout.split("+++ b/other.c")
        self.assertIn("st->cache = PyUnicode_FromString(\"main\")", main)
        self.assertNotIn("st->cache_2 = PyUnicode_FromString", main)
        self.assertIn("st->cache_2 = PyUnicode_FromString(\"other\")", other)

    def test_same_static_function_in_two_files_of_a_module_is_refused_not_merged(self):
        case = self.write_pair("""\
            #include <Python.h>
            #include "pair.h"
            static PyObject *helper(void) { return Py_NewRef(shared); }
            PyObject *from_other(void) { return helper(); }
            """)
        r = run("fix", "--no-config", case)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertEqual(r.stdout, "")
        self.assertIn("other.c:3:18: 'helper' is defined in several files of the module (main.c:5:18, other.c:3:18",
                      r.stderr)
