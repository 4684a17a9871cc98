/* Stand-in for CPython's Python.h, for the fuzz target only (tests/fuzz/): the names, types,
 * structures (fields in CPython's order: positional initializers map as they do there) and
 * macros of the C API that owngil's analyzer, rules and rewriter recognise, in the shapes
 * CPython 3.13 gives them (Py_TYPE, Py_INCREF, Py_DECREF are inline functions behind a macro of
 * the same name; Py_CLEAR, Py_VISIT are statement macros; slot ids are macros). Written for owngil,
 * not copied: small enough that a fuzz input parses in a few milliseconds. */
#ifndef OWNGIL_FUZZ_PYTHON_H
#define OWNGIL_FUZZ_PYTHON_H

#include <owngil_fuzz_libc.h>

#define PY_MAJOR_VERSION 3
#define PY_MINOR_VERSION 13
#define PY_MICRO_VERSION 0
#define PY_VERSION "3.13.0"
#define PY_VERSION_HEX 0x030D00F0

#ifdef __cplusplus
extern "C" {
#define _Py_NULL nullptr
#else
#define _Py_NULL NULL
#endif

#define PyAPI_FUNC(RTYPE) RTYPE
#define PyAPI_DATA(RTYPE) extern RTYPE
#ifdef __cplusplus
#define PyMODINIT_FUNC extern "C" __attribute__((visibility("default"))) PyObject *
#else
#define PyMODINIT_FUNC __attribute__((visibility("default"))) PyObject *
#endif
#define Py_UNUSED(name) _unused_##name __attribute__((unused))
#define Py_LOCAL_INLINE(type) static inline type
#define Py_ARRAY_LENGTH(array) (sizeof(array) / sizeof((array)[0]))
#define Py_MIN(x, y) (((x) > (y)) ? (y) : (x))
#define Py_MAX(x, y) (((x) > (y)) ? (x) : (y))
#define Py_ABS(x) ((x) < 0 ? -(x) : (x))
#define Py_STRINGIFY(x) #x
#define Py_UNREACHABLE() __builtin_unreachable()
#define PyDoc_STRVAR(name, str) static const char name[] = str
#define PyDoc_STR(str) str

typedef ssize_t Py_ssize_t;
typedef Py_ssize_t Py_hash_t;
typedef size_t Py_uhash_t;
typedef int Py_UCS4_standin;
typedef unsigned int Py_UCS4;
typedef unsigned short Py_UCS2;
typedef unsigned char Py_UCS1;
#define PY_SSIZE_T_MAX ((Py_ssize_t)(((size_t)-1) >> 1))
#define PY_SSIZE_T_MIN (-PY_SSIZE_T_MAX - 1)

/* --- objects ------------------------------------------------------------------------------ */

struct _typeobject;
typedef struct _object {
  Py_ssize_t ob_refcnt;
  struct _typeobject *ob_type;
} PyObject;

typedef struct {
  PyObject ob_base;
  Py_ssize_t ob_size;
} PyVarObject;

typedef struct _typeobject PyTypeObject;

#define PyObject_HEAD PyObject ob_base;
#define PyObject_VAR_HEAD PyVarObject ob_base;
#define PyObject_HEAD_INIT(type) {1, (type)},
#define PyVarObject_HEAD_INIT(type, size) {PyObject_HEAD_INIT(type)(size)},
#define _PyObject_CAST(op) ((PyObject *)(op))
#define _PyVarObject_CAST(op) ((PyVarObject *)(op))

typedef PyObject *(*unaryfunc)(PyObject *);
typedef PyObject *(*binaryfunc)(PyObject *, PyObject *);
typedef PyObject *(*ternaryfunc)(PyObject *, PyObject *, PyObject *);
typedef int (*inquiry)(PyObject *);
typedef Py_ssize_t (*lenfunc)(PyObject *);
typedef PyObject *(*ssizeargfunc)(PyObject *, Py_ssize_t);
typedef PyObject *(*ssizessizeargfunc)(PyObject *, Py_ssize_t, Py_ssize_t);
typedef int (*ssizeobjargproc)(PyObject *, Py_ssize_t, PyObject *);
typedef int (*objobjargproc)(PyObject *, PyObject *, PyObject *);
typedef int (*objobjproc)(PyObject *, PyObject *);
typedef int (*visitproc)(PyObject *, void *);
typedef int (*traverseproc)(PyObject *, visitproc, void *);
typedef void (*freefunc)(void *);
typedef void (*destructor)(PyObject *);
typedef PyObject *(*getattrfunc)(PyObject *, char *);
typedef PyObject *(*getattrofunc)(PyObject *, PyObject *);
typedef int (*setattrfunc)(PyObject *, char *, PyObject *);
typedef int (*setattrofunc)(PyObject *, PyObject *, PyObject *);
typedef PyObject *(*reprfunc)(PyObject *);
typedef Py_hash_t (*hashfunc)(PyObject *);
typedef PyObject *(*richcmpfunc)(PyObject *, PyObject *, int);
typedef PyObject *(*getiterfunc)(PyObject *);
typedef PyObject *(*iternextfunc)(PyObject *);
typedef PyObject *(*descrgetfunc)(PyObject *, PyObject *, PyObject *);
typedef int (*descrsetfunc)(PyObject *, PyObject *, PyObject *);
typedef int (*initproc)(PyObject *, PyObject *, PyObject *);
typedef PyObject *(*newfunc)(PyTypeObject *, PyObject *, PyObject *);
typedef PyObject *(*allocfunc)(PyTypeObject *, Py_ssize_t);
typedef PyObject *(*vectorcallfunc)(PyObject *, PyObject *const *, size_t, PyObject *);
typedef PyObject *(*getter)(PyObject *, void *);
typedef int (*setter)(PyObject *, PyObject *, void *);

typedef struct bufferinfo {
  void *buf;
  PyObject *obj;
  Py_ssize_t len;
  Py_ssize_t itemsize;
  int readonly;
  int ndim;
  char *format;
  Py_ssize_t *shape;
  Py_ssize_t *strides;
  Py_ssize_t *suboffsets;
  void *internal;
} Py_buffer;
typedef int (*getbufferproc)(PyObject *, Py_buffer *, int);
typedef void (*releasebufferproc)(PyObject *, Py_buffer *);
typedef enum { PYGEN_RETURN = 0, PYGEN_ERROR = -1, PYGEN_NEXT = 1 } PySendResult;
typedef PySendResult (*sendfunc)(PyObject *, PyObject *, PyObject **);

typedef struct {
  binaryfunc nb_add;
  binaryfunc nb_subtract;
  binaryfunc nb_multiply;
  binaryfunc nb_remainder;
  binaryfunc nb_divmod;
  ternaryfunc nb_power;
  unaryfunc nb_negative;
  unaryfunc nb_positive;
  unaryfunc nb_absolute;
  inquiry nb_bool;
  unaryfunc nb_invert;
  binaryfunc nb_lshift;
  binaryfunc nb_rshift;
  binaryfunc nb_and;
  binaryfunc nb_xor;
  binaryfunc nb_or;
  unaryfunc nb_int;
  void *nb_reserved;
  unaryfunc nb_float;
  binaryfunc nb_inplace_add;
  binaryfunc nb_inplace_subtract;
  binaryfunc nb_inplace_multiply;
  binaryfunc nb_inplace_remainder;
  ternaryfunc nb_inplace_power;
  binaryfunc nb_inplace_lshift;
  binaryfunc nb_inplace_rshift;
  binaryfunc nb_inplace_and;
  binaryfunc nb_inplace_xor;
  binaryfunc nb_inplace_or;
  binaryfunc nb_floor_divide;
  binaryfunc nb_true_divide;
  binaryfunc nb_inplace_floor_divide;
  binaryfunc nb_inplace_true_divide;
  unaryfunc nb_index;
  binaryfunc nb_matrix_multiply;
  binaryfunc nb_inplace_matrix_multiply;
} PyNumberMethods;

typedef struct {
  lenfunc sq_length;
  binaryfunc sq_concat;
  ssizeargfunc sq_repeat;
  ssizeargfunc sq_item;
  void *was_sq_slice;
  ssizeobjargproc sq_ass_item;
  void *was_sq_ass_slice;
  objobjproc sq_contains;
  binaryfunc sq_inplace_concat;
  ssizeargfunc sq_inplace_repeat;
} PySequenceMethods;

typedef struct {
  lenfunc mp_length;
  binaryfunc mp_subscript;
  objobjargproc mp_ass_subscript;
} PyMappingMethods;

typedef struct {
  unaryfunc am_await;
  unaryfunc am_aiter;
  unaryfunc am_anext;
  sendfunc am_send;
} PyAsyncMethods;

typedef struct {
  getbufferproc bf_getbuffer;
  releasebufferproc bf_releasebuffer;
} PyBufferProcs;

typedef PyObject *(*PyCFunction)(PyObject *, PyObject *);
typedef PyObject *(*PyCFunctionWithKeywords)(PyObject *, PyObject *, PyObject *);
typedef PyObject *(*PyCFunctionFast)(PyObject *, PyObject *const *, Py_ssize_t);
typedef PyObject *(*PyCFunctionFastWithKeywords)(PyObject *, PyObject *const *, Py_ssize_t, PyObject *);
typedef PyObject *(*PyCMethod)(PyObject *, PyTypeObject *, PyObject *const *, size_t, PyObject *);
typedef PyCFunctionFast _PyCFunctionFast;
typedef PyCFunctionFastWithKeywords _PyCFunctionFastWithKeywords;

struct PyMethodDef {
  const char *ml_name;
  PyCFunction ml_meth;
  int ml_flags;
  const char *ml_doc;
};
typedef struct PyMethodDef PyMethodDef;

#define METH_VARARGS 0x0001
#define METH_KEYWORDS 0x0002
#define METH_NOARGS 0x0004
#define METH_O 0x0008
#define METH_CLASS 0x0010
#define METH_STATIC 0x0020
#define METH_COEXIST 0x0040
#define METH_FASTCALL 0x0080
#define METH_METHOD 0x0200

struct PyMemberDef {
  const char *name;
  int type;
  Py_ssize_t offset;
  int flags;
  const char *doc;
};
typedef struct PyMemberDef PyMemberDef;
#define Py_T_SHORT 0
#define Py_T_INT 1
#define Py_T_LONG 2
#define Py_T_FLOAT 3
#define Py_T_DOUBLE 4
#define Py_T_STRING 5
#define _Py_T_OBJECT 6
#define Py_T_CHAR 7
#define Py_T_BYTE 8
#define Py_T_UBYTE 9
#define Py_T_USHORT 10
#define Py_T_UINT 11
#define Py_T_ULONG 12
#define Py_T_STRING_INPLACE 13
#define Py_T_BOOL 14
#define Py_T_OBJECT_EX 16
#define Py_T_LONGLONG 17
#define Py_T_ULONGLONG 18
#define Py_T_PYSSIZET 19
#define _Py_T_NONE 20
#define Py_READONLY 1
#define Py_AUDIT_READ 2
#define _Py_WRITE_RESTRICTED 4
#define Py_RELATIVE_OFFSET 8

struct PyGetSetDef {
  const char *name;
  getter get;
  setter set;
  const char *doc;
  void *closure;
};
typedef struct PyGetSetDef PyGetSetDef;

struct _typeobject {
  PyObject_VAR_HEAD
  const char *tp_name;
  Py_ssize_t tp_basicsize, tp_itemsize;
  destructor tp_dealloc;
  Py_ssize_t tp_vectorcall_offset;
  getattrfunc tp_getattr;
  setattrfunc tp_setattr;
  PyAsyncMethods *tp_as_async;
  reprfunc tp_repr;
  PyNumberMethods *tp_as_number;
  PySequenceMethods *tp_as_sequence;
  PyMappingMethods *tp_as_mapping;
  hashfunc tp_hash;
  ternaryfunc tp_call;
  reprfunc tp_str;
  getattrofunc tp_getattro;
  setattrofunc tp_setattro;
  PyBufferProcs *tp_as_buffer;
  unsigned long tp_flags;
  const char *tp_doc;
  traverseproc tp_traverse;
  inquiry tp_clear;
  richcmpfunc tp_richcompare;
  Py_ssize_t tp_weaklistoffset;
  getiterfunc tp_iter;
  iternextfunc tp_iternext;
  struct PyMethodDef *tp_methods;
  struct PyMemberDef *tp_members;
  struct PyGetSetDef *tp_getset;
  PyTypeObject *tp_base;
  PyObject *tp_dict;
  descrgetfunc tp_descr_get;
  descrsetfunc tp_descr_set;
  Py_ssize_t tp_dictoffset;
  initproc tp_init;
  allocfunc tp_alloc;
  newfunc tp_new;
  freefunc tp_free;
  inquiry tp_is_gc;
  PyObject *tp_bases;
  PyObject *tp_mro;
  PyObject *tp_cache;
  void *tp_subclasses;
  PyObject *tp_weaklist;
  destructor tp_del;
  unsigned int tp_version_tag;
  destructor tp_finalize;
  vectorcallfunc tp_vectorcall;
  unsigned char tp_watched;
  uint16_t tp_versions_used;
};

#define Py_TPFLAGS_HAVE_FINALIZE (1UL << 0)
#define Py_TPFLAGS_MANAGED_WEAKREF (1 << 3)
#define Py_TPFLAGS_MANAGED_DICT (1 << 4)
#define Py_TPFLAGS_SEQUENCE (1 << 5)
#define Py_TPFLAGS_MAPPING (1 << 6)
#define Py_TPFLAGS_DISALLOW_INSTANTIATION (1UL << 7)
#define Py_TPFLAGS_IMMUTABLETYPE (1UL << 8)
#define Py_TPFLAGS_HEAPTYPE (1UL << 9)
#define Py_TPFLAGS_BASETYPE (1UL << 10)
#define Py_TPFLAGS_HAVE_VECTORCALL (1UL << 11)
#define Py_TPFLAGS_READY (1UL << 12)
#define Py_TPFLAGS_READYING (1UL << 13)
#define Py_TPFLAGS_HAVE_GC (1UL << 14)
#define Py_TPFLAGS_METHOD_DESCRIPTOR (1UL << 17)
#define Py_TPFLAGS_VALID_VERSION_TAG (1UL << 19)
#define Py_TPFLAGS_IS_ABSTRACT (1UL << 20)
#define Py_TPFLAGS_LONG_SUBCLASS (1UL << 24)
#define Py_TPFLAGS_LIST_SUBCLASS (1UL << 25)
#define Py_TPFLAGS_TUPLE_SUBCLASS (1UL << 26)
#define Py_TPFLAGS_BYTES_SUBCLASS (1UL << 27)
#define Py_TPFLAGS_UNICODE_SUBCLASS (1UL << 28)
#define Py_TPFLAGS_DICT_SUBCLASS (1UL << 29)
#define Py_TPFLAGS_BASE_EXC_SUBCLASS (1UL << 30)
#define Py_TPFLAGS_TYPE_SUBCLASS (1UL << 31)
#define Py_TPFLAGS_DEFAULT 0

typedef struct {
  int slot;
  void *pfunc;
} PyType_Slot;

typedef struct {
  const char *name;
  int basicsize;
  int itemsize;
  unsigned int flags;
  PyType_Slot *slots;
} PyType_Spec;

#define Py_bf_getbuffer 1
#define Py_bf_releasebuffer 2
#define Py_mp_ass_subscript 3
#define Py_mp_length 4
#define Py_mp_subscript 5
#define Py_nb_absolute 6
#define Py_nb_add 7
#define Py_nb_and 8
#define Py_nb_bool 9
#define Py_nb_divmod 10
#define Py_nb_float 11
#define Py_nb_floor_divide 12
#define Py_nb_index 13
#define Py_nb_inplace_add 14
#define Py_nb_inplace_and 15
#define Py_nb_inplace_floor_divide 16
#define Py_nb_inplace_lshift 17
#define Py_nb_inplace_multiply 18
#define Py_nb_inplace_or 19
#define Py_nb_inplace_power 20
#define Py_nb_inplace_remainder 21
#define Py_nb_inplace_rshift 22
#define Py_nb_inplace_subtract 23
#define Py_nb_inplace_true_divide 24
#define Py_nb_inplace_xor 25
#define Py_nb_int 26
#define Py_nb_invert 27
#define Py_nb_lshift 28
#define Py_nb_multiply 29
#define Py_nb_negative 30
#define Py_nb_or 31
#define Py_nb_positive 32
#define Py_nb_power 33
#define Py_nb_remainder 34
#define Py_nb_rshift 35
#define Py_nb_subtract 36
#define Py_nb_true_divide 37
#define Py_nb_xor 38
#define Py_sq_ass_item 39
#define Py_sq_concat 40
#define Py_sq_contains 41
#define Py_sq_inplace_concat 42
#define Py_sq_inplace_repeat 43
#define Py_sq_item 44
#define Py_sq_length 45
#define Py_sq_repeat 46
#define Py_tp_alloc 47
#define Py_tp_base 48
#define Py_tp_bases 49
#define Py_tp_call 50
#define Py_tp_clear 51
#define Py_tp_dealloc 52
#define Py_tp_del 53
#define Py_tp_descr_get 54
#define Py_tp_descr_set 55
#define Py_tp_doc 56
#define Py_tp_getattr 57
#define Py_tp_getattro 58
#define Py_tp_hash 59
#define Py_tp_init 60
#define Py_tp_is_gc 61
#define Py_tp_iter 62
#define Py_tp_iternext 63
#define Py_tp_methods 64
#define Py_tp_new 65
#define Py_tp_repr 66
#define Py_tp_richcompare 67
#define Py_tp_setattr 68
#define Py_tp_setattro 69
#define Py_tp_str 70
#define Py_tp_traverse 71
#define Py_tp_members 72
#define Py_tp_getset 73
#define Py_tp_free 74
#define Py_nb_matrix_multiply 75
#define Py_nb_inplace_matrix_multiply 76
#define Py_am_await 77
#define Py_am_aiter 78
#define Py_am_anext 79
#define Py_tp_finalize 80
#define Py_am_send 81

/* Reference counts: inline functions behind macros of the same name, as in 3.12+. */
static inline PyTypeObject *Py_TYPE(PyObject *ob) { return ob->ob_type; }
#define Py_TYPE(ob) Py_TYPE(_PyObject_CAST(ob))
static inline Py_ssize_t Py_REFCNT(PyObject *ob) { return ob->ob_refcnt; }
#define Py_REFCNT(ob) Py_REFCNT(_PyObject_CAST(ob))
static inline Py_ssize_t Py_SIZE(PyObject *ob) { return ((PyVarObject *)ob)->ob_size; }
#define Py_SIZE(ob) Py_SIZE(_PyObject_CAST(ob))
static inline void Py_SET_TYPE(PyObject *ob, PyTypeObject *type) { ob->ob_type = type; }
#define Py_SET_TYPE(ob, type) Py_SET_TYPE(_PyObject_CAST(ob), type)
static inline void Py_SET_SIZE(PyVarObject *ob, Py_ssize_t size) { ob->ob_size = size; }
#define Py_SET_SIZE(ob, size) Py_SET_SIZE(_PyVarObject_CAST(ob), (size))
static inline int Py_IS_TYPE(PyObject *ob, PyTypeObject *type) { return Py_TYPE(ob) == type; }
#define Py_IS_TYPE(ob, type) Py_IS_TYPE(_PyObject_CAST(ob), (type))
void _Py_Dealloc(PyObject *op);
static inline void Py_INCREF(PyObject *op) { op->ob_refcnt++; }
#define Py_INCREF(op) Py_INCREF(_PyObject_CAST(op))
static inline void Py_DECREF(PyObject *op) {
  if (--op->ob_refcnt == 0) _Py_Dealloc(op);
}
#define Py_DECREF(op) Py_DECREF(_PyObject_CAST(op))
static inline void Py_XINCREF(PyObject *op) {
  if (op != _Py_NULL) Py_INCREF(op);
}
#define Py_XINCREF(op) Py_XINCREF(_PyObject_CAST(op))
static inline void Py_XDECREF(PyObject *op) {
  if (op != _Py_NULL) Py_DECREF(op);
}
#define Py_XDECREF(op) Py_XDECREF(_PyObject_CAST(op))
static inline PyObject *_Py_NewRef(PyObject *obj) {
  Py_INCREF(obj);
  return obj;
}
static inline PyObject *_Py_XNewRef(PyObject *obj) {
  Py_XINCREF(obj);
  return obj;
}
PyObject *Py_NewRef(PyObject *obj);
PyObject *Py_XNewRef(PyObject *obj);
#define Py_NewRef(obj) _Py_NewRef(_PyObject_CAST(obj))
#define Py_XNewRef(obj) _Py_XNewRef(_PyObject_CAST(obj))

#define Py_CLEAR(op)                         \
  do {                                       \
    PyObject **_py_tmp = (PyObject **)&(op); \
    if (*_py_tmp != _Py_NULL) {              \
      PyObject *_py_tmp2 = *_py_tmp;         \
      (*_py_tmp) = _Py_NULL;                 \
      Py_DECREF(_py_tmp2);                   \
    }                                        \
  } while (0)
#define Py_SETREF(dst, src)                   \
  do {                                        \
    PyObject **_tmp_dst_ptr = (PyObject **)&(dst); \
    PyObject *_tmp_old_dst = (*_tmp_dst_ptr); \
    *_tmp_dst_ptr = _PyObject_CAST(src);      \
    Py_DECREF(_tmp_old_dst);                  \
  } while (0)
#define Py_XSETREF(dst, src)                  \
  do {                                        \
    PyObject **_tmp_dst_ptr = (PyObject **)&(dst); \
    PyObject *_tmp_old_dst = (*_tmp_dst_ptr); \
    *_tmp_dst_ptr = _PyObject_CAST(src);      \
    Py_XDECREF(_tmp_old_dst);                 \
  } while (0)
#define Py_VISIT(op)                                     \
  do {                                                   \
    if (op) {                                            \
      int vret = visit(_PyObject_CAST(op), arg);         \
      if (vret) return vret;                             \
    }                                                    \
  } while (0)

/* --- singletons, built-in types, exceptions -------------------------------------------- */

PyAPI_DATA(PyObject) _Py_NoneStruct;
PyAPI_DATA(PyObject) _Py_NotImplementedStruct;
PyAPI_DATA(PyObject) _Py_TrueStruct;
PyAPI_DATA(PyObject) _Py_FalseStruct;
PyAPI_DATA(PyObject) _Py_EllipsisObject;
#define Py_None (&_Py_NoneStruct)
#define Py_NotImplemented (&_Py_NotImplementedStruct)
#define Py_True (&_Py_TrueStruct)
#define Py_False (&_Py_FalseStruct)
#define Py_Ellipsis (&_Py_EllipsisObject)
#define Py_RETURN_NONE return Py_NewRef(Py_None)
#define Py_RETURN_NOTIMPLEMENTED return Py_NewRef(Py_NotImplemented)
#define Py_RETURN_TRUE return Py_NewRef(Py_True)
#define Py_RETURN_FALSE return Py_NewRef(Py_False)
#define Py_IsNone(x) ((x) == Py_None)

#define Py_LT 0
#define Py_LE 1
#define Py_EQ 2
#define Py_NE 3
#define Py_GT 4
#define Py_GE 5
#define Py_RETURN_RICHCOMPARE(val1, val2, op) return PyBool_FromLong((op) == Py_EQ ? (val1) == (val2) : (val1) != (val2))

PyAPI_DATA(PyTypeObject) PyType_Type;
PyAPI_DATA(PyTypeObject) PyBaseObject_Type;
PyAPI_DATA(PyTypeObject) PyLong_Type;
PyAPI_DATA(PyTypeObject) PyFloat_Type;
PyAPI_DATA(PyTypeObject) PyBool_Type;
PyAPI_DATA(PyTypeObject) PyUnicode_Type;
PyAPI_DATA(PyTypeObject) PyBytes_Type;
PyAPI_DATA(PyTypeObject) PyByteArray_Type;
PyAPI_DATA(PyTypeObject) PyTuple_Type;
PyAPI_DATA(PyTypeObject) PyList_Type;
PyAPI_DATA(PyTypeObject) PyDict_Type;
PyAPI_DATA(PyTypeObject) PySet_Type;
PyAPI_DATA(PyTypeObject) PyModule_Type;
PyAPI_DATA(PyTypeObject) PyCapsule_Type;
PyAPI_DATA(PyTypeObject) PyCFunction_Type;

PyAPI_DATA(PyObject *) PyExc_BaseException;
PyAPI_DATA(PyObject *) PyExc_Exception;
PyAPI_DATA(PyObject *) PyExc_ArithmeticError;
PyAPI_DATA(PyObject *) PyExc_LookupError;
PyAPI_DATA(PyObject *) PyExc_AttributeError;
PyAPI_DATA(PyObject *) PyExc_BufferError;
PyAPI_DATA(PyObject *) PyExc_ImportError;
PyAPI_DATA(PyObject *) PyExc_IndexError;
PyAPI_DATA(PyObject *) PyExc_KeyError;
PyAPI_DATA(PyObject *) PyExc_MemoryError;
PyAPI_DATA(PyObject *) PyExc_NotImplementedError;
PyAPI_DATA(PyObject *) PyExc_OSError;
PyAPI_DATA(PyObject *) PyExc_OverflowError;
PyAPI_DATA(PyObject *) PyExc_RuntimeError;
PyAPI_DATA(PyObject *) PyExc_StopIteration;
PyAPI_DATA(PyObject *) PyExc_SystemError;
PyAPI_DATA(PyObject *) PyExc_TypeError;
PyAPI_DATA(PyObject *) PyExc_ValueError;
PyAPI_DATA(PyObject *) PyExc_ZeroDivisionError;
PyAPI_DATA(PyObject *) PyExc_UnicodeDecodeError;
PyAPI_DATA(PyObject *) PyExc_Warning;
PyAPI_DATA(PyObject *) PyExc_DeprecationWarning;
PyAPI_DATA(PyObject *) PyExc_RuntimeWarning;
PyAPI_DATA(PyObject *) PyExc_UserWarning;

/* --- types -------------------------------------------------------------------------------- */

int PyType_Ready(PyTypeObject *type);
PyObject *PyType_GenericAlloc(PyTypeObject *type, Py_ssize_t nitems);
PyObject *PyType_GenericNew(PyTypeObject *type, PyObject *args, PyObject *kwds);
int PyType_IsSubtype(PyTypeObject *a, PyTypeObject *b);
unsigned long PyType_GetFlags(PyTypeObject *type);
void *PyType_GetSlot(PyTypeObject *type, int slot);
PyObject *PyType_FromSpec(PyType_Spec *spec);
PyObject *PyType_FromSpecWithBases(PyType_Spec *spec, PyObject *bases);
PyObject *PyType_FromModuleAndSpec(PyObject *module, PyType_Spec *spec, PyObject *bases);
PyObject *PyType_FromMetaclass(PyTypeObject *metaclass, PyObject *module, PyType_Spec *spec, PyObject *bases);
PyObject *PyType_GetModule(PyTypeObject *type);
void *PyType_GetModuleState(PyTypeObject *type);
PyObject *PyType_GetModuleByDef(PyTypeObject *type, struct PyModuleDef *def);
PyObject *PyType_GetName(PyTypeObject *type);
#define PyType_HasFeature(t, f) ((PyType_GetFlags(t) & (f)) != 0)
#define PyType_FastSubclass(t, f) PyType_HasFeature(t, f)
#define PyType_Check(op) PyType_FastSubclass(Py_TYPE(op), Py_TPFLAGS_TYPE_SUBCLASS)
#define PyObject_TypeCheck(ob, type) (Py_IS_TYPE(ob, type) || PyType_IsSubtype(Py_TYPE(ob), (type)))

/* --- allocation ----------------------------------------------------------------------------- */

void *PyMem_Malloc(size_t size);
void *PyMem_Calloc(size_t n, size_t size);
void *PyMem_Realloc(void *p, size_t size);
void PyMem_Free(void *p);
void *PyMem_RawMalloc(size_t size);
void *PyMem_RawCalloc(size_t nelem, size_t elsize);
void PyMem_RawFree(void *p);
#define PyMem_New(type, n) ((type *)PyMem_Malloc((n) * sizeof(type)))
#define PyMem_NEW(type, n) PyMem_New(type, n)
#define PyMem_Del PyMem_Free
#define PyMem_DEL PyMem_Free
void *PyObject_Malloc(size_t size);
void *PyObject_Calloc(size_t n, size_t size);
void *PyObject_Realloc(void *p, size_t size);
void PyObject_Free(void *p);
#define PyObject_MALLOC PyObject_Malloc
#define PyObject_FREE PyObject_Free
#define PyObject_Del PyObject_Free
#define PyObject_DEL PyObject_Free
PyObject *PyObject_Init(PyObject *op, PyTypeObject *type);
PyObject *_PyObject_New(PyTypeObject *type);
PyVarObject *_PyObject_NewVar(PyTypeObject *type, Py_ssize_t n);
#define PyObject_New(type, typeobj) ((type *)_PyObject_New(typeobj))
#define PyObject_NewVar(type, typeobj, n) ((type *)_PyObject_NewVar((typeobj), (n)))
#define PyObject_NEW(type, typeobj) PyObject_New(type, (typeobj))
#define PyObject_NEW_VAR(type, typeobj, n) PyObject_NewVar(type, (typeobj), (n))
PyObject *_PyObject_GC_New(PyTypeObject *type);
PyVarObject *_PyObject_GC_NewVar(PyTypeObject *type, Py_ssize_t n);
#define PyObject_GC_New(type, typeobj) ((type *)_PyObject_GC_New(typeobj))
#define PyObject_GC_NewVar(type, typeobj, n) ((type *)_PyObject_GC_NewVar((typeobj), (n)))
void PyObject_GC_Track(void *op);
void PyObject_GC_UnTrack(void *op);
void PyObject_GC_Del(void *op);
int PyObject_GC_IsTracked(PyObject *op);
void PyObject_ClearWeakRefs(PyObject *op);

/* --- objects' protocols --------------------------------------------------------------------- */

PyObject *PyObject_Repr(PyObject *o);
PyObject *PyObject_Str(PyObject *o);
Py_hash_t PyObject_Hash(PyObject *o);
int PyObject_IsTrue(PyObject *o);
int PyObject_Not(PyObject *o);
PyObject *PyObject_RichCompare(PyObject *a, PyObject *b, int op);
int PyObject_RichCompareBool(PyObject *a, PyObject *b, int op);
PyObject *PyObject_GetAttr(PyObject *o, PyObject *name);
PyObject *PyObject_GetAttrString(PyObject *o, const char *name);
int PyObject_SetAttr(PyObject *o, PyObject *name, PyObject *v);
int PyObject_SetAttrString(PyObject *o, const char *name, PyObject *v);
int PyObject_HasAttrString(PyObject *o, const char *name);
PyObject *PyObject_GenericGetAttr(PyObject *o, PyObject *name);
int PyObject_GenericSetAttr(PyObject *o, PyObject *name, PyObject *v);
PyObject *PyObject_GetItem(PyObject *o, PyObject *key);
int PyObject_SetItem(PyObject *o, PyObject *key, PyObject *v);
Py_ssize_t PyObject_Size(PyObject *o);
Py_ssize_t PyObject_Length(PyObject *o);
PyObject *PyObject_GetIter(PyObject *o);
PyObject *PyObject_SelfIter(PyObject *o);
PyObject *PyIter_Next(PyObject *o);
int PyIter_Check(PyObject *o);
int PyCallable_Check(PyObject *o);
int PyObject_IsInstance(PyObject *o, PyObject *cls);
PyObject *PyObject_Type(PyObject *o);
PyObject *PyObject_Call(PyObject *callable, PyObject *args, PyObject *kwargs);
PyObject *PyObject_CallObject(PyObject *callable, PyObject *args);
PyObject *PyObject_CallNoArgs(PyObject *callable);
PyObject *PyObject_CallOneArg(PyObject *callable, PyObject *arg);
PyObject *PyObject_CallFunction(PyObject *callable, const char *format, ...);
PyObject *PyObject_CallFunctionObjArgs(PyObject *callable, ...);
PyObject *PyObject_CallMethod(PyObject *obj, const char *name, const char *format, ...);
PyObject *PyObject_CallMethodObjArgs(PyObject *obj, PyObject *name, ...);
PyObject *PyObject_CallMethodNoArgs(PyObject *obj, PyObject *name);
PyObject *PyObject_CallMethodOneArg(PyObject *obj, PyObject *name, PyObject *arg);
PyObject *PyObject_Vectorcall(PyObject *callable, PyObject *const *args, size_t nargsf, PyObject *kwnames);
int PyObject_GetBuffer(PyObject *o, Py_buffer *view, int flags);
void PyBuffer_Release(Py_buffer *view);
#define PyBUF_SIMPLE 0
#define PyBUF_WRITABLE 0x0001

PyObject *PyNumber_Add(PyObject *a, PyObject *b);
PyObject *PyNumber_Negative(PyObject *o);
PyObject *PyLong_FromUnicodeObject(PyObject *u, int base);
PyObject *PyNumber_Subtract(PyObject *a, PyObject *b);
PyObject *PyNumber_Multiply(PyObject *a, PyObject *b);
PyObject *PyNumber_Index(PyObject *o);
PyObject *PyNumber_Long(PyObject *o);
PyObject *PyNumber_Float(PyObject *o);
int PyNumber_Check(PyObject *o);
PyObject *PySequence_List(PyObject *o);
PyObject *PySequence_Tuple(PyObject *o);
PyObject *PySequence_Concat(PyObject *a, PyObject *b);
PyObject *PySequence_GetItem(PyObject *o, Py_ssize_t i);
PyObject *PySequence_Fast(PyObject *o, const char *m);
Py_ssize_t PySequence_Size(PyObject *o);
int PySequence_Check(PyObject *o);
int PySequence_Contains(PyObject *o, PyObject *v);
int PyMapping_Check(PyObject *o);
PyObject *PyMapping_Keys(PyObject *o);

/* --- concrete objects --------------------------------------------------------------------- */

PyObject *PyLong_FromLong(long v);
PyObject *PyLong_FromUnsignedLong(unsigned long v);
PyObject *PyLong_FromLongLong(long long v);
PyObject *PyLong_FromUnsignedLongLong(unsigned long long v);
PyObject *PyLong_FromSsize_t(Py_ssize_t v);
PyObject *PyLong_FromSize_t(size_t v);
PyObject *PyLong_FromDouble(double v);
PyObject *PyLong_FromVoidPtr(void *p);
long PyLong_AsLong(PyObject *o);
long PyLong_AsLongAndOverflow(PyObject *o, int *overflow);
long long PyLong_AsLongLong(PyObject *o);
unsigned long PyLong_AsUnsignedLong(PyObject *o);
unsigned long long PyLong_AsUnsignedLongLong(PyObject *o);
Py_ssize_t PyLong_AsSsize_t(PyObject *o);
size_t PyLong_AsSize_t(PyObject *o);
double PyLong_AsDouble(PyObject *o);
void *PyLong_AsVoidPtr(PyObject *o);
#define PyLong_Check(op) PyType_FastSubclass(Py_TYPE(op), Py_TPFLAGS_LONG_SUBCLASS)
#define PyLong_CheckExact(op) Py_IS_TYPE(op, &PyLong_Type)
PyObject *PyBool_FromLong(long v);
#define PyBool_Check(x) Py_IS_TYPE(x, &PyBool_Type)
PyObject *PyFloat_FromDouble(double v);
double PyFloat_AsDouble(PyObject *o);
#define PyFloat_Check(op) PyObject_TypeCheck(op, &PyFloat_Type)
#define PyFloat_AS_DOUBLE(op) PyFloat_AsDouble(op)

PyObject *PyUnicode_FromString(const char *s);
PyObject *PyUnicode_FromStringAndSize(const char *s, Py_ssize_t n);
PyObject *PyUnicode_FromFormat(const char *format, ...);
PyObject *PyUnicode_InternFromString(const char *s);
void PyUnicode_InternInPlace(PyObject **s);
PyObject *PyUnicode_Concat(PyObject *a, PyObject *b);
PyObject *PyUnicode_Join(PyObject *sep, PyObject *seq);
PyObject *PyUnicode_DecodeUTF8(const char *s, Py_ssize_t n, const char *errors);
PyObject *PyUnicode_AsUTF8String(PyObject *o);
const char *PyUnicode_AsUTF8(PyObject *o);
const char *PyUnicode_AsUTF8AndSize(PyObject *o, Py_ssize_t *size);
Py_ssize_t PyUnicode_GetLength(PyObject *o);
PyObject *PyUnicode_Substring(PyObject *str, Py_ssize_t start, Py_ssize_t end);
#define PyUnicode_GET_LENGTH(op) PyUnicode_GetLength((PyObject *)(op))
int PyUnicode_Compare(PyObject *a, PyObject *b);
int PyUnicode_CompareWithASCIIString(PyObject *a, const char *b);
#define PyUnicode_Check(op) PyType_FastSubclass(Py_TYPE(op), Py_TPFLAGS_UNICODE_SUBCLASS)
#define PyUnicode_CheckExact(op) Py_IS_TYPE(op, &PyUnicode_Type)
typedef struct {
  PyObject_HEAD
  Py_ssize_t length;
  Py_hash_t hash;
} PyUnicodeObject;

PyObject *PyBytes_FromString(const char *s);
PyObject *PyBytes_FromStringAndSize(const char *s, Py_ssize_t n);
char *PyBytes_AsString(PyObject *o);
Py_ssize_t PyBytes_Size(PyObject *o);
#define PyBytes_Check(op) PyType_FastSubclass(Py_TYPE(op), Py_TPFLAGS_BYTES_SUBCLASS)
#define PyBytes_AS_STRING(op) PyBytes_AsString(op)
#define PyBytes_GET_SIZE(op) PyBytes_Size(op)

typedef struct {
  PyObject_VAR_HEAD
  PyObject *ob_item[1];
} PyTupleObject;
PyObject *PyTuple_New(Py_ssize_t n);
PyObject *PyTuple_Pack(Py_ssize_t n, ...);
PyObject *PyTuple_GetItem(PyObject *t, Py_ssize_t i);
int PyTuple_SetItem(PyObject *t, Py_ssize_t i, PyObject *v);
Py_ssize_t PyTuple_Size(PyObject *t);
PyObject *PyTuple_GetSlice(PyObject *t, Py_ssize_t lo, Py_ssize_t hi);
#define PyTuple_Check(op) PyType_FastSubclass(Py_TYPE(op), Py_TPFLAGS_TUPLE_SUBCLASS)
#define PyTuple_GET_SIZE(op) Py_SIZE(op)
#define PyTuple_GET_ITEM(op, i) (((PyTupleObject *)(op))->ob_item[i])
#define PyTuple_SET_ITEM(op, i, v) ((void)(((PyTupleObject *)(op))->ob_item[i] = (v)))

typedef struct {
  PyObject_VAR_HEAD
  PyObject **ob_item;
  Py_ssize_t allocated;
} PyListObject;
PyObject *PyList_New(Py_ssize_t n);
PyObject *PyList_GetItem(PyObject *l, Py_ssize_t i);
int PyList_SetItem(PyObject *l, Py_ssize_t i, PyObject *v);
int PyList_Append(PyObject *l, PyObject *v);
int PyList_Insert(PyObject *l, Py_ssize_t i, PyObject *v);
Py_ssize_t PyList_Size(PyObject *l);
int PyList_Sort(PyObject *l);
PyObject *PyList_AsTuple(PyObject *l);
#define PyList_Check(op) PyType_FastSubclass(Py_TYPE(op), Py_TPFLAGS_LIST_SUBCLASS)
#define PyList_GET_SIZE(op) Py_SIZE(op)
#define PyList_GET_ITEM(op, i) (((PyListObject *)(op))->ob_item[i])
#define PyList_SET_ITEM(op, i, v) ((void)(((PyListObject *)(op))->ob_item[i] = (v)))

PyObject *PyDict_New(void);
PyObject *PyDict_GetItem(PyObject *d, PyObject *key);
PyObject *PyDict_GetItemWithError(PyObject *d, PyObject *key);
PyObject *PyDict_GetItemString(PyObject *d, const char *key);
int PyDict_GetItemRef(PyObject *d, PyObject *key, PyObject **result);
int PyDict_SetItem(PyObject *d, PyObject *key, PyObject *v);
int PyDict_SetItemString(PyObject *d, const char *key, PyObject *v);
int PyDict_DelItem(PyObject *d, PyObject *key);
int PyDict_DelItemString(PyObject *d, const char *key);
int PyDict_Contains(PyObject *d, PyObject *key);
int PyDict_Next(PyObject *d, Py_ssize_t *pos, PyObject **key, PyObject **value);
Py_ssize_t PyDict_Size(PyObject *d);
PyObject *PyDict_Keys(PyObject *d);
PyObject *PyDict_Values(PyObject *d);
PyObject *PyDict_Items(PyObject *d);
PyObject *PyDict_Copy(PyObject *d);
void PyDict_Clear(PyObject *d);
#define PyDict_Check(op) PyType_FastSubclass(Py_TYPE(op), Py_TPFLAGS_DICT_SUBCLASS)
#define PyDict_GET_SIZE(op) PyDict_Size(op)
PyObject *PySet_New(PyObject *iterable);
int PySet_Add(PyObject *s, PyObject *key);
int PySet_Contains(PyObject *s, PyObject *key);

typedef void (*PyCapsule_Destructor)(PyObject *);
PyObject *PyCapsule_New(void *pointer, const char *name, PyCapsule_Destructor destructor);
void *PyCapsule_GetPointer(PyObject *capsule, const char *name);
void *PyCapsule_Import(const char *name, int no_block);
int PyCapsule_IsValid(PyObject *capsule, const char *name);

PyObject *PyWeakref_NewRef(PyObject *ob, PyObject *callback);
PyObject *PyWeakref_GetObject(PyObject *ref);
int PyWeakref_GetRef(PyObject *ref, PyObject **pobj);
PyObject *PyCell_Get(PyObject *cell);
PyObject *PyMethod_Function(PyObject *m);
PyObject *PyMethod_Self(PyObject *m);
PyObject *PyFunction_GetCode(PyObject *f);
PyObject *PyFunction_GetGlobals(PyObject *f);
PyObject *PyCFunction_New(PyMethodDef *ml, PyObject *self);
PyObject *PyCFunction_NewEx(PyMethodDef *ml, PyObject *self, PyObject *module);
PyObject *PyCMethod_New(PyMethodDef *ml, PyObject *self, PyObject *module, PyTypeObject *cls);

typedef struct PyStructSequence_Field {
  const char *name;
  const char *doc;
} PyStructSequence_Field;
typedef struct PyStructSequence_Desc {
  const char *name;
  const char *doc;
  PyStructSequence_Field *fields;
  int n_in_sequence;
} PyStructSequence_Desc;
PyTypeObject *PyStructSequence_NewType(PyStructSequence_Desc *desc);
void PyStructSequence_InitType(PyTypeObject *type, PyStructSequence_Desc *desc);
int PyStructSequence_InitType2(PyTypeObject *type, PyStructSequence_Desc *desc);
PyObject *PyStructSequence_New(PyTypeObject *type);
void PyStructSequence_SetItem(PyObject *p, Py_ssize_t i, PyObject *v);
PyObject *PyStructSequence_GetItem(PyObject *p, Py_ssize_t i);

/* --- errors ------------------------------------------------------------------------------- */

void PyErr_SetString(PyObject *type, const char *message);
void PyErr_SetObject(PyObject *type, PyObject *value);
void PyErr_SetNone(PyObject *type);
PyObject *PyErr_Format(PyObject *type, const char *format, ...);
PyObject *PyErr_NoMemory(void);
PyObject *PyErr_SetFromErrno(PyObject *type);
PyObject *PyErr_Occurred(void);
void PyErr_Clear(void);
void PyErr_Print(void);
int PyErr_ExceptionMatches(PyObject *exc);
int PyErr_GivenExceptionMatches(PyObject *given, PyObject *exc);
void PyErr_Fetch(PyObject **type, PyObject **value, PyObject **tb);
void PyErr_Restore(PyObject *type, PyObject *value, PyObject *tb);
PyObject *PyErr_GetRaisedException(void);
void PyErr_SetRaisedException(PyObject *exc);
PyObject *PyErr_NewException(const char *name, PyObject *base, PyObject *dict);
PyObject *PyErr_NewExceptionWithDoc(const char *name, const char *doc, PyObject *base, PyObject *dict);
int PyErr_WarnEx(PyObject *category, const char *message, Py_ssize_t stacklevel);
void PyErr_WriteUnraisable(PyObject *obj);
int PyErr_CheckSignals(void);
void PyErr_SetInterrupt(void);
int PyErr_SetInterruptEx(int signum);
int PyErr_BadArgument(void);
PyObject *PyException_GetContext(PyObject *exc);

/* --- arguments, values ------------------------------------------------------------------------ */

int PyArg_ParseTuple(PyObject *args, const char *format, ...);
int PyArg_ParseTupleAndKeywords(PyObject *args, PyObject *kw, const char *format, char **keywords, ...);
int PyArg_UnpackTuple(PyObject *args, const char *name, Py_ssize_t min, Py_ssize_t max, ...);
int PyArg_Parse(PyObject *args, const char *format, ...);
int PyArg_ValidateKeywordArguments(PyObject *kw);
PyObject *Py_BuildValue(const char *format, ...);
typedef struct _PyArg_Parser {
  const char *format;
  const char *const *keywords;
  const char *fname;
  const char *custom_msg;
  int pos;
  int min;
  int max;
  PyObject *kwtuple;
  struct _PyArg_Parser *next;
} _PyArg_Parser;
#define PyVectorcall_NARGS(n) ((Py_ssize_t)((n) & ~((size_t)1 << 63)))

/* --- modules ------------------------------------------------------------------------------ */

typedef struct PyModuleDef_Base {
  PyObject_HEAD
  PyObject *(*m_init)(void);
  Py_ssize_t m_index;
  PyObject *m_copy;
} PyModuleDef_Base;
#define PyModuleDef_HEAD_INIT {PyObject_HEAD_INIT(_Py_NULL) _Py_NULL, 0, _Py_NULL}

struct PyModuleDef_Slot {
  int slot;
  void *value;
};
typedef struct PyModuleDef_Slot PyModuleDef_Slot;
#define Py_mod_create 1
#define Py_mod_exec 2
#define Py_mod_multiple_interpreters 3
#define Py_mod_gil 4
#define Py_MOD_MULTIPLE_INTERPRETERS_NOT_SUPPORTED ((void *)0)
#define Py_MOD_MULTIPLE_INTERPRETERS_SUPPORTED ((void *)1)
#define Py_MOD_PER_INTERPRETER_GIL_SUPPORTED ((void *)2)
#define Py_MOD_GIL_USED ((void *)0)
#define Py_MOD_GIL_NOT_USED ((void *)1)

typedef struct PyModuleDef {
  PyModuleDef_Base m_base;
  const char *m_name;
  const char *m_doc;
  Py_ssize_t m_size;
  PyMethodDef *m_methods;
  PyModuleDef_Slot *m_slots;
  traverseproc m_traverse;
  inquiry m_clear;
  freefunc m_free;
} PyModuleDef;

#define PYTHON_API_VERSION 1013
#define PYTHON_ABI_VERSION 3
PyObject *PyModule_Create2(PyModuleDef *def, int apiver);
#define PyModule_Create(module) PyModule_Create2((module), PYTHON_API_VERSION)
PyObject *PyModule_FromDefAndSpec2(PyModuleDef *def, PyObject *spec, int apiver);
#define PyModule_FromDefAndSpec(module, spec) PyModule_FromDefAndSpec2((module), (spec), PYTHON_API_VERSION)
PyObject *PyModuleDef_Init(PyModuleDef *def);
int PyModule_ExecDef(PyObject *module, PyModuleDef *def);
PyObject *PyModule_New(const char *name);
PyObject *PyModule_NewObject(PyObject *name);
void *PyModule_GetState(PyObject *module);
PyModuleDef *PyModule_GetDef(PyObject *module);
PyObject *PyModule_GetDict(PyObject *module);
PyObject *PyModule_GetNameObject(PyObject *module);
const char *PyModule_GetName(PyObject *module);
int PyModule_AddObject(PyObject *module, const char *name, PyObject *value);
int PyModule_AddObjectRef(PyObject *module, const char *name, PyObject *value);
int PyModule_Add(PyObject *module, const char *name, PyObject *value);
int PyModule_AddIntConstant(PyObject *module, const char *name, long value);
int PyModule_AddStringConstant(PyObject *module, const char *name, const char *value);
int PyModule_AddType(PyObject *module, PyTypeObject *type);
int PyModule_AddFunctions(PyObject *module, PyMethodDef *functions);
#define PyModule_AddIntMacro(m, c) PyModule_AddIntConstant(m, #c, c)
#define PyModule_AddStringMacro(m, c) PyModule_AddStringConstant(m, #c, c)
int PyUnstable_Module_SetGIL(PyObject *module, void *gil);
#define PyModule_Check(op) PyObject_TypeCheck(op, &PyModule_Type)

PyObject *PyState_FindModule(PyModuleDef *def);
int PyState_AddModule(PyObject *module, PyModuleDef *def);
int PyState_RemoveModule(PyModuleDef *def);

PyObject *PyImport_ImportModule(const char *name);
PyObject *PyImport_Import(PyObject *name);
PyObject *PyImport_GetModuleDict(void);
PyObject *PyImport_AddModule(const char *name);
PyObject *PyImport_ImportModuleAttrString(const char *mod, const char *attr);

/* --- interpreters and threads --------------------------------------------------------------- */

typedef struct _is PyInterpreterState;
typedef struct _ts PyThreadState;
typedef enum { PyGILState_LOCKED, PyGILState_UNLOCKED } PyGILState_STATE;
PyGILState_STATE PyGILState_Ensure(void);
void PyGILState_Release(PyGILState_STATE state);
PyThreadState *PyGILState_GetThisThreadState(void);
int PyGILState_Check(void);
PyInterpreterState *PyInterpreterState_Get(void);
PyInterpreterState *PyInterpreterState_Main(void);
int64_t PyInterpreterState_GetID(PyInterpreterState *interp);
PyObject *PyInterpreterState_GetDict(PyInterpreterState *interp);
PyThreadState *PyThreadState_Get(void);
#define PYTHREAD_INVALID_THREAD_ID ((unsigned long)-1)
unsigned long PyThread_start_new_thread(void (*func)(void *), void *arg);
PyThreadState *PyThreadState_New(PyInterpreterState *interp);
void PyThreadState_Clear(PyThreadState *tstate);
void PyThreadState_Delete(PyThreadState *tstate);
PyThreadState *PyThreadState_Swap(PyThreadState *tstate);
PyObject *PyThreadState_GetDict(void);
PyThreadState *PyEval_SaveThread(void);
void PyEval_RestoreThread(PyThreadState *tstate);
void PyEval_AcquireThread(PyThreadState *tstate);
void PyEval_ReleaseThread(PyThreadState *tstate);
PyObject *PyEval_GetBuiltins(void);
PyObject *PyEval_GetGlobals(void);
PyObject *PyEval_GetLocals(void);
int Py_AddPendingCall(int (*func)(void *), void *arg);
int Py_IsInitialized(void);
#define Py_BEGIN_ALLOW_THREADS { PyThreadState *_save; _save = PyEval_SaveThread();
#define Py_END_ALLOW_THREADS PyEval_RestoreThread(_save); }
#define Py_BLOCK_THREADS PyEval_RestoreThread(_save);
#define Py_UNBLOCK_THREADS _save = PyEval_SaveThread();

typedef struct { void *_opaque[4]; } PyMutex;
void PyMutex_Lock(PyMutex *m);
void PyMutex_Unlock(PyMutex *m);
typedef void *PyThread_type_lock;
PyThread_type_lock PyThread_allocate_lock(void);
void PyThread_free_lock(PyThread_type_lock lock);
int PyThread_acquire_lock(PyThread_type_lock lock, int waitflag);
void PyThread_release_lock(PyThread_type_lock lock);
#define WAIT_LOCK 1
#define NOWAIT_LOCK 0

PyObject *PySys_GetObject(const char *name);
int PySys_SetObject(const char *name, PyObject *v);
void PySys_WriteStderr(const char *format, ...);
void Py_FatalError(const char *message);
int Py_AtExit(void (*func)(void));

#ifdef __cplusplus
}
#endif

#endif
