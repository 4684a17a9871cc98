"""owngil in CI and editors: GitHub Actions annotations, the concise format, "did you mean" for
mistyped words, and what is wrong with the project's own suppression comments."""
import json
import re
import unittest

from test_cli import TreeCase, run


class GithubFormat(TreeCase):
    def test_annotations(self):
        case = self.copy_case("single_phase_globals")
        r = run("check", "--no-config", "--format", "github", case)
        self.assertEqual(r.returncode, 1, r.stderr)
        lines = r.stdout.splitlines()
        self.assertIn("::error file=spglobals.c,line=6,col=18,title=OG101::static global 'SpError' (PyObject *) "
                      "holds a Python object shared by every interpreter; move it into the module state"
                      "%0Aspglobals.c:42:5: assigned here in 'PyInit_spglobals'", lines)
        annotations = [l for l in lines if l.startswith("::")]
        findings = json.loads(run("check", "--no-config", "--format", "json", case).stdout)["findings"]
        self.assertEqual(len(annotations), len(findings))
        for line in annotations:  # one line each, notes folded in: a newline would end the command
            self.assertRegex(line, r"^::(error|warning|notice) file=[^,:]+,line=\d+,col=\d+,title=OG\d{3}::.+$")
        self.assertIn("module 'spglobals': can be ported automatically", r.stdout)

    def test_properties_are_escaped(self):
        case = self.copy_case("single_phase_globals")
        (case / "spglobals.c").rename(case / "sp,globals:1.c")
        r = run("check", "--no-config", "--format", "github", case)
        self.assertIn("::error file=sp%2Cglobals%3A1.c,line=6,col=18,title=OG101::", r.stdout)

    def test_input_errors_are_annotations(self):
        case = self.copy_case("single_phase_globals")
        source = case / "spglobals.c"
        source.write_text(source.read_text() + "\nint broken = ;\n")
        r = run("check", "--no-config", "--format", "github", case)
        self.assertEqual(r.returncode, 1)
        self.assertRegex(r.stdout, r"(?m)^::error file=spglobals\.c,line=\d+,col=\d+,title=owngil::expected expression")


class ConciseFormat(TreeCase):
    def test_one_line_per_finding(self):
        case = self.copy_case("single_phase_globals")
        r = run("check", "--no-config", "--format", "concise", case)
        self.assertEqual(r.returncode, 1, r.stderr)
        findings = json.loads(run("check", "--no-config", "--format", "json", case).stdout)["findings"]
        lines = r.stdout.splitlines()
        self.assertEqual(len(lines), len(findings) + 1)  # and the module's verdict
        for line, f in zip(lines, findings):
            self.assertEqual(line, f"{f['file']}:{f['line']}:{f['column']}: {f['severity']}: {f['message']} [{f['rule']}]")
        self.assertEqual(lines[-1], "module 'spglobals': can be ported automatically (owngil fix)")


class DidYouMean(TreeCase):
    def assert_usage_error(self, args, message):
        r = run(*args)
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        self.assertIn(message, r.stderr)

    def test_subcommands_options_and_rules(self):
        case = self.copy_case("clean_multiphase")
        self.assert_usage_error(["chek", case], "unknown command 'chek' (did you mean 'check'?)")
        self.assert_usage_error(["check", "--formt", "json", case], "unknown option '--formt' for 'check' (did you mean '--format'?)")
        self.assert_usage_error(["fix", "--writ", case], "unknown option '--writ' for 'fix' (did you mean '--write'?)")
        self.assert_usage_error(["check", "--no-config", "--select", "OG1O1", case], "unknown rule 'OG1O1' (did you mean 'OG101'?)")
        self.assert_usage_error(["check", "--no-config", "--format", "githb", case], "(did you mean 'github'?)")
        self.assert_usage_error(["rules", "global-objet"], "unknown rule 'global-objet' (did you mean 'global-object'?)")
        self.assert_usage_error(["frobnicate"], "unknown command 'frobnicate'")

    def test_unknown_rule_in_config_names_the_file(self):
        case = self.copy_case("clean_multiphase")
        self.write("clean_multiphase/pyproject.toml", '[tool.owngil]\nselect = ["OG1O1"]\n')
        for command in ("check", "fix"):
            r = run(command, case)
            self.assertEqual(r.returncode, 2, command)
            self.assertRegex(r.stderr, r"pyproject\.toml: \[tool\.owngil\]: unknown rule 'OG1O1' \(did you mean 'OG101'\?\)")


class SuppressionComments(TreeCase):
    def test_unknown_and_unused_suppressions_are_reported(self):
        case = self.copy_case("suppressed")
        source = case / "quiet.c"
        text = source.read_text().replace(
            "static long lookups = 0;",
            "static long lookups = 0; /* owngil: ignore[OG13] */\n"
            "static int stale = 0; /* owngil: ignore[OG101] nothing here any more */\n"
            "/* owngil: ignore[mutable-c-global] */\nstatic int named = 0;")
        source.write_text(text)
        lines = text.splitlines()
        line_of = lambda needle: next(i for i, l in enumerate(lines, 1) if needle in l)
        r = run("check", "--no-config", "--format", "json", case)
        notices = {(n["line"], n["kind"], n["message"]) for n in json.loads(r.stdout)["notices"]}
        self.assertIn((line_of("OG13]"), "unknown-rule",
                       "suppression 'owngil: ignore[OG13]': unknown rule 'OG13' (did you mean 'OG103'?)"), notices)
        self.assertIn((line_of("nothing here any more"), "unused-suppression",
                       "unused suppression 'owngil: ignore[OG101]': no finding on this line; remove it"), notices)
        self.assertIn((line_of("[mutable-c-global]"), "unknown-rule",
                       "suppression 'owngil: ignore[mutable-c-global]': 'mutable-c-global' is a rule's name; "
                       "suppressions take its id: OG103"), notices)
        # The file's first comment mentions "owngil: ignore" in prose: not a suppression at all.
        self.assertNotIn(1, {line for line, _, _ in notices})
        # The suppression that hides the version string's finding is used: not reported.
        self.assertNotIn(line_of("immortal string, reviewed"), {line for line, _, _ in notices})
        text_run = run("check", "--no-config", case)
        self.assertRegex(text_run.stderr, r"quiet\.c:\d+: warning: unused suppression 'owngil: ignore\[OG101\]'.* \[unused-suppression\]")

    def test_suppression_of_a_rule_not_selected_is_not_unused(self):
        case = self.copy_case("suppressed")
        r = run("check", "--no-config", "--format", "json", "--select", "OG103", case)
        lines = (case / "quiet.c").read_text().splitlines()
        reviewed = next(i for i, l in enumerate(lines, 1) if "immortal string, reviewed" in l)
        self.assertNotIn(reviewed, {n["line"] for n in json.loads(r.stdout)["notices"]})


if __name__ == "__main__":
    unittest.main()
