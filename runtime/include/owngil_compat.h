/* owngil_compat.h: what code ported by `owngil fix` needs on CPythons that lack it.
 *
 * Header-only, C and C++, CPython 3.9 and newer. `owngil fix` copies it beside the ported module
 * and includes it right after <Python.h>; it is safe to include several times, and a newer copy
 * (a larger OWNGIL_COMPAT_VERSION) can replace an older one.
 */
#ifndef OWNGIL_COMPAT_H
#define OWNGIL_COMPAT_H

#define OWNGIL_COMPAT_VERSION 1

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
