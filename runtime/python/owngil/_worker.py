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
    return marshal.loads(body) if data[:1] == b"M" else pickle.loads(body)


def _main_module(path):
    # Functions of the caller's script: import the script under another name, so its
    # `if __name__ == "__main__":` block does not run again here.
    module = sys.modules.get("__owngil_main__")
    if module is None:
        spec = importlib.util.spec_from_file_location("__owngil_main__", path)
        module = importlib.util.module_from_spec(spec)
        sys.modules["__owngil_main__"] = module
        spec.loader.exec_module(module)
    return module


def resolve(reference):
    """A callable named by (module, qualname, main script path) or pickled itself."""
    if not isinstance(reference, tuple):
        return reference
    module_name, qualname, main_path = reference
    obj = _main_module(main_path) if module_name == "__main__" and main_path else importlib.import_module(module_name)
    for part in qualname.split("."):
        obj = getattr(obj, part)
    return obj


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


def _dump_failure(error, remote):
    out = io.BytesIO()
    out.write(b"P")
    _ExceptionPickler(out, protocol=pickle.HIGHEST_PROTOCOL).dump((False, error, remote))
    return out.getvalue()


def warm_up():
    """Run in the main interpreter before any worker pickles. CPython 3.12.1 interns the names
    pickling looks up (`reducer_override`, `__reduce_ex__`, ...) where they are first used; first
    used in a subinterpreter, they are freed at exit by the wrong allocator ("munmap_chunk(): invalid
    pointer", "double free", rc -6). Used here first, every interpreter finds them interned."""
    load(_dump_failure(ValueError("warm-up"), ""))
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
            return _dump_failure(error, remote)
        except Exception:
            return _dump_failure(RuntimeError(f"{type(error).__name__}: {error}"), remote)
