"""Golden test: `owngil check corpus/` must find exactly what each case's expected.txt lists.

expected.txt holds one line per finding, `FILE:LINE:COL: RULE SYMBOL` (FILE relative to the case),
one `FILE:LINE:COL: error MESSAGE` line per input error (cases made to test parse recovery; every
other case must compile), then one `module NAME: VERDICT` line per module. Run with --update to rewrite them from the tool's
output (then review the diff: it is the test's answer key).
"""
import argparse
import json
import pathlib
import subprocess
import sys


def actual_by_case(owngil, corpus, python):
    # The corpus is the root: paths read `case/file`, wherever the repository around it is.
    cmd = [owngil, "check", str(corpus), "--root", str(corpus), "--format", "json", "--no-config", "--fail-on",
           "never", "-j", "2"]
    if python:
        cmd += ["--python", python]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    # Exit 1 with --fail-on never: input errors, which the cases that expect them list.
    if proc.returncode not in (0, 1):
        sys.exit(f"owngil exited {proc.returncode}:\n{proc.stderr}")
    report = json.loads(proc.stdout)
    cases = {}
    for e in report["errors"]:
        case, _, rel = e["file"].partition("/")
        if not rel:
            sys.exit(f"input error outside any case: {e}")
        cases.setdefault(case, []).append(f"{rel}:{e['line']}:{e['column']}: error {e['message']}")
    for f in report["findings"]:
        case, _, rel = f["file"].partition("/")
        cases.setdefault(case, []).append(f"{rel}:{f['line']}:{f['column']}: {f['rule']} {f['symbol']}")
    for m in report["modules"]:
        case = m["files"][0].partition("/")[0]
        cases.setdefault(case, []).append(f"module {m['name']}: {m['verdict']}")
    return cases


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--owngil", required=True)
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--python", default="")
    ap.add_argument("--update", action="store_true")
    args = ap.parse_args()
    corpus = pathlib.Path(args.corpus)
    actual = actual_by_case(args.owngil, corpus, args.python)
    case_dirs = sorted(p for p in corpus.iterdir() if p.is_dir())
    failures = 0
    for case in case_dirs:
        got = sorted(actual.pop(case.name, []))
        expected_file = case / "expected.txt"
        if args.update:
            expected_file.write_text("".join(line + "\n" for line in got))
            continue
        if not expected_file.exists():
            print(f"FAIL {case.name}: no expected.txt")
            failures += 1
            continue
        want = sorted(l for l in expected_file.read_text().splitlines() if l.strip() and not l.startswith("#"))
        if got != want:
            failures += 1
            print(f"FAIL {case.name}")
            for line in sorted(set(want) - set(got)):
                print(f"  missing:    {line}")
            for line in sorted(set(got) - set(want)):
                print(f"  unexpected: {line}")
        else:
            print(f"ok   {case.name} ({len(got)} lines)")
    for case, lines in actual.items():
        failures += 1
        print(f"FAIL findings outside any case directory ({case}): {lines}")
    passed = len(case_dirs) - failures
    print(f"{passed} passed, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
