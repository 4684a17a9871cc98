"""Checks of a ported extension module that fail when the port is wrong, one check per run.

Usage: pythonX.Y port_verify.py CHECK MODULE_DIR CASE_DIR MODULE [MODULE ...]

fix_check.py runs each CHECK in its own child process with a timeout, under PYTHONMALLOC=debug
-X dev (a wrong port crashes or hangs more often than it fails a test), for every module of a case:

  tests      the case's tests in the main interpreter, then in 4 own-GIL subinterpreters at once
  refcounts  every heap type the module exposes keeps its reference count across creating and
             destroying instances (of it and of a Python subclass): a dealloc that does not
             release its type, or releases it twice, moves the count; and the module state owns
             a reference to everything its m_traverse visits
  identity   no object the module exposes, puts in its types' dicts or holds in its state (what
             m_traverse visits) is one and the same in the main interpreter and two own-GIL
             subinterpreters: such an object lives in a C global that every interpreter shares
  nomemory   the exec function, in a fresh subinterpreter each time, with allocation N and every
             later one failing, for N = 0, 1, ... until it succeeds: each failure must be a clean
             MemoryError (no crash, no SystemError) that leaves nothing in the state that it
             does not own; then a normal import and the tests still work
  reimport   20 times: a new own-GIL interpreter imports the modules, runs the tests, is destroyed

Prints what failed (module, check, details) and exits 1; a crash shows as the child's signal
after the last progress line it printed.
"""
import gc
import json
import os
import sys
import tempfile
import threading

try:
    import _interpreters as interpreters  # 3.13
except ImportError:
    import _xxsubinterpreters as interpreters  # 3.12: create() makes an isolated, own-GIL interpreter

IMMORTAL = sys.getrefcount(None)  # CPython shares only immortal objects between interpreters
HEAPTYPE = 1 << 9  # Py_TPFLAGS_HEAPTYPE
BASETYPE = 1 << 10  # Py_TPFLAGS_BASETYPE
REIMPORTS = 20
MAX_FAILING_ALLOCATIONS = 5000  # more than any corpus exec makes; the timeout stops a slow one first


def progress(message):
    # Flushed at once: when the child dies, the last line says where.
    print(message, flush=True)


def new_interpreter():
    interp = interpreters.create()
    # 3.12.1 hangs in destroy when an interpreter first imports threading off the main thread
    # (unittest may): import it here, on the main thread.
    run_in(interp, "import threading")
    return interp


def run_in(interp, code):
    """None, or the exception the code raised in that interpreter, as text."""
    try:
        failure = interpreters.run_string(interp, code)
    except Exception as e:  # 3.12 raises instead of returning the failure
        return f"{type(e).__name__}: {e}"
    return None if failure is None else f"{failure.type.__name__}: {failure.msg}"


def run_in_new(code):
    interp = new_interpreter()
    try:
        return run_in(interp, code)
    finally:
        interpreters.destroy(interp)


def path_code(module_dir, case_dir):
    return f"import sys\nsys.path[:0] = [{module_dir!r}, {case_dir!r}]\n"


# The case's test_*.py files; a failure names the first tests that failed and how.
TESTS_CODE = r'''
import io, pathlib, unittest
suite = unittest.TestSuite()
for t in sorted(pathlib.Path({case_dir!r}).glob("test_*.py")):
    suite.addTests(unittest.defaultTestLoader.loadTestsFromName(t.stem))
result = unittest.TextTestRunner(stream=io.StringIO()).run(suite)
if not result.wasSuccessful() or result.testsRun == 0:
    first = [f"{{test.id()}}: {{trace.strip().splitlines()[-1]}}" for test, trace in result.failures + result.errors]
    raise AssertionError(f"{{len(result.failures)}} failures, {{len(result.errors)}} errors of {{result.testsRun}} tests: "
                         + "; ".join(first[:3]))
'''


def tests_code(module_dir, case_dir):
    return path_code(module_dir, case_dir) + TESTS_CODE.format(case_dir=case_dir)


# Defines unowned(mod): the objects the module state holds (what its m_traverse visits) without
# owning a reference to them. Such a member (borrowed, or released on an error path and left in
# the state) is released once too often when m_clear/m_free run. Counted rather than waited for:
# freelists (dict, list, ...) keep a released object looking whole, so it rarely crashes at once.
STATE_CODE = r"""
import gc, sys

def visits(x):
    return sum(1 for r in gc.get_referrers(x) for o in gc.get_referents(r) if o is x)

def surpluses(objects):
    # How many more times objects that the GC tracks visit each object than it has references.
    return [visits(o) - sys.getrefcount(o) for o in objects]

def unowned(mod):
    members = [o for o in gc.get_referents(mod) if o is not mod.__dict__]
    owned = surpluses([object()])[0]  # an object only the list owns, measured the same way
    # The module itself (a global that held it became a member) has one reference more that no
    # GC object visits: this function's argument.
    return [describe(o, mod) if s < 2 ** 20 else "a released object"  # freed memory: no type to name
            for o, s in zip(members, surpluses(members)) if s + (o is mod) > owned]

def describe(o, mod):
    if o is mod:
        return "the module itself"
    if isinstance(o, type):
        return f"the type {o.__module__}.{o.__qualname__}"
    return f"the module {o.__name__}" if isinstance(o, type(sys)) else f"a {type(o).__name__}"
"""


