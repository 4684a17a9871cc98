/* owngil_compat.h: what code ported by `owngil fix` needs on CPythons that lack it.
 *
 * Header-only, C and C++, CPython 3.9 and newer. `owngil fix` copies it beside the ported module
 * and includes it right after <Python.h>; it is safe to include several times, and a newer copy
 * (a larger OWNGIL_COMPAT_VERSION) can replace an older one.
 */
#ifndef OWNGIL_COMPAT_H
#define OWNGIL_COMPAT_H

#define OWNGIL_COMPAT_VERSION 3

#ifndef Py_PYTHON_H
#error "include <Python.h> before owngil_compat.h"
#endif

#if PY_VERSION_HEX < 0x03090000
#error "owngil_compat.h needs CPython 3.9 or newer (PyType_FromModuleAndSpec)"
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* 3.10: immutable and non-instantiable heap types. On 3.9 the flags do not exist; a converted type
 * is then mutable from Python, and one that was not instantiable inherits object's __new__. */
#ifndef Py_TPFLAGS_IMMUTABLETYPE
#define Py_TPFLAGS_IMMUTABLETYPE 0
#endif
#ifndef Py_TPFLAGS_DISALLOW_INSTANTIATION
#define Py_TPFLAGS_DISALLOW_INSTANTIATION 0
#endif

/* 3.12: member types and flags in Python.h; before, structmember.h has the old names. Ported heap
 * types declare __weaklistoffset__ / __dictoffset__ / __vectorcalloffset__ members with them. */
#ifndef Py_T_PYSSIZET
#include <structmember.h>
#define Py_T_PYSSIZET T_PYSSIZET
#endif
#ifndef Py_READONLY
#define Py_READONLY READONLY
#endif

/* 3.10 */
#if PY_VERSION_HEX < 0x030A0000 && !defined(Py_NewRef)
static inline PyObject *owngil_Py_NewRef(PyObject *obj)
{
    Py_INCREF(obj);
    return obj;
}
#define Py_NewRef(obj) owngil_Py_NewRef((PyObject *)(obj))
#endif
#if PY_VERSION_HEX < 0x030A0000 && !defined(Py_XNewRef)
static inline PyObject *owngil_Py_XNewRef(PyObject *obj)
{
    Py_XINCREF(obj);
    return obj;
}
#define Py_XNewRef(obj) owngil_Py_XNewRef((PyObject *)(obj))
#endif

/* 3.10: fix writes PyModule_AddObjectRef where PyModule_AddObject stole the only reference of an
 * object the module state now owns too. */
#if PY_VERSION_HEX < 0x030A0000
static inline int owngil_PyModule_AddObjectRef(PyObject *module, const char *name, PyObject *value)
{
    Py_XINCREF(value);
    if (PyModule_AddObject(module, name, value) < 0) {
        Py_XDECREF(value);
        return -1;
    }
    return 0;
}
#define PyModule_AddObjectRef owngil_PyModule_AddObjectRef
#endif

/* Methods that fix rewrote to METH_METHOD | METH_FASTCALL | METH_KEYWORDS, to receive the class
 * that defines them (and so their module state), check and unpack their arguments here as CPython
 * did for their old calling convention, with CPython's messages. Each returns 0, or -1 with
 * TypeError (or MemoryError) set. `name` is "Type.method". */
static inline int owngil_no_keywords(const char *name, PyObject *kwnames)
{
    if (kwnames != NULL && PyTuple_GET_SIZE(kwnames) != 0) {
        PyErr_Format(PyExc_TypeError, "%s() takes no keyword arguments", name);
        return -1;
    }
    return 0;
}

/* METH_NOARGS and METH_O: exactly `expected` (0 or 1) positional arguments, no keywords. */
static inline int owngil_exact_arguments(const char *name, Py_ssize_t expected, Py_ssize_t nargs, PyObject *kwnames)
{
    if (owngil_no_keywords(name, kwnames) < 0) return -1;
    if (nargs != expected) {
        if (expected == 0) PyErr_Format(PyExc_TypeError, "%s() takes no arguments (%zd given)", name, nargs);
        else PyErr_Format(PyExc_TypeError, "%s() takes exactly one argument (%zd given)", name, nargs);
        return -1;
    }
    return 0;
}

static inline int owngil_no_arguments(const char *name, Py_ssize_t nargs, PyObject *kwnames)
{
    return owngil_exact_arguments(name, 0, nargs, kwnames);
}

static inline int owngil_one_argument(const char *name, Py_ssize_t nargs, PyObject *kwnames)
{
    return owngil_exact_arguments(name, 1, nargs, kwnames);
}

/* METH_VARARGS: a new tuple of the positional arguments. With METH_KEYWORDS (`kwargs` not NULL)
 * also a new dict of the keyword arguments, or NULL when there are none, as CPython passes. */
static inline int owngil_unpack_varargs(const char *name, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames,
                                        PyObject **tuple, PyObject **kwargs)
{
    Py_ssize_t i, nkw = kwnames == NULL ? 0 : PyTuple_GET_SIZE(kwnames);
    if (kwargs == NULL && owngil_no_keywords(name, kwnames) < 0) return -1;
    *tuple = PyTuple_New(nargs);
    if (*tuple == NULL) return -1;
    for (i = 0; i < nargs; i++) PyTuple_SET_ITEM(*tuple, i, Py_NewRef(args[i]));
    if (kwargs == NULL) return 0;
    *kwargs = NULL;
    if (nkw == 0) return 0;
    *kwargs = PyDict_New();
    for (i = 0; *kwargs != NULL && i < nkw; i++)
        if (PyDict_SetItem(*kwargs, PyTuple_GET_ITEM(kwnames, i), args[nargs + i]) < 0) Py_CLEAR(*kwargs);
    if (*kwargs == NULL) {
        Py_CLEAR(*tuple);
        return -1;
    }
    return 0;
}

/* 3.11: the module whose PyModuleDef is `def`, found along the MRO of `type`: what slots and
 * methods of a heap type use to reach their module state, also for subclasses defined in Python.
 * Same contract as CPython's: a borrowed reference, or NULL with TypeError set. */
#if PY_VERSION_HEX < 0x030B0000
static inline PyObject *owngil_PyType_GetModuleByDef(PyTypeObject *type, PyModuleDef *def)
{
    PyObject *mro = type->tp_mro;
    Py_ssize_t i, n = mro == NULL ? 0 : PyTuple_GET_SIZE(mro);
    for (i = 0; i < n; i++) {
        PyTypeObject *super = (PyTypeObject *)PyTuple_GET_ITEM(mro, i);
        PyObject *module;
        if (!(super->tp_flags & Py_TPFLAGS_HEAPTYPE)) continue;
        module = ((PyHeapTypeObject *)super)->ht_module;
        if (module != NULL && PyModule_GetDef(module) == def) return module;
    }
    PyErr_Format(PyExc_TypeError, "PyType_GetModuleByDef: No superclass of '%s' has the given module",
                 type->tp_name);
    return NULL;
}
#define PyType_GetModuleByDef owngil_PyType_GetModuleByDef
#endif

#ifdef __cplusplus
}
#endif

#endif /* OWNGIL_COMPAT_H */
