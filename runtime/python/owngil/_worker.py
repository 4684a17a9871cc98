"""What runs inside a pool's interpreters: decode a task, run it, encode the outcome.

Values cross interpreters as bytes: marshal for plain values (None, bool, int, float, complex,
str, bytes, and tuples, lists, dicts and sets of them: the fast path), pickle for everything else.
"""
import importlib
import importlib.util
import io
import marshal
import pickle
import sys
import traceback


_SCALARS = frozenset({type(None), bool, int, float, complex, str, bytes})
_CONTAINERS = frozenset({tuple, list, set, frozenset})


def _plain(value, depth=0):
    """Only exact plain types take the marshal path: marshal would also turn any object with the
    buffer protocol (an owngil.Buffer) into bytes, a copy, and subclasses into their base."""
    kind = type(value)
    if kind in _SCALARS:
        return True
    if depth > 100:
        return False
    if kind in _CONTAINERS:
        return all(_plain(item, depth + 1) for item in value)
    if kind is dict:
        return all(_plain(k, depth + 1) and _plain(v, depth + 1) for k, v in value.items())
    return False


def dump(value):
    if _plain(value):
        return b"M" + marshal.dumps(value)
    return b"P" + pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)


def load(data):
    body = memoryview(data)[1:]  # no copy of what may be a large payload
    if data[:1] == b"M":
        return marshal.loads(body)
    if not IN_WORKER:  # the main interpreter: __main__ is this process's own
        return pickle.loads(body)
    return _Unpickler(io.BytesIO(body)).load()


# How this worker imports the main module of the process that made it: ("module", name),
# ("path", file) or None (set by the pool at start).
MAIN = None
IN_WORKER = False  # set by the pool in its interpreters
CORE = INTERP = None  # there: the pool's id (owngil._Core.id) and this interpreter's


class MainModuleError(ImportError):
    """The main module could not be imported in a worker interpreter (its cause says why)."""


def _main_module():
    """The process's main module in this interpreter, imported under the name __owngil_main__ so
    that its `if __name__ == "__main__":` block does not run again here. A failed import leaves
    nothing behind (the next task tries again rather than finding half a module)."""
    module = sys.modules.get("__owngil_main__")
    if module is not None:
        return module
    if MAIN is None:
        raise MainModuleError("the main module has no file (python -c, the REPL): what it defines "
                              "cannot be found in a worker interpreter; define it in a module")
    kind, where = MAIN
    try:
        if kind == "module":
            module = importlib.import_module(where)
        else:
            spec = importlib.util.spec_from_file_location("__owngil_main__", where)
            module = importlib.util.module_from_spec(spec)
            sys.modules["__owngil_main__"] = module
            spec.loader.exec_module(module)
    except BaseException as error:
        sys.modules.pop("__owngil_main__", None)
        # Its traceback goes into the message, once (not also as a chained cause).
        script_traceback = "".join(traceback.format_exception(error)).rstrip()
        raise MainModuleError(f"the main module ({where}) failed to import in a worker interpreter. Code "
                              f"that must run only in the main interpreter belongs under "
                              f"`if __name__ == \"__main__\":`.\n{script_traceback}") from None
    sys.modules["__owngil_main__"] = module
    return module


def _named(module, qualname):
    obj = module
    for part in qualname.split("."):
        obj = getattr(obj, part)
    return obj


def resolve(reference):
    """A callable named by (module, qualname) or pickled itself."""
    if not isinstance(reference, tuple):
        return reference
    module_name, qualname = reference
    module = _main_module() if module_name == "__main__" else importlib.import_module(module_name)
    return _named(module, qualname)


def run_chunk(reference, chunk):
    """Pool.map with a chunksize: the calls of one chunk, in one task."""
    fn = resolve(reference)
    return [fn(*args) for args in chunk]


class _Unpickler(pickle.Unpickler):
    """Finds what the main process pickled from its __main__ in the main module imported here."""

    def find_class(self, module, name):
        if module == "__main__":
            return _named(_main_module(), name)
        return super().find_class(module, name)


def _rebuild_exception(kind, args, state):
    """An exception as it was, without calling its __init__ (which may want other arguments than
    the `args` it passed to its base: `MyError(code, text)` calling `super().__init__(text)`)."""
    error = kind.__new__(kind, *args)
    error.args = args
    if state:
        error.__dict__.update(state)
    return error


class _ExceptionPickler(pickle.Pickler):
    """Pickles exceptions by type, args and attributes rather than by calling the type with args
    (BaseException.__reduce__), which fails on unpickling when __init__ wants other arguments.
    Types with a __reduce__ of their own (OSError, ...) keep theirs."""

    def reducer_override(self, obj):
        if isinstance(obj, BaseException) and type(obj).__reduce__ is BaseException.__reduce__:
            return _rebuild_exception, (type(obj), obj.args, getattr(obj, "__dict__", None) or None)
        return NotImplemented


def dump_failure(error, remote):
    out = io.BytesIO()
    out.write(b"P")
    _ExceptionPickler(out, protocol=pickle.HIGHEST_PROTOCOL).dump((False, error, remote))
    return out.getvalue()


def warm_up():
    """Run in the main interpreter before any worker pickles. CPython 3.12.1 interns the names
    pickling looks up (`reducer_override`, `__reduce_ex__`, ...) where they are first used; first
    used in a subinterpreter, they are freed at exit by the wrong allocator ("munmap_chunk(): invalid
    pointer", "double free", rc -6). Used here first, every interpreter finds them interned."""
    load(dump_failure(ValueError("warm-up"), ""))
    load(dump(_rebuild_exception))
    load(dump(_WarmUp()))


class _WarmUp:
    pass


def execute(payload):
    """payload -> outcome: (True, result) or (False, exception, remote traceback text)."""
    try:
        reference, args, kwargs = load(payload)
        return dump((True, resolve(reference)(*args, **kwargs)))
    except BaseException as error:  # the worker survives whatever the task raised
        remote = traceback.format_exc()
        try:
            return dump_failure(error, remote)
        except Exception:
            return dump_failure(RuntimeError(f"{type(error).__name__}: {error}"), remote)