# --- tests -------------------------------------------------------------------------------------

def check_tests(module_dir, case_dir, modules, n=4):
    try:
        exec(tests_code(module_dir, case_dir), {})
    except Exception as e:
        yield f"tests in the main interpreter: {type(e).__name__}: {e}"
    # Created here, run in threads: the 4 interpreters run the tests at the same time.
    interps = [new_interpreter() for _ in range(n)]
    results = [None] * n

    def run(i):
        results[i] = run_in(interps[i], tests_code(module_dir, case_dir))

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for interp in interps:
        interpreters.destroy(interp)
    for r in dict.fromkeys(r for r in results if r):  # one line per distinct failure
        which = ", ".join(str(i) for i, other in enumerate(results) if other == r)
        yield f"tests in own-GIL subinterpreter(s) {which} of {n} running at once: {r}"


# --- refcounts ---------------------------------------------------------------------------------
# The same code runs in the main interpreter and in a subinterpreter; it raises AssertionError
# with every type whose count moved.

REFCOUNT_CODE = r'''
import gc, importlib, sys

def heap_types(mod):
    """Heap types the module defines: its attributes, and their subclasses, whose __module__ is it."""
    found, todo = [], [v for v in vars(mod).values() if isinstance(v, type)]
    while todo:
        t = todo.pop()
        if getattr(t, '__module__', None) == mod.__name__ and t.__flags__ & {HEAPTYPE} and t not in found:
            found.append(t)
            todo += type.__subclasses__(t)
    return sorted(found, key=lambda t: t.__qualname__)

def churn(t, n):
    for _ in range(n):
        t()
    batch = [t() for _ in range(n)]
    del batch
    gc.collect()

def moved(make, types, n):
    """How far each type's reference count moves across 2 n instances of make created and destroyed."""
    churn(make, 1)  # first instances fill caches (specialisation, type attribute cache)
    before = [sys.getrefcount(t) for t in types]  # the same expression twice: the same temporaries
    churn(make, n)
    after = [sys.getrefcount(t) for t in types]
    return [(t, b, a - b) for t, b, a in zip(types, before, after) if a != b]

def check(t):
    """What is wrong with t's reference count, or None."""
    kinds = [("instances", t, [t])]
    if t.__flags__ & {BASETYPE}:
        # A Python subclass's instances go through subtype_dealloc, which leaves the release
        # of the (sub)type to the heap base type's dealloc: it must release Py_TYPE(self).
        sub = type("PySub", (t,), {{}})
        kinds.append(("instances of a Python subclass", sub, [sub, t]))
    for what, make, types in kinds:
        for n in (1, 1000):  # 1 first: a type released twice per instance is still alive
            wrong = moved(make, types, n)
            if wrong:
                return "; ".join(f"{{t.__module__}}.{{t.__qualname__}}: creating and destroying {{2 * n}} {{what}} "
                                 f"moved the reference count of {{u.__qualname__}} from {{before}} by {{delta:+d}} "
                                 "(after gc.collect())" for u, before, delta in wrong)

problems = []
for name in {modules!r}:
    mod = importlib.import_module(name)
    wrong = unowned(mod)
    if wrong:
        problems.append(f"{{name}}: its state holds {{', '.join(wrong)}} without owning a reference: "
                        "m_clear/m_free will release it once too often (a borrowed or stolen reference?)")
    for t in heap_types(mod):
        try:
            t()
        except Exception as e:  # needs arguments, or not instantiable: nothing to count
            print(f"  {{t.__module__}}.{{t.__qualname__}}: not created without arguments ({{type(e).__name__}})", flush=True)
            continue
        print(f"  {{t.__module__}}.{{t.__qualname__}}: creating and destroying instances", flush=True)
        problem = check(t)
        if problem:
            problems.append(problem)
if problems:
    raise AssertionError("; ".join(problems))
'''


