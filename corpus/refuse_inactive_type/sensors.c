/* A static type and an exception class that only exist where the platform has thermal sensors
 * (SENSORS_HAVE_THERMAL, not defined in this build): the compiler never sees them here, yet where
 * they are built they are shared by every interpreter. check must not call the module isolated and
 * fix must not declare per-interpreter GIL support while they remain. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

typedef struct {
    PyObject_HEAD
    int zone;
} ProbeObject;

#ifdef SENSORS_HAVE_THERMAL
static PyObject *ThermalError;

static PyTypeObject ThermalProbe_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "sensors.ThermalProbe",
    .tp_basicsize = sizeof(ProbeObject),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = PyType_GenericNew,
};
#endif

static PyObject *available(PyObject *Py_UNUSED(module), PyObject *Py_UNUSED(unused)) {
#if defined(SENSORS_HAVE_THERMAL)
    Py_RETURN_TRUE;
#else
    Py_RETURN_FALSE;
#endif
}

static PyMethodDef sensors_methods[] = {
    {"available", available, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef sensors_module = {
    PyModuleDef_HEAD_INIT, "sensors", NULL, -1, sensors_methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit_sensors(void) {
    PyObject *m = PyModule_Create(&sensors_module);
    if (m == NULL) return NULL;
#ifdef SENSORS_HAVE_THERMAL
    ThermalError = PyErr_NewException("sensors.ThermalError", NULL, NULL);
    if (ThermalError == NULL || PyModule_AddObjectRef(m, "ThermalError", ThermalError) < 0) goto error;
    if (PyType_Ready(&ThermalProbe_Type) < 0) goto error;
    if (PyModule_AddObjectRef(m, "ThermalProbe", (PyObject *)&ThermalProbe_Type) < 0) goto error;
#endif
    return m;
#ifdef SENSORS_HAVE_THERMAL
error:
    Py_DECREF(m);
    return NULL;
#endif
}
