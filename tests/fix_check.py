"""Golden and end-to-end test of `owngil fix` on every corpus case.

For each case: the diff must equal expected.diff (absent: no change) and the summary expected-fix.txt.
Where there is a diff: it applies with `git apply` and `patch -p1`; the ported modules build with
-Wall -Wextra -Werror against every CPython given, with and without -DNDEBUG; their tests pass in 4 own-GIL subinterpreters
running at once (in a child process); a second fix changes nothing; check calls them isolated;
and tests/port_verify.py's checks pass (the tests under PYTHONMALLOC=debug -X dev, type reference
counts and the state's ownership of its members, identity across interpreters, failing allocations
in exec, 20 re-imports), each in a child process with a timeout.
A case may hold fix-args.txt: options for its `owngil fix` runs (e.g. --method-state=defining-class).

Older Pythons (--old-python, e.g. 3.9-3.11) are compile-only: where the original module builds
with -Werror against their headers, the port must too.

Usage: fix_check.py --owngil BIN --corpus DIR --python EXE [--python EXE ...]
                    [--old-python EXE ...] [--case NAME ...] [--update]
"""
import argparse
import concurrent.futures
import json
import os
import pathlib
import signal
import shutil
import subprocess
import sys
import sysconfig  # noqa: F401  (the target Pythons are asked, not this one)
import tempfile

TESTS = pathlib.Path(__file__).resolve().parent