def check_refcounts(module_dir, case_dir, modules):
    code = path_code(module_dir, case_dir) + STATE_CODE + REFCOUNT_CODE.format(modules=modules, HEAPTYPE=HEAPTYPE,
                                                                  BASETYPE=BASETYPE)
    progress("refcounts in the main interpreter")
    try:
        exec(code, {})
    except AssertionError as e:
        yield f"main interpreter: {e}"
    progress("refcounts in an own-GIL subinterpreter")
    failure = run_in_new(code)
    if failure:
        yield f"own-GIL subinterpreter: {failure}"


# --- identity ----------------------------------------------------------------------------------

IDENTITY_CODE = r'''
import gc, importlib, json, sys

def own_type(mod, value):
    return isinstance(value, type) and getattr(value, "__module__", None) == mod.__name__

def probed(mod):
    """name -> object for what the module exposes, what its own types hold in their dicts, and
    what its m_traverse visits (the module state, also what it does not expose)."""
    found = {{}}
    for name, value in vars(mod).items():
        found[f"{{mod.__name__}}.{{name}}"] = value
        if own_type(mod, value):
            for key, inner in vars(value).items():
                found[f"{{mod.__name__}}.{{name}}.__dict__[{{key!r}}]"] = inner
    members = [o for o in gc.get_referents(mod) if o is not vars(mod)]
    for i, value in enumerate(members):
        found[f"{{mod.__name__}}'s state member {{i + 1}} (a {{type(value).__name__}}, in m_traverse's order)"] = value
    # Immortal objects (None, small ints, static strings, builtin types) are shared by design; the
    # module's own types never are (3.13 makes a static type immortal: it is still one for all).
    return {{k: id(v) for k, v in found.items() if sys.getrefcount(v) < {IMMORTAL} or own_type(mod, v)}}

ids = {{}}
for name in {modules!r}:
    ids.update(probed(importlib.import_module(name)))
with open({out!r}, "w") as f:
    json.dump(ids, f)
'''


def identity_in(interp, module_dir, case_dir, modules, tmp, label):
    """name -> id() of what the modules expose, as seen in that interpreter (None: the main one)."""
    out = os.path.join(tmp, label + ".json")
    code = path_code(module_dir, case_dir) + IDENTITY_CODE.format(modules=modules, out=out, IMMORTAL=IMMORTAL)
    if interp is None:
        exec(code, {})
    else:
        failure = run_in(interp, code)
        if failure:
            raise AssertionError(f"import in {label} failed: {failure}")
    with open(out) as f:
        return json.load(f)


def shared_objects(views):
    """[(name, id, labels)] for each object seen from more than one interpreter; views: label ->
    {name: id}."""
    seen = {}  # id -> (the first name it was seen under, the interpreters that see it)
    for label, ids in views.items():
        for name, ident in ids.items():
            labels = seen.setdefault(ident, (name, []))[1]
            if label not in labels:
                labels.append(label)
    shared = {name: (ident, labels) for ident, (name, labels) in seen.items() if len(labels) > 1}
    # What a shared type holds is left out: the type is the defect.
    return [(name, ident, labels) for name, (ident, labels) in sorted(shared.items())
            if name.split(".__dict__[")[0] == name or name.split(".__dict__[")[0] not in shared]


def check_identity(module_dir, case_dir, modules):
    # Every interpreter stays alive (and keeps its modules) until all are compared: an equal id()
    # is then one live object seen from two interpreters, never a reused address.
    interps = {"subinterpreter A": new_interpreter(), "subinterpreter B": new_interpreter()}
    views = {}
    try:
        with tempfile.TemporaryDirectory(prefix="owngil-identity-") as tmp:
            for label, interp in [("main interpreter", None), *interps.items()]:
                progress(f"identity: importing in the {label}")
                views[label] = identity_in(interp, module_dir, case_dir, modules, tmp, label)
    except AssertionError as e:
        yield str(e)
        return
    finally:
        for interp in interps.values():
            interpreters.destroy(interp)
    for name, ident, labels in shared_objects(views):
        yield (f"{name} is one object (id {ident:#x}) in the {', '.join(labels)}: a Python object shared by "
               "every interpreter (kept in a C global, or a static type?)")


# --- nomemory ----------------------------------------------------------------------------------
# _testcapi (set_nomemory) is a single-phase module: it loads only in an interpreter that skips the
# multi-interpreter check, which needs the main interpreter's allocator. The GIL is still its own.

