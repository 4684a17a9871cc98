"""Writes a synthetic extension tree for benchmarks: N single-phase modules, each with globals,
a static type, helpers and a method table (about 300 lines a file). Deterministic for a given N.

Usage: python3 bench/gen_tree.py OUT_DIR N
       python3 bench/gen_tree.py OUT_DIR --lines L   one module of about L lines (gen0.c), the
                                                     same shapes with more helper/method pairs
"""
import pathlib
import sys

HEADER = """#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>

static PyObject *cache_{i} = NULL;
static long counter_{i} = 0;

typedef struct {{
    PyObject_HEAD
    long value;
}} Obj{i};

static PyTypeObject Obj{i}_Type;
"""

FUNC = """
static long helper_{i}_{j}(long x) {{
    long acc = x;
    for (int k = 0; k < {j} + 3; k++) {{
        acc = acc * 31 + k;
        if (acc > 1000000) acc %= 1000003;
    }}
    counter_{i} += acc & 1;
    return acc;
}}

static PyObject *method_{i}_{j}(PyObject *Py_UNUSED(module), PyObject *arg) {{
    long x = PyLong_AsLong(arg);
    if (x == -1 && PyErr_Occurred()) return NULL;
    if (cache_{i} == NULL) {{
        cache_{i} = PyDict_New();
        if (cache_{i} == NULL) return NULL;
    }}
    return PyLong_FromLong(helper_{i}_{j}(x));
}}
"""

FOOTER = """
static PyTypeObject Obj{i}_Type = {{
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "gen{i}.Obj",
    .tp_basicsize = sizeof(Obj{i}),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = PyType_GenericNew,
}};

static PyMethodDef gen{i}_methods[] = {{
{entries}    {{NULL, NULL, 0, NULL}},
}};

static struct PyModuleDef gen{i}_module = {{
    PyModuleDef_HEAD_INIT, "gen{i}", NULL, -1, gen{i}_methods, NULL, NULL, NULL, NULL,
}};

PyMODINIT_FUNC PyInit_gen{i}(void) {{
    if (PyType_Ready(&Obj{i}_Type) < 0) return NULL;
    return PyModule_Create(&gen{i}_module);
}}
"""


def module(i, functions=14):
    body = HEADER.format(i=i)
    body += "".join(FUNC.format(i=i, j=j) for j in range(functions))
    entries = "".join(f'    {{"m{j}", method_{i}_{j}, METH_O, NULL}},\n' for j in range(functions))
    return body + FOOTER.format(i=i, entries=entries)


LINES_PER_FUNCTION = 21  # a helper, its method (FUNC) and its row; the rest of a module is about 40 lines


def main():
    out = pathlib.Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    if sys.argv[2] == "--lines":
        functions = max(1, (int(sys.argv[3]) - 40) // LINES_PER_FUNCTION)
        (out / "gen0.c").write_text(module(0, functions))
        return
    for i in range(int(sys.argv[2])):
        (out / f"gen{i}.c").write_text(module(i))


if __name__ == "__main__":
    main()