def sh(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def fix_args(case):
    extra = case / "fix-args.txt"
    return extra.read_text().split() if extra.exists() else []


def case_root(case):
    """Each case is a project of its own: its paths (and its diff) are relative to it, not to the
    repository holding the corpus."""
    return ["--root", str(case)]


def python_facts(exe):
    code = "import sysconfig; print(sysconfig.get_paths()['include']); print(sysconfig.get_config_var('EXT_SUFFIX'))"
    include, suffix = sh([exe, "-c", code]).stdout.split()
    return include, suffix


def unit_sources(case, files):
    """The sources to compile: a part of a unity build (a .c another source #includes) compiles
    only inside its includer."""
    included = set()
    for f in files:
        for line in (case / f).read_text(errors="replace").splitlines():
            words = line.strip().lstrip("#").split(None, 1)
            if line.lstrip().startswith("#") and words[:1] == ["include"] and '"' in line:
                included.add(str(((case / f).parent / line.split('"')[1]).resolve()))
    return [str(case / f) for f in files if str((case / f).resolve()) not in included]


def build_modules(owngil, case, exe, out, report=None):
    include, suffix = python_facts(exe)
    if report is None:
        report = json.loads(sh([owngil, "check", "--no-config", *case_root(case), "--format", "json", "--fail-on", "never",
                                "--python", exe, str(case)]).stdout)
    problems = []
    for m in report["modules"]:
        sources = unit_sources(case, [f for f in m["files"] if f.endswith((".c", ".cpp", ".cc", ".cxx"))])
        compiler = "g++" if any(s.endswith((".cpp", ".cc", ".cxx")) for s in sources) else "gcc"
        cmd = [compiler, "-shared", "-fPIC", "-Wall", "-Wextra", "-Werror", "-isystem", include,
               "-I", str(case / "include"), *sources, "-o", str(out / (m["name"] + suffix)), "-lpthread"]
        r = sh(cmd)
        if r.returncode:
            problems.append(f"build of {m['name']} failed:\n{r.stderr}")
        # Release builds define NDEBUG (assert() vanishes): the port must compile there too.
        r = sh([compiler, "-fsyntax-only", "-DNDEBUG", *cmd[3:cmd.index("-o")]])
        if r.returncode:
            problems.append(f"build of {m['name']} with -DNDEBUG failed:\n{r.stderr}")
    return problems, report


def check_old_pythons(owngil, case_src, ported, old_pythons, tmp):
    """Compile-only on older Pythons, where the original compiled."""
    problems = []
    report = json.loads(sh([owngil, "check", "--no-config", *case_root(case_src), "--format", "json", "--fail-on", "never",
                            str(case_src)]).stdout)
    for exe in old_pythons:
        before = pathlib.Path(tmp) / ("old-orig-" + pathlib.Path(exe).name)
        after = pathlib.Path(tmp) / ("old-port-" + pathlib.Path(exe).name)
        before.mkdir()
        after.mkdir()
        if build_modules(owngil, case_src, exe, before, report)[0]:
            continue  # the original does not support this Python either
        problems += [f"on {exe}: {p}" for p in build_modules(owngil, ported, exe, after, report)[0]]
    return problems


VERIFY_CHECKS = ("tests", "refcounts", "identity", "nomemory", "reimport")
VERIFY_TIMEOUT = 180  # seconds; a check takes a few seconds on a 2-core machine, a hang never ends
# The debug allocator fills freed memory and checks the bytes around each block; -X dev adds
# faulthandler (a crash prints the Python stack) and debug checks in the runtime.
VERIFY_ENV = {**os.environ, "PYTHONMALLOC": "debug"}


def verify_check(exe, check, out, case, modules):
    """One port_verify.py check in a child process: [] or what failed."""
    cmd = [exe, "-X", "dev", str(TESTS / "port_verify.py"), check, str(out), str(case), *modules]
    try:
        r = sh(cmd, env=VERIFY_ENV, timeout=VERIFY_TIMEOUT)
    except subprocess.TimeoutExpired as e:
        output = "".join(x.decode() if isinstance(x, bytes) else x for x in (e.stdout, e.stderr) if x)
        return [f"{check} on {exe}: hung (killed after {VERIFY_TIMEOUT}s); last output:\n{tail(output)}"]
    if r.returncode == 0:
        return []
    how = f"crashed ({signal.Signals(-r.returncode).name})" if r.returncode < 0 else "failed"
    return [f"{check} on {exe} {how}:\n{tail(r.stdout + r.stderr)}"]


def tail(text, lines=40):
    # A crash's faulthandler stack and the progress line before it are at the end.
    return "\n".join(text.rstrip().splitlines()[-lines:])


def check_port(owngil, case_src, pythons, diff, old_pythons=()):
    problems = []
    with tempfile.TemporaryDirectory(prefix="owngil-fix-") as tmp:
        case = pathlib.Path(tmp) / case_src.name
        shutil.copytree(case_src, case)
        patch = pathlib.Path(tmp) / "port.diff"
        patch.write_text(diff)
        if sh(["patch", "-p1", "--dry-run", "-i", str(patch)], cwd=case).returncode:
            problems.append("patch -p1 rejects the diff")
        r = sh(["git", "apply", str(patch)], cwd=case)
        if r.returncode:
            return [f"git apply failed: {r.stderr}"]
        problems += check_old_pythons(owngil, case_src, case, old_pythons, tmp)
        again = sh([owngil, "fix", "--no-config", *case_root(case), *fix_args(case), str(case)])
        if again.stdout:
            problems.append("a second fix is not empty:\n" + again.stdout)
        for exe in pythons:
            out = pathlib.Path(tmp) / ("built-" + pathlib.Path(exe).name)
            out.mkdir()
            built, report = build_modules(owngil, case, exe, out)
            problems += built
            if built:
                continue
            # A finding the case suppresses on purpose stays (fix leaves it alone): the verdict says so.
            not_isolated = [m["name"] for m in report["modules"]
                            if m["verdict"] not in ("isolated", "isolated-except-hidden")]
            if not_isolated:
                problems.append(f"check still finds blockers in {not_isolated}")
            run = sh([exe, str(TESTS / "subinterp_run.py"), str(out), str(case), "4"], timeout=300)
            if run.returncode:
                problems.append(f"tests in 4 own-GIL subinterpreters failed on {exe}:\n{run.stdout}{run.stderr}")
            modules = [m["name"] for m in report["modules"]]
            # Two at a time: each child is busy on one core, and the machine has two.
            with concurrent.futures.ThreadPoolExecutor(2) as pool:
                for found in pool.map(lambda check: verify_check(exe, check, out, case, modules), VERIFY_CHECKS):
                    problems += found
    return problems


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--owngil", required=True)
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--python", action="append", default=[])
    ap.add_argument("--old-python", action="append", default=[])
    ap.add_argument("--case", action="append", default=[], help="only these cases (default: all)")
    ap.add_argument("--update", action="store_true")
    args = ap.parse_args()
    passed = failed = 0
    for case in sorted(p for p in pathlib.Path(args.corpus).iterdir() if p.is_dir()):
        if args.case and case.name not in args.case:
            continue
        r = sh([args.owngil, "fix", "--no-config", *case_root(case), *fix_args(case), str(case)])
        summary = r.stderr
        if args.update:
            (case / "expected-fix.txt").write_text(summary)
            if r.stdout:
                (case / "expected.diff").write_text(r.stdout)
            elif (case / "expected.diff").exists():
                (case / "expected.diff").unlink()
            continue
        problems = []
        want_diff = (case / "expected.diff").read_text() if (case / "expected.diff").exists() else ""
        if r.stdout != want_diff:
            problems.append("diff differs from expected.diff:\n" + r.stdout)
        want_summary = (case / "expected-fix.txt").read_text() if (case / "expected-fix.txt").exists() else None
        if summary != want_summary:
            problems.append(f"summary differs from expected-fix.txt:\n{summary}")
        if r.stdout and not problems:
            problems += check_port(args.owngil, case, args.python, r.stdout, args.old_python)
        if problems:
            failed += 1
            print(f"FAIL {case.name}")
            for p in problems:
                print("  " + p.replace("\n", "\n  "))
        else:
            passed += 1
            print(f"ok   {case.name}" + (" (ported, built, tested in subinterpreters)" if r.stdout else ""))
    if not args.update:
        print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