NOMEMORY_CODE = r'''
import _imp, gc, importlib.util, json, os, sys, _testcapi
sys.path[:0] = [{module_dir!r}]
spec = importlib.util.find_spec({module!r})
mod = _imp.create_dynamic(spec)  # PyInit_* and the module object: CPython's part
_testcapi.set_nomemory({n}, 0)  # allocation {n} and every later one fail ...
try:
    _imp.exec_dynamic(mod)  # ... in the module's exec function
except BaseException as e:
    _testcapi.remove_mem_hooks()  # first: reporting allocates
    error = e
else:
    _testcapi.remove_mem_hooks()
    error = None

wrong = unowned(mod)
if wrong:
    print(f"FAILED nomemory: {module}: with allocation {n} failing, exec {{'failed' if error else 'succeeded'}} "
          f"and left what the module state does not own in it ({{', '.join(wrong)}}): m_clear/m_free will "
          "release it once too often "
          "(released on an error path and not cleared, or never owned?)", flush=True)
    os._exit(1)  # before the double release corrupts the allocator
gc.collect()  # the failed module's m_traverse, while it is alive
del mod  # its m_free (and m_clear, in a cycle) run here or when the interpreter is destroyed
gc.collect()
chain, cause = [], error
while cause is not None and len(chain) < 5:
    chain.append(f"{{type(cause).__name__}}: {{cause}}")
    cause = cause.__cause__ or cause.__context__
with open({out!r}, "w") as f:
    json.dump({{"error": chain}}, f)
'''


def run_in_fresh_nomemory_interpreter(code):
    """Runs code in a new own-GIL interpreter that can import _testcapi, then destroys it."""
    if sys.version_info >= (3, 13):
        config = interpreters.new_config("isolated")
        config.use_main_obmalloc = True
        config.check_multi_interp_extensions = False
        interp = interpreters.create(config)
        try:
            failure = interpreters.exec(interp, code)
            return None if failure is None else failure.formatted
        finally:
            interpreters.destroy(interp)
    import _testcapi  # 3.12: the only way to pick these settings
    status = _testcapi.run_in_subinterp_with_config(
        code, use_main_obmalloc=True, allow_fork=False, allow_exec=False, allow_threads=True,
        allow_daemon_threads=False, check_multi_interp_extensions=False, gil=2)  # 2: own GIL
    return None if status == 0 else "the code raised (traceback above)"


def exec_failing_from(module_dir, module, n, out):
    """The error chain of exec with allocations n.. failing ([] when it succeeded), or a failure text."""
    code = STATE_CODE + NOMEMORY_CODE.format(module_dir=module_dir, module=module, n=n, out=out)
    failure = run_in_fresh_nomemory_interpreter(code)
    if failure:
        return None, failure
    with open(out) as f:
        return json.load(f)["error"], None


def clean_failure(chain):
    # A MemoryError, or an exception the module raised for it. SystemError means exec returned
    # -1 without an exception or 0 with one.
    return any(c.startswith("MemoryError") for c in chain) and not any(c.startswith("SystemError") for c in chain)


def check_nomemory(module_dir, case_dir, modules):
    import _testcapi
    if not hasattr(_testcapi, "set_nomemory"):
        yield f"_testcapi.set_nomemory is missing in {sys.version.split()[0]}: check not run"
        return
    with tempfile.TemporaryDirectory(prefix="owngil-nomemory-") as tmp:
        out = os.path.join(tmp, "outcome.json")
        for module in modules:
            for n in range(MAX_FAILING_ALLOCATIONS):
                progress(f"nomemory: {module} exec with allocation {n} and later ones failing")
                chain, failure = exec_failing_from(module_dir, module, n, out)
                if failure:
                    yield f"{module}: with allocation {n} failing, the interpreter's code failed: {failure}"
                    break
                if not chain:
                    progress(f"nomemory: {module} exec succeeded with allocation {n} failing; "
                             f"allocations 0 to {n - 1} failed cleanly")
                    break
                if not clean_failure(chain):
                    yield f"{module}: with allocation {n} failing, exec did not fail cleanly: " + " <- ".join(chain)
                    break
            else:
                yield f"{module}: exec still fails with allocation {MAX_FAILING_ALLOCATIONS} failing"
    progress("nomemory: a normal import and the tests in a new own-GIL interpreter")
    failure = run_in_new(tests_code(module_dir, case_dir))
    if failure:
        yield f"after the failed imports, the tests in a new interpreter failed: {failure}"


# --- reimport ----------------------------------------------------------------------------------

def check_reimport(module_dir, case_dir, modules, times=REIMPORTS):
    for i in range(times):
        progress(f"reimport: interpreter {i + 1} of {times}")
        failure = run_in_new(tests_code(module_dir, case_dir))
        if failure:
            yield f"interpreter {i + 1} of {times}: {failure}"
            return


CHECKS = {"tests": check_tests, "refcounts": check_refcounts, "identity": check_identity,
          "nomemory": check_nomemory, "reimport": check_reimport}


def main():
    check, module_dir, case_dir, modules = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
    failed = False
    # Each check yields its failures as it finds them: printed at once, they survive a later crash.
    for failure in CHECKS[check](module_dir, case_dir, modules):
        progress(f"FAILED {check}: {failure}")
        failed = True
    gc.collect()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
